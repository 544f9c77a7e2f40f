/** Latency distribution as log-scaled buckets: readable from milliseconds to minutes. */
import { fmtMs, fmtNum } from '../lib/format.js';

export function Histogram({ values, buckets: maxBuckets = 24 }: { values: number[]; buckets?: number }) {
  const vs = values.filter((v) => Number.isFinite(v) && v > 0);
  // Fewer, wider buckets for small samples so the shape is readable rather than comb-like.
  const buckets = Math.max(6, Math.min(maxBuckets, Math.round(2 * Math.sqrt(vs.length))));
  if (vs.length === 0) return <div class="chart-empty">No durations</div>;
  const lo = Math.log10(Math.min(...vs));
  const hi = Math.log10(Math.max(...vs));
  const span = hi - lo || 1;
  const counts = new Array(buckets).fill(0);
  for (const v of vs) counts[Math.min(buckets - 1, Math.floor(((Math.log10(v) - lo) / span) * buckets))]++;
  const max = Math.max(...counts);
  const edge = (i: number) => 10 ** (lo + (span * i) / buckets);
  return (
    <div>
      <div class="hist" role="img" aria-label={`Latency distribution of ${vs.length} runs`}>
        {counts.map((c, i) => (
          <div
            key={i}
            style={{ height: `${(c / max) * 100}%` }}
            title={`${fmtMs(edge(i))}–${fmtMs(edge(i + 1))}: ${fmtNum(c)}`}
          />
        ))}
      </div>
      <div class="hist-axis">
        <span>{fmtMs(edge(0))}</span>
        <span>{fmtMs(edge(buckets / 2))}</span>
        <span>{fmtMs(edge(buckets))}</span>
      </div>
    </div>
  );
}
