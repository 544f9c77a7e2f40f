import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from './live.js';

test('SseParser handles split chunks, comments, CRLF and multi-line data', () => {
  const p = new SseParser();
  const got: [string, string][] = [];
  const emit = (e: string, d: string) => got.push([e, d]);
  p.push(': connected\n\nevent: sp', emit);
  p.push('ans\ndata: {"count":2}\n', emit);
  assert.deepEqual(got, []);
  p.push('\n: heartbeat 1\n\r\nevent: alert\r\ndata: a\r\ndata: b\r\n\r\ndata: plain\n\n', emit);
  assert.deepEqual(got, [
    ['spans', '{"count":2}'],
    ['alert', 'a\nb'],
    ['message', 'plain'],
  ]);
});
