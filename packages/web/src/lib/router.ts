/**
 * A tiny History-API router. All view state (page, time range, filters, selection) lives in the
 * URL so any view can be shared as a link; components read it with useLocation() and change it
 * with navigate() / setParams().
 */
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  params: URLSearchParams;
}

const listeners = new Set<() => void>();
const current = (): Location => ({
  path: window.location.pathname,
  params: new URLSearchParams(window.location.search),
});

window.addEventListener('popstate', () => {
  for (const f of listeners) f();
});

/** Params that follow the user from page to page. */
export const GLOBAL_PARAMS = ['range', 'from', 'to', 'refresh'];

export function navigate(path: string, params?: URLSearchParams | Record<string, string>, replace = false): void {
  const qs = params instanceof URLSearchParams ? params : new URLSearchParams(params ?? {});
  const s = qs.toString();
  const url = s ? `${path}?${s}` : path;
  if (url === window.location.pathname + window.location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const f of listeners) f();
}

/** Merges `changes` into the current query string (null/'' removes a key). */
export function setParams(changes: Record<string, string | number | null | undefined>, replace = true): void {
  const { path, params } = current();
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') params.delete(k);
    else params.set(k, String(v));
  }
  navigate(path, params, replace);
}

/** Builds a link to `path` keeping the global time range and refresh params. */
export function linkTo(path: string, extra?: Record<string, string | null | undefined>): string {
  const src = new URLSearchParams(window.location.search);
  const qs = new URLSearchParams();
  for (const k of GLOBAL_PARAMS) {
    const v = src.get(k);
    if (v) qs.set(k, v);
  }
  for (const [k, v] of Object.entries(extra ?? {})) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const f = () => setLoc(current());
    listeners.add(f);
    return () => {
      listeners.delete(f);
    };
  }, []);
  return loc;
}

/** Intercepts a click on an internal <a> so it navigates without reloading (keeps ctrl/cmd-click). */
export function onLinkClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as HTMLElement).closest('a');
  if (!a || a.target || a.origin !== window.location.origin || a.hasAttribute('download')) return;
  e.preventDefault();
  const u = new URL(a.href);
  navigate(u.pathname, u.searchParams);
}
