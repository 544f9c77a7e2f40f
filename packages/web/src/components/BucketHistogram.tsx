/** A latency distribution already bucketed by the server (fixed log-spaced upper bounds, last is +Inf). */
import { fmtMs, fmtNum } from '../lib/format.js';

export function BucketHistogram({ boundsMs, counts }: { boundsMs: number[]; counts: number[] }) {
  const total = counts.reduce((a, c) => a + c, 0);
  if (total === 0) return <div class="chart-empty">No durations</div>;
  // Trim empty buckets at both ends so the shape uses the width.
  let lo = counts.findIndex((c) => c > 0);
  let hi = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  lo = Math.max(0, lo - 1);
  hi = Math.min(counts.length - 1, hi + 1);
  const shown = counts.slice(lo, hi + 1);
  const max = Math.max(...shown);
  const lower = (i: number) => (i === 0 ? 0 : boundsMs[i - 1]);
  const label = (i: number) =>
    i >= boundsMs.length ? `> ${fmtMs(boundsMs[boundsMs.length - 1])}` : `${fmtMs(lower(i))}–${fmtMs(boundsMs[i])}`;
  return (
    <div>
      <div class="hist" role="img" aria-label={`Latency distribution of ${total} runs`}>
        {shown.map((c, k) => (
          <div key={lo + k} style={{ height: `${(c / max) * 100}%` }} title={`${label(lo + k)}: ${fmtNum(c)}`} />
        ))}
      </div>
      <div class="hist-axis">
        <span>{fmtMs(lower(lo))}</span>
        <span>{hi >= boundsMs.length ? `> ${fmtMs(boundsMs[boundsMs.length - 1])}` : fmtMs(boundsMs[hi])}</span>
      </div>
    </div>
  );
}
