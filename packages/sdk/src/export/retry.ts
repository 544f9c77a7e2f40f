/** Retry timing: exponential backoff with jitter, and the server's Retry-After when it sends one. */

export interface RetryPolicy {
  /** Attempts in total, first one included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Cap on a server-requested Retry-After wait. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 6,
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** Delay before retry number `retry` (1-based): "equal jitter", i.e. uniform in [d/2, d]. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const d = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return d / 2 + random() * (d / 2);
}

/** Parses a Retry-After header (delta seconds or an HTTP date) into ms; undefined when absent/invalid. */
export function parseRetryAfter(header: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}
