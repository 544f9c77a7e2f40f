import { createDetector, probationRows } from '@vigil/core';
import { loadNab } from './data.js';

const [file, params, thr] = [process.argv[2], JSON.parse(process.argv[3] ?? '{}'), Number(process.argv[4] ?? 0.6847)];
for (const s of loadNab('/work/shared/nab', (k) => k.includes(file))) {
  const d = createDetector('ensemble', params);
  const sc = Array.from(s.values, (v, i) => d.update(s.times[i], v));
  const n = sc.length;
  const pr = probationRows(n);
  console.log(s.key, 'n', n, 'probation', pr, 'windows', s.windows);
  const hits = [];
  for (let i = pr; i < n; i++) if (sc[i] >= thr) hits.push(i);
  console.log(
    'detections',
    hits.map((i) => `${i}:${sc[i].toFixed(3)}${s.windows.some(([a, b]) => i >= a && i <= b) ? '*' : ''}`).join(' '),
  );
  for (const [a, b] of s.windows) {
    let m = 0,
      mi = -1;
    for (let i = a; i <= b; i++)
      if (sc[i] > m) {
        m = sc[i];
        mi = i;
      }
    console.log('window', a, b, 'max', m.toFixed(3), 'at', mi);
  }
}
