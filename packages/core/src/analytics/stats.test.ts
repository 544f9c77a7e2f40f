import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { pearson, spearman } from './correlation.js';
import { bootstrapCI, mannWhitneyU, welchTTest } from './hypothesis.js';
import { DDSketch } from './sketch.js';
import { mad, median, normalCdf, normalQuantile, percentiles, quantile, tQuantile } from './stats.js';
import { summarize } from './summary.js';
import { detectTrend, mannKendall } from './trend.js';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });

describe('statistics', () => {
  test('reference values (checked against SciPy 1.17)', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const y = [2, 1, 4, 3, 7, 8, 6, 9, 10, 12];
    const p = pearson(x, y);
    close(p.r, 0.9463140529521024, 1e-12, 'pearson r');
    close(p.pValue, 3.405362285476732e-5, 1e-8, 'pearson p');
    const s = spearman(x, y);
    close(s.r, 0.9393939393939393, 1e-12, 'spearman r');
    close(s.pValue, 5.4840529985136686e-5, 1e-8, 'spearman p');
    const a = [12.1, 14.3, 11.8, 13.5, 15.2, 12.9, 14.8];
    const b = [15.1, 16.8, 14.2, 17.5, 16.1, 15.9];
    const w = welchTTest(a, b);
    close(w.statistic, 3.4937407712467725, 1e-9, 'welch t');
    close(w.df!, 10.966481447436843, 1e-9, 'welch df');
    close(w.pValue, 0.005047820308418057, 1e-7, 'welch p');
    close(mannWhitneyU(a, b).pValue, 0.01841616057630396, 1e-6, 'U p');
    close(mannWhitneyU([1, 2, 2, 3, 4], [2, 3, 5, 5, 6, 7]).pValue, 0.06414661873440437, 1e-6, 'U p with ties');
    close(tQuantile(0.975, 5), 2.5705818356363146, 1e-6, 't quantile');
    close(normalQuantile(0.001), -3.090232306167813, 1e-7, 'normal quantile');
    close(mannKendall([1, 3, 2, 5, 4, 6, 8, 7, 9, 10]).tau, 0.8666666666666666, 1e-12, 'kendall tau');
  });

  test('property: quantiles are ordered and bounded; median and MAD are shift-equivariant', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 200 }), finite, (xs, shift) => {
        const p = percentiles(xs, [0, 25, 50, 75, 100]);
        const vals = [p.p0!, p.p25!, p.p50!, p.p75!, p.p100!];
        for (let i = 1; i < vals.length; i++) assert.ok(vals[i] >= vals[i - 1]);
        assert.equal(vals[0], Math.min(...xs));
        assert.equal(vals[4], Math.max(...xs));
        const moved = xs.map((x) => x + shift);
        close(median(moved), median(xs) + shift, 1e-6 * (1 + Math.abs(shift) + Math.abs(median(xs))));
        close(mad(moved), mad(xs), 1e-6 * (1 + Math.abs(shift) + Math.abs(mad(xs))));
      }),
    );
    assert.deepEqual(percentiles([Number.NaN], [50]), { p50: null });
  });

  test('property: DDSketch quantiles are within 1% relative error of the true order statistics', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e5, max: 1e5 }), { minLength: 1, maxLength: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (xs, q) => {
          const sk = new DDSketch(0.01);
          for (const x of xs) sk.add(x);
          const sorted = [...xs].sort((a, b) => a - b);
          const rank = q * (xs.length - 1);
          const lo = sorted[Math.floor(rank)];
          const hi = sorted[Math.ceil(rank)];
          const v = sk.quantile(q);
          const tol = 0.01 * Math.max(Math.abs(lo), Math.abs(hi)) + 1e-9;
          assert.ok(v >= lo - tol && v <= hi + tol, `q=${q} got ${v}, want [${lo}, ${hi}]`);
        },
      ),
    );
    const a = new DDSketch();
    const b = new DDSketch();
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).add(i);
    a.merge(b);
    close(a.quantile(0.5), 500, 5, 'merged median');
    assert.equal(a.add(Number.NaN), false);
    assert.ok(Number.isNaN(new DDSketch().quantile(0.5)));
  });

  test('property: correlations are in [-1, 1], symmetric, with p in [0, 1]; Spearman sees monotone relations', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(finite, finite), { minLength: 0, maxLength: 60 }), (pairs) => {
        const x = pairs.map((p) => p[0]);
        const y = pairs.map((p) => p[1]);
        for (const f of [pearson, spearman]) {
          const r = f(x, y);
          assert.ok(r.r >= -1 && r.r <= 1 && r.pValue >= 0 && r.pValue <= 1);
          close(f(y, x).r, r.r, 1e-9);
        }
      }),
    );
    const x = Array.from({ length: 30 }, (_, i) => i + 1);
    close(
      spearman(
        x,
        x.map((v) => Math.exp(v / 3)),
      ).r,
      1,
      1e-12,
    );
    assert.equal(pearson([1, 1, 1], [1, 2, 3]).note, 'one of the series is constant');
    assert.throws(() => pearson([1], [1, 2]), /same length/);
  });

  test('property: tests give p in [0, 1] and are symmetric in their samples', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 40 }), fc.array(finite, { maxLength: 40 }), (a, b) => {
        for (const f of [welchTTest, mannWhitneyU]) {
          const r = f(a, b);
          assert.ok(r.pValue >= 0 && r.pValue <= 1 && !Number.isNaN(r.statistic));
          close(f(b, a).pValue, r.pValue, 1e-9);
        }
      }),
    );
  });

  test('bootstrap CI brackets the estimate, is reproducible, and narrows with more data', () => {
    const xs = Array.from({ length: 200 }, (_, i) => 100 + ((i * 37) % 50));
    const ci = bootstrapCI(xs, { seed: 3 });
    assert.ok(ci.lower <= ci.estimate && ci.estimate <= ci.upper);
    assert.deepEqual(bootstrapCI(xs, { seed: 3 }), ci);
    const small = bootstrapCI(xs.slice(0, 20), { seed: 3 });
    assert.ok(small.upper - small.lower > ci.upper - ci.lower);
    const med = bootstrapCI(xs, { stat: (v) => quantile(v, 0.5), seed: 1 });
    assert.ok(med.lower <= med.estimate && med.estimate <= med.upper);
    assert.throws(() => bootstrapCI([Number.NaN]), /at least one/);
  });

  test('trend: a noisy ramp is increasing and significant; noise is flat; short input is flat', () => {
    const day = 86_400_000;
    const ramp = Array.from({ length: 60 }, (_, i): [number, number] => [i * day, 10 + 0.5 * i + ((i * 7) % 5) - 2]);
    const t = detectTrend(ramp);
    assert.equal(t.direction, 'increasing');
    assert.ok(t.significant && t.confidence > 0.99);
    close(t.slopePerDay, 0.5, 0.05, 'slope/day');
    close(t.senSlopePerMs * day, 0.5, 0.1, 'sen slope/day');
    assert.ok(t.slopeInterval![0] < t.slopePerMs && t.slopePerMs < t.slopeInterval![1]);
    const noise = Array.from({ length: 60 }, (_, i): [number, number] => [i * day, (i * 7919) % 11]);
    assert.equal(detectTrend(noise).direction, 'flat');
    assert.equal(detectTrend([[0, 1]]).direction, 'flat');
    assert.equal(detectTrend([]).points, 0);
  });

  test('summaries: exact, empty, NaN-laden', () => {
    const s = summarize([1, 2, 3, 4, Number.NaN, Infinity]);
    assert.equal(s.count, 4);
    assert.equal(s.ignored, 2);
    assert.equal(s.p50, 2.5);
    assert.equal(summarize([]).mean, null);
    close(normalCdf(1.96), 0.975, 1e-4);
  });
});
