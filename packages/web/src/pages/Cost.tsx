/** Cost: totals, trend by model, breakdowns by model/agent/user/project, month-end forecast. */
import { getDashboard, getSpanSeries, previousRange } from '../api/queries.js';
import { Chart } from '../components/Chart.js';
import { Async, type Column, DataTable, Panel, Stat } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { forecastMonthEnd } from '../lib/forecast.js';
import { change, fmtInt, fmtPct, fmtUsd } from '../lib/format.js';
import { sampleTraces } from '../lib/sample.js';
import { align, topN } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync, useSlowRange } from '../lib/useAsync.js';

const DAY = 86_400_000;
const USER_SAMPLE = 60;

interface Share {
  key: string;
  cost: number;
  detail?: string;
}

function shareColumns(label: string, total: number): Column<Share>[] {
  return [
    { key: 'k', label, render: (r) => r.key, sort: (r) => r.key },
    { key: 'd', label: '', render: (r) => <span class="muted small">{r.detail ?? ''}</span> },
    { key: 'cost', label: 'Cost', render: (r) => fmtUsd(r.cost), sort: (r) => r.cost, num: true },
    {
      key: 'share',
      label: 'Share',
      render: (r) => (
        <span class="bar-cell">
          <span class="bar" style={{ width: `${total ? Math.max(2, (r.cost / total) * 80) : 0}px` }} />
          {fmtPct(total ? r.cost / total : null)}
        </span>
      ),
      sort: (r) => r.cost,
      num: true,
    },
  ];
}

export default function Cost() {
  const { range, tick } = useApp();
  const step = stepFor(range.from, range.to, 60);
  const main = useAsync(
    async (signal) => {
      const now = Date.now();
      const n = new Date(now);
      const monthStart = Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), 1);
      const [dash, prev, byModel, daily] = await Promise.all([
        getDashboard(range, signal),
        getDashboard(previousRange(range), signal).catch(() => null),
        getSpanSeries(range, 'cost', { groupBy: 'model', step, signal }),
        getSpanSeries({ from: monthStart, to: now }, 'cost', { step: DAY, signal }),
      ]);
      const days = Math.floor((now - monthStart) / DAY) + 1;
      const perDay = new Array(days).fill(0);
      for (const [t, v] of daily.series[0]?.points ?? []) {
        const i = Math.floor((t - monthStart) / DAY);
        if (i >= 0 && i < days) perDay[i] += v;
      }
      // forecastMonthEnd reads local calendar fields; feed it UTC ones to match the UTC day buckets.
      const utcNow = new Date(
        n.getUTCFullYear(),
        n.getUTCMonth(),
        n.getUTCDate(),
        n.getUTCHours(),
        n.getUTCMinutes(),
        n.getUTCSeconds(),
      );
      return { dash, prev, byModel, forecast: forecastMonthEnd(perDay, utcNow) };
    },
    [range.from, range.to, tick],
  );
  const slow = useSlowRange(range);
  const users = useAsync((signal) => sampleTraces(slow, {}, { traces: USER_SAMPLE, signal }), [slow.from, slow.to]);

  return (
    <Async state={main} label="Loading cost…">
      {(d) => {
        const total = d.dash.modelMetrics.totalCost;
        const runs = d.dash.agentMetrics.totalRuns;
        const f = d.forecast;
        const models: Share[] = (d.dash.modelMetrics.byModel ?? []).map((m) => ({
          key: m.model,
          cost: m.costUsd,
          detail: m.provider ?? '',
        }));
        const agents: Share[] = (d.dash.agentMetrics.byAgent ?? []).map((a) => ({
          key: a.agentName ?? a.agentId,
          cost: a.costUsd,
          detail: `${fmtInt(a.runs)} runs`,
        }));
        const trend = align(topN(d.byModel.series, 6), {
          grid: { from: range.from, to: range.to, step },
          fillZero: true,
        });
        return (
          <>
            <div class="stats">
              <Stat
                label="Cost in range"
                value={fmtUsd(total)}
                delta={change(total, d.prev?.modelMetrics.totalCost)}
                upIsGood={false}
              />
              <Stat label="Cost per run" value={fmtUsd(runs ? total / runs : null)} />
              <Stat label="Month to date (UTC)" value={fmtUsd(f.monthToDate)} />
              <Stat
                label="Forecast to month end"
                value={fmtUsd(f.projected)}
                sub={`95%: ${fmtUsd(f.low)} – ${fmtUsd(f.high)}`}
                hint={`Linear trend of recent daily spend; ${f.daysLeft.toFixed(1)} days left`}
              />
              <Stat label="Daily average (this month)" value={fmtUsd(f.dailyAverage)} />
            </div>
            <Panel title="Cost over time by model">
              <Chart {...trend} fmt={fmtUsd} stacked />
            </Panel>
            <div class="grid grid-2">
              <Panel title="By model">
                <DataTable
                  label="Cost by model"
                  rows={models}
                  columns={shareColumns('Model', total)}
                  rowKey={(r) => r.key}
                  initialSort={{ key: 'cost', desc: true }}
                />
              </Panel>
              <Panel title="By agent">
                <DataTable
                  label="Cost by agent"
                  rows={agents}
                  columns={shareColumns('Agent', total)}
                  rowKey={(r) => r.key}
                  initialSort={{ key: 'cost', desc: true }}
                />
              </Panel>
              <Panel title="By user">
                <Async state={users} label="Reading recent traces…">
                  {(s) => {
                    const byUser = new Map<string, number>();
                    const traceUser = new Map<string, string>();
                    for (const sp of s.spans)
                      if (sp.userId && !traceUser.has(sp.traceId)) traceUser.set(sp.traceId, sp.userId);
                    let sampled = 0;
                    for (const sp of s.spans) {
                      const c = sp.costUsd ?? 0;
                      sampled += c;
                      const u = traceUser.get(sp.traceId) ?? '(no user)';
                      byUser.set(u, (byUser.get(u) ?? 0) + c);
                    }
                    const rows = [...byUser.entries()].map(([key, cost]) => ({ key, cost }));
                    return (
                      <>
                        <DataTable
                          label="Cost by user"
                          rows={rows}
                          columns={shareColumns('User', sampled)}
                          rowKey={(r) => r.key}
                          initialSort={{ key: 'cost', desc: true }}
                        />
                        <p class="note">From the {fmtInt(s.traces)} most recent traces (computed in the browser).</p>
                      </>
                    );
                  }}
                </Async>
              </Panel>
              <Panel title="By project">
                <DataTable
                  label="Cost by project"
                  rows={[{ key: 'This project (API key scope)', cost: total }]}
                  columns={shareColumns('Project', total)}
                  rowKey={(r) => r.key}
                />
                <p class="note">An API key sees one project; a cross-project view needs an admin endpoint.</p>
              </Panel>
            </div>
          </>
        );
      }}
    </Async>
  );
}
