/** One trace: summary with roll-ups, the waterfall, and the selected span's details. */
import { Fragment } from 'preact';
import { useMemo, useRef } from 'preact/hooks';
import { getTrace, traceLogs } from '../api/queries.js';
import { type Span, toMs } from '../api/types.js';
import { Badge, ErrorBox, Loading, Panel, Stat } from '../components/ui.js';
import { Waterfall } from '../components/Waterfall.js';
import { useApp } from '../lib/context.js';
import { fmtInt, fmtMs, fmtTime, fmtUsd, shortId } from '../lib/format.js';
import { linkTo, setParams } from '../lib/router.js';
import { buildTree, type SpanNode } from '../lib/tree.js';
import { useAsync } from '../lib/useAsync.js';

export default function TraceDetailPage({ traceId, params }: { traceId: string; params: URLSearchParams }) {
  const { tick } = useApp();
  // Refreshes (timer, live updates) re-read only traces that may still be growing: a trace whose
  // last span ended minutes ago is complete, and re-fetching thousands of spans is wasted work.
  const growing = useRef(true);
  const state = useAsync((signal) => getTrace(traceId, signal), [traceId, growing.current ? tick : 0]);
  growing.current = !state.data || state.data.spans.some((s) => Date.now() - (toMs(s.endTime) ?? 0) < 300_000);
  const tree = useMemo(() => (state.data ? buildTree(state.data.spans) : null), [state.data]);
  const logs = useAsync(
    async (signal) =>
      tree ? traceLogs(traceId, { from: tree.startMs - 60_000, to: tree.endMs + 60_000 }, signal) : null,
    [tree],
  );
  const selectedId = params.get('span') ?? tree?.roots[0]?.span.spanId ?? null;
  const selected = selectedId && tree ? (tree.byId.get(selectedId) ?? null) : null;

  const back = (
    <a href={linkTo('/traces')} class="small">
      ← All traces
    </a>
  );
  if (state.error && !state.data) {
    return (
      <>
        {back}
        <ErrorBox error={state.error} onRetry={state.reload} />
      </>
    );
  }
  if (!tree || !state.data) return <Loading label="Loading trace…" />;
  if (state.data.spans.length === 0) return <div class="state empty">This trace has no spans.</div>;

  let tokensIn = 0;
  let tokensOut = 0;
  let cost = 0;
  let errors = 0;
  for (const r of tree.roots) {
    tokensIn += r.rollup.inputTokens;
    tokensOut += r.rollup.outputTokens;
    cost += r.rollup.costUsd;
    errors += r.rollup.errors;
  }
  const root = tree.roots[0].span;

  return (
    <>
      <div class="row">
        {back}
        <span class="spacer" />
        <span class="muted small mono">trace {traceId}</span>
      </div>
      <h2 class="trace-title">
        {root.name}{' '}
        <Badge kind={errors ? 'error' : 'ok'}>{errors ? `${errors} error${errors > 1 ? 's' : ''}` : 'ok'}</Badge>
      </h2>
      <div class="stats">
        <Stat label="Duration" value={fmtMs(tree.endMs - tree.startMs)} />
        <Stat label="Spans" value={fmtInt(state.data.spans.length)} />
        <Stat label="Started" value={fmtTime(tree.startMs)} />
        <Stat
          label="Tokens"
          value={fmtInt(tokensIn + tokensOut)}
          hint={`${fmtInt(tokensIn)} in / ${fmtInt(tokensOut)} out`}
        />
        <Stat label="Cost" value={fmtUsd(cost)} />
        <Stat label="Agent" value={root.agentName ?? root.agentId ?? '—'} />
      </div>
      <div class="split">
        <Panel title="Waterfall">
          <Waterfall tree={tree} selected={selectedId} onSelect={(id) => setParams({ span: id })} />
        </Panel>
        <Panel title="Span details" class="span-detail">
          {selected ? <SpanDetail n={selected} traceStart={tree.startMs} /> : <div class="muted">Select a span.</div>}
        </Panel>
      </div>
      {logs.data && logs.data.items.length > 0 && (
        <Panel title={`Logs (${logs.data.items.length}${logs.data.nextCursor ? '+' : ''})`}>
          <table class="data" aria-label="Trace logs">
            <tbody>
              {[...logs.data.items]
                .sort((a, b) => (toMs(a.time) ?? 0) - (toMs(b.time) ?? 0))
                .map((l, i) => (
                  <tr key={i}>
                    <td class="mono">+{fmtMs((toMs(l.time) ?? 0) - tree.startMs)}</td>
                    <td>
                      <Badge kind={l.severity >= 17 ? 'error' : l.severity >= 13 ? 'warning' : 'info'}>
                        {l.severityText || l.severity}
                      </Badge>
                    </td>
                    <td class="wrap">{l.body}</td>
                    <td>
                      {l.spanId && tree.byId.has(l.spanId) ? (
                        <button type="button" class="link" onClick={() => setParams({ span: l.spanId })}>
                          {tree.byId.get(l.spanId)!.span.name}
                        </button>
                      ) : (
                        ''
                      )}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </Panel>
      )}
    </>
  );
}

function exceptions(span: Span) {
  return (span.events ?? [])
    .filter((e) => e.name === 'exception' || 'exception.message' in (e.attributes ?? {}))
    .map((e) => ({
      type: String(e.attributes['exception.type'] ?? 'Error'),
      message: String(e.attributes['exception.message'] ?? ''),
      stack: e.attributes['exception.stacktrace'] ? String(e.attributes['exception.stacktrace']) : null,
      time: toMs(e.time),
    }));
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Pretty-prints JSON payloads; leaves other text as it is. */
function payload(s: string): string {
  const t = s.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(t), null, 2);
    } catch {
      return s;
    }
  }
  return s;
}

function SpanDetail({ n, traceStart }: { n: SpanNode; traceStart: number }) {
  const s = n.span;
  const exc = exceptions(s);
  const attrs = Object.entries(s.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const otherEvents = (s.events ?? []).filter((e) => e.name !== 'exception');
  const hasKids = n.children.length > 0;
  return (
    <div data-testid="span-detail">
      <h3 class="row">
        <span class={`kind-chip kind-${s.kind}`} /> {s.name} <Badge kind={s.status}>{s.status}</Badge>
      </h3>
      <dl class="kv detail-section">
        <dt>Kind</dt>
        <dd>{s.kind}</dd>
        <dt>Service</dt>
        <dd>{s.serviceName}</dd>
        <dt>Duration</dt>
        <dd>{fmtMs(n.endMs - n.startMs)}</dd>
        <dt>Starts at</dt>
        <dd>+{fmtMs(n.startMs - traceStart)}</dd>
        {s.model && (
          <>
            <dt>Model</dt>
            <dd>
              {s.model}
              {s.provider ? ` (${s.provider})` : ''}
            </dd>
          </>
        )}
        <dt>Tokens</dt>
        <dd>
          {fmtInt(s.inputTokens ?? 0)} in / {fmtInt(s.outputTokens ?? 0)} out
          {hasKids && ` · with children ${fmtInt(n.rollup.inputTokens)} / ${fmtInt(n.rollup.outputTokens)}`}
        </dd>
        <dt>Cost</dt>
        <dd>
          {fmtUsd(s.costUsd ?? 0)}
          {hasKids && ` · with children ${fmtUsd(n.rollup.costUsd)}`}
        </dd>
        {(s.agentName || s.agentId) && (
          <>
            <dt>Agent</dt>
            <dd>
              {s.agentName ?? s.agentId}
              {s.agentVersion ? ` v${s.agentVersion}` : ''}
            </dd>
          </>
        )}
        {s.sessionId && (
          <>
            <dt>Session</dt>
            <dd>{s.sessionId}</dd>
          </>
        )}
        {s.userId && (
          <>
            <dt>User</dt>
            <dd>{s.userId}</dd>
          </>
        )}
        <dt>Span id</dt>
        <dd>
          {s.spanId}
          {s.parentSpanId ? ` ← ${shortId(s.parentSpanId)}` : ''}
        </dd>
      </dl>
      {(s.status === 'error' || exc.length > 0) && (
        <div class="detail-section">
          <h3>Error</h3>
          {s.statusMessage && <p class="form-error">{s.statusMessage}</p>}
          {exc.map((e, i) => (
            <div key={i}>
              <strong>{e.type}</strong>: {e.message}
              {e.stack && <pre class="payload stack">{e.stack}</pre>}
            </div>
          ))}
        </div>
      )}
      {s.input && (
        <div class="detail-section">
          <h3>Input</h3>
          <pre class="payload">{payload(s.input)}</pre>
        </div>
      )}
      {s.output && (
        <div class="detail-section">
          <h3>Output</h3>
          <pre class="payload">{payload(s.output)}</pre>
        </div>
      )}
      {attrs.length > 0 && (
        <div class="detail-section">
          <h3>Attributes</h3>
          <dl class="kv">
            {attrs.map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>{show(v)}</dd>
              </Fragment>
            ))}
          </dl>
        </div>
      )}
      {otherEvents.length > 0 && (
        <div class="detail-section">
          <h3>Events</h3>
          <ul class="list">
            {otherEvents.map((e, i) => (
              <li key={i} class="list-item small">
                <strong>{e.name}</strong> <span class="muted">{fmtTime(toMs(e.time))}</span>{' '}
                <span class="mono">{Object.keys(e.attributes ?? {}).length ? JSON.stringify(e.attributes) : ''}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
