/** Cost: totals, trend by model, breakdowns by model/agent/user/project, month-end forecast. */

import { useState } from 'preact/hooks';
import { type CostGroupBy, getCostBreakdown, getCostForecast } from '../api/insights.js';
import { getDashboard, getSpanSeries, previousRange } from '../api/queries.js';
import { Chart } from '../components/Chart.js';
import { Async, type Column, DataTable, Panel, Stat } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { change, fmtInt, fmtPct, fmtUsd } from '../lib/format.js';
import { align, topN } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync } from '../lib/useAsync.js';

/** Groupings of the switchable breakdown panel (model and agent have panels of their own). */
const BREAKDOWNS: { value: CostGroupBy; label: string; plural: string }[] = [
  { value: 'user', label: 'User', plural: 'users' },
  { value: 'session', label: 'Session', plural: 'sessions' },
  { value: 'provider', label: 'Provider', plural: 'providers' },
  { value: 'service', label: 'Service', plural: 'services' },
];

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
      const [dash, prev, byModel, forecast] = await Promise.all([
        getDashboard(range, signal),
        getDashboard(previousRange(range), signal).catch(() => null),
        getSpanSeries(range, 'cost', { groupBy: 'model', step, signal }),
        getCostForecast(signal),
      ]);
      return { dash, prev, byModel, forecast };
    },
    [range.from, range.to, tick],
  );
  const [groupBy, setGroupBy] = useState<CostGroupBy>('user');
  const by = BREAKDOWNS.find((b) => b.value === groupBy) ?? BREAKDOWNS[0];
  const breakdown = useAsync(
    (signal) => getCostBreakdown(range, groupBy, { limit: 100, signal }),
    [range.from, range.to, tick, groupBy],
  );

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
                sub={
                  f.low !== null && f.high !== null
                    ? `${Math.round(f.confidence * 100)}%: ${fmtUsd(f.low)} – ${fmtUsd(f.high)}`
                    : 'daily average × days'
                }
                hint={
                  f.status === 'ok'
                    ? `${f.model} forecast of daily spend; ${f.daysLeft.toFixed(1)} days left`
                    : (f.message ?? 'not enough history')
                }
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
              <Panel
                title={`By ${by.label.toLowerCase()}`}
                actions={
                  <select
                    aria-label="Break cost down by"
                    value={groupBy}
                    onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value as CostGroupBy)}
                  >
                    {BREAKDOWNS.map((b) => (
                      <option key={b.value} value={b.value}>
                        {b.label}
                      </option>
                    ))}
                  </select>
                }
              >
                <Async state={breakdown} label="Loading the breakdown…">
                  {(u) => {
                    const rows: Share[] = u.groups.map((g) => ({
                      key: g.key ?? `(no ${by.label.toLowerCase()})`,
                      cost: g.costUsd,
                      detail: `${fmtInt(g.traces)} traces`,
                    }));
                    if (u.other)
                      rows.push({ key: `${fmtInt(u.other.groups)} more ${by.plural}`, cost: u.other.costUsd });
                    return (
                      <DataTable
                        label={`Cost by ${by.label.toLowerCase()}`}
                        rows={rows}
                        columns={shareColumns(by.label, u.total.costUsd)}
                        rowKey={(r) => r.key}
                        initialSort={{ key: 'cost', desc: true }}
                      />
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
