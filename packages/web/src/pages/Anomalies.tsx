/** Anomalies: each affected series charted with its expected band and the detector's markers. */
import { getMetricSeries, getSpanSeries, listAnomalies, type SpanMeasure } from '../api/queries.js';
import { type Anomaly, anomalyTime, type Series } from '../api/types.js';
import { labelText } from '../components/AlertList.js';
import { Chart } from '../components/Chart.js';
import { Async, Badge, type Column, DataTable, Empty, Panel } from '../components/ui.js';
import { expectedBand } from '../lib/band.js';
import { useApp } from '../lib/context.js';
import { fmtNum, fmtPct, fmtTime } from '../lib/format.js';
import { setParams } from '../lib/router.js';
import { align } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync } from '../lib/useAsync.js';

const MEASURES = new Set(['count', 'errors', 'error_rate', 'avg_ms', 'p50_ms', 'p95_ms', 'p99_ms', 'tokens', 'cost']);
const MAX_CHARTS = 6;

const seriesKey = (a: { metric: string; labels: Record<string, string> }) => `${a.metric}{${labelText(a.labels)}}`;

/** Fetches the data behind an anomaly series: span measures from spans/series, others from metrics. */
async function fetchSeries(
  metric: string,
  labels: Record<string, string>,
  r: { from: number; to: number },
  step: number,
  signal: AbortSignal,
): Promise<Series | undefined> {
  const m = /^span\.(.+)$/.exec(metric);
  if (m && MEASURES.has(m[1])) {
    const res = await getSpanSeries(r, m[1] as SpanMeasure, {
      step,
      model: labels.model,
      agent: labels.agent ?? labels.agent_id,
      kind: labels.kind,
      signal,
    });
    return res.series[0];
  }
  const res = await getMetricSeries(r, metric, { step, labels, signal });
  return res.series[0];
}

export default function Anomalies({ params }: { params: URLSearchParams }) {
  const { range, tick } = useApp();
  const metricFilter = params.get('metric');
  const step = stepFor(range.from, range.to, 90);
  const list = useAsync(
    (signal) => listAnomalies(range, { metric: metricFilter ?? undefined, limit: 500, signal }),
    [range.from, range.to, tick, metricFilter],
  );

  const groups = new Map<string, { metric: string; labels: Record<string, string>; items: Anomaly[] }>();
  for (const a of list.data?.items ?? []) {
    const k = seriesKey(a);
    const g = groups.get(k) ?? { metric: a.metric, labels: a.labels ?? {}, items: [] };
    g.items.push(a);
    groups.set(k, g);
  }
  const top = [...groups.values()].sort((a, b) => b.items.length - a.items.length).slice(0, MAX_CHARTS);
  const chartsKey = top.map((g) => seriesKey(g)).join('|');

  const charts = useAsync(
    (signal) =>
      Promise.all(top.map((g) => fetchSeries(g.metric, g.labels, range, step, signal).catch(() => undefined))),
    [chartsKey, range.from, range.to, tick],
  );

  const columns: Column<Anomaly>[] = [
    { key: 'time', label: 'Time', render: (a) => fmtTime(anomalyTime(a)), sort: (a) => anomalyTime(a) },
    {
      key: 'sev',
      label: 'Severity',
      render: (a) => <Badge kind={a.severity}>{a.severity}</Badge>,
      sort: (a) => ['low', 'medium', 'high', 'critical'].indexOf(a.severity),
    },
    {
      key: 'metric',
      label: 'Series',
      render: (a) => (
        <span>
          {a.metric} <span class="muted small">{labelText(a.labels)}</span>
        </span>
      ),
      sort: (a) => a.metric,
    },
    { key: 'value', label: 'Value', render: (a) => fmtNum(a.value, 2), num: true },
    {
      key: 'exp',
      label: 'Expected',
      render: (a) => `${fmtNum(a.expected, 2)} (${fmtNum(a.lower, 2)}–${fmtNum(a.upper, 2)})`,
      num: true,
    },
    { key: 'score', label: 'Score', render: (a) => fmtPct(a.score, 0), sort: (a) => a.score, num: true },
    { key: 'det', label: 'Detector', render: (a) => <span class="muted small">{a.detector ?? '—'}</span> },
    {
      key: 'desc',
      label: 'Description',
      render: (a) => (
        <span class="truncate" title={a.description}>
          {a.description ?? ''}
        </span>
      ),
    },
  ];

  return (
    <>
      {metricFilter && (
        <div class="row">
          Showing <code>{metricFilter}</code>
          <button type="button" class="link" onClick={() => setParams({ metric: null })}>
            Show all series
          </button>
        </div>
      )}
      <Async state={list} label="Loading anomalies…">
        {(d) =>
          d.items.length === 0 ? (
            <Empty>No anomalies detected in this range.</Empty>
          ) : (
            <>
              <div class="grid grid-2">
                {top.map((g, i) => {
                  const s = charts.data?.[i];
                  const base = align(s ? [s] : [], { grid: { from: range.from, to: range.to, step } });
                  const vals = base.ys[0] ?? base.xs.map(() => null);
                  const band = expectedBand(vals);
                  // Markers sit at the bucket each anomaly falls in.
                  const marks: (number | null)[] = base.xs.map(() => null);
                  for (const a of g.items) {
                    const t = anomalyTime(a);
                    if (t === null) continue;
                    const bucket = Math.floor(t / step) * step;
                    const idx = base.xs.indexOf(bucket / 1000);
                    if (idx >= 0) marks[idx] = a.value;
                  }
                  return (
                    <Panel
                      key={seriesKey(g)}
                      title={
                        <>
                          {g.metric} <span class="muted small">{labelText(g.labels)}</span>{' '}
                          <Badge kind="error">{g.items.length}</Badge>
                        </>
                      }
                    >
                      {charts.loading && !charts.data ? (
                        <div class="chart-empty">Loading series…</div>
                      ) : (
                        <Chart
                          xs={base.xs}
                          ys={[vals, band.upper, band.lower, marks]}
                          labels={['value', 'expected high', 'expected low', 'anomaly']}
                          colors={['#4f7cff', '#64748b', '#64748b', '#e5484d']}
                          faint={[1, 2]}
                          bands={[[1, 2]]}
                          pointsOnly={[3]}
                          spanGaps
                          fmt={(v) => fmtNum(v, 2)}
                          height={180}
                        />
                      )}
                    </Panel>
                  );
                })}
              </div>
              <Panel title="All anomalies">
                <DataTable
                  label="Anomalies"
                  rows={d.items}
                  columns={columns}
                  rowKey={(a) => a.id}
                  initialSort={{ key: 'time', desc: true }}
                />
              </Panel>
            </>
          )
        }
      </Async>
    </>
  );
}
