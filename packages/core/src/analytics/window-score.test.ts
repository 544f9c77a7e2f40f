import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type LabelledScores, NAB_PROFILES, optimizeThreshold, probationRows, scoreSeries } from './window-score.js';

describe('NAB window scoring', () => {
  const worked = (): LabelledScores => {
    const scores = new Float64Array(1000);
    for (const i of [300, 620, 720]) scores[i] = 1;
    return { scores, windows: [[600, 699]] };
  };

  test('reproduces the worked example of SCORING.md', () => {
    assert.equal(probationRows(1000), 150);
    const raw = scoreSeries(worked(), 0.5, NAB_PROFILES.standard);
    assert.ok(Math.abs(raw - 0.814) < 0.0015, `raw ${raw}`);
    const c = optimizeThreshold([worked()], NAB_PROFILES.standard);
    assert.equal(c.nullScore, -1);
    assert.equal(c.perfectScore, 1);
    assert.ok(Math.abs(c.normalized - 90.7) < 0.06, `normalized ${c.normalized}`);
    assert.deepEqual([c.truePositives, c.falsePositives, c.falseNegatives], [1, 2, 0]);
  });

  test('detections in probation are ignored and a null detector scores 0', () => {
    const scores = new Float64Array(1000);
    scores[100] = 1;
    const c = optimizeThreshold([{ scores, windows: [[600, 699]] }], NAB_PROFILES.standard);
    assert.equal(c.normalized, 0);
  });

  test('the sweep finds the same best total as scoring every threshold directly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 40, maxLength: 120 }),
        fc.integer({ min: 10, max: 30 }),
        (raw, start) => {
          const scores = raw.map((v) => v / 10);
          const s: LabelledScores = { scores, windows: [[start, Math.min(start + 6, scores.length - 1)]] };
          for (const p of Object.values(NAB_PROFILES)) {
            const c = optimizeThreshold([s], p);
            let best = scoreSeries(s, Infinity, p);
            for (const t of new Set(scores)) best = Math.max(best, scoreSeries(s, t, p));
            assert.ok(Math.abs(best - c.raw) < 1e-9, `${best} vs ${c.raw}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
