/** Errors: error counts over time, grouped by type and message, with first/last seen and examples. */
import { type ErrorGroup, getErrorGroups } from '../api/insights.js';
import { getSpanSeries } from '../api/queries.js';
import { toMs } from '../api/types.js';
import { Chart } from '../components/Chart.js';
import { Sparkline } from '../components/Sparkline.js';
import { Async, Badge, type Column, DataTable, Panel } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtAgo, fmtInt, fmtNum, fmtTime, shortId } from '../lib/format.js';
import { linkTo } from '../lib/router.js';
import { align, topN } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync } from '../lib/useAsync.js';

/** The group's counts on a regular grid of `step` buckets over the range (zeros filled). */
function sparkValues(g: ErrorGroup, from: number, to: number, step: number): number[] {
  const first = Math.floor(from / step) * step;
  const n = Math.max(1, Math.ceil((to - first) / step));
  const out = new Array(n).fill(0);
  for (const [t, v] of g.buckets) {
    const i = Math.floor((t - first) / step);
    if (i >= 0 && i < n) out[i] += v;
  }
  return out;
}

const when = (iso: string) => toMs(iso) ?? 0;

export default function Errors() {
  const { range, tick } = useApp();
  const step = stepFor(range.from, range.to, 60);
  const series = useAsync(
    (signal) => getSpanSeries(range, 'errors', { groupBy: 'kind', step, signal }),
    [range.from, range.to, tick],
  );
  const sparkStep = stepFor(range.from, range.to, 24);
  const groups = useAsync(
    (signal) => getErrorGroups(range, { step: sparkStep, limit: 200, signal }),
    [range.from, range.to, tick],
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
        <Sparkline values={sparkValues(g, range.from, range.to, sparkStep)} color="var(--bad)" width={90} height={20} />
      ),
    },
    {
      key: 'first',
      label: 'First seen',
      render: (g) => <span title={fmtTime(when(g.firstSeen))}>{fmtAgo(when(g.firstSeen))}</span>,
      sort: (g) => when(g.firstSeen),
    },
    {
      key: 'last',
      label: 'Last seen',
      render: (g) => <span title={fmtTime(when(g.lastSeen))}>{fmtAgo(when(g.lastSeen))}</span>,
      sort: (g) => when(g.lastSeen),
    },
    {
      key: 'where',
      label: 'Where',
      render: (g) => {
        const all = [...g.agents, ...g.models, ...(g.agents.length + g.models.length ? [] : g.services)];
        const shown = all.slice(0, 3).join(', ') + (all.length > 3 ? ` +${all.length - 3}` : '');
        return (
          <span
            class="muted small"
            title={`agents: ${g.agents.join(', ') || '—'}; models: ${g.models.join(', ') || '—'}; services: ${g.services.join(', ')}`}
          >
            {shown}
          </span>
        );
      },
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
        <Async state={groups} label="Grouping errors…">
          {(d) => (
            <>
              <DataTable
                label="Error groups"
                rows={d.groups}
                columns={columns}
                rowKey={(g) => `${g.type}\u0000${g.message}`}
                initialSort={{ key: 'count', desc: true }}
                empty="No errors in this range."
              />
              <p class="note">
                {fmtInt(d.totalErrors)} error spans in {fmtInt(d.totalGroups)} groups by exception type and message
                (numbers, hex ids and UUIDs folded)
                {d.totalGroups > d.groups.length ? `; the ${fmtInt(d.groups.length)} largest shown` : ''}.
              </p>
            </>
          )}
        </Async>
      </Panel>
    </>
  );
}
