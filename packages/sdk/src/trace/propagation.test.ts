import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { extractTraceContext, injectTraceContext, traceparent } from './propagation.js';
import { setGlobalTracer, VigilTracer, withSpan } from './tracer.js';
import type { ReadableVigilSpan } from './types.js';

afterEach(() => setGlobalTracer(null));

describe('W3C trace context', () => {
  test('inject from the active span, extract on the other side, and the trace continues', () => {
    const ended: ReadableVigilSpan[] = [];
    setGlobalTracer(new VigilTracer({ onEnd: (s) => ended.push(s) }));
    const outgoing = withSpan('call tool server', { kind: 'http' }, () =>
      injectTraceContext({ accept: 'application/json' }),
    );
    assert.match(outgoing.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const headers = new Headers(outgoing);
    const parent = extractTraceContext(headers);
    assert.ok(parent);
    withSpan('handle', { parent }, () => {});
    assert.equal(ended[1].traceId, ended[0].traceId);
    assert.equal(ended[1].parentSpanId, ended[0].spanId);
    assert.equal(extractTraceContext({ traceparent: [outgoing.traceparent] })?.spanId, ended[0].spanId);
  });

  test('invalid or absent traceparent values are ignored', () => {
    assert.equal(traceparent(), undefined);
    assert.deepEqual(injectTraceContext({}), {});
    for (const bad of [
      undefined,
      '',
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
    ]) {
      assert.equal(extractTraceContext({ traceparent: bad }), undefined, String(bad));
    }
    // future versions may append fields
    assert.ok(extractTraceContext({ traceparent: '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-xyz' }));
  });
});
