/** Silences in effect now, each with an End button (what it muted fires again at the next evaluation). */
import { useState } from 'preact/hooks';
import { deleteSilence, formatDuration, listSilences } from '../../api/alerting.js';
import { labelText } from '../../components/AlertList.js';
import { Async, DataTable, ErrorBox, Panel } from '../../components/ui.js';
import { useApp } from '../../lib/context.js';
import { fmtTime } from '../../lib/format.js';
import { useAsync } from '../../lib/useAsync.js';

/** Time left, to the minute once it is over a minute ("1h 59m", "45s"). */
function remaining(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}s`;
  return formatDuration(Math.round(ms / 60_000) * 60_000).replace(/(\d)(?=\d*[a-z])([a-z]+)(?=\d)/g, '$1$2 ');
}

export function Silences() {
  const { tick } = useApp();
  const silences = useAsync((signal) => listSilences(signal), [tick]);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const end = async (id: string) => {
    setBusy(id);
    setError(null);
    try {
      await deleteSilence(id);
      silences.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Panel title="Active silences">
      {error && <ErrorBox error={error} />}
      <Async state={silences} label="Loading silences…">
        {(d) => (
          <DataTable
            label="Active silences"
            rows={d.items}
            rowKey={(s) => s.id}
            empty="No silences in effect. Silence a firing alert to mute its notifications for a while."
            columns={[
              {
                key: 'm',
                label: 'Matches',
                render: (s) => <code>{labelText(s.matchers)}</code>,
              },
              { key: 'c', label: 'Comment', render: (s) => s.comment || <span class="muted">—</span> },
              { key: 'by', label: 'By', render: (s) => s.createdBy },
              { key: 'from', label: 'Since', render: (s) => fmtTime(Date.parse(s.startsAt)) },
              {
                key: 'until',
                label: 'Ends',
                render: (s) => {
                  const t = Date.parse(s.endsAt);
                  return <span title={fmtTime(t)}>in {remaining(t - Date.now())}</span>;
                },
                sort: (s) => Date.parse(s.endsAt),
              },
              {
                key: 'act',
                label: 'Actions',
                render: (s) => (
                  <button
                    type="button"
                    disabled={busy === s.id}
                    aria-label={`End silence ${labelText(s.matchers)}`}
                    onClick={() => end(s.id)}
                  >
                    End now
                  </button>
                ),
              },
            ]}
          />
        )}
      </Async>
    </Panel>
  );
}
