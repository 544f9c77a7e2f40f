import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ALGORITHMS, createDetector, SENSITIVITY_THRESHOLDS, scoreToZ, zToScore } from './index.js';

/** A daily-seasonal 5-minute series with mild noise and one spike at `spikeAt`. */
function synthetic(n: number, spikeAt: number): { t: number[]; v: number[] } {
  const t: number[] = [];
  const v: number[] = [];
  let seed = 7;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296 - 0.5;
  };
  for (let i = 0; i < n; i++) {
    t.push(Date.UTC(2024, 0, 1) + i * 300_000);
    v.push(100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 2 * rnd() + (i === spikeAt ? 80 : 0));
  }
  return { t, v };
}

describe('streaming detectors', () => {
  const { t, v } = synthetic(1200, 1000);
  for (const name of ALGORITHMS.filter((a) => a !== 'changepoint')) {
    test(`${name}: scores in [0, 1], spike stands out, online`, () => {
      const opts = name === 'threshold' ? { upper: 150 } : {};
      const d = createDetector(name, opts);
      const scores = v.map((x, i) => d.update(t[i], x));
      for (const s of scores) assert.ok(s >= 0 && s <= 1 && !Number.isNaN(s), `${name} score ${s}`);
      const spike = scores[1000];
      const before = Math.max(...scores.slice(700, 995));
      assert.ok(spike > before, `${name}: spike ${spike} vs max before ${before}`);
      // Online: replaying a prefix gives the same scores as the full run.
      const d2 = createDetector(name, opts);
      for (let i = 0; i <= 1000; i++) assert.equal(d2.update(t[i], v[i]), scores[i]);
    });
  }

  test('changepoint: a level shift alarms soon after it starts, once', () => {
    const d = createDetector('changepoint');
    let seed = 3;
    const scores: number[] = [];
    for (let i = 0; i < 1000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const x = (i < 600 ? 10 : 13) + (seed / 4294967296 - 0.5) * 2;
      scores.push(d.update(i * 60_000, x));
    }
    const th = SENSITIVITY_THRESHOLDS.medium;
    assert.ok(
      scores.slice(100, 600).every((s) => s < th),
      'no alarm before the shift',
    );
    const first = scores.findIndex((s, i) => i >= 600 && s >= th);
    assert.ok(first >= 600 && first < 615, `alarm at ${first}`);
    assert.ok(scores.slice(first + 1, first + 300).filter((s) => s >= th).length <= 1, 'one alarm per shift');
  });

  test('bad values never produce NaN and do not break the state', () => {
    for (const name of ALGORITHMS) {
      const d = createDetector(name, name === 'threshold' ? { upper: 1 } : {});
      for (let i = 0; i < 500; i++) {
        const x = i % 7 === 0 ? Number.NaN : i % 11 === 0 ? Infinity : 5;
        const s = d.update(i * 1000, x);
        assert.ok(s >= 0 && s <= 1, `${name} gave ${s}`);
      }
    }
  });

  test('property: any input (huge, tiny, NaN, ±Infinity, out of order) gives scores in [0, 1]', () => {
    const value = fc.oneof(
      fc.double(),
      fc.constantFrom(1e308, -1e308, 5e-324, 0, Number.NaN, Infinity, -Infinity),
      fc.integer({ min: -5, max: 5 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1e12 }), value), { maxLength: 120 }), (pts) => {
        for (const name of ALGORITHMS) {
          const d = createDetector(name, name === 'threshold' ? { upper: 1 } : { minDataPoints: 5 });
          for (const [t, v] of pts) {
            const s = d.update(t, v);
            assert.ok(s >= 0 && s <= 1, `${name}: ${s} for ${v}`);
            const e = d.expectation();
            if (e)
              assert.ok(
                !Number.isNaN(e.expected) && !Number.isNaN(e.lower) && !Number.isNaN(e.upper),
                `${name} expectation NaN`,
              );
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  test('values near the double limit never give NaN bands (found by the property above)', () => {
    for (const name of ALGORITHMS) {
      const d = createDetector(name, name === 'threshold' ? { upper: 1 } : { minDataPoints: 5 });
      for (const v of [0, -1.5953862697246316e308, 1e308, 1e308, 0, 0, 1, 2, 3]) {
        const s = d.update(0, v);
        assert.ok(s >= 0 && s <= 1, `${name}: ${s}`);
        const e = d.expectation();
        if (e) assert.ok(!Number.isNaN(e.expected + e.lower + e.upper), `${name}: ${JSON.stringify(e)}`);
      }
    }
  });

  test('a constant series scores below every sensitivity threshold', () => {
    for (const name of ALGORITHMS.filter((a) => a !== 'threshold')) {
      const d = createDetector(name);
      let max = 0;
      for (let i = 0; i < 800; i++) max = Math.max(max, d.update(i * 60_000, 42));
      assert.ok(max < SENSITIVITY_THRESHOLDS.high, `${name}: ${max}`);
    }
  });

  test('score mapping: medium sensitivity is a 3.3σ event, and zToScore does not saturate early', () => {
    assert.ok(Math.abs(scoreToZ(SENSITIVITY_THRESHOLDS.medium) - 3.29) < 0.01);
    assert.ok(zToScore(20) > zToScore(10));
    assert.ok(zToScore(10) < 1);
    assert.equal(zToScore(0), 0);
  });

  test('unknown algorithm and a threshold rule without bounds are clear errors', () => {
    assert.throws(() => createDetector('nope'), /unknown algorithm/);
    assert.throws(() => createDetector('threshold'), /upper and\/or lower/);
  });
});
