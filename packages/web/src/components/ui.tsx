/** Small shared building blocks: stat cards, states, badges, sortable tables. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import { fmtPct } from '../lib/format.js';
import { Sparkline } from './Sparkline.js';

export function Stat(p: {
  label: string;
  value: string;
  /** Relative change vs. the previous period. */
  delta?: number | null;
  /** Whether an increase is good (runs) or bad (errors, latency, cost). */
  upIsGood?: boolean;
  trend?: number[];
  hint?: string;
  /** A short second line under the value (e.g. an interval). */
  sub?: string;
}) {
  let deltaEl: ComponentChildren = null;
  if (p.delta !== undefined) {
    if (p.delta === null) deltaEl = <span class="delta neutral">no prior data</span>;
    else {
      const up = p.delta > 0;
      const flat = Math.abs(p.delta) < 0.005;
      const good = flat ? 'neutral' : up === (p.upIsGood ?? true) ? 'good' : 'bad';
      deltaEl = (
        <span class={`delta ${good}`} title="Change vs. the previous period of the same length">
          {flat ? '±0%' : `${up ? '▲' : '▼'} ${fmtPct(Math.abs(p.delta), 0)}`}
        </span>
      );
    }
  }
  return (
    <div class="stat" title={p.hint}>
      <div class="stat-label">{p.label}</div>
      <div class="stat-value">{p.value}</div>
      {p.sub && <div class="stat-sub">{p.sub}</div>}
      <div class="stat-foot">
        {deltaEl}
        {p.trend && <Sparkline values={p.trend} />}
      </div>
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="state loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state empty">{children}</div>;
}

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const status = error instanceof ApiError ? error.status : 0;
  const title =
    status === 0
      ? 'Cannot reach the server'
      : status === 401
        ? 'Your API key was not accepted'
        : status === 403
          ? 'Your API key’s role cannot see this'
          : status === 404
            ? 'Not found'
            : status >= 500
              ? 'The server failed to answer'
              : 'The request was rejected';
  return (
    <div class="state error" role="alert">
      <strong>{title}</strong>
      <span class="muted">
        {error.message}
        {error instanceof ApiError && error.code ? ` (${error.code})` : ''}
      </span>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Renders data/loading/error for one async value with the standard states. */
export function Async<T>(p: {
  state: { data: T | undefined; error: Error | undefined; loading: boolean; reload: () => void };
  children: (data: T) => ComponentChildren;
  label?: string;
}) {
  if (p.state.error && p.state.data === undefined) return <ErrorBox error={p.state.error} onRetry={p.state.reload} />;
  if (p.state.data === undefined) return <Loading label={p.label} />;
  return (
    <>
      {p.state.error && <ErrorBox error={p.state.error} onRetry={p.state.reload} />}
      {p.children(p.state.data)}
    </>
  );
}

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${kind}`}>{children}</span>;
}

export function Panel(p: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <section class={`panel ${p.class ?? ''}`}>
      {(p.title || p.actions) && (
        <header class="panel-head">
          {p.title && <h2>{p.title}</h2>}
          {p.actions && <div class="panel-actions">{p.actions}</div>}
        </header>
      )}
      {p.children}
    </section>
  );
}

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ComponentChildren;
  /** Sort value; columns without one are not sortable. */
  sort?: (row: T) => number | string | null;
  num?: boolean;
  /** Hidden on narrow screens (secondary detail). */
  secondary?: boolean;
}

/** A table whose headers sort (click or Enter); rows can be activated to open details. */
export function DataTable<T>(p: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  initialSort?: { key: string; desc: boolean };
  onRow?: (row: T) => void;
  selected?: string | null;
  empty?: ComponentChildren;
  label: string;
}) {
  const [sort, setSort] = useState(p.initialSort ?? null);
  let rows = p.rows;
  const col = sort && p.columns.find((c) => c.key === sort.key);
  if (sort && col?.sort) {
    const f = col.sort;
    rows = [...rows].sort((a, b) => {
      const x = f(a);
      const y = f(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * (sort.desc ? -1 : 1);
    });
  }
  if (rows.length === 0) return <Empty>{p.empty ?? 'Nothing in this range.'}</Empty>;
  return (
    <div class="table-wrap">
      <table class="data" aria-label={p.label}>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th
                key={c.key}
                class={cls(c)}
                aria-sort={sort?.key === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined}
              >
                {c.sort ? (
                  <button
                    type="button"
                    class="th-sort"
                    onClick={() => setSort({ key: c.key, desc: sort?.key === c.key ? !sort.desc : true })}
                  >
                    {c.label}
                    {sort?.key === c.key ? (sort.desc ? ' ↓' : ' ↑') : ''}
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const k = p.rowKey(r);
            return (
              <tr
                key={k}
                class={`${p.onRow ? 'clickable' : ''} ${p.selected === k ? 'selected' : ''}`}
                tabIndex={p.onRow ? 0 : undefined}
                onClick={p.onRow ? () => p.onRow!(r) : undefined}
                onKeyDown={
                  p.onRow
                    ? (e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          p.onRow!(r);
                        }
                      }
                    : undefined
                }
              >
                {p.columns.map((c) => (
                  <td key={c.key} class={cls(c)}>
                    {c.render(r)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function cls<T>(c: Column<T>): string | undefined {
  const k = `${c.num ? 'num' : ''} ${c.secondary ? 'secondary' : ''}`.trim();
  return k || undefined;
}

export function StatusDot({ status }: { status: string }) {
  return <span class={`dot dot-${status}`} role="img" aria-label={status} title={status} />;
}
