/**
 * Notification channels: webhook (optionally HMAC-signed), Slack incoming webhook, email. Secrets
 * are write-only: the API says only whether one is stored, and leaving the field empty keeps it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type Channel,
  type ChannelInput,
  type ChannelType,
  createChannel,
  type Delivery,
  deleteChannel,
  errorField,
  testChannel,
  updateChannel,
} from '../../api/alerting.js';
import { Async, Badge, DataTable, ErrorBox, Panel } from '../../components/ui.js';
import { fmtMs } from '../../lib/format.js';
import type { AsyncState } from '../../lib/useAsync.js';
import { Field, type FieldError, inputValue, matchesField, parseList } from './fields.js';

function target(c: Channel): string {
  const cfg = c.config as { url?: string; to?: string[]; host?: string };
  if (c.type === 'email') return `${(cfg.to ?? []).join(', ')} via ${cfg.host ?? '?'}`;
  return cfg.url ?? '';
}

export function deliveryText(d: Delivery): string {
  const parts = [
    d.status === 'sent' ? 'delivered' : 'failed',
    d.httpStatus ? `HTTP ${d.httpStatus}` : null,
    `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`,
    fmtMs(d.durationMs),
  ].filter(Boolean);
  return `${parts.join(', ')}${d.error ? ` — ${d.error}` : ''}`;
}

export function Channels(p: { channels: AsyncState<{ items: Channel[] }> }) {
  const [editing, setEditing] = useState<Channel | null | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [results, setResults] = useState<Record<string, Delivery | { requestFailed: string } | 'sending'>>({});

  const sendTest = async (c: Channel) => {
    setResults((r) => ({ ...r, [c.id]: 'sending' }));
    try {
      const d = await testChannel(c.id);
      setResults((r) => ({ ...r, [c.id]: d }));
    } catch (e) {
      setResults((r) => ({ ...r, [c.id]: { requestFailed: (e as Error).message } }));
    }
  };
  const remove = async (c: Channel) => {
    if (!confirm(`Delete the channel “${c.name}”?`)) return;
    setError(null);
    try {
      await deleteChannel(c.id);
      p.channels.reload();
    } catch (e) {
      setError(e as Error);
    }
  };

  return (
    <Panel
      title="Notification channels"
      actions={
        editing === undefined && (
          <button type="button" class="primary" onClick={() => setEditing(null)}>
            New channel
          </button>
        )
      }
    >
      {error && <ErrorBox error={error} />}
      <Async state={p.channels} label="Loading channels…">
        {(d) => (
          <DataTable
            label="Notification channels"
            rows={d.items}
            rowKey={(c) => c.id}
            empty="No channels yet. Add a webhook, Slack or email channel, then pick it in a rule."
            columns={[
              { key: 'name', label: 'Channel', render: (c) => <strong>{c.name}</strong>, sort: (c) => c.name },
              { key: 'type', label: 'Type', render: (c) => c.type, sort: (c) => c.type },
              {
                key: 'target',
                label: 'Target',
                render: (c) => (
                  <span class="truncate" title={target(c)}>
                    {target(c)}
                    {c.type === 'webhook' && c.secretSet && <span class="muted small"> · signed</span>}
                  </span>
                ),
              },
              {
                key: 'en',
                label: 'Enabled',
                render: (c) => <Badge kind={c.enabled ? 'ok' : 'disabled'}>{c.enabled ? 'on' : 'off'}</Badge>,
              },
              {
                key: 'test',
                label: 'Last test',
                render: (c) => {
                  const r = results[c.id];
                  if (!r) return <span class="muted">—</span>;
                  if (r === 'sending') return <span class="muted">sending…</span>;
                  if ('requestFailed' in r)
                    return (
                      <span class="test-result bad" role="status">
                        {r.requestFailed}
                      </span>
                    );
                  return (
                    <span class={`test-result ${r.status === 'sent' ? 'good' : 'bad'}`} role="status">
                      {deliveryText(r)}
                    </span>
                  );
                },
              },
              {
                key: 'act',
                label: 'Actions',
                render: (c) => (
                  <span class="row nowrap">
                    <button
                      type="button"
                      disabled={results[c.id] === 'sending'}
                      aria-label={`Send test to ${c.name}`}
                      onClick={() => sendTest(c)}
                    >
                      Send test
                    </button>
                    <button type="button" aria-label={`Edit channel ${c.name}`} onClick={() => setEditing(c)}>
                      Edit
                    </button>
                    <button
                      type="button"
                      class="ghost danger"
                      aria-label={`Delete channel ${c.name}`}
                      onClick={() => remove(c)}
                    >
                      Delete
                    </button>
                  </span>
                ),
              },
            ]}
          />
        )}
      </Async>
      {editing !== undefined && (
        <ChannelEditor
          key={editing?.id ?? 'new'}
          channel={editing}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) p.channels.reload();
          }}
        />
      )}
    </Panel>
  );
}

const FIELDS = [
  'name',
  'type',
  'config',
  'config.url',
  'config.secret',
  'config.host',
  'config.port',
  'config.user',
  'config.password',
  'config.from',
  'config.to',
] as const;

function ChannelEditor(p: { channel: Channel | null; onDone: (saved: Channel | null) => void }) {
  const c = p.channel;
  const cfg = (c?.config ?? {}) as Record<string, unknown>;
  const [name, setName] = useState(c?.name ?? '');
  const [type, setType] = useState<ChannelType>(c?.type ?? 'webhook');
  const [enabled, setEnabled] = useState(c?.enabled ?? true);
  const [url, setUrl] = useState(String(cfg.url ?? ''));
  const [secret, setSecret] = useState('');
  const [clearSecret, setClearSecret] = useState(false);
  const [host, setHost] = useState(String(cfg.host ?? ''));
  const [port, setPort] = useState(String(cfg.port ?? '587'));
  const [secure, setSecure] = useState(Boolean(cfg.secure));
  const [user, setUser] = useState(String(cfg.user ?? ''));
  const [from, setFrom] = useState(String(cfg.from ?? ''));
  const [to, setTo] = useState(((cfg.to as string[] | undefined) ?? []).join(', '));
  const [error, setError] = useState<FieldError | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => formRef.current?.querySelector<HTMLInputElement>('input')?.focus(), []);
  useEffect(() => {
    if (error?.field) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);

  const errFor = (f: (typeof FIELDS)[number]) =>
    matchesField(error?.field ?? null, f, FIELDS) ? (error?.message ?? null) : null;
  const aria = (f: (typeof FIELDS)[number]) => ({
    id: `chan-${f.replace('.', '-')}`,
    'aria-invalid': errFor(f) ? true : undefined,
    'aria-describedby': `chan-${f.replace('.', '-')}-msg`,
  });
  const fid = (f: string) => `chan-${f.replace('.', '-')}`;

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    // Start from the stored config so settings the form does not show (timeouts, headers) survive a PUT.
    const keep = c && c.type === type ? { ...cfg } : {};
    let config: Record<string, unknown>;
    if (type === 'email') {
      config = {
        ...keep,
        host,
        port: port.trim() === '' ? undefined : Number(port),
        secure,
        user: user || undefined,
        from,
        to: parseList(to),
      };
      if (secret) config.password = secret;
      else if (clearSecret) config.password = '';
    } else {
      config = { ...keep, url };
      if (type === 'webhook') {
        if (secret) config.secret = secret;
        else if (clearSecret) config.secret = '';
      }
    }
    const body: ChannelInput = { name, type, enabled, config };
    setSaving(true);
    try {
      p.onDone(c ? await updateChannel(c.id, body) : await createChannel(body));
    } catch (err) {
      setError({ field: errorField(err), message: (err as Error).message });
    } finally {
      setSaving(false);
    }
  };
  const unmatched = error && !FIELDS.some((f) => matchesField(error.field, f, FIELDS));
  const secretLabel = type === 'email' ? 'SMTP password' : 'Signing secret (optional)';
  const secretField = type === 'email' ? 'config.password' : 'config.secret';

  return (
    <form
      ref={formRef}
      class="rule-editor alerts-form"
      noValidate
      onSubmit={save}
      aria-label="Channel editor"
      onKeyDown={(e) => {
        if (e.key === 'Escape') p.onDone(null);
      }}
    >
      <h3>{c ? `Edit “${c.name}”` : 'New channel'}</h3>
      {error && (unmatched || !error.field) && (
        <p class="form-error" role="alert">
          {error.message}
        </p>
      )}
      <div class="form-grid">
        <Field label="Name" id={fid('name')} error={errFor('name')}>
          <input {...aria('name')} value={name} onInput={(e) => setName(inputValue(e))} />
        </Field>
        <Field label="Type" id={fid('type')} error={errFor('type')}>
          <select {...aria('type')} value={type} onChange={(e) => setType(inputValue(e) as ChannelType)}>
            <option value="webhook">webhook</option>
            <option value="slack">slack</option>
            <option value="email">email</option>
          </select>
        </Field>
        {type !== 'email' && (
          <Field
            label={type === 'slack' ? 'Slack incoming-webhook URL' : 'URL'}
            id={fid('config.url')}
            error={errFor('config.url')}
            wide
          >
            <input
              {...aria('config.url')}
              type="url"
              value={url}
              placeholder={type === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://example.com/hooks/vigil'}
              onInput={(e) => setUrl(inputValue(e))}
            />
          </Field>
        )}
        {type === 'email' && (
          <>
            <Field label="SMTP host" id={fid('config.host')} error={errFor('config.host')}>
              <input {...aria('config.host')} value={host} onInput={(e) => setHost(inputValue(e))} />
            </Field>
            <Field label="Port" id={fid('config.port')} error={errFor('config.port')}>
              <input
                {...aria('config.port')}
                inputMode="numeric"
                value={port}
                onInput={(e) => setPort(inputValue(e))}
              />
            </Field>
            <Field label="User" id={fid('config.user')} error={errFor('config.user')}>
              <input {...aria('config.user')} value={user} onInput={(e) => setUser(inputValue(e))} />
            </Field>
            <Field label="From" id={fid('config.from')} error={errFor('config.from')}>
              <input {...aria('config.from')} value={from} onInput={(e) => setFrom(inputValue(e))} />
            </Field>
            <Field label="To" id={fid('config.to')} error={errFor('config.to')} hint="addresses, comma separated" wide>
              <input {...aria('config.to')} value={to} onInput={(e) => setTo(inputValue(e))} />
            </Field>
            <div class="field check">
              <label>
                <input type="checkbox" checked={secure} onChange={(e) => setSecure(e.currentTarget.checked)} /> Implicit
                TLS (port 465)
              </label>
            </div>
          </>
        )}
        {type !== 'slack' && (
          <Field
            label={secretLabel}
            id={fid(secretField)}
            error={errFor(secretField as (typeof FIELDS)[number])}
            hint={
              c?.secretSet && c.type === type
                ? 'one is stored: leave empty to keep it'
                : type === 'webhook'
                  ? 'signs each body (X-Vigil-Signature)'
                  : undefined
            }
          >
            <input
              {...aria(secretField as (typeof FIELDS)[number])}
              type="password"
              autoComplete="new-password"
              value={secret}
              onInput={(e) => setSecret(inputValue(e))}
            />
          </Field>
        )}
        {c?.secretSet && c.type === type && type !== 'slack' && (
          <div class="field check">
            <label>
              <input type="checkbox" checked={clearSecret} onChange={(e) => setClearSecret(e.currentTarget.checked)} />{' '}
              Remove the stored {type === 'email' ? 'password' : 'secret'}
            </label>
          </div>
        )}
        <div class="field check">
          <label>
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Enabled
          </label>
        </div>
      </div>
      <div class="row form-actions">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save channel'}
        </button>
        <button type="button" class="ghost" onClick={() => p.onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
