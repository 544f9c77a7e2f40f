import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { detectAnomalies, severityOf } from './anomalies.js';

const HOUR = 3_600_000;
/** Two weeks of hourly p95 latency for gpt-4o around 470 ms with a daily cycle, one 2.4 s spike. */
function latency(spikeAt: number): [number, number][] {
  const start = Date.UTC(2024, 0, 1); // a Monday
  const out: [number, number][] = [];
  for (let i = 0; i < 24 * 21; i++) {
    const base = 470 + 60 * Math.sin((2 * Math.PI * i) / 24) + ((i * 7919) % 13) - 6;
    out.push([start + i * HOUR, i === spikeAt ? 2400 : base]);
  }
  return out;
}

describe('detectAnomalies', () => {
  test('finds the spike and describes it with value, ratio to usual and the time of day', () => {
    const spikeAt = 24 * 14 + 14; // Monday 14:00 of week 3
    const r = detectAnomalies({
      metric: 'span.p95_ms',
      labels: { model: 'gpt-4o' },
      points: latency(spikeAt),
      project: 'p1',
    });
    assert.equal(r.status, 'ok');
    assert.equal(r.algorithm, 'ensemble');
    const a = r.anomalies.find((x) => x.timeUs === latency(spikeAt)[spikeAt][0] * 1000);
    assert.ok(a, `spike not found: ${JSON.stringify(r.anomalies.map((x) => x.description))}`);
    assert.match(a.description, /^p95 latency of gpt-4o 2\.4 s, [\d.]+x its usual \d+ ms for 14:00/);
    assert.ok(a.expected > 300 && a.expected < 700, `expected ${a.expected}`);
    assert.ok(a.lower <= a.expected && a.expected <= a.upper);
    assert.ok(['high', 'critical'].includes(a.severity));
    assert.ok(a.confidence > 0 && a.confidence <= 1);
    assert.equal(a.project, 'p1');
    assert.match(a.id, /^anm_[0-9a-f]{16}$/);
    // Deterministic ids: the same data names the same events.
    const again = detectAnomalies({
      metric: 'span.p95_ms',
      labels: { model: 'gpt-4o' },
      points: latency(spikeAt),
      project: 'p1',
    });
    assert.deepEqual(
      again.anomalies.map((x) => x.id),
      r.anomalies.map((x) => x.id),
    );
  });

  test('every algorithm runs on a short series and the robust one finds an obvious spike', () => {
    const pts = Array.from({ length: 60 }, (_, i): [number, number] => [i * 60_000, i === 50 ? 100 : 10 + (i % 3)]);
    const r = detectAnomalies({ metric: 'queue_depth', points: pts });
    assert.equal(r.algorithm, 'robust_z');
    assert.deepEqual(
      r.anomalies.map((a) => a.timeUs),
      [50 * 60_000 * 1000],
    );
    for (const algorithm of ['ewma', 'seasonal', 'changepoint', 'novelty', 'ensemble'] as const) {
      const x = detectAnomalies({ metric: 'q', points: pts, algorithm });
      assert.ok(x.scores.every((s) => s >= 0 && s <= 1));
    }
    const th = detectAnomalies({ metric: 'q', points: pts, upper: 50 });
    assert.equal(th.algorithm, 'threshold');
    assert.equal(th.anomalies.length, 1);
  });

  test('bad input: empty, NaN-laden, out of order, duplicates, constant', () => {
    const empty = detectAnomalies({ metric: 'm', points: [] });
    assert.equal(empty.status, 'insufficient_data');
    assert.deepEqual(empty.anomalies, []);
    const messy: [number, number][] = [];
    for (let i = 0; i < 80; i++) messy.push([(80 - i) * 1000, i % 9 === 0 ? Number.NaN : 5]);
    messy.push([5000, Infinity], [5000, 5]);
    const r = detectAnomalies({ metric: 'm', points: messy });
    assert.equal(r.dropped.invalid, 10);
    assert.equal(r.dropped.duplicates, 1);
    assert.ok(r.times.every((t, i) => i === 0 || t > r.times[i - 1]));
    assert.deepEqual(r.anomalies, [], 'a constant series has no anomalies');
    assert.ok(!JSON.stringify(r).includes('NaN') && r.scores.every((s) => Number.isFinite(s)));
    assert.throws(() => detectAnomalies({ metric: '', points: [] }), /metric/);
    assert.throws(() => detectAnomalies({ metric: 'm', points: [], algorithm: 'nope' as 'ewma' }), /unknown algorithm/);
    assert.throws(() => detectAnomalies({ metric: 'm', points: [], threshold: 2 }), /threshold/);
  });

  test('property: any series gives finite records or a clear status, never NaN', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 1e9 }),
            fc.oneof(fc.double({ min: -1e9, max: 1e9 }), fc.constant(Number.NaN)),
          ),
          {
            maxLength: 150,
          },
        ),
        fc.constantFrom('auto', 'robust_z', 'ewma', 'seasonal', 'changepoint', 'novelty', 'ensemble'),
        (pts, algorithm) => {
          const r = detectAnomalies({ metric: 'm', points: pts, algorithm: algorithm as 'auto' });
          assert.ok(r.status === 'ok' || (r.status === 'insufficient_data' && r.message));
          for (const s of r.scores) assert.ok(s >= 0 && s <= 1);
          for (const a of r.anomalies)
            for (const k of ['value', 'expected', 'lower', 'upper', 'score', 'confidence'] as const)
              assert.ok(Number.isFinite(a[k]), `${k} = ${a[k]}`);
        },
      ),
      { numRuns: 80 },
    );
  });

  test('sinceMs limits reports to the newest part of the range', () => {
    const pts = Array.from({ length: 100 }, (_, i): [number, number] => [
      i * 1000,
      i === 40 || i === 90 ? 500 : 10 + (i % 4),
    ]);
    const r = detectAnomalies({ metric: 'm', points: pts, sinceMs: 80_000 });
    assert.deepEqual(
      r.anomalies.map((a) => a.timeUs / 1000),
      [90_000],
    );
  });

  test('severity grows with improbability and with the ratio to the expected value', () => {
    assert.equal(severityOf(0.55, 11, 10), 'low');
    assert.equal(severityOf(0.99, 11, 10), 'critical');
    assert.equal(severityOf(0.55, 40, 10), 'high');
    assert.equal(severityOf(0.55, 200, 10), 'critical');
  });
});
