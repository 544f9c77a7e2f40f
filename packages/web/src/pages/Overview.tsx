/** Overview: headline numbers with trends and period-over-period change, charts, alerts, anomalies. */
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { getDashboard, getSpanSeries, previousRange } from '../api/queries.js';
import type { Dashboard, SeriesResponse } from '../api/types.js';
import { AlertItems, AnomalyItems } from '../components/AlertList.js';
import { Chart } from '../components/Chart.js';
import { Async, ErrorBox, Loading, Panel, Stat } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { change, fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd } from '../lib/format.js';
import { linkTo } from '../lib/router.js';
import { align, values } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync } from '../lib/useAsync.js';

const MEASURES = ['count', 'errors', 'error_rate', 'p50_ms', 'p95_ms', 'p99_ms', 'tokens', 'cost', 'runs'] as const;

type SeriesMap = Record<(typeof MEASURES)[number], SeriesResponse>;

interface OverviewData {
  cur: Dashboard;
  prev: Dashboard | null;
}

export default function Overview() {
  const { range, tick } = useApp();
  const step = stepFor(range.from, range.to, 60);
  // Headline numbers and trend series load independently, so the numbers show as soon as they come.
  const state = useAsync<OverviewData>(
    async (signal) => {
      const [cur, prev] = await Promise.all([
        getDashboard(range, signal),
        getDashboard(previousRange(range), signal).catch(() => null),
      ]);
      return { cur, prev };
    },
    [range.from, range.to, tick],
  );
  // The trend series wait for the first headline answer: the browser opens only a few connections
  // per host, and the numbers matter first.
  const headlineReady = state.data !== undefined || state.error !== undefined;
  const series = useAsync<SeriesMap | undefined>(
    async (signal) => {
      if (!headlineReady) return undefined;
      const all = await Promise.all(
        MEASURES.map((m) =>
          m === 'runs'
            ? getSpanSeries(range, 'count', { step, kind: 'agent', signal })
            : // Trends match their headline: latency of LLM calls, error rate of agent runs.
              getSpanSeries(range, m, {
                step,
                kind: m.endsWith('_ms') ? 'llm' : m === 'error_rate' ? 'agent' : undefined,
                signal,
              }),
        ),
      );
      return Object.fromEntries(MEASURES.map((m, i) => [m, all[i]])) as SeriesMap;
    },
    [range.from, range.to, tick, headlineReady],
  );

  return (
    <Async state={state} label="Loading overview…">
      {(d) => (
        <OverviewBody
          d={d}
          series={series.data}
          seriesError={series.error}
          step={step}
          from={range.from}
          to={range.to}
        />
      )}
    </Async>
  );
}

const EMPTY: SeriesResponse = { series: [] };

function OverviewBody({
  d,
  series,
  seriesError,
  step,
  from,
  to,
}: {
  d: OverviewData;
  series: SeriesMap | undefined;
  seriesError: Error | undefined;
  step: number;
  from: number;
  to: number;
}) {
  // Benchmarks read this mark as "overview interactive".
  useEffect(() => {
    if (!performance.getEntriesByName('vigil:overview-ready').length) performance.mark('vigil:overview-ready');
  }, []);
  const a = d.cur.agentMetrics;
  const m = d.cur.modelMetrics;
  const pa = d.prev?.agentMetrics;
  const pm = d.prev?.modelMetrics;
  const ser = (k: (typeof MEASURES)[number]) => (series ? series[k] : EMPTY);
  const s = (k: (typeof MEASURES)[number]) => values(ser(k).series[0]);
  const grid = { from, to, step };
  const traffic = align([ser('count').series[0], ser('errors').series[0]].filter(Boolean), {
    grid,
    fillZero: true,
  });
  traffic.labels = ['spans', 'errors'].slice(0, traffic.ys.length);
  const latency = align([ser('p50_ms').series[0], ser('p95_ms').series[0], ser('p99_ms').series[0]].filter(Boolean), {
    grid,
  });
  latency.labels = ['p50', 'p95', 'p99'].slice(0, latency.ys.length);
  const tokens = align(ser('tokens').series.slice(0, 1), { grid, fillZero: true, fallbackLabel: 'tokens' });
  const cost = align(ser('cost').series.slice(0, 1), { grid, fillZero: true, fallbackLabel: 'cost' });
  const noData =
    a.totalRuns === 0 && m.calls === 0 && series !== undefined && traffic.ys.every((y) => y.every((v) => !v));
  const chart = (node: ComponentChildren) =>
    seriesError && !series ? <ErrorBox error={seriesError} /> : series ? node : <Loading label="Loading chart…" />;

  return (
    <>
      {noData && (
        <div class="state empty">
          No telemetry in this range yet. Send spans with the SDK or any OpenTelemetry exporter to{' '}
          <code>/v1/traces</code>, or pick a wider time range.
        </div>
      )}
      <div class="stats stats-overview">
        <Stat label="Active agents" value={fmtInt(a.activeAgents)} delta={change(a.activeAgents, pa?.activeAgents)} />
        <Stat label="Runs" value={fmtNum(a.totalRuns)} delta={change(a.totalRuns, pa?.totalRuns)} trend={s('runs')} />
        <Stat
          label="Completion rate"
          value={fmtPct(a.completionRate)}
          delta={change(a.completionRate, pa?.completionRate)}
          upIsGood
        />
        <Stat
          label="Error rate"
          hint="Share of agent runs that ended in error"
          value={fmtPct(a.errorRate)}
          delta={change(a.errorRate, pa?.errorRate)}
          upIsGood={false}
          trend={s('error_rate')}
        />
        <Stat
          label="Cost"
          value={fmtUsd(m.totalCost)}
          delta={change(m.totalCost, pm?.totalCost)}
          upIsGood={false}
          trend={s('cost')}
        />
        <Stat
          label="LLM latency p50"
          value={fmtMs(m.p50)}
          delta={change(m.p50, pm?.p50)}
          upIsGood={false}
          trend={s('p50_ms')}
        />
        <Stat
          label="LLM latency p95"
          value={fmtMs(m.p95)}
          delta={change(m.p95, pm?.p95)}
          upIsGood={false}
          trend={s('p95_ms')}
        />
        <Stat
          label="LLM latency p99"
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
      </div>
      <div class="grid grid-2">
        <Panel title="Spans and errors">
          {chart(<Chart {...traffic} colors={['#4f7cff', '#e5484d']} fmt={(v) => fmtNum(v)} />)}
        </Panel>
        <Panel title="LLM latency percentiles">
          {chart(<Chart {...latency} colors={['#10b981', '#f59e0b', '#e5484d']} fmt={fmtMs} />)}
        </Panel>
        <Panel title="Tokens">{chart(<Chart {...tokens} fmt={(v) => fmtNum(v)} colors={['#a855f7']} />)}</Panel>
        <Panel title="Cost">{chart(<Chart {...cost} fmt={fmtUsd} colors={['#f59e0b']} />)}</Panel>
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
