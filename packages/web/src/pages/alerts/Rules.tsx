/** Alert rules: the list (readable condition, state of its alerts, enable toggle) and the editor. */
import { useState } from 'preact/hooks';
import {
  type Channel,
  deleteRule,
  formatDuration,
  listRules,
  type Rule,
  ruleInput,
  updateRule,
} from '../../api/alerting.js';
import type { Alert } from '../../api/types.js';
import { Async, Badge, DataTable, ErrorBox, Panel } from '../../components/ui.js';
import { useApp } from '../../lib/context.js';
import { useAsync } from '../../lib/useAsync.js';
import { RuleEditor } from './RuleEditor.js';

const RANK: Record<string, number> = { firing: 4, pending: 3, acknowledged: 2, silenced: 1 };

/** The most pressing state among a rule's open alerts ("ok" when none). */
function ruleState(r: Rule, open: Alert[]): string {
  if (!r.enabled) return 'disabled';
  let best = 'ok';
  for (const a of open) if (a.ruleId === r.id && (RANK[a.state] ?? 0) > (RANK[best] ?? 0)) best = a.state;
  return best;
}

export function Rules(p: { channels: Channel[]; openAlerts: Alert[] }) {
  const { tick } = useApp();
  const rules = useAsync((signal) => listRules(signal), [tick]);
  // undefined: closed; null: a new rule; a Rule: editing that one.
  const [editing, setEditing] = useState<Rule | null | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const run = async (id: string, f: () => Promise<unknown>, ok: string) => {
    setBusy(id);
    setError(null);
    setNotice(null);
    try {
      await f();
      setNotice(ok);
      rules.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(null);
    }
  };
  const toggle = (r: Rule) =>
    run(
      r.id,
      () => updateRule(r.id, { ...ruleInput(r), enabled: !r.enabled }),
      `${r.enabled ? 'Disabled' : 'Enabled'} “${r.name}”`,
    );
  const remove = (r: Rule) => {
    if (!confirm(`Delete the rule “${r.name}”? Its open alerts stop being evaluated.`)) return;
    run(r.id, () => deleteRule(r.id), `Deleted “${r.name}”`);
  };
  const chanNames = (ids: string[]) => ids.map((id) => p.channels.find((c) => c.id === id)?.name ?? id).join(', ');

  return (
    <Panel
      title="Alert rules"
      actions={
        editing === undefined && (
          <button
            type="button"
            class="primary"
            onClick={() => {
              setNotice(null);
              setEditing(null);
            }}
          >
            New rule
          </button>
        )
      }
    >
      {notice && (
        <div class="notice" role="status">
          {notice}
        </div>
      )}
      {error && <ErrorBox error={error} />}
      <Async state={rules} label="Loading rules…">
        {(d) => (
          <DataTable
            label="Alert rules"
            rows={d.items}
            rowKey={(r) => r.id}
            empty="No rules yet. Create one to be alerted when errors, latency or cost go past a threshold."
            columns={[
              {
                key: 'name',
                label: 'Rule',
                render: (r) => (
                  <span>
                    <strong>{r.name}</strong>
                    {r.description && <div class="muted small">{r.description}</div>}
                  </span>
                ),
                sort: (r) => r.name,
              },
              {
                key: 'sev',
                label: 'Severity',
                render: (r) => <Badge kind={r.severity}>{r.severity}</Badge>,
                sort: (r) => ['info', 'warning', 'critical'].indexOf(r.severity),
              },
              {
                key: 'cond',
                label: 'Condition',
                render: (r) => (
                  <span>
                    <code>{r.conditionText}</code>
                    <div class="muted small">
                      {r.forMs ? `pending ${formatDuration(r.forMs)} first` : 'fires at once'}
                      {r.channels.length ? ` · notifies ${chanNames(r.channels)}` : ' · no channels'}
                      {r.escalation.length ? ` · ${r.escalation.length} escalation step(s)` : ''}
                    </div>
                  </span>
                ),
              },
              {
                key: 'state',
                label: 'State',
                render: (r) => {
                  const s = ruleState(r, p.openAlerts);
                  return <Badge kind={s}>{s}</Badge>;
                },
                sort: (r) => RANK[ruleState(r, p.openAlerts)] ?? 0,
              },
              {
                key: 'en',
                label: 'Enabled',
                render: (r) => (
                  <label class="switch">
                    <input
                      type="checkbox"
                      role="switch"
                      aria-checked={r.enabled}
                      checked={r.enabled}
                      disabled={busy === r.id}
                      aria-label={`Enabled: ${r.name}`}
                      onChange={() => toggle(r)}
                    />
                    <span class="small">{r.enabled ? 'on' : 'off'}</span>
                  </label>
                ),
              },
              {
                key: 'act',
                label: 'Actions',
                render: (r) => (
                  <span class="row nowrap">
                    <button
                      type="button"
                      aria-label={`Edit rule ${r.name}`}
                      onClick={() => {
                        setNotice(null);
                        setEditing(r);
                      }}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      class="ghost danger"
                      disabled={busy === r.id}
                      aria-label={`Delete rule ${r.name}`}
                      onClick={() => remove(r)}
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
        <RuleEditor
          key={editing?.id ?? 'new'}
          rule={editing}
          channels={p.channels}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) {
              setNotice(`Saved “${saved.name}”: ${saved.conditionText}`);
              rules.reload();
            }
          }}
        />
      )}
    </Panel>
  );
}
