/** Number, duration, money and time formats used everywhere, so the same value reads the same. */

const dash = '—';

export function fmtNum(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return dash;
  const a = Math.abs(n);
  if (a >= 1e9) return `${trim((n / 1e9).toFixed(digits))}B`;
  if (a >= 1e6) return `${trim((n / 1e6).toFixed(digits))}M`;
  if (a >= 1e4) return `${trim((n / 1e3).toFixed(digits))}k`;
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return trim(n.toFixed(a >= 100 ? 0 : a >= 1 ? digits : 3));
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

export function fmtInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return dash;
  return Math.round(n).toLocaleString('en-US');
}

export function fmtPct(f: number | null | undefined, digits = 1): string {
  if (f === null || f === undefined || !Number.isFinite(f)) return dash;
  const p = f * 100;
  if (p !== 0 && Math.abs(p) < 0.1) return '<0.1%';
  return `${trim(p.toFixed(digits))}%`;
}

/** Milliseconds to a readable duration: 850 µs, 12.3 ms, 1.24 s, 3m 05s, 2h 10m. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return dash;
  const a = Math.abs(ms);
  if (a === 0) return '0';
  if (a < 1) return `${Math.round(ms * 1000)} µs`;
  if (a < 100) return `${trim(ms.toFixed(1))} ms`;
  if (a < 1000) return `${Math.round(ms)} ms`;
  if (a < 60_000) return `${trim((ms / 1000).toFixed(a < 10_000 ? 2 : 1))} s`;
  // Round the whole value first, so 59m 59.6s reads "1h 00m", never "59m 60s".
  const sign = ms < 0 ? '-' : '';
  const secs = Math.round(a / 1000);
  if (secs < 3600) return `${sign}${Math.floor(secs / 60)}m ${String(secs % 60).padStart(2, '0')}s`;
  const mins = Math.round(a / 60_000);
  return `${sign}${Math.floor(mins / 60)}h ${String(mins % 60).padStart(2, '0')}m`;
}

export function fmtUsd(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return dash;
  const a = Math.abs(n);
  if (a === 0) return '$0';
  if (a < 0.0001) return `$${n.toPrecision(2)}`;
  if (a < 0.01) return `$${n.toFixed(4)}`;
  if (a < 1000) return `$${n.toFixed(2)}`;
  return `$${fmtNum(n, 2)}`;
}

export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return dash;
  const d = new Date(ms);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const t = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (sameDay) return t;
  return `${d.toLocaleDateString('en-CA')} ${t}`;
}

export function fmtAgo(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return dash;
  const s = Math.round((now - ms) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** Relative change between periods, as a signed fraction, or null when it cannot be computed. */
export function change(cur: number | null | undefined, prev: number | null | undefined): number | null {
  if (cur === null || cur === undefined || prev === null || prev === undefined) return null;
  if (prev === 0) return cur === 0 ? 0 : null;
  return (cur - prev) / Math.abs(prev);
}

export function shortId(id: string, n = 8): string {
  return id.length > n ? id.slice(0, n) : id;
}
