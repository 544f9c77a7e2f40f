/** JSON POST with a timeout, retries and an optional HMAC-SHA256 signature (webhook and Slack). */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type RetryOutcome, retryableStatus, withRetries } from './retry.js';

export interface PostJsonOptions {
  headers?: Record<string, string>;
  /** Signs the body: `X-Vigil-Timestamp` (unix s) and `X-Vigil-Signature: sha256=<hex>`. */
  secret?: string;
  timeoutMs: number;
  maxRetries: number;
  backoffMs?: number;
}

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const TIMESTAMP_HEADER = 'x-vigil-timestamp';

/** The signature a receiver recomputes: HMAC-SHA256 over `<timestamp>.<raw body>`. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Receiver-side check (constant time); also rejects timestamps older than `toleranceS`. */
export function verifySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  opts: { toleranceS?: number; nowMs?: number } = {},
): boolean {
  if (!headers.timestamp || !headers.signature) return false;
  const age = (opts.nowMs ?? Date.now()) / 1000 - Number(headers.timestamp);
  if (!Number.isFinite(age) || Math.abs(age) > (opts.toleranceS ?? 300)) return false;
  const want = Buffer.from(signPayload(secret, headers.timestamp, body));
  const got = Buffer.from(headers.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export function postJson(url: string, payload: unknown, opts: PostJsonOptions): Promise<RetryOutcome> {
  const body = JSON.stringify(payload);
  return withRetries(
    async () => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Vigil-Alerting/1',
        ...opts.headers,
      };
      if (opts.secret) {
        // Timestamp per attempt, so a retry is not rejected as a replay by a strict receiver.
        const ts = String(Math.floor(Date.now() / 1000));
        headers[TIMESTAMP_HEADER] = ts;
        headers[SIGNATURE_HEADER] = signPayload(opts.secret, ts, body);
      }
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(opts.timeoutMs),
          redirect: 'error',
        });
        const text = await res.text().catch(() => '');
        if (res.ok) return { ok: true, retryable: false, error: null, httpStatus: res.status };
        return {
          ok: false,
          retryable: retryableStatus(res.status),
          error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
          httpStatus: res.status,
        };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const msg =
          e.name === 'TimeoutError'
            ? `timed out after ${opts.timeoutMs} ms`
            : (e.cause?.code ?? e.cause?.message ?? e.message);
        return { ok: false, retryable: true, error: msg, httpStatus: null };
      }
    },
    { maxRetries: opts.maxRetries, backoffMs: opts.backoffMs },
  );
}
