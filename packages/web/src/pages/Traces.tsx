/** Traces: filterable list (all filters in the URL) and, at /traces/:id, the trace detail. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getDashboard, listTraces, type TraceFilters } from '../api/queries.js';
import { SPAN_KINDS, type TraceSummary, toMs } from '../api/types.js';
import { Badge, type Column, DataTable, ErrorBox, Loading, Panel, StatusDot } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtInt, fmtMs, fmtTime, fmtUsd } from '../lib/format.js';
import { linkTo, navigate, setParams } from '../lib/router.js';
import { useAsync, useDebounced } from '../lib/useAsync.js';
import TraceDetailPage from './TraceDetail.js';

const FILTER_KEYS = [
  'agent',
  'model',
  'status',
  'kind',
  'service',
  'userId',
  'sessionId',
  'text',
  'minDurationMs',
  'minCostUsd',
] as const;

export default function Traces({ path, params }: { path: string; params: URLSearchParams }) {
  const m = /^\/traces\/([^/]+)/.exec(path);
  if (m) return <TraceDetailPage traceId={decodeURIComponent(m[1])} params={params} />;
  return <TraceList params={params} />;
}

function TraceList({ params }: { params: URLSearchParams }) {
  const { range, tick } = useApp();
  const filters: TraceFilters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) filters[k] = v;
  }
  const filterKey = FILTER_KEYS.map((k) => filters[k] ?? '').join('|');

  // Typed filters update the URL after a short pause so each keystroke does not hit the server.
  const [text, setText] = useState(filters.text ?? '');
  const debounced = useDebounced(text, 250);
  useEffect(() => {
    if ((debounced || '') !== (params.get('text') ?? '')) setParams({ text: debounced || null });
  }, [debounced]);
  useEffect(() => setText(params.get('text') ?? ''), [params.get('text')]);

  const options = useAsync((signal) => getDashboard(range, signal), [range.from, range.to]);
  const [pages, setPages] = useState<{ items: TraceSummary[]; next: string | null }>({ items: [], next: null });
  const [moreBusy, setMoreBusy] = useState(false);
  const [moreError, setMoreError] = useState<Error | null>(null);

  // A refresh of the same query (timer or live update) keeps pages the user loaded with "Load
  // more" and puts new traces on top; a different query starts over. Each answer carries the key
  // of the query that produced it: an answer can land in the same render as a filter change, and
  // must not be taken for the new query's.
  const queryKey = `${filterKey}|${range.relative ?? `${range.from}-${range.to}`}`;
  const first = useAsync(
    (signal) => listTraces(range, filters, { limit: 50, signal }).then((page) => ({ page, key: queryKey })),
    [filterKey, range.from, range.to, tick],
  );
  const shownKey = useRef('');
  useEffect(() => {
    if (!first.data) return;
    const { page: fresh, key } = first.data;
    setPages((cur) => {
      if (shownKey.current !== key || cur.items.length <= fresh.items.length) {
        return { items: fresh.items, next: fresh.nextCursor };
      }
      const ids = new Set(fresh.items.map((t) => t.traceId));
      return { items: [...fresh.items, ...cur.items.filter((t) => !ids.has(t.traceId))], next: cur.next };
    });
    shownKey.current = key;
  }, [first.data]);

  const loadMore = async () => {
    if (!pages.next) return;
    setMoreBusy(true);
    setMoreError(null);
    try {
      const p = await listTraces(range, filters, { limit: 100, cursor: pages.next });
      setPages((s) => ({ items: [...s.items, ...p.items], next: p.nextCursor }));
    } catch (e) {
      setMoreError(e as Error);
    } finally {
      setMoreBusy(false);
    }
  };

  const agents = options.data?.agentMetrics.byAgent ?? [];
  const models = options.data?.modelMetrics.byModel ?? [];
  const select = (key: string, label: string, opts: { value: string; label: string }[]) => (
    <label>
      {label}
      <select
        aria-label={label}
        value={params.get(key) ?? ''}
        onChange={(e) => setParams({ [key]: (e.target as HTMLSelectElement).value || null })}
      >
        <option value="">Any</option>
        {opts.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
  const activeFilters = FILTER_KEYS.filter((k) => filters[k]).length;

  const columns: Column<TraceSummary>[] = [
    { key: 'time', label: 'Time', render: (t) => fmtTime(toMs(t.startTime)), sort: (t) => toMs(t.startTime) },
    {
      key: 'name',
      label: 'Trace',
      render: (t) => (
        <a href={linkTo(`/traces/${t.traceId}`)} class="truncate">
          {t.name}
        </a>
      ),
      sort: (t) => t.name,
    },
    { key: 'kind', label: 'Kind', render: (t) => <Badge kind={t.kind}>{t.kind}</Badge>, secondary: true },
    {
      key: 'agent',
      label: 'Agent',
      render: (t) => <span class="truncate narrow">{t.agentName ?? t.agentId ?? '—'}</span>,
    },
    {
      key: 'models',
      label: 'Models',
      render: (t) => (
        <span class="truncate narrow" title={t.models?.join(', ')}>
          {t.models?.join(', ') || '—'}
        </span>
      ),
    },
    {
      key: 'status',
      label: 'Status',
      render: (t) => (
        <span>
          <StatusDot status={t.status} /> {t.status}
          {t.errorCount > 0 && <span class="muted"> ({t.errorCount})</span>}
        </span>
      ),
      sort: (t) => t.errorCount,
    },
    { key: 'dur', label: 'Duration', render: (t) => fmtMs(t.durationMs), sort: (t) => t.durationMs, num: true },
    {
      key: 'spans',
      label: 'Spans',
      render: (t) => fmtInt(t.spanCount),
      sort: (t) => t.spanCount,
      num: true,
      secondary: true,
    },
    {
      key: 'tokens',
      label: 'Tokens',
      render: (t) => fmtInt(t.inputTokens + t.outputTokens),
      sort: (t) => t.inputTokens + t.outputTokens,
      num: true,
    },
    { key: 'cost', label: 'Cost', render: (t) => fmtUsd(t.costUsd), sort: (t) => t.costUsd, num: true },
  ];

  return (
    <>
      <Panel>
        <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Trace filters">
          <label>
            Search
            <input
              type="search"
              data-search
              placeholder="Span name, message, input, output…  ( / )"
              value={text}
              onInput={(e) => setText((e.target as HTMLInputElement).value)}
              aria-label="Search traces"
            />
          </label>
          {select(
            'agent',
            'Agent',
            agents.map((a) => ({ value: a.agentId, label: a.agentName ?? a.agentId })),
          )}
          {select(
            'model',
            'Model',
            models.map((m) => ({ value: m.model, label: m.model })),
          )}
          {select('status', 'Status', [
            { value: 'ok', label: 'ok' },
            { value: 'error', label: 'error' },
            { value: 'unset', label: 'unset' },
          ])}
          {select(
            'kind',
            'Kind',
            SPAN_KINDS.map((k) => ({ value: k, label: k })),
          )}
          <InputFilter name="service" label="Service" type="text" value={params.get('service') ?? ''} />
          <InputFilter name="userId" label="User" type="text" value={params.get('userId') ?? ''} />
          <InputFilter name="sessionId" label="Session" type="text" value={params.get('sessionId') ?? ''} />
          <InputFilter name="minDurationMs" label="Min duration (ms)" value={params.get('minDurationMs') ?? ''} />
          <InputFilter name="minCostUsd" label="Min cost ($)" value={params.get('minCostUsd') ?? ''} step="0.0001" />
          {activeFilters > 0 && (
            <button
              type="button"
              class="ghost"
              onClick={() => setParams(Object.fromEntries(FILTER_KEYS.map((k) => [k, null])))}
            >
              Clear filters ({activeFilters})
            </button>
          )}
        </form>
      </Panel>
      <Panel
        title={
          <>
            Traces{' '}
            <span class="muted small">
              {first.data ? `${fmtInt(pages.items.length)} shown${pages.next ? ', more available' : ''}` : ''}
            </span>
          </>
        }
        actions={first.loading && first.data ? <span class="spinner" role="status" aria-label="Updating" /> : null}
      >
        <div data-testid="trace-list" data-loading={first.loading ? 'true' : 'false'}>
          {first.error && !first.loading && <ErrorBox error={first.error} onRetry={first.reload} />}
          {first.data === undefined && !first.error ? (
            <Loading label="Loading traces…" />
          ) : (
            !first.error && (
              <DataTable
                label="Traces"
                rows={pages.items}
                columns={columns}
                rowKey={(t) => t.traceId}
                onRow={(t) => navigate(`/traces/${t.traceId}`, new URL(linkTo('/x'), location.origin).searchParams)}
                empty={activeFilters ? 'No traces match these filters in this range.' : 'No traces in this range yet.'}
              />
            )
          )}
        </div>
        {pages.next && !first.error && (
          <div class="row" style={{ marginTop: 10 }}>
            <button type="button" onClick={loadMore} disabled={moreBusy}>
              {moreBusy ? 'Loading…' : 'Load more'}
            </button>
            {moreError && <span class="form-error">{moreError.message}</span>}
          </div>
        )}
      </Panel>
    </>
  );
}

/** A typed filter that writes itself to the URL once the user pauses. */
function InputFilter({
  name,
  label,
  value,
  step = '1',
  type = 'number',
}: {
  name: string;
  label: string;
  value: string;
  step?: string;
  type?: 'number' | 'text';
}) {
  const [v, setV] = useState(value);
  const d = useDebounced(v, 400);
  useEffect(() => setV(value), [value]);
  useEffect(() => {
    if (d !== value) setParams({ [name]: d || null });
  }, [d]);
  return (
    <label>
      {label}
      <input
        type={type}
        min={type === 'number' ? '0' : undefined}
        step={type === 'number' ? step : undefined}
        value={v}
        onInput={(e) => setV((e.target as HTMLInputElement).value)}
      />
    </label>
  );
}
