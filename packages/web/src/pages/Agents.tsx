/** Agents: per-agent runs, success rate, latency, cost; one agent's distribution, tools, versions. */
import { getDashboard, getSpanSeries, listTraces } from '../api/queries.js';
import type { AgentRow } from '../api/types.js';
import { Chart } from '../components/Chart.js';
import { Histogram } from '../components/Histogram.js';
import { Async, Badge, type Column, DataTable, Empty, Panel, Stat } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd } from '../lib/format.js';
import { linkTo, setParams } from '../lib/router.js';
import { sampleTraces } from '../lib/sample.js';
import { align } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync, useSlowRange } from '../lib/useAsync.js';

const SAMPLE = 25;

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
  const dist = useAsync(
    (signal) => listTraces(range, { agent: agent.agentId, kind: 'agent' }, { limit: 1000, signal }),
    [agent.agentId, range.from, range.to, tick],
  );
  const slow = useSlowRange(range);
  const sample = useAsync(
    (signal) => sampleTraces(slow, { agent: agent.agentId }, { traces: SAMPLE, signal }),
    [agent.agentId, slow.from, slow.to],
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
          <Async state={dist}>
            {(p) => (
              <>
                <Histogram values={p.items.map((t) => t.durationMs)} />
                <p class="note">
                  {fmtInt(p.items.length)} most recent runs{p.nextCursor ? ' (more in range)' : ''}.
                </p>
              </>
            )}
          </Async>
        </Panel>
      </div>
      <Panel title="Tools, models and versions">
        <Async state={sample} label="Reading recent traces…">
          {(s) => {
            const tools = new Map<string, { calls: number; errors: number; ms: number }>();
            const models = new Map<string, number>();
            const versions = new Map<string, number>();
            for (const sp of s.spans) {
              if (sp.kind === 'tool') {
                const t = tools.get(sp.name) ?? { calls: 0, errors: 0, ms: 0 };
                t.calls++;
                t.errors += sp.status === 'error' ? 1 : 0;
                t.ms += sp.durationMs;
                tools.set(sp.name, t);
              }
              if (sp.model) models.set(sp.model, (models.get(sp.model) ?? 0) + 1);
              if (sp.kind === 'agent' && sp.agentVersion)
                versions.set(sp.agentVersion, (versions.get(sp.agentVersion) ?? 0) + 1);
            }
            if (s.traces === 0) return <Empty>No traces for this agent in this range.</Empty>;
            return (
              <div class="grid grid-3">
                <div>
                  <h3>Tools used</h3>
                  {tools.size === 0 ? (
                    <p class="muted">No tool calls seen.</p>
                  ) : (
                    <table class="data">
                      <tbody>
                        {[...tools.entries()]
                          .sort((a, b) => b[1].calls - a[1].calls)
                          .map(([n, t]) => (
                            <tr key={n}>
                              <td>{n}</td>
                              <td class="num">{fmtInt(t.calls)} calls</td>
                              <td class="num">{fmtMs(t.ms / t.calls)} avg</td>
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
                    {[...models.entries()].map(([m, c]) => (
                      <Badge key={m} kind="info">
                        {m} × {fmtInt(c)}
                      </Badge>
                    ))}
                    {models.size === 0 && <span class="muted">None seen.</span>}
                  </div>
                </div>
                <div>
                  <h3>Versions</h3>
                  <div class="tag-list">
                    {[...versions.entries()].map(([v, c]) => (
                      <Badge key={v} kind="good">
                        v{v} × {fmtInt(c)}
                      </Badge>
                    ))}
                    {versions.size === 0 && <span class="muted">No versions reported.</span>}
                  </div>
                </div>
              </div>
            );
          }}
        </Async>
        <p class="note">From the {SAMPLE} most recent traces of this agent (computed in the browser).</p>
      </Panel>
    </>
  );
}
