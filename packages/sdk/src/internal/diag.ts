/**
 * The SDK's own diagnostics. The SDK must never throw into application code, so internal failures end
 * up here: rate-limited warnings to a replaceable sink (console.warn by default).
 */
export type DiagSink = (message: string) => void;

let sink: DiagSink = (m) => console.warn(m);
const lastWarn = new Map<string, number>();
const WARN_INTERVAL_MS = 10_000;

export function setDiagSink(s: DiagSink | null): void {
  sink = s ?? (() => {});
}

/** Warn at most once per 10 s per key. */
export function warnOnce(key: string, message: string): void {
  const now = Date.now();
  const last = lastWarn.get(key);
  if (last !== undefined && now - last < WARN_INTERVAL_MS) return;
  lastWarn.set(key, now);
  try {
    sink(`[vigil] ${message}`);
  } catch {
    // a broken sink must not break the caller either
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Forget the rate-limit history (tests). */
export function resetWarnOnce(): void {
  lastWarn.clear();
}
