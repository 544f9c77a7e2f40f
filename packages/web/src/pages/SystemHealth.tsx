/** System health: resource gauges and trends, GPU when reported, a health score, dependency status. */
import { api } from '../api/client.js';
import { getDashboard, getMetricSeries, listAlerts } from '../api/queries.js';
import { toMs } from '../api/types.js';
import { Chart } from '../components/Chart.js';
import { Async, Badge, Panel, Stat } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtAgo, fmtInt, fmtMs, fmtNum } from '../lib/format.js';
import { healthScore } from '../lib/health.js';
import { align } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync } from '../lib/useAsync.js';

const METRICS: { name: string; label: string; fmt: (v: number) => string; gpu?: boolean; pct?: boolean }[] = [
  { name: 'system.cpu.usage', pct: true, label: 'CPU %', fmt: (v) => `${fmtNum(v)}%` },
  { name: 'system.memory.usage', pct: true, label: 'Memory %', fmt: (v) => `${fmtNum(v)}%` },
  { name: 'system.disk.usage', pct: true, label: 'Disk %', fmt: (v) => `${fmtNum(v)}%` },
  { name: 'system.network.latency', label: 'Network latency', fmt: fmtMs },
  { name: 'system.connections.active', label: 'Active connections', fmt: (v) => fmtNum(v) },
  { name: 'system.gpu.usage', pct: true, label: 'GPU %', fmt: (v) => `${fmtNum(v)}%`, gpu: true },
  { name: 'system.gpu.memory.usage', pct: true, label: 'GPU memory %', fmt: (v) => `${fmtNum(v)}%`, gpu: true },
];

async function probe(path: string): Promise<{ ok: boolean; detail: string; ms: number }> {
  const t0 = performance.now();
  try {
    const r = await fetch(path, { cache: 'no-store' });
    const body = await r.text();
    return { ok: r.ok, detail: r.ok ? 'ok' : `${r.status} ${body.slice(0, 120)}`, ms: performance.now() - t0 };
  } catch (e) {
    return { ok: false, detail: (e as Error).message, ms: performance.now() - t0 };
  }
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${fmtNum(v)}%`);

export default function SystemHealth() {
  const { range, tick } = useApp();
  const step = stepFor(range.from, range.to, 60);
  const state = useAsync(
    async (signal) => {
      const [dash, alerts, live, ready, apiProbe, ...series] = await Promise.all([
        getDashboard(range, signal),
        listAlerts(['firing'], signal).catch(() => ({ items: [] })),
        probe('/live'),
        probe('/ready'),
        (async () => {
          const t0 = performance.now();
          await api('/api/v1/alerts', { state: 'firing' }, { signal });
          return performance.now() - t0;
        })().catch(() => null),
        ...METRICS.map((m) =>
          getMetricSeries(range, m.name, { aggregation: 'avg', step, signal }).catch(() => ({ series: [] })),
        ),
      ]);
      return { dash, alerts: alerts.items, live, ready, apiMs: apiProbe, series };
    },
    [range.from, range.to, tick],
  );

  return (
    <Async state={state} label="Loading system health…">
      {(d) => {
        // The summary's latest values, else the last point of each series (older servers miss some names).
        const lastOf = (name: string) => {
          const pts = d.series[METRICS.findIndex((m) => m.name === name)]?.series[0]?.points ?? [];
          return pts.length ? pts[pts.length - 1][1] : null;
        };
        const sd = d.dash.systemMetrics ?? {};
        const sm = {
          ...sd,
          cpuUsage: sd.cpuUsage ?? lastOf('system.cpu.usage'),
          memoryUsage: sd.memoryUsage ?? lastOf('system.memory.usage'),
          diskUsage: sd.diskUsage ?? lastOf('system.disk.usage'),
          networkLatency: sd.networkLatency ?? lastOf('system.network.latency'),
          activeConnections: sd.activeConnections ?? lastOf('system.connections.active'),
          gpuUsage: sd.gpuUsage ?? lastOf('system.gpu.usage'),
          gpuMemoryUsage: sd.gpuMemoryUsage ?? lastOf('system.gpu.memory.usage'),
        };
        const h = healthScore({
          cpu: sm.cpuUsage ?? null,
          memory: sm.memoryUsage ?? null,
          disk: sm.diskUsage ?? null,
          errorRate: d.dash.agentMetrics.errorRate,
          criticalAlerts: d.alerts.filter((a) => a.severity === 'critical').length,
          warningAlerts: d.alerts.filter((a) => a.severity === 'warning').length,
          ready: d.ready.ok,
        });
        const hasGpu = sm.gpuUsage !== null && sm.gpuUsage !== undefined;
        const grid = { from: range.from, to: range.to, step };
        const charts = METRICS.map((m, i) => ({ m, s: d.series[i].series })).filter(
          ({ m, s }) => !m.gpu || hasGpu || s.length > 0,
        );
        const reportedAt = toMs(sm.time ?? null);
        const anySystem = Object.values(sm).some((v) => v !== null && v !== undefined);
        return (
          <>
            <div class="grid grid-3">
              <Panel title="Health score">
                <div class="row">
                  <span class={`health-score health-${h.grade}`}>{h.score}</span>
                  <Badge kind={h.grade === 'healthy' ? 'good' : h.grade === 'degraded' ? 'warning' : 'error'}>
                    {h.grade}
                  </Badge>
                </div>
                {h.reasons.length ? (
                  <ul class="small">
                    {h.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                ) : (
                  <p class="muted small">Nothing is taking points off.</p>
                )}
              </Panel>
              <Panel title="Dependencies" class="span-2">
                <table class="data" aria-label="Dependencies">
                  <tbody>
                    <tr>
                      <td>API server (/live)</td>
                      <td>
                        <Badge kind={d.live.ok ? 'ok' : 'error'}>{d.live.ok ? 'up' : 'down'}</Badge>
                      </td>
                      <td class="num">{fmtMs(d.live.ms)}</td>
                    </tr>
                    <tr>
                      <td>Store and ingest (/ready)</td>
                      <td>
                        <Badge kind={d.ready.ok ? 'ok' : 'error'}>{d.ready.ok ? 'ready' : 'not ready'}</Badge>
                      </td>
                      <td class="num">{d.ready.ok ? fmtMs(d.ready.ms) : d.ready.detail}</td>
                    </tr>
                    <tr>
                      <td>Query API</td>
                      <td>
                        <Badge kind={d.apiMs !== null ? 'ok' : 'error'}>
                          {d.apiMs !== null ? 'answering' : 'failing'}
                        </Badge>
                      </td>
                      <td class="num">{fmtMs(d.apiMs)}</td>
                    </tr>
                    <tr>
                      <td>Firing alerts</td>
                      <td>
                        <Badge kind={d.alerts.length ? 'error' : 'ok'}>{fmtInt(d.alerts.length)}</Badge>
                      </td>
                      <td />
                    </tr>
                  </tbody>
                </table>
              </Panel>
            </div>
            {!anySystem && (
              <div class="state empty">
                No system metrics reported yet. The SDK's <code>system</code> events or host metrics over OTLP fill this
                page.
              </div>
            )}
            <div class="stats">
              <Stat label="CPU" value={pct(sm.cpuUsage)} />
              <Stat label="Memory" value={pct(sm.memoryUsage)} />
              <Stat label="Disk" value={pct(sm.diskUsage)} />
              <Stat label="Network latency" value={fmtMs(sm.networkLatency)} />
              <Stat label="Active connections" value={fmtInt(sm.activeConnections)} />
              {hasGpu && <Stat label="GPU" value={pct(sm.gpuUsage)} />}
              {hasGpu && <Stat label="GPU memory" value={pct(sm.gpuMemoryUsage)} />}
            </div>
            {reportedAt && <p class="note">Last report {fmtAgo(reportedAt)}.</p>}
            <div class="grid grid-2">
              {charts.map(({ m, s }) => (
                <Panel key={m.name} title={m.label}>
                  <Chart
                    {...align(s.slice(0, 6), { grid, fallbackLabel: m.label })}
                    fmt={m.fmt}
                    height={160}
                    spanGaps
                  />
                </Panel>
              ))}
            </div>
          </>
        );
      }}
    </Async>
  );
}
