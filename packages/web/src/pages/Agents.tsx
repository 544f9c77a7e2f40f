/** Agents: per-agent runs, success rate, latency, cost; one agent's distribution, tools, versions. */
import { getAgentDetail } from '../api/insights.js';
import { getDashboard, getSpanSeries } from '../api/queries.js';
import { type AgentRow, toMs } from '../api/types.js';
import { BucketHistogram } from '../components/BucketHistogram.js';
import { Chart } from '../components/Chart.js';
import { Async, Badge, type Column, DataTable, Empty, Panel, Stat } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtAgo, fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd } from '../lib/format.js';
import { linkTo, setParams } from '../lib/router.js';
import { align } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync } from '../lib/useAsync.js';

export default function Agents({ params }: { params: URLSearchParams }) {
  const { range, tick } = useApp();
  const dash = useAsync((signal) => getDashboard(range, signal), [range.from, range.to, tick]);
  const selected = params.get('agent');

  const columns: Column<AgentRow>[] = [
    { key: 'agent', label: 'Agent', render: (a) => a.agentName ?? a.agentId, sort: (a) => a.agentName ?? a.agentId },
    { key: 'runs', label: 'Runs', render: (a) => fmtInt(a.runs), sort: (a) => a.runs, num: true },
    {
      key: 'success',
      label: 'Success rate',
      render: (a) => fmtPct(a.runs ? 1 - a.errors / a.runs : null),
      sort: (a) => (a.runs ? 1 - a.errors / a.runs : null),
      num: true,
    },
    { key: 'errors', label: 'Errors', render: (a) => fmtInt(a.errors), sort: (a) => a.errors, num: true },
    { key: 'p50', label: 'p50', render: (a) => fmtMs(a.p50Ms), sort: (a) => a.p50Ms, num: true },
    { key: 'p95', label: 'p95', render: (a) => fmtMs(a.p95Ms), sort: (a) => a.p95Ms, num: true },
    { key: 'cost', label: 'Cost', render: (a) => fmtUsd(a.costUsd), sort: (a) => a.costUsd, num: true },
    {
      key: 'cpr',
      label: 'Cost / run',
      render: (a) => fmtUsd(a.runs ? a.costUsd / a.runs : null),
      sort: (a) => (a.runs ? a.costUsd / a.runs : null),
      num: true,
    },
  ];

  return (
    <Async state={dash} label="Loading agents…">
      {(d) => {
        const rows = d.agentMetrics.byAgent ?? [];
        const agent = rows.find((a) => a.agentId === selected) ?? null;
        return (
          <>
            <div class="stats">
              <Stat label="Active agents" value={fmtInt(d.agentMetrics.activeAgents)} />
              <Stat label="Agents with runs" value={fmtInt(rows.length)} />
              <Stat label="Runs" value={fmtNum(d.agentMetrics.totalRuns)} />
              <Stat label="Completion rate" value={fmtPct(d.agentMetrics.completionRate)} />
              <Stat label="Average run" value={fmtMs(d.agentMetrics.averageRunMs)} />
            </div>
            <Panel title="Agents" actions={<span class="muted small">Select an agent for details</span>}>
              <DataTable
                label="Agents"
                rows={rows}
                columns={columns}
                rowKey={(a) => a.agentId}
                initialSort={{ key: 'runs', desc: true }}
                selected={selected}
                onRow={(a) => setParams({ agent: a.agentId === selected ? null : a.agentId })}
                empty="No agent runs in this range."
              />
            </Panel>
            {agent && <AgentDetail agent={agent} />}
          </>
        );
      }}
    </Async>
  );
}

function AgentDetail({ agent }: { agent: AgentRow }) {
  const { range, tick } = useApp();
  const step = stepFor(range.from, range.to, 60);
  const series = useAsync(
    async (signal) => {
      const [p50, p95, runs] = await Promise.all(
        (['p50_ms', 'p95_ms', 'count'] as const).map((m) =>
          getSpanSeries(range, m, { agent: agent.agentId, kind: 'agent', step, signal }),
        ),
      );
      return { p50, p95, runs };
    },
    [agent.agentId, range.from, range.to, tick],
  );
  const detail = useAsync(
    (signal) => getAgentDetail(agent.agentId, range, signal),
    [agent.agentId, range.from, range.to, tick],
  );
  const name = agent.agentName ?? agent.agentId;
  return (
    <>
      <h2>
        {name}{' '}
        <a href={linkTo('/traces', { agent: agent.agentId })} class="small">
          View traces →
        </a>
      </h2>
      <div class="grid grid-2">
        <Panel title="Run latency over time">
          <Async state={series}>
            {(s) => {
              const a = align([s.p50.series[0], s.p95.series[0]].filter(Boolean), {
                grid: { from: range.from, to: range.to, step },
              });
              a.labels = ['p50', 'p95'].slice(0, a.ys.length);
              return <Chart {...a} fmt={fmtMs} colors={['#10b981', '#f59e0b']} />;
            }}
          </Async>
        </Panel>
        <Panel title="Latency distribution">
          <Async state={detail}>
            {(d) => (
              <>
                <BucketHistogram {...d.histogram} />
                <p class="note">
                  {fmtInt(d.runs)} runs · p50 {fmtMs(d.p50Ms)} · p90 {fmtMs(d.p90Ms)} · p95 {fmtMs(d.p95Ms)} · p99{' '}
                  {fmtMs(d.p99Ms)} · success {fmtPct(d.successRate)} · {fmtUsd(d.costUsd)}
                </p>
              </>
            )}
          </Async>
        </Panel>
      </div>
      <Panel title="Tools, models and versions">
        <Async state={detail} label="Loading agent detail…">
          {(d) => {
            if (d.runs === 0 && d.tools.length === 0 && d.models.length === 0)
              return <Empty>No runs of this agent in this range.</Empty>;
            return (
              <div class="grid grid-3">
                <div>
                  <h3>Tools used</h3>
                  {d.tools.length === 0 ? (
                    <p class="muted">No tool calls.</p>
                  ) : (
                    <table class="data">
                      <tbody>
                        {d.tools.map((t) => (
                          <tr key={t.name}>
                            <td>{t.name}</td>
                            <td class="num">{fmtInt(t.calls)} calls</td>
                            <td class="num">{fmtMs(t.avgMs)} avg</td>
                            <td class="num">{t.errors ? <Badge kind="error">{t.errors} err</Badge> : ''}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </div>
                <div>
                  <h3>Models</h3>
                  <div class="tag-list">
                    {d.models.map((m) => (
                      <Badge key={m.model} kind="info">
                        {m.model} × {fmtInt(m.calls)}
                      </Badge>
                    ))}
                    {d.models.length === 0 && <span class="muted">None.</span>}
                  </div>
                </div>
                <div>
                  <h3>Versions</h3>
                  <div class="tag-list">
                    {d.versions.map((v) => (
                      <Badge key={v.version} kind={v.errorRate > 0.05 ? 'error' : 'good'}>
                        v{v.version} × {fmtInt(v.runs)}
                        {v.errors ? ` · ${fmtPct(v.errorRate, 0)} err` : ''}
                      </Badge>
                    ))}
                    {d.versions.length === 0 && <span class="muted">No versions reported.</span>}
                  </div>
                </div>
              </div>
            );
          }}
        </Async>
      </Panel>
      <Panel title="Recent sessions">
        <Async state={detail}>
          {(d) => (
            <DataTable
              label="Recent sessions"
              rows={d.sessions}
              rowKey={(x) => x.sessionId}
              initialSort={{ key: 'last', desc: true }}
              empty="No sessions reported for this agent in this range."
              columns={[
                {
                  key: 'session',
                  label: 'Session',
                  render: (x) => <a href={linkTo('/traces', { sessionId: x.sessionId })}>{x.sessionId}</a>,
                  sort: (x) => x.sessionId,
                },
                { key: 'user', label: 'User', render: (x) => x.userId ?? '—', sort: (x) => x.userId },
                { key: 'runs', label: 'Runs', render: (x) => fmtInt(x.runs), sort: (x) => x.runs, num: true },
                { key: 'errors', label: 'Errors', render: (x) => fmtInt(x.errors), sort: (x) => x.errors, num: true },
                {
                  key: 'last',
                  label: 'Last run',
                  render: (x) => fmtAgo(toMs(x.lastSeen) ?? 0),
                  sort: (x) => toMs(x.lastSeen),
                },
              ]}
            />
          )}
        </Async>
      </Panel>
    </>
  );
}
