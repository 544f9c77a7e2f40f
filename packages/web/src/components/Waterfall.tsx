/**
 * Trace waterfall: a collapsible span tree with timing bars. Only the rows in view (plus a small
 * overscan) are in the DOM, so a trace with thousands of spans renders and scrolls quickly.
 * Keyboard: ↑/↓ move, ←/→ collapse/expand, Home/End jump.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { fmtMs } from '../lib/format.js';
import { type SpanNode, type SpanTree, visibleRows } from '../lib/tree.js';

const ROW = 26;
const OVERSCAN = 12;

export function Waterfall({
  tree,
  selected,
  onSelect,
  maxHeight = 560,
}: {
  tree: SpanTree;
  selected: string | null;
  onSelect: (spanId: string) => void;
  maxHeight?: number;
}) {
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const rows = useMemo(() => visibleRows(tree, collapsed), [tree, collapsed]);
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const height = Math.min(maxHeight, rows.length * ROW + 2);
  const total = Math.max(tree.endMs - tree.startMs, 0.001);

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const selIndex = selected ? rows.findIndex((r) => r.span.spanId === selected) : -1;

  // Keep the selected row in view when it changes by keyboard or from the URL.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el || selIndex < 0) return;
    const top = selIndex * ROW;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW - el.clientHeight;
  }, [selIndex]);

  // Tells benchmarks and tests when the waterfall has been painted.
  useEffect(() => {
    box.current?.setAttribute('data-rendered', String(rows.length));
    performance.mark('vigil:waterfall-rendered');
  }, [rows]);

  const toggle = (id: string) =>
    setCollapsed((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const onKey = (e: KeyboardEvent) => {
    if (rows.length === 0) return;
    const i = Math.max(0, selIndex);
    const cur = rows[i];
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, selIndex < 0 ? 0 : i + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = rows.length - 1;
    else if (e.key === 'ArrowLeft' && cur.children.length && !collapsed.has(cur.span.spanId)) toggle(cur.span.spanId);
    else if (e.key === 'ArrowRight' && collapsed.has(cur.span.spanId)) toggle(cur.span.spanId);
    else return;
    e.preventDefault();
    if (next >= 0) onSelect(rows[next].span.spanId);
  };

  // Find: matches by name, model, kind or span id; Enter jumps to the next one, opening its ancestors.
  const [query, setQuery] = useState('');
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [] as SpanNode[];
    const out: SpanNode[] = [];
    const stack = [...tree.roots].reverse();
    while (stack.length) {
      const n = stack.pop()!;
      const s = n.span;
      if (
        s.name.toLowerCase().includes(q) ||
        s.model?.toLowerCase().includes(q) ||
        s.kind === q ||
        s.spanId.startsWith(q)
      )
        out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }, [tree, query]);
  const jump = (dir: 1 | -1) => {
    if (!matches.length) return;
    const cur = matches.findIndex((m) => m.span.spanId === selected);
    const next = matches[(cur + dir + matches.length) % matches.length];
    // Open collapsed ancestors so the match is visible.
    let p = next.span.parentSpanId ? tree.byId.get(next.span.parentSpanId) : undefined;
    const open: string[] = [];
    while (p) {
      if (collapsed.has(p.span.spanId)) open.push(p.span.spanId);
      p = p.span.parentSpanId ? tree.byId.get(p.span.parentSpanId) : undefined;
    }
    if (open.length)
      setCollapsed((s) => {
        const n = new Set(s);
        for (const id of open) n.delete(id);
        return n;
      });
    onSelect(next.span.spanId);
  };

  const matchIds = useMemo(() => new Set(matches.map((m) => m.span.spanId)), [matches]);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div>
      <div class="row wf-tools">
        <input
          type="search"
          aria-label="Find span"
          placeholder="Find span (name, model, kind, id)"
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              jump(e.shiftKey ? -1 : 1);
            }
          }}
        />
        {query && (
          <span class="muted small">
            {matches.length} match{matches.length === 1 ? '' : 'es'}
            {matches.length > 0 && ' · Enter for next'}
          </span>
        )}
        <span class="spacer" />
        <button type="button" class="ghost" onClick={() => setCollapsed(new Set())}>
          Expand all
        </button>
        <button
          type="button"
          class="ghost"
          onClick={() =>
            setCollapsed(
              new Set(
                [...tree.byId.values()].filter((n) => n.children.length && n.depth >= 1).map((n) => n.span.spanId),
              ),
            )
          }
        >
          Collapse all
        </button>
      </div>
      <div class="wf-axis" aria-hidden="true">
        <span />
        <div class="wf-ticks">
          {ticks.map((t) => (
            <span key={t} style={{ left: `${t * 100}%` }}>
              {fmtMs(total * t)}
            </span>
          ))}
        </div>
      </div>
      <div
        ref={box}
        class="waterfall"
        style={{ height }}
        role="tree"
        aria-label="Spans"
        tabIndex={0}
        onKeyDown={onKey}
        onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      >
        <div style={{ height: rows.length * ROW, position: 'relative' }}>
          {rows.slice(first, last).map((n, k) => (
            <Row
              key={n.span.spanId}
              n={n}
              top={(first + k) * ROW}
              traceStart={tree.startMs}
              total={total}
              selected={n.span.spanId === selected}
              match={matchIds.has(n.span.spanId)}
              collapsed={collapsed.has(n.span.spanId)}
              onSelect={onSelect}
              onToggle={toggle}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

function Row(p: {
  n: SpanNode;
  top: number;
  traceStart: number;
  total: number;
  selected: boolean;
  match: boolean;
  collapsed: boolean;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
}) {
  const { n } = p;
  const left = ((n.startMs - p.traceStart) / p.total) * 100;
  const width = Math.max(((n.endMs - n.startMs) / p.total) * 100, 0.15);
  const s = n.span;
  // Duration label after the bar; before it when the bar ends near the edge; inside when it spans all.
  const durPlace = left + width <= 80 ? 'after' : left >= 15 ? 'before' : 'inside';
  const durStyle =
    durPlace === 'after'
      ? { left: `calc(${left + width}% + 4px)` }
      : durPlace === 'before'
        ? { right: `calc(${100 - left}% + 4px)` }
        : { right: `calc(${100 - left - width}% + 4px)` };
  const label = s.model && !s.name.includes(s.model) ? `${s.name} · ${s.model}` : s.name;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the tree container handles the keyboard
    <div
      class={`wf-row ${p.selected ? 'selected' : ''} ${p.match ? 'match' : ''}`}
      style={{ top: p.top }}
      role="treeitem"
      tabIndex={-1}
      aria-level={n.depth + 1}
      aria-selected={p.selected}
      aria-expanded={n.children.length ? !p.collapsed : undefined}
      data-span-id={s.spanId}
      onClick={() => p.onSelect(s.spanId)}
    >
      <div class="wf-name" style={{ paddingLeft: 6 + Math.min(n.depth, 30) * 14 }}>
        {n.children.length ? (
          <button
            type="button"
            class="toggle"
            tabIndex={-1}
            aria-label={p.collapsed ? 'Expand' : 'Collapse'}
            onClick={(e) => {
              e.stopPropagation();
              p.onToggle(s.spanId);
            }}
          >
            {p.collapsed ? '▶' : '▼'}
          </button>
        ) : (
          <span style={{ width: 16, flex: 'none' }} />
        )}
        <span class={`kind-chip kind-${s.kind}`} title={s.kind} />
        <span class="label" title={label}>
          {label}
        </span>
        {p.collapsed && <span class="muted">({n.rollup.spans - 1})</span>}
        {s.status === 'error' && <span class="badge badge-error">error</span>}
      </div>
      <div class="wf-track">
        <div
          class={`wf-bar kind-${s.kind} ${s.status === 'error' ? 'err' : ''}`}
          style={{ left: `${left}%`, width: `${width}%` }}
        />
        <span class={`wf-dur ${durPlace === 'inside' ? 'inside' : ''}`} style={durStyle}>
          {fmtMs(n.endMs - n.startMs)}
        </span>
      </div>
    </div>
  );
}
