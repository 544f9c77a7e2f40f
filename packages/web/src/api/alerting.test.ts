import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorField, formatDuration, parseDuration } from './alerting.js';
import { ApiError } from './client.js';

test('human durations parse to milliseconds', () => {
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration(' 1h30m '), 5_400_000);
  assert.equal(parseDuration('1h 30m'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('90'), 90_000, 'a bare number is seconds');
  for (const bad of ['', 'five minutes', '5x', 'm5', '5m junk', '-5m']) assert.equal(parseDuration(bad), null, bad);
});

test('milliseconds format to the shortest exact human duration, and back', () => {
  assert.equal(formatDuration(0), '0');
  assert.equal(formatDuration(300_000), '5m');
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(14_400_000), '4h');
  assert.equal(formatDuration(1500), '1s500ms');
  for (const ms of [1000, 30_000, 60_000, 3_600_000, 86_400_000 + 1000, 31 * 86_400_000, 1234])
    assert.equal(parseDuration(formatDuration(ms)), ms);
});

test('the field path comes from the start of a 400 message', () => {
  const e = (msg: string, status = 400) => new ApiError(status, 'invalid_request', msg);
  assert.equal(errorField(e('condition.threshold must be a finite number')), 'condition.threshold');
  assert.equal(errorField(e('escalation[0].channels[1] refers to unknown channel x')), 'escalation[0].channels[1]');
  assert.equal(errorField(e('name is required')), 'name');
  assert.equal(errorField(e('config.url must be an absolute URL')), 'config.url');
  assert.equal(errorField(e('Not found', 404)), null);
  assert.equal(errorField(new Error('name is required')), null);
});
