import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bindToActiveSpan, getActiveSpan } from './context.js';
import type { SpanSink } from './span.js';
import { getTracer, monitor, NoopTracer, setGlobalTracer, startSpan, VigilTracer, withSpan } from './tracer.js';
import type { ReadableVigilSpan } from './types.js';

function install(opts?: { sampleRate?: number }) {
  const ended: ReadableVigilSpan[] = [];
  const sink: SpanSink = { onEnd: (s) => ended.push(s) };
  setGlobalTracer(new VigilTracer(sink, opts));
  return ended;
}

afterEach(() => setGlobalTracer(null));

describe('default tracer', () => {
  test('is a no-op until configured: code runs, nothing records, results pass through', async () => {
    assert.ok(getTracer() instanceof NoopTracer);
    const span = startSpan('x', { kind: 'llm', model: 'gpt-4o' });
    assert.equal(span.isRecording(), false);
    span.setAttribute('a', 1).end();
    assert.equal(
      withSpan('sync', () => 41 + 1),
      42,
    );
    assert.equal(await withSpan('async', async () => 'ok'), 'ok');
    const f = monitor(function add(a: number, b: number) {
      return a + b;
    });
    assert.equal(f(2, 3), 5);
  });
});

describe('withSpan', () => {
  test('sync: returns the value, ends the span, status unset', () => {
    const ended = install();
    const r = withSpan('work', { kind: 'tool', attributes: { n: 1 } }, (span) => {
      assert.equal(getActiveSpan(), span);
      return 'done';
    });
    assert.equal(r, 'done');
    assert.equal(ended.length, 1);
    assert.equal(ended[0].name, 'work');
    assert.equal(ended[0].kind, 'tool');
    assert.equal(ended[0].attributes['vigil.kind'], 'tool');
    assert.equal(ended[0].attributes['gen_ai.tool.name'], 'work');
    assert.equal(ended[0].attributes.n, 1);
    assert.ok(ended[0].endUs >= ended[0].startUs);
    assert.equal(getActiveSpan(), undefined);
  });

  test('sync throw: the same error is rethrown and recorded with type, message and stack', () => {
    const ended = install();
    const err = new RangeError('out of range');
    assert.throws(
      () =>
        withSpan('bad', () => {
          throw err;
        }),
      (e) => e === err,
    );
    const s = ended[0];
    assert.equal(s.statusCode, 2);
    assert.equal(s.statusMessage, 'out of range');
    const ev = s.events?.[0];
    assert.equal(ev?.name, 'exception');
    assert.equal(ev?.attributes?.['exception.type'], 'RangeError');
    assert.equal(ev?.attributes?.['exception.message'], 'out of range');
    assert.match(String(ev?.attributes?.['exception.stacktrace']), /RangeError: out of range/);
  });

  test('async: the span stays open until the promise settles; rejection recorded and rethrown', async () => {
    const ended = install();
    const p = withSpan('slow', async () => {
      await sleep(20);
      return 7;
    });
    assert.equal(ended.length, 0);
    assert.equal(await p, 7);
    assert.equal(ended.length, 1);
    assert.ok(ended[0].endUs - ended[0].startUs >= 15_000, 'duration covers the await');

    const boom = new Error('boom');
    await assert.rejects(
      withSpan('fails', async () => {
        await sleep(1);
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(ended[1].statusCode, 2);
  });

  test('nesting: children get the parent trace and span id, across await and setTimeout', async () => {
    const ended = install();
    await withSpan('root', { kind: 'agent', agentId: 'a' }, async (root) => {
      await withSpan('llm', { kind: 'llm', model: 'gpt-4o', provider: 'openai' }, async () => {
        await sleep(2);
        withSpan('inner', () => {});
      });
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          withSpan('timer', () => {});
          resolve();
        }, 5),
      );
      const detached = bindToActiveSpan(() => startSpan('bound'));
      await Promise.resolve();
      detached().end();
      assert.equal(getActiveSpan(), root);
    });
    const by = Object.fromEntries(ended.map((s) => [s.name, s]));
    const root = by.root;
    assert.equal(root.parentSpanId, undefined);
    assert.equal(by.llm.parentSpanId, root.spanId);
    assert.equal(by.inner.parentSpanId, by.llm.spanId);
    assert.equal(by.timer.parentSpanId, root.spanId);
    assert.equal(by.bound.parentSpanId, root.spanId);
    for (const s of ended) assert.equal(s.traceId, root.traceId);
    assert.match(root.traceId, /^[0-9a-f]{32}$/);
    assert.match(root.spanId, /^[0-9a-f]{16}$/);
    assert.equal(by.llm.attributes['gen_ai.request.model'], 'gpt-4o');
    assert.equal(by.llm.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(by.llm.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(by.llm.otelKind, 3);
    assert.equal(root.attributes['gen_ai.agent.id'], 'a');
  });

  test('concurrent async branches keep their own parents', async () => {
    const ended = install();
    await withSpan('root', async () => {
      await Promise.all(
        ['a', 'b', 'c'].map((n) =>
          withSpan(n, async () => {
            await sleep(Math.random() * 5);
            withSpan(`${n}.child`, () => {});
          }),
        ),
      );
    });
    const by = Object.fromEntries(ended.map((s) => [s.name, s]));
    for (const n of ['a', 'b', 'c']) assert.equal(by[`${n}.child`].parentSpanId, by[n].spanId);
  });

  test('explicit parent (remote span context) and parent: null', () => {
    const ended = install();
    const remote = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
    withSpan('child-of-remote', { parent: remote }, () => {
      withSpan('fresh', { parent: null }, () => {});
    });
    const by = Object.fromEntries(ended.map((s) => [s.name, s]));
    assert.equal(by['child-of-remote'].traceId, remote.traceId);
    assert.equal(by['child-of-remote'].parentSpanId, remote.spanId);
    assert.notEqual(by.fresh.traceId, remote.traceId);
    assert.equal(by.fresh.parentSpanId, undefined);
  });
});

describe('monitor', () => {
  test('preserves this, arguments, return value, name and length', () => {
    const ended = install();
    const obj = {
      factor: 3,
      mul: monitor(
        function mul(this: { factor: number }, x: number) {
          return x * this.factor;
        },
        { kind: 'tool', captureArgs: true, captureResult: true },
      ),
    };
    assert.equal(obj.mul(5), 15);
    assert.equal(obj.mul.name, 'mul');
    assert.equal(obj.mul.length, 1);
    assert.equal(ended[0].name, 'mul');
    assert.equal(ended[0].attributes['input.value'], '5');
    assert.equal(ended[0].attributes['output.value'], '15');
  });

  test('async functions: resolved value captured, rejection passes through unchanged', async () => {
    const ended = install();
    const fetchDoc = monitor(async (id: string) => ({ id, text: 'hello' }), {
      name: 'fetchDoc',
      kind: 'retrieval',
      captureResult: true,
    });
    assert.deepEqual(await fetchDoc('d1'), { id: 'd1', text: 'hello' });
    assert.equal(ended[0].attributes['output.value'], '{"id":"d1","text":"hello"}');
    const err = new Error('nope');
    const failing = monitor(async () => {
      throw err;
    }, 'failing');
    await assert.rejects(failing(), (e) => e === err);
    assert.equal(ended[1].name, 'failing');
    assert.equal(ended[1].statusCode, 2);
  });

  test('methods calling each other nest', () => {
    const ended = install();
    const inner = monitor(() => 1, 'inner');
    const outer = monitor(() => inner() + 1, 'outer');
    assert.equal(outer(), 2);
    assert.equal(ended[0].name, 'inner');
    assert.equal(ended[0].parentSpanId, ended[1].spanId);
  });
});

describe('span API', () => {
  test('mutations after end are ignored; OK status is final; usage and events recorded', () => {
    const ended = install();
    const s = startSpan('llm', { kind: 'llm' });
    s.setUsage({ inputTokens: 10, outputTokens: 5, costUsd: 0.001 });
    s.addEvent('retry', { attempt: 2 });
    s.setStatus('ok');
    s.setStatus('error', 'ignored');
    s.end();
    s.setAttribute('late', true);
    s.end();
    assert.equal(ended.length, 1);
    const r = ended[0];
    assert.equal(r.statusCode, 1);
    assert.equal(r.attributes.late, undefined);
    assert.equal(r.attributes['gen_ai.usage.input_tokens'], 10);
    assert.equal(r.attributes['vigil.cost_usd'], 0.001);
    assert.equal(r.events?.[0].name, 'retry');
  });

  test('sampling: a sampled-out root drops its whole trace', () => {
    const ended = install({ sampleRate: 0 });
    withSpan('root', () => {
      withSpan('child', () => {});
    });
    assert.equal(ended.length, 0);
  });

  test('a failing sink never reaches the caller', () => {
    setGlobalTracer(
      new VigilTracer({
        onEnd() {
          throw new Error('exporter bug');
        },
      }),
    );
    assert.equal(
      withSpan('x', () => 1),
      1,
    );
  });
});
