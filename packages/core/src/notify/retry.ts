/** Retries with exponential backoff and jitter, for deliveries to endpoints that may be briefly down. */

export interface AttemptResult {
  ok: boolean;
  /** False for failures a retry cannot fix (4xx other than 408/429, bad configuration). */
  retryable: boolean;
  error: string | null;
  httpStatus: number | null;
}

export interface RetryOptions {
  maxRetries: number;
  /** First backoff; doubles each retry, with ±25% jitter (default 500 ms). */
  backoffMs?: number;
  /** Upper bound of one backoff (default 30 s). */
  maxBackoffMs?: number;
}

export interface RetryOutcome extends AttemptResult {
  attempts: number;
}

export async function withRetries(attempt: () => Promise<AttemptResult>, opts: RetryOptions): Promise<RetryOutcome> {
  const base = opts.backoffMs ?? 500;
  let attempts = 0;
  for (;;) {
    attempts++;
    const r = await attempt();
    if (r.ok || !r.retryable || attempts > opts.maxRetries) return { ...r, attempts };
    const delay = Math.min(opts.maxBackoffMs ?? 30_000, base * 2 ** (attempts - 1));
    await new Promise((resolve) => setTimeout(resolve, delay * (0.75 + Math.random() * 0.5)));
  }
}

/** Whether an HTTP status is worth retrying: server errors, timeouts, rate limits. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
