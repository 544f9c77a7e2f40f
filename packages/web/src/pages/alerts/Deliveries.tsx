/** One alert's notification history: every delivery attempt to every channel, newest first. */
import { type Channel, listDeliveries } from '../../api/alerting.js';
import type { Alert } from '../../api/types.js';
import { Async, Badge, DataTable, Panel } from '../../components/ui.js';
import { useApp } from '../../lib/context.js';
import { fmtMs, fmtTime } from '../../lib/format.js';
import { useAsync } from '../../lib/useAsync.js';

export function Deliveries(p: { alert: Alert; channels: Channel[]; onClose: () => void }) {
  const { tick } = useApp();
  const deliveries = useAsync((signal) => listDeliveries(p.alert.id, signal), [p.alert.id, tick]);
  const chan = (id: string) => p.channels.find((c) => c.id === id)?.name ?? id;
  return (
    <Panel
      title={`Deliveries: ${p.alert.name}`}
      actions={
        <button type="button" class="ghost" onClick={p.onClose} aria-label="Close deliveries">
          Close
        </button>
      }
    >
      <Async state={deliveries} label="Loading deliveries…">
        {(d) => (
          <DataTable
            label="Deliveries"
            rows={d.items}
            rowKey={(x) => x.id}
            empty="Nothing sent for this alert yet (no channels on its rule, or it has not fired)."
            columns={[
              { key: 't', label: 'Time', render: (x) => fmtTime(Date.parse(x.time)), sort: (x) => Date.parse(x.time) },
              { key: 'e', label: 'Event', render: (x) => x.event },
              { key: 'c', label: 'Channel', render: (x) => `${chan(x.channelId)} (${x.channelType})` },
              { key: 's', label: 'Status', render: (x) => <Badge kind={x.status}>{x.status}</Badge> },
              { key: 'a', label: 'Attempts', render: (x) => x.attempts, num: true },
              { key: 'h', label: 'HTTP', render: (x) => x.httpStatus ?? '—', num: true },
              { key: 'd', label: 'Took', render: (x) => fmtMs(x.durationMs), num: true },
              {
                key: 'err',
                label: 'Error',
                render: (x) =>
                  x.error ? (
                    <span class="truncate" title={x.error}>
                      {x.error}
                    </span>
                  ) : (
                    <span class="muted">—</span>
                  ),
              },
            ]}
          />
        )}
      </Async>
    </Panel>
  );
}
