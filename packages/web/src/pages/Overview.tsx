/** Overview: headline numbers with trends and period-over-period change, charts, alerts, anomalies. */
import { getDashboard, getSpanSeries, previousRange } from '../api/queries.js';
import type { Dashboard, SeriesResponse } from '../api/types.js';
import { AlertItems, AnomalyItems } from '../components/AlertList.js';
import { Chart } from '../components/Chart.js';
import { Async, Panel, Stat } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { change, fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd } from '../lib/format.js';
import { linkTo } from '../lib/router.js';
import { align, values } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync } from '../lib/useAsync.js';

const MEASURES = ['count', 'errors', 'error_rate', 'p50_ms', 'p95_ms', 'p99_ms', 'tokens', 'cost'] as const;

interface OverviewData {
  cur: Dashboard;
  prev: Dashboard | null;
  series: Record<(typeof MEASURES)[number], SeriesResponse>;
  step: number;
}

export default function Overview() {
  const { range, tick } = useApp();
  const state = useAsync<OverviewData>(
    async (signal) => {
      const step = stepFor(range.from, range.to, 60);
      const [cur, prev, ...series] = await Promise.all([
        getDashboard(range, signal),
        getDashboard(previousRange(range), signal).catch(() => null),
        ...MEASURES.map((m) => getSpanSeries(range, m, { step, signal })),
      ]);
      return {
        cur,
        prev,
        step,
        series: Object.fromEntries(MEASURES.map((m, i) => [m, series[i]])) as OverviewData['series'],
      };
    },
    [range.from, range.to, tick],
  );

  return (
    <Async state={state} label="Loading overview…">
      {(d) => <OverviewBody d={d} from={range.from} to={range.to} />}
    </Async>
  );
}

function OverviewBody({ d, from, to }: { d: OverviewData; from: number; to: number }) {
  const a = d.cur.agentMetrics;
  const m = d.cur.modelMetrics;
  const pa = d.prev?.agentMetrics;
  const pm = d.prev?.modelMetrics;
  const s = (k: (typeof MEASURES)[number]) => values(d.series[k].series[0]);
  const grid = { from, to, step: d.step };
  const traffic = align([d.series.count.series[0], d.series.errors.series[0]].filter(Boolean), {
    grid,
    fillZero: true,
  });
  traffic.labels = ['spans', 'errors'].slice(0, traffic.ys.length);
  const latency = align(
    [d.series.p50_ms.series[0], d.series.p95_ms.series[0], d.series.p99_ms.series[0]].filter(Boolean),
    { grid },
  );
  latency.labels = ['p50', 'p95', 'p99'].slice(0, latency.ys.length);
  const tokens = align(d.series.tokens.series.slice(0, 1), { grid, fillZero: true, fallbackLabel: 'tokens' });
  const cost = align(d.series.cost.series.slice(0, 1), { grid, fillZero: true, fallbackLabel: 'cost' });
  const noData = a.totalRuns === 0 && m.calls === 0 && traffic.ys.every((y) => y.every((v) => !v));

  return (
    <>
      {noData && (
        <div class="state empty">
          No telemetry in this range yet. Send spans with the SDK or any OpenTelemetry exporter to{' '}
          <code>/v1/traces</code>, or pick a wider time range.
        </div>
      )}
      <div class="stats">
        <Stat label="Active agents" value={fmtInt(a.activeAgents)} delta={change(a.activeAgents, pa?.activeAgents)} />
        <Stat label="Runs" value={fmtNum(a.totalRuns)} delta={change(a.totalRuns, pa?.totalRuns)} trend={s('count')} />
        <Stat
          label="Completion rate"
          value={fmtPct(a.completionRate)}
          delta={change(a.completionRate, pa?.completionRate)}
          upIsGood
        />
        <Stat
          label="Error rate"
          value={fmtPct(a.errorRate)}
          delta={change(a.errorRate, pa?.errorRate)}
          upIsGood={false}
          trend={s('error_rate')}
        />
        <Stat
          label="Latency p50"
          value={fmtMs(m.p50)}
          delta={change(m.p50, pm?.p50)}
          upIsGood={false}
          trend={s('p50_ms')}
        />
        <Stat
          label="Latency p95"
          value={fmtMs(m.p95)}
          delta={change(m.p95, pm?.p95)}
          upIsGood={false}
          trend={s('p95_ms')}
        />
        <Stat
          label="Latency p99"
          value={fmtMs(m.p99)}
          delta={change(m.p99, pm?.p99)}
          upIsGood={false}
          trend={s('p99_ms')}
        />
        <Stat
          label="Tokens"
          value={fmtNum(m.totalTokens)}
          delta={change(m.totalTokens, pm?.totalTokens)}
          upIsGood={false}
          trend={s('tokens')}
          hint={`${fmtInt(m.inputTokens)} in / ${fmtInt(m.outputTokens)} out`}
        />
        <Stat
          label="Cost"
          value={fmtUsd(m.totalCost)}
          delta={change(m.totalCost, pm?.totalCost)}
          upIsGood={false}
          trend={s('cost')}
        />
      </div>
      <div class="grid grid-2">
        <Panel title="Spans and errors">
          <Chart {...traffic} colors={['#4f7cff', '#e5484d']} fmt={(v) => fmtNum(v)} />
        </Panel>
        <Panel title="Latency percentiles (all spans)">
          <Chart {...latency} colors={['#10b981', '#f59e0b', '#e5484d']} fmt={fmtMs} />
        </Panel>
        <Panel title="Tokens">
          <Chart {...tokens} fmt={(v) => fmtNum(v)} colors={['#a855f7']} />
        </Panel>
        <Panel title="Cost">
          <Chart {...cost} fmt={fmtUsd} colors={['#f59e0b']} />
        </Panel>
      </div>
      <div class="grid grid-2">
        <Panel title="Active alerts" actions={<a href={linkTo('/alerts')}>All alerts</a>}>
          <AlertItems alerts={d.cur.activeAlerts ?? []} />
        </Panel>
        <Panel title="Recent anomalies" actions={<a href={linkTo('/anomalies')}>All anomalies</a>}>
          <AnomalyItems anomalies={(d.cur.recentAnomalies ?? []).slice(0, 8)} />
        </Panel>
      </div>
    </>
  );
}
