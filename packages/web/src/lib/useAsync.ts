import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { TimeRangeState } from './time.js';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  /** True while a request is in flight (data may still hold the previous answer). */
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `fn` whenever `deps` change, aborting the previous call. Keeps the last answer while a
 * refresh is in flight so periodic and live refreshes do not flash the page.
 */
export function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [nonce, setNonce] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    fnRef.current(ctrl.signal).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: Error) => {
        if (!ctrl.signal.aborted && error.name !== 'AbortError')
          setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => ctrl.abort();
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Value that follows `value` after it has been stable for `ms` (for typed filters). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * The time range for views that fan out into many requests (sampled roll-ups): follows the global
 * range at once when the user picks another one, but a relative window sliding forward on refresh
 * or live updates moves it at most once per `ms`.
 */
export function useSlowRange(range: TimeRangeState, ms = 30_000): { from: number; to: number } {
  const key = range.relative ?? `${range.from}-${range.to}`;
  const [v, setV] = useState({ key, from: range.from, to: range.to });
  const last = useRef(Date.now());
  useEffect(() => {
    if (key !== v.key) {
      last.current = Date.now();
      setV({ key, from: range.from, to: range.to });
      return;
    }
    if (range.from === v.from && range.to === v.to) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    const t = setTimeout(() => {
      last.current = Date.now();
      setV({ key, from: range.from, to: range.to });
    }, wait);
    return () => clearTimeout(t);
  }, [key, range.from, range.to, ms]);
  return v.key === key ? v : { from: range.from, to: range.to };
}
