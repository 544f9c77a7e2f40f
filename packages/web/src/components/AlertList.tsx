/** Compact lists of alerts and anomalies shared by Overview and the Alerts/Anomalies pages. */
import { type Alert, type Anomaly, alertStarted, anomalyTime } from '../api/types.js';
import { fmtAgo, fmtNum, fmtTime } from '../lib/format.js';
import { linkTo } from '../lib/router.js';
import { Badge, Empty } from './ui.js';

export function AlertItems({ alerts, onAck }: { alerts: Alert[]; onAck?: (a: Alert) => void }) {
  if (alerts.length === 0) return <Empty>No active alerts.</Empty>;
  return (
    <ul class="list">
      {alerts.map((a) => (
        <li key={a.id} class="list-item">
          <Badge kind={a.severity}>{a.severity}</Badge> <Badge kind={a.state}>{a.state}</Badge>{' '}
          <strong>{a.name}</strong>
          <div class="muted small">
            {a.message} · started {fmtAgo(alertStarted(a))}
          </div>
          {onAck && a.state !== 'acknowledged' && a.state !== 'resolved' && (
            <button type="button" onClick={() => onAck(a)}>
              Acknowledge
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

export function labelText(labels: Record<string, string> | undefined): string {
  const e = Object.entries(labels ?? {});
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(', ') : '';
}

export function AnomalyItems({ anomalies }: { anomalies: Anomaly[] }) {
  if (anomalies.length === 0) return <Empty>No anomalies detected in this range.</Empty>;
  return (
    <ul class="list">
      {anomalies.map((a) => (
        <li key={a.id} class="list-item">
          <Badge kind={a.severity}>{a.severity}</Badge>{' '}
          <a href={linkTo('/anomalies', { metric: a.metric })}>
            <strong>{a.metric}</strong>
          </a>{' '}
          <span class="muted small">{labelText(a.labels)}</span>
          <div class="muted small">
            {fmtTime(anomalyTime(a))}: {fmtNum(a.value, 2)} vs expected {fmtNum(a.expected, 2)} ({fmtNum(a.lower, 2)}–
            {fmtNum(a.upper, 2)}){a.description ? ` · ${a.description}` : ''}
          </div>
        </li>
      ))}
    </ul>
  );
}
