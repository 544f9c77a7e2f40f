/**
 * Human-readable names and values for metric series, used in anomaly descriptions, forecasts and
 * report recommendations ("p95 latency of gpt-4o 2.4 s").
 */

export type ValueKind = 'ms' | 'usd' | 'ratio' | 'percent' | 'count' | 'plain';

const KNOWN: Record<string, { label: string; kind: ValueKind }> = {
  'span.avg_ms': { label: 'average latency', kind: 'ms' },
  'span.p50_ms': { label: 'p50 latency', kind: 'ms' },
  'span.p95_ms': { label: 'p95 latency', kind: 'ms' },
  'span.p99_ms': { label: 'p99 latency', kind: 'ms' },
  'span.error_rate': { label: 'error rate', kind: 'ratio' },
  'span.errors': { label: 'errors', kind: 'count' },
  'span.count': { label: 'throughput', kind: 'count' },
  'span.tokens': { label: 'tokens', kind: 'count' },
  'span.cost': { label: 'cost', kind: 'usd' },
};

/** How values of a metric should be shown, from its name (span measures, then suffix conventions). */
export function valueKind(metric: string): ValueKind {
  const known = KNOWN[metric];
  if (known) return known.kind;
  if (/(_ms|\.ms|latency|duration)$/i.test(metric)) return 'ms';
  if (/(cost|usd)$/i.test(metric)) return 'usd';
  if (/(rate|ratio)$/i.test(metric)) return 'ratio';
  if (/(percent|usage|utilization|pct)$/i.test(metric)) return 'percent';
  return 'plain';
}

/** "p95 latency of gpt-4o", "error rate of agent planner", or the raw metric name with labels. */
export function seriesName(metric: string, labels: Record<string, string> = {}): string {
  const base = KNOWN[metric]?.label ?? metric;
  const parts = Object.entries(labels)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => (k === 'model' ? v : `${k.replace(/_id$/, '')} ${v}`));
  return parts.length === 0 ? base : `${base} of ${parts.join(', ')}`;
}

function trim(x: number, digits: number): string {
  const s = x.toPrecision(digits);
  return s.includes('e') ? String(Number(s)) : s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** Format a value of the given kind: 2.4 s, 470 ms, $12.30, 4.2%, 1.2k. */
export function formatValue(x: number, kind: ValueKind): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  switch (kind) {
    case 'ms':
      if (a >= 60_000) return `${trim(x / 60_000, 2)} min`;
      if (a >= 1000) return `${trim(x / 1000, 2)} s`;
      return `${trim(x, a >= 100 ? 3 : 2)} ms`;
    case 'usd':
      return a >= 100 ? `$${Math.round(x).toLocaleString('en-US')}` : a >= 0.01 ? `$${x.toFixed(2)}` : `$${trim(x, 2)}`;
    case 'ratio':
      return `${trim(x * 100, 2)}%`;
    case 'percent':
      return `${trim(x, 3)}%`;
    default:
      if (a >= 1e9) return `${trim(x / 1e9, 3)}G`;
      if (a >= 1e6) return `${trim(x / 1e6, 3)}M`;
      if (a >= 1e4) return `${trim(x / 1e3, 3)}k`;
      return trim(x, 3);
  }
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "Monday 14:00" (weekly season), "14:00" (daily), "" otherwise; UTC. */
export function seasonContext(timeMs: number, periodMs: number | null): string {
  if (!periodMs || !Number.isFinite(timeMs)) return '';
  const d = new Date(timeMs);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  if (periodMs >= 7 * 86_400_000) return `${DAYS[d.getUTCDay()]} ${hh}:${mm}`;
  if (periodMs >= 86_400_000) return `${hh}:${mm}`;
  if (periodMs >= 3_600_000) return `minute ${mm} of the hour`;
  return '';
}

/** "5.1x its usual 470 ms", "64% below its usual 2.0 s", "+23% over its usual 40%". */
export function compareToUsual(value: number, expected: number, kind: ValueKind): string {
  const usual = formatValue(expected, kind);
  if (!(expected > 0) || !(value >= 0)) return `${value >= expected ? 'up' : 'down'} from its usual ${usual}`;
  const r = value / expected;
  if (r >= 1.5) return `${trim(r, 2)}x its usual ${usual}`;
  if (r <= 0.67) return `${Math.round((1 - r) * 100)}% below its usual ${usual}`;
  return `${r >= 1 ? '+' : '−'}${Math.round(Math.abs(r - 1) * 100)}% vs its usual ${usual}`;
}
