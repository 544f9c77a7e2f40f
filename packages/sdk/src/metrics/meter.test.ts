import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resetWarnOnce, setDiagSink } from '../internal/diag.js';
import { Meter } from './meter.js';

describe('Meter', () => {
  test('counters are cumulative per label set and only go up; gauges keep the last value', () => {
    const m = new Meter();
    const c = m.counter('calls');
    c.add(2, { model: 'a' });
    c.add(3, { model: 'a' });
    c.add(1, { model: 'b' });
    c.add(-5, { model: 'a' });
    m.gauge('depth').set(4);
    m.gauge('depth').set(9);
    const out = m.collect();
    const calls = out.find((x) => x.name === 'calls');
    assert.deepEqual(
      calls?.points.map((p) => [p.labels.model, p.value]),
      [
        ['a', 5],
        ['b', 1],
      ],
    );
    assert.equal(out.find((x) => x.name === 'depth')?.points[0].value, 9);
    // Nothing changed since: nothing to export. A later add reports the running total.
    assert.equal(m.collect().length, 0);
    c.add(1, { model: 'a' });
    assert.equal(m.collect()[0].points[0].value, 6);
  });

  test('label order does not split series', () => {
    const m = new Meter();
    m.counter('x').add(1, { a: '1', b: '2' });
    m.counter('x').add(1, { b: '2', a: '1' });
    assert.equal(m.collect()[0].points.length, 1);
  });

  test('histogram buckets are (prev, bound], with min/max/sum/count', () => {
    const m = new Meter();
    const h = m.histogram('lat', { boundaries: [10, 100] });
    for (const v of [5, 10, 11, 100, 1000]) h.record(v);
    const p = m.collect()[0].points[0].histogram;
    assert.deepEqual(p?.counts, [2, 2, 1]);
    assert.equal(p?.count, 5);
    assert.equal(p?.sum, 1126);
    assert.equal(p?.min, 5);
    assert.equal(p?.max, 1000);
  });

  test('summary quantiles over recent observations', () => {
    const m = new Meter();
    const s = m.summary('score', { quantiles: [0.5, 0.99] });
    for (let i = 1; i <= 100; i++) s.observe(i);
    const q = m.collect()[0].points[0].summary;
    assert.equal(q?.count, 100);
    assert.deepEqual(q?.quantiles, [
      { quantile: 0.5, value: 50 },
      { quantile: 0.99, value: 99 },
    ]);
  });

  test('non-finite values are ignored; a name keeps its first kind; cardinality is bounded', () => {
    const warnings: string[] = [];
    setDiagSink((w) => warnings.push(w));
    resetWarnOnce();
    const m = new Meter();
    m.gauge('g').set(Number.NaN);
    m.counter('g').add(1);
    for (let i = 0; i < 2100; i++) m.counter('many').add(1, { id: i });
    const out = m.collect();
    assert.equal(
      out.find((x) => x.name === 'g'),
      undefined,
    );
    assert.equal(out.find((x) => x.name === 'many')?.points.length, 2000);
    assert.ok(warnings.some((w) => w.includes('is a gauge')));
    assert.ok(warnings.some((w) => w.includes('label sets')));
    setDiagSink(undefined as never);
  });
});
