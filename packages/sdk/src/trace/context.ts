/** The active span, carried across await / timers / event emitters by AsyncLocalStorage. */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SpanLike } from './types.js';

const storage = new AsyncLocalStorage<SpanLike>();

export function getActiveSpan(): SpanLike | undefined {
  return storage.getStore();
}

/** Run fn with span as the active span (and parent of spans started inside it). */
export function runWithSpan<T>(span: SpanLike, fn: () => T): T {
  return storage.run(span, fn);
}

/** Bind fn to the current active span, for callbacks scheduled through APIs that lose async context. */
export function bindToActiveSpan<F extends (...args: never[]) => unknown>(fn: F): F {
  const span = storage.getStore();
  if (!span) return fn;
  return function (this: unknown, ...args: Parameters<F>) {
    return storage.run(span, () => fn.apply(this, args));
  } as F;
}
