/** Alerts: active and past alerts with acknowledge and silence; alert rules with an editor. */
import { useState } from 'preact/hooks';
import { hasEndpoint } from '../api/capabilities.js';
import { ApiError, api } from '../api/client.js';
import { ackAlert, listAlerts } from '../api/queries.js';
import { type Alert, type AlertRule, alertResolved, alertStarted, alertUpdated } from '../api/types.js';
import { labelText } from '../components/AlertList.js';
import { Async, Badge, type Column, DataTable, Empty, ErrorBox, Panel } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtAgo, fmtMs, fmtNum, fmtTime } from '../lib/format.js';
import { useAsync } from '../lib/useAsync.js';

/** Not in docs/api.md yet: the dashboard uses these when the server provides them. */
export const RULES_PATH = '/api/v1/alert-rules';
const silencePath = (id: string) => `/api/v1/alerts/${encodeURIComponent(id)}/silence`;

const ACTIVE = ['firing', 'pending', 'acknowledged'];
const PAST = ['resolved', 'silenced'];

export default function Alerts() {
  const { tick, refresh } = useApp();
  const active = useAsync((signal) => listAlerts(ACTIVE, signal), [tick]);
  const past = useAsync((signal) => listAlerts(PAST, signal), [tick]);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const canSilence = useAsync(() => hasEndpoint('/api/v1/alerts/{id}/silence'), []).data ?? false;

  const act = async (a: Alert, what: 'ack' | 'silence') => {
    setBusy(a.id);
    setMessage(null);
    try {
      if (what === 'ack') await ackAlert(a.id);
      else await api(silencePath(a.id), undefined, { method: 'POST', body: { duration: '1h' } });
      setMessage({ kind: 'ok', text: `${what === 'ack' ? 'Acknowledged' : 'Silenced for 1 hour'}: ${a.name}` });
      refresh();
    } catch (e) {
      const err = e as Error;
      setMessage({
        kind: 'error',
        text:
          err instanceof ApiError && err.status === 404 && what === 'silence'
            ? 'This server does not support silencing alerts yet.'
            : `Could not ${what === 'ack' ? 'acknowledge' : 'silence'} “${a.name}”: ${err.message}`,
      });
    } finally {
      setBusy(null);
    }
  };

  const base: Column<Alert>[] = [
    {
      key: 'sev',
      label: 'Severity',
      render: (a) => <Badge kind={a.severity}>{a.severity}</Badge>,
      sort: (a) => ['info', 'warning', 'critical'].indexOf(a.severity),
    },
    {
      key: 'state',
      label: 'State',
      render: (a) => (
        <span title={a.acknowledgedBy ? `Acknowledged by ${a.acknowledgedBy}` : undefined}>
          <Badge kind={a.state}>{a.state}</Badge>
        </span>
      ),
      sort: (a) => a.state,
    },
    { key: 'name', label: 'Alert', render: (a) => <strong>{a.name}</strong>, sort: (a) => a.name },
    {
      key: 'msg',
      label: 'Message',
      render: (a) => (
        <span class="truncate" title={a.message}>
          {a.message}
        </span>
      ),
    },
    { key: 'labels', label: 'Labels', render: (a) => <span class="muted small">{labelText(a.labels)}</span> },
    { key: 'value', label: 'Value', render: (a) => fmtNum(a.value, 2), num: true },
    {
      key: 'started',
      label: 'Started',
      render: (a) => <span title={fmtTime(alertStarted(a))}>{fmtAgo(alertStarted(a))}</span>,
      sort: (a) => alertStarted(a),
    },
  ];
  const activeCols: Column<Alert>[] = [
    ...base,
    {
      key: 'actions',
      label: 'Actions',
      render: (a) => (
        <span class="row">
          {a.state !== 'acknowledged' && (
            <button
              type="button"
              disabled={busy === a.id}
              onClick={() => act(a, 'ack')}
              aria-label={`Acknowledge ${a.name}`}
            >
              Acknowledge
            </button>
          )}
          {canSilence && (
            <button
              type="button"
              class="ghost"
              disabled={busy === a.id}
              onClick={() => act(a, 'silence')}
              aria-label={`Silence ${a.name}`}
            >
              Silence 1h
            </button>
          )}
        </span>
      ),
    },
  ];
  const pastCols: Column<Alert>[] = [
    ...base,
    {
      key: 'resolved',
      label: 'Resolved / updated',
      render: (a) => fmtTime(alertResolved(a) ?? alertUpdated(a)),
      sort: (a) => alertResolved(a) ?? alertUpdated(a),
    },
    {
      key: 'dur',
      label: 'Lasted',
      render: (a) => {
        const s = alertStarted(a);
        const e = alertResolved(a) ?? alertUpdated(a);
        return s && e ? fmtMs(e - s) : '—';
      },
    },
  ];

  return (
    <>
      {message && (
        <div class={message.kind === 'ok' ? 'notice' : 'state error'} role="status">
          {message.text}
        </div>
      )}
      <Panel title="Active alerts">
        <Async state={active} label="Loading alerts…">
          {(d) => (
            <DataTable
              label="Active alerts"
              rows={d.items}
              columns={activeCols}
              rowKey={(a) => a.id}
              initialSort={{ key: 'sev', desc: true }}
              empty="No active alerts. All quiet."
            />
          )}
        </Async>
        {!canSilence && <p class="note">Silencing needs server support (POST /api/v1/alerts/{'{id}'}/silence).</p>}
      </Panel>
      <Panel title="Past alerts">
        <Async state={past}>
          {(d) => (
            <DataTable
              label="Past alerts"
              rows={d.items}
              columns={pastCols}
              rowKey={(a) => a.id}
              initialSort={{ key: 'started', desc: true }}
              empty="No resolved or silenced alerts."
            />
          )}
        </Async>
      </Panel>
      <Rules />
    </>
  );
}

const EMPTY_RULE: AlertRule = {
  name: '',
  severity: 'warning',
  metric: 'span.p95_ms',
  aggregation: 'avg',
  comparator: '>',
  threshold: 1000,
  window: '5m',
  for: '1m',
  enabled: true,
};

const SPAN_MEASURES = [
  'span.count',
  'span.errors',
  'span.error_rate',
  'span.avg_ms',
  'span.p50_ms',
  'span.p95_ms',
  'span.p99_ms',
  'span.tokens',
  'span.cost',
];

function Rules() {
  const { tick } = useApp();
  const rules = useAsync(
    async (signal) => {
      // Ask only servers that document the endpoint, so older servers leave no failed requests.
      if (!(await hasEndpoint(RULES_PATH))) return null;
      return api<{ items: AlertRule[] }>(RULES_PATH, undefined, { signal });
    },
    [tick],
  );
  const [editing, setEditing] = useState<AlertRule | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [saving, setSaving] = useState(false);

  const unsupported =
    rules.data === null ||
    (rules.error instanceof ApiError && (rules.error.status === 404 || rules.error.status === 405));

  const save = async (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    setSaving(true);
    setError(null);
    try {
      if (editing.id)
        await api(`${RULES_PATH}/${encodeURIComponent(editing.id)}`, undefined, { method: 'PUT', body: editing });
      else await api(RULES_PATH, undefined, { method: 'POST', body: editing });
      setEditing(null);
      rules.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setSaving(false);
    }
  };
  const remove = async (r: AlertRule) => {
    if (!r.id || !confirm(`Delete the rule “${r.name}”?`)) return;
    try {
      await api(`${RULES_PATH}/${encodeURIComponent(r.id)}`, undefined, { method: 'DELETE' });
      rules.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const set = <K extends keyof AlertRule>(k: K, v: AlertRule[K]) => setEditing((r) => (r ? { ...r, [k]: v } : r));

  return (
    <Panel
      title="Alert rules"
      actions={
        !unsupported && (
          <button type="button" class="primary" onClick={() => setEditing({ ...EMPTY_RULE })}>
            New rule
          </button>
        )
      }
    >
      {unsupported ? (
        <Empty>
          This server does not expose alert rules over the API yet ({RULES_PATH}). Rules from the config file still run.
        </Empty>
      ) : (
        <Async state={rules} label="Loading rules…">
          {(d) => (
            <DataTable
              label="Alert rules"
              rows={d?.items ?? []}
              rowKey={(r) => r.id ?? r.name}
              empty="No rules yet."
              columns={[
                { key: 'name', label: 'Rule', render: (r) => <strong>{r.name}</strong>, sort: (r) => r.name },
                { key: 'sev', label: 'Severity', render: (r) => <Badge kind={r.severity}>{r.severity}</Badge> },
                {
                  key: 'cond',
                  label: 'Condition',
                  render: (r) => (
                    <code>
                      {r.aggregation ? `${r.aggregation}(` : ''}
                      {r.metric}
                      {r.aggregation ? ')' : ''} {r.comparator} {r.threshold} over {r.window}
                      {r.for ? ` for ${r.for}` : ''}
                    </code>
                  ),
                },
                { key: 'en', label: 'Enabled', render: (r) => (r.enabled === false ? 'no' : 'yes') },
                {
                  key: 'act',
                  label: '',
                  render: (r) => (
                    <span class="row">
                      <button type="button" onClick={() => setEditing({ ...r })}>
                        Edit
                      </button>
                      <button type="button" class="ghost danger" onClick={() => remove(r)}>
                        Delete
                      </button>
                    </span>
                  ),
                },
              ]}
            />
          )}
        </Async>
      )}
      {error && <ErrorBox error={error} />}
      {editing && (
        <form class="rule-editor" onSubmit={save} aria-label="Alert rule editor">
          <h3>{editing.id ? `Edit “${editing.name}”` : 'New rule'}</h3>
          <div class="form-grid">
            <label>
              Name
              <input required value={editing.name} onInput={(e) => set('name', (e.target as HTMLInputElement).value)} />
            </label>
            <label>
              Metric
              <input
                list="rule-metrics"
                required
                value={editing.metric}
                onInput={(e) => set('metric', (e.target as HTMLInputElement).value)}
              />
              <datalist id="rule-metrics">
                {SPAN_MEASURES.map((m) => (
                  <option key={m} value={m} />
                ))}
              </datalist>
            </label>
            <label>
              Aggregation
              <select
                value={editing.aggregation ?? 'avg'}
                onChange={(e) => set('aggregation', (e.target as HTMLSelectElement).value)}
              >
                {['avg', 'sum', 'min', 'max', 'count', 'last', 'rate', 'p50', 'p90', 'p95', 'p99'].map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </label>
            <label>
              Comparator
              <select
                value={editing.comparator}
                onChange={(e) => set('comparator', (e.target as HTMLSelectElement).value as AlertRule['comparator'])}
              >
                {['>', '>=', '<', '<='].map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
            <label>
              Threshold
              <input
                type="number"
                step="any"
                required
                value={editing.threshold}
                onInput={(e) => set('threshold', Number((e.target as HTMLInputElement).value))}
              />
            </label>
            <label>
              Window
              <input
                required
                pattern="\d+(s|m|h|d)"
                value={editing.window}
                onInput={(e) => set('window', (e.target as HTMLInputElement).value)}
              />
            </label>
            <label>
              For
              <input
                pattern="\d+(s|m|h|d)"
                value={editing.for ?? ''}
                onInput={(e) => set('for', (e.target as HTMLInputElement).value || undefined)}
              />
            </label>
            <label>
              Severity
              <select
                value={editing.severity}
                onChange={(e) => set('severity', (e.target as HTMLSelectElement).value as AlertRule['severity'])}
              >
                <option>info</option>
                <option>warning</option>
                <option>critical</option>
              </select>
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={editing.enabled !== false}
                onChange={(e) => set('enabled', (e.target as HTMLInputElement).checked)}
              />{' '}
              Enabled
            </label>
          </div>
          <div class="row" style={{ marginTop: 10 }}>
            <button type="submit" class="primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save rule'}
            </button>
            <button type="button" class="ghost" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Panel>
  );
}
