import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, parseLimit, parseRange, parseStep, parseTime, parseTraceId, QueryError } from './params.js';

test('times: ISO 8601 or epoch ms; defaults to the last 24 h', () => {
  assert.equal(parseTime('from', '1700000000000'), 1_700_000_000_000);
  assert.equal(parseTime('from', '2023-11-14T22:13:20Z'), 1_700_000_000_000);
  assert.throws(() => parseTime('from', 'yesterday'), QueryError);
  const r = parseRange({}, { nowMs: 1_700_000_000_000 });
  assert.equal(r.toUs - r.fromUs, 24 * 3600 * 1e6);
  assert.throws(() => parseRange({ from: '2', to: '1' }), /from must not be after to/);
});

test('durations, steps, limits, ids', () => {
  assert.equal(parseDuration('step', '30s'), 30_000);
  assert.equal(parseDuration('step', '5m'), 300_000);
  assert.equal(parseDuration('step', '1d'), 86_400_000);
  assert.equal(parseDuration('step', '250'), 250);
  assert.throws(() => parseDuration('step', '-1h'), QueryError);
  const day = { fromUs: 0, toUs: 86_400e6 };
  assert.equal(parseStep(undefined, day), 900_000);
  assert.throws(() => parseStep('1', day), /step too small/);
  assert.equal(parseLimit(undefined), 50);
  assert.equal(parseLimit('5000'), 1000);
  assert.throws(() => parseLimit('0'), QueryError);
  assert.equal(parseTraceId('0AF7651916CD43DD8448EB211C80319C'), '0af7651916cd43dd8448eb211c80319c');
  assert.throws(() => parseTraceId('00000000000000000000000000000000'), QueryError);
  assert.throws(() => parseTraceId('xyz'), QueryError);
});
