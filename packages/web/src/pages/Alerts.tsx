/**
 * Alerts: active and past alerts (acknowledge, silence, delivery history), the alert rules with
 * their editor, notification channels and active silences. Talks to the alerting API of
 * docs/api.md; sections hide on servers that do not document it.
 */
import { useState } from 'preact/hooks';
import { listChannels, silenceAlert } from '../api/alerting.js';
import { hasEndpoint } from '../api/capabilities.js';
import { ackAlert, listAlerts } from '../api/queries.js';
import { type Alert, alertResolved, alertStarted, alertUpdated } from '../api/types.js';
import { labelText } from '../components/AlertList.js';
import { Async, Badge, type Column, DataTable, Empty, Panel } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtAgo, fmtMs, fmtNum, fmtTime } from '../lib/format.js';
import { useAsync } from '../lib/useAsync.js';
import { Channels } from './alerts/Channels.js';
import { Deliveries } from './alerts/Deliveries.js';
import { Rules } from './alerts/Rules.js';
import { Silences } from './alerts/Silences.js';
import './alerts/alerts.css';

export const RULES_PATH = '/api/v1/alert-rules';

const ACTIVE = ['firing', 'pending', 'acknowledged'];
const PAST = ['resolved', 'silenced'];
const SILENCE_FOR = ['30m', '1h', '2h', '8h', '24h'];

/** Labels minus the ones the Alert and Severity columns already show. */
function extraLabels(labels: Record<string, string>): Record<string, string> {
  const { alertname: _n, severity: _s, ...rest } = labels ?? {};
  return rest;
}

export default function Alerts() {
  const { tick, refresh } = useApp();
  const active = useAsync((signal) => listAlerts(ACTIVE, signal), [tick]);
  const past = useAsync((signal) => listAlerts(PAST, signal), [tick]);
  // Ask only servers that document the alerting API, so older ones leave no failed requests.
  const managed = useAsync(() => hasEndpoint(RULES_PATH), []);
  const channels = useAsync(
    async (signal) => ((await hasEndpoint(RULES_PATH)) ? listChannels(signal) : { items: [] }),
    [tick],
  );
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [silenceFor, setSilenceFor] = useState('1h');
  const [shown, setShown] = useState<Alert | null>(null);
  const canManage = managed.data === true;

  const act = async (a: Alert, what: 'ack' | 'silence') => {
    setBusy(a.id);
    setMessage(null);
    try {
      if (what === 'ack') await ackAlert(a.id);
      else await silenceAlert(a.id, silenceFor);
      setMessage({ kind: 'ok', text: `${what === 'ack' ? 'Acknowledged' : `Silenced for ${silenceFor}`}: ${a.name}` });
      refresh();
    } catch (e) {
      setMessage({
        kind: 'error',
        text: `Could not ${what === 'ack' ? 'acknowledge' : 'silence'} “${a.name}”: ${(e as Error).message}`,
      });
    } finally {
      setBusy(null);
    }
  };

  const historyButton = (a: Alert) =>
    canManage && (
      <button
        type="button"
        class="ghost"
        aria-pressed={shown?.id === a.id}
        aria-label={`Deliveries of ${a.name}`}
        onClick={() => setShown(shown?.id === a.id ? null : a)}
      >
        Deliveries
      </button>
    );

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
        <span class="truncate narrow" title={a.message}>
          {a.message}
        </span>
      ),
    },
    {
      key: 'labels',
      label: 'Labels',
      render: (a) => <span class="muted small">{labelText(extraLabels(a.labels))}</span>,
      secondary: true,
    },
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
        <span class="row nowrap">
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
          {canManage && (
            <button
              type="button"
              class="ghost"
              disabled={busy === a.id}
              onClick={() => act(a, 'silence')}
              aria-label={`Silence ${a.name}`}
            >
              Silence {silenceFor}
            </button>
          )}
          {historyButton(a)}
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
        // A silenced alert is still open: only a resolved one has a duration.
        if (a.state === 'silenced') return <span class="muted">still open</span>;
        const s = alertStarted(a);
        const e = alertResolved(a) ?? alertUpdated(a);
        return s && e ? fmtMs(e - s) : '—';
      },
    },
    { key: 'actions', label: '', render: (a) => historyButton(a) },
  ];

  const chans = channels.data?.items ?? [];
  return (
    <>
      {message && (
        <div class={message.kind === 'ok' ? 'notice' : 'state error'} role="status">
          {message.text}
        </div>
      )}
      <Panel
        title="Active alerts"
        actions={
          canManage && (
            <label class="inline-label">
              Silence for{' '}
              <select value={silenceFor} onChange={(e) => setSilenceFor((e.target as HTMLSelectElement).value)}>
                {SILENCE_FOR.map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
          )
        }
      >
        <Async state={active} label="Loading alerts…">
          {(d) => (
            <DataTable
              label="Active alerts"
              rows={d.items}
              columns={activeCols}
              rowKey={(a) => a.id}
              selected={shown?.id}
              initialSort={{ key: 'sev', desc: true }}
              empty="No active alerts. All quiet."
            />
          )}
        </Async>
      </Panel>
      {shown && <Deliveries alert={shown} channels={chans} onClose={() => setShown(null)} />}
      <Panel title="Past alerts">
        <Async state={past}>
          {(d) => (
            <DataTable
              label="Past alerts"
              rows={d.items}
              columns={pastCols}
              rowKey={(a) => a.id}
              selected={shown?.id}
              initialSort={{ key: 'started', desc: true }}
              empty="No resolved or silenced alerts."
            />
          )}
        </Async>
      </Panel>
      {managed.data === false && (
        <Panel title="Alert rules">
          <Empty>
            This server does not expose alert rules over the API ({RULES_PATH}). Rules from the config file still run.
          </Empty>
        </Panel>
      )}
      {canManage && (
        <>
          <Rules
            channels={chans}
            openAlerts={[
              ...(active.data?.items ?? []),
              ...(past.data?.items ?? []).filter((a) => a.state === 'silenced'),
            ]}
          />
          <Channels channels={channels} />
          <Silences />
        </>
      )}
    </>
  );
}
