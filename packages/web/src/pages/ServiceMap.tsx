/** Service map: who calls whom (services → agents → models/tools), aggregated by the server over the range. */
import { getServiceMap, type MapEdge, type MapNode } from '../api/insights.js';
import { Async, type Column, DataTable, Empty, Panel } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtInt, fmtMs, fmtNum, fmtPct } from '../lib/format.js';
import { useAsync } from '../lib/useAsync.js';

const COL_W = 300;
const ROW_H = 64;
const NODE_W = 170;
const NODE_H = 40;

const TYPE_COLOR: Record<MapNode['type'], string> = {
  service: '#64748b',
  agent: '#4f7cff',
  model: '#a855f7',
  tool: '#f59e0b',
  retrieval: '#06b6d4',
};

/** Longest-path layering (bounded, so cycles cannot loop), then rows within each column. */
function layout(nodes: MapNode[], edges: MapEdge[]) {
  const depth = new Map(nodes.map((n) => [n.id, 0]));
  for (let i = 0; i < nodes.length; i++) {
    let changed = false;
    for (const e of edges) {
      const d = (depth.get(e.from) ?? 0) + 1;
      if (d > (depth.get(e.to) ?? 0) && d < nodes.length) {
        depth.set(e.to, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const cols = new Map<number, MapNode[]>();
  for (const n of nodes) {
    const d = depth.get(n.id) ?? 0;
    cols.set(d, [...(cols.get(d) ?? []), n]);
  }
  const pos = new Map<string, { x: number; y: number }>();
  let maxRows = 0;
  for (const [d, ns] of cols) {
    ns.sort((a, b) => b.calls - a.calls);
    ns.forEach((n, i) => {
      pos.set(n.id, { x: 20 + d * COL_W, y: 20 + i * ROW_H });
    });
    maxRows = Math.max(maxRows, ns.length);
  }
  return { pos, width: 40 + (Math.max(0, ...cols.keys()) * COL_W + NODE_W), height: 40 + maxRows * ROW_H };
}

export default function ServiceMap() {
  const { range, tick } = useApp();
  const state = useAsync(
    async (signal) => ({
      ...(await getServiceMap(range, signal)),
      windowMs: Math.max(60_000, range.to - range.from),
    }),
    [range.from, range.to, tick],
  );

  return (
    <Async state={state} label="Building the service map…">
      {(d) => {
        if (d.edges.length === 0)
          return <Empty>No calls between services, agents, models or tools in this range.</Empty>;
        const { pos, width, height } = layout(d.nodes, d.edges);
        const label = new Map(d.nodes.map((n) => [n.id, n]));
        const perMin = (calls: number) => (calls / d.windowMs) * 60_000;
        const maxCalls = Math.max(...d.edges.map((e) => e.calls));
        // Labels on every edge overlap in dense graphs; there the tooltips and the table carry them.
        const showEdgeLabels = d.edges.length <= 8;
        const outgoing = new Map<string, number>();
        for (const e of d.edges) outgoing.set(e.from, (outgoing.get(e.from) ?? 0) + e.calls);
        const columns: Column<MapEdge>[] = [
          { key: 'from', label: 'From', render: (e) => label.get(e.from)?.label ?? e.from, sort: (e) => e.from },
          {
            key: 'to',
            label: 'To',
            render: (e) => `${label.get(e.to)?.label ?? e.to} (${label.get(e.to)?.type})`,
            sort: (e) => e.to,
          },
          { key: 'calls', label: 'Calls', render: (e) => fmtInt(e.calls), sort: (e) => e.calls, num: true },
          {
            key: 'rate',
            label: 'Rate',
            render: (e) => `${fmtNum(perMin(e.calls), 2)}/min`,
            sort: (e) => e.calls,
            num: true,
          },
          {
            key: 'err',
            label: 'Error rate',
            render: (e) => fmtPct(e.errors / e.calls),
            sort: (e) => e.errors / e.calls,
            num: true,
          },
          { key: 'avg', label: 'Avg latency', render: (e) => fmtMs(e.avgMs), sort: (e) => e.avgMs, num: true },
          { key: 'p95', label: 'p95 latency', render: (e) => fmtMs(e.p95Ms), sort: (e) => e.p95Ms, num: true },
        ];
        return (
          <>
            <Panel title="Call graph">
              <div class="svcmap">
                <svg width={width} height={height} role="img" aria-label="Service map">
                  <title>Service map</title>
                  {d.edges.map((e) => {
                    const a = pos.get(e.from);
                    const b = pos.get(e.to);
                    if (!a || !b) return null;
                    const x1 = a.x + NODE_W;
                    const y1 = a.y + NODE_H / 2;
                    const x2 = b.x;
                    const y2 = b.y + NODE_H / 2;
                    const back = x2 <= x1;
                    const mx = (x1 + x2) / 2;
                    const path = back
                      ? `M${x1},${y1} C${x1 + 60},${y1 - 60} ${x2 - 60},${y2 - 60} ${x2},${y2}`
                      : `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
                    const er = e.errors / e.calls;
                    const color = er > 0.05 ? 'var(--bad)' : er > 0 ? 'var(--warn)' : 'var(--muted)';
                    return (
                      <g key={`${e.from}>${e.to}`}>
                        <path
                          d={path}
                          fill="none"
                          stroke={color}
                          stroke-opacity="0.6"
                          stroke-width={1 + 4 * Math.sqrt(e.calls / maxCalls)}
                        />
                        <title>{`${label.get(e.from)?.label} → ${label.get(e.to)?.label}: ${fmtInt(e.calls)} calls, ${fmtNum(perMin(e.calls), 2)}/min, ${fmtPct(er)} errors, avg ${fmtMs(e.avgMs)}, p95 ${fmtMs(e.p95Ms)}`}</title>
                        {showEdgeLabels && (
                          <text class="edge-label" x={x2 - 8} y={y2 - 6} text-anchor="end">
                            {fmtNum(perMin(e.calls), 1)}/min{er > 0 ? ` · ${fmtPct(er, 0)} err` : ''}
                          </text>
                        )}
                      </g>
                    );
                  })}
                  {d.nodes.map((n) => {
                    const p = pos.get(n.id)!;
                    const c = TYPE_COLOR[n.type];
                    return (
                      <g key={n.id} transform={`translate(${p.x},${p.y})`}>
                        <title>{`${n.type}: ${n.label} · ${n.calls} calls · ${n.errors} errors`}</title>
                        <rect
                          width={NODE_W}
                          height={NODE_H}
                          rx="6"
                          fill="var(--panel)"
                          stroke={c}
                          stroke-width={n.errors ? 2 : 1.2}
                        />
                        <rect width="5" height={NODE_H} rx="2" fill={c} />
                        <text x="12" y="16">
                          {n.label.length > 22 ? `${n.label.slice(0, 21)}…` : n.label}
                        </text>
                        <text x="12" y="31" class="edge-label">
                          {n.type} · {fmtInt(n.type === 'service' ? (outgoing.get(n.id) ?? 0) : n.calls)}
                          {n.errors ? ` · ${fmtInt(n.errors)} err` : ''}
                        </text>
                      </g>
                    );
                  })}
                </svg>
              </div>
              <p class="note">
                Every call in the range: an edge links a span to its parent's agent, model, tool, retriever or service;
                rates are per minute over the range, latencies are the callee's.
              </p>
            </Panel>
            <Panel title="Edges">
              <DataTable
                label="Edges"
                rows={d.edges}
                columns={columns}
                rowKey={(e) => `${e.from}>${e.to}`}
                initialSort={{ key: 'calls', desc: true }}
              />
            </Panel>
          </>
        );
      }}
    </Async>
  );
}
