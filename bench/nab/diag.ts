/**
 * Per-file diagnostics for the NAB bench: detections at a threshold and the best score inside each
 * labelled window, for the series whose key contains the filter.
 *
 *   node --conditions=vigil-source --import tsx bench/nab/diag.ts <filter> ['{"ensemble options"}'] [threshold]
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnyDetectorOptions, createDetector, probationRows } from '@vigil/core';
import { loadNab } from './data.js';

const dir = process.env.NAB_DIR ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), '../shared/nab');
const filter = process.argv[2] ?? '';
const params = JSON.parse(process.argv[3] ?? '{}') as AnyDetectorOptions;
const threshold = Number(process.argv[4] ?? 0.6846);
for (const s of loadNab(dir, (k) => k.includes(filter))) {
  const d = createDetector('ensemble', params);
  const scores = Array.from(s.values, (v, i) => d.update(s.times[i], v));
  const n = scores.length;
  const probation = probationRows(n);
  const inWindow = (i: number) => s.windows.some(([a, b]) => i >= a && i <= b);
  const hits: string[] = [];
  for (let i = probation; i < n; i++)
    if (scores[i] >= threshold) hits.push(`${i}:${scores[i].toFixed(3)}${inWindow(i) ? '*' : ''}`);
  console.log(`${s.key} rows ${n}, probation ${probation}, windows ${JSON.stringify(s.windows)}`);
  console.log(`  detections (* = in a window): ${hits.join(' ')}`);
  for (const [a, b] of s.windows) {
    let best = 0;
    let at = -1;
    for (let i = a; i <= b; i++)
      if (scores[i] > best) {
        best = scores[i];
        at = i;
      }
    console.log(`  window ${a}..${b}: max ${best.toFixed(3)} at ${at}`);
  }
}
