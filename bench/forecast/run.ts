/**
 * Forecast benchmark: rolling-origin backtest of generatePrediction on the real NAB series.
 * For each series and origin, the models are fit on the data before the origin only and forecast
 * `--horizon` steps; we report MASE (MAE scaled by the in-sample one-step seasonal-naive MAE),
 * MAE relative to the seasonal-naive forecast from the same origins (the same-run baseline), and
 * the empirical coverage of the prediction intervals at the nominal level.
 *
 *   node --conditions=vigil-source --import tsx bench/forecast/run.ts [--quick] [--nab-dir DIR]
 *        [--horizon 24] [--origins 8] [--confidence 0.95]
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generatePrediction, naiveScale } from '@vigil/core';
import { loadNab } from '../nab/data.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'nab-dir': { type: 'string', default: join(repoRoot, '../shared/nab') },
    horizon: { type: 'string', default: '24' },
    origins: { type: 'string', default: '8' },
    confidence: { type: 'string', default: '0.95' },
  },
});
const horizon = Number(args.horizon);
const originsPer = Number(args.origins);
const confidence = Number(args.confidence);
let series = loadNab(resolve(args['nab-dir']!)).filter((s) => !s.key.startsWith('artificialNoAnomaly/art_flatline'));
if (args.quick) series = series.filter((_, i) => i % 4 === 0);

const models = ['auto', 'holt_winters', 'linear', 'seasonal_naive'] as const;
type Acc = { mase: number[]; rel: number[]; covered: number; total: number; ms: number };
const acc: Record<string, Acc> = Object.fromEntries(
  models.map((m) => [m, { mase: [], rel: [], covered: 0, total: 0, ms: 0 }]),
);
const picks: Record<string, number> = {};

for (const s of series) {
  const n = s.values.length;
  const pts = Array.from(s.times, (t, i): [number, number] => [t, s.values[i]]);
  // Origins spread over the second half of the series.
  for (let o = 0; o < originsPer; o++) {
    const cut = Math.floor(n / 2 + ((n / 2 - horizon) * o) / originsPer);
    if (cut + horizon > n) continue;
    const train = pts.slice(0, cut);
    const actual = s.values.slice(cut, cut + horizon);
    const trainValues = s.values.slice(Math.max(0, cut - 5000), cut);
    const results: Record<string, number[]> = {};
    let season = 1;
    for (const model of models) {
      const t0 = performance.now();
      const p = generatePrediction({ metric: s.key, points: train, forecastPeriod: horizon, confidence, model });
      acc[model].ms += performance.now() - t0;
      if (model === 'auto') picks[p.model] = (picks[p.model] ?? 0) + 1;
      season = p.seasonLength ?? 1;
      results[model] = p.points.map((x) => x.value);
      let abs = 0;
      for (let h = 0; h < horizon; h++) {
        abs += Math.abs(actual[h] - p.points[h].value);
        if (actual[h] >= p.points[h].lower && actual[h] <= p.points[h].upper) acc[model].covered++;
        acc[model].total++;
      }
      const scale = naiveScale(trainValues, season);
      if (scale > 0) acc[model].mase.push(abs / horizon / scale);
      (acc[model] as Acc & { abs?: number[] }).abs ??= [];
      (acc[model] as Acc & { abs: number[] }).abs.push(abs);
    }
  }
}
const baseAbs = (acc.seasonal_naive as Acc & { abs: number[] }).abs;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(
  `forecast backtest: ${series.length} NAB series, ${originsPer} origins each, horizon ${horizon} steps, ${confidence * 100}% intervals${args.quick ? ' (quick)' : ''}`,
);
console.log('model           meanMASE  medianMASE  relMAE(vs s-naive)  coverage  ms/forecast');
for (const m of models) {
  const a = acc[m] as Acc & { abs: number[] };
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.abs.length; i++) {
    sa += a.abs[i];
    sb += baseAbs[i];
  }
  const rel = sb > 0 ? sa / sb : Number.NaN;
  console.log(
    `${m.padEnd(15)} ${mean(a.mase).toFixed(3).padStart(8)}  ${median(a.mase).toFixed(3).padStart(10)}  ${rel.toFixed(3).padStart(18)}  ${((100 * a.covered) / a.total).toFixed(1).padStart(7)}%  ${(a.ms / a.abs.length).toFixed(1).padStart(10)}`,
  );
}
console.log(`auto picked: ${JSON.stringify(picks)}`);
console.log('baseline: seasonal_naive in the same run (relMAE 1.000 by definition)');
