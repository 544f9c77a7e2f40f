/** Errors: error counts over time, grouped by type and message, with first/last seen and examples. */
import { getSpanSeries } from '../api/queries.js';
import { Chart } from '../components/Chart.js';
import { Sparkline } from '../components/Sparkline.js';
import { Async, Badge, type Column, DataTable, Panel } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtAgo, fmtInt, fmtNum, fmtTime, shortId } from '../lib/format.js';
import { linkTo } from '../lib/router.js';
import { type ErrorGroup, groupErrors, sampleTraces } from '../lib/sample.js';
import { align, topN } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync, useSlowRange } from '../lib/useAsync.js';

const SAMPLE = 60;

function buckets(times: number[], from: number, to: number, n = 24): number[] {
  const out = new Array(n).fill(0);
  const w = (to - from) / n;
  for (const t of times) out[Math.min(n - 1, Math.max(0, Math.floor((t - from) / w)))]++;
  return out;
}

export default function Errors() {
  const { range, tick } = useApp();
  const step = stepFor(range.from, range.to, 60);
  const series = useAsync(
    (signal) => getSpanSeries(range, 'errors', { groupBy: 'kind', step, signal }),
    [range.from, range.to, tick],
  );
  const slow = useSlowRange(range);
  const sample = useAsync(
    async (signal) => {
      const s = await sampleTraces(slow, { status: 'error' }, { traces: SAMPLE, list: 1000, signal });
      return { ...s, groups: groupErrors(s.spans) };
    },
    [slow.from, slow.to],
  );

  const columns: Column<ErrorGroup>[] = [
    {
      key: 'type',
      label: 'Type',
      render: (g) => <Badge kind="error">{g.type}</Badge>,
      sort: (g) => g.type,
    },
    {
      key: 'msg',
      label: 'Message',
      render: (g) => (
        <span class="truncate" title={g.message}>
          {g.message}
        </span>
      ),
      sort: (g) => g.message,
    },
    { key: 'count', label: 'Count', render: (g) => fmtInt(g.count), sort: (g) => g.count, num: true },
    {
      key: 'trend',
      label: 'Over time',
      render: (g) => (
        <Sparkline values={buckets(g.times, range.from, range.to)} color="var(--bad)" width={90} height={20} />
      ),
    },
    {
      key: 'first',
      label: 'First seen',
      render: (g) => <span title={fmtTime(g.firstSeen)}>{fmtAgo(g.firstSeen)}</span>,
      sort: (g) => g.firstSeen,
    },
    {
      key: 'last',
      label: 'Last seen',
      render: (g) => <span title={fmtTime(g.lastSeen)}>{fmtAgo(g.lastSeen)}</span>,
      sort: (g) => g.lastSeen,
    },
    {
      key: 'where',
      label: 'Where',
      render: (g) => <span class="muted small">{[...g.kinds, ...g.models].join(', ')}</span>,
    },
    {
      key: 'ex',
      label: 'Examples',
      render: (g) => (
        <span class="tag-list">
          {g.examples.slice(0, 3).map((e) => (
            <a key={e.traceId} class="mono" href={linkTo(`/traces/${e.traceId}`, { span: e.spanId })}>
              {shortId(e.traceId)}
            </a>
          ))}
        </span>
      ),
    },
  ];

  return (
    <>
      <Panel title="Errors over time by span kind">
        <Async state={series}>
          {(s) => (
            <Chart
              {...align(topN(s.series, 6), { grid: { from: range.from, to: range.to, step }, fillZero: true })}
              fmt={(v) => fmtNum(v)}
            />
          )}
        </Async>
      </Panel>
      <Panel
        title="Error groups"
        actions={
          <a href={linkTo('/traces', { status: 'error' })} class="small">
            All error traces →
          </a>
        }
      >
        <Async state={sample} label="Grouping recent errors…">
          {(s) => (
            <>
              <DataTable
                label="Error groups"
                rows={s.groups}
                columns={columns}
                rowKey={(g) => g.key}
                initialSort={{ key: 'count', desc: true }}
                empty="No errors in this range."
              />
              <p class="note">
                Grouped by exception type and message (numbers and ids folded) over the {fmtInt(s.traces)} most recent
                of {fmtInt(s.summaries.length)}
                {s.partial ? '+' : ''} error traces, in the browser.
              </p>
            </>
          )}
        </Async>
      </Panel>
    </>
  );
}
