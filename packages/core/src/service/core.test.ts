import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openVigilCore, type VigilCore } from './core.js';

const DAY_MS = 86_400_000;

function span(traceId: string, spanId: string, startMs: number, extra: Record<string, unknown> = {}) {
  return {
    type: 'span',
    traceId,
    spanId,
    name: 'work',
    kind: 'tool',
    startTime: new Date(startMs).toISOString(),
    endTime: new Date(startMs + 250).toISOString(),
    ...extra,
  };
}

describe('VigilCore on a real DuckDB store', () => {
  let dir: string;
  let core: VigilCore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-core-'));
    core = await openVigilCore({ dataDir: dir, pipeline: { flushMs: 1 } });
  });
  after(async () => {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SDK batch → trace in API JSON; unknown traces are null', async () => {
    const now = Date.now();
    const r = await core.ingestSdkBatch('default', {
      serviceName: 'svc',
      events: [span('a'.repeat(32), '1'.repeat(16), now - 5000), span('a'.repeat(32), '2'.repeat(16), now - 4000)],
    });
    assert.equal(r.accepted, 2);
    assert.equal(r.spans, 2);
    const t = await core.getTrace('default', 'a'.repeat(32));
    assert.ok(t);
    assert.deepEqual(
      t.spans.map((s) => [s.spanId, s.durationMs, s.serviceName]),
      [
        ['1'.repeat(16), 250, 'svc'],
        ['2'.repeat(16), 250, 'svc'],
      ],
    );
    assert.equal(await core.getTrace('default', 'b'.repeat(32)), null);
    assert.equal(await core.getTrace('elsewhere', 'a'.repeat(32)), null);
    const list = await core.listTraces('default', { fromUs: (now - 60_000) * 1000, toUs: now * 1000, limit: 10 });
    assert.equal(list.items[0].traceId, 'a'.repeat(32));
    assert.equal(list.items[0].spanCount, 2);
  });

  test('OTLP/JSON with one bad span: partial success in the OTLP response', async () => {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'c'.repeat(32),
                  spanId: '3'.repeat(16),
                  name: 'ok',
                  startTimeUnixNano: String(nowNs - 1_000_000n),
                  endTimeUnixNano: String(nowNs),
                },
                {
                  traceId: '0'.repeat(32),
                  spanId: '4'.repeat(16),
                  name: 'zero trace id',
                  startTimeUnixNano: String(nowNs - 1_000_000n),
                  endTimeUnixNano: String(nowNs),
                },
              ],
            },
          ],
        },
      ],
    });
    const r = await core.ingestOtlp('default', 'traces', new TextEncoder().encode(body), 'json');
    assert.equal(r.accepted, 1);
    assert.equal(r.rejected, 1);
    const response = JSON.parse(r.response as string);
    assert.equal(response.partialSuccess.rejectedSpans, '1');
    assert.ok((await core.getTrace('default', 'c'.repeat(32)))?.spans.length === 1);
  });

  test('an agent span arriving over OTLP ends the run the SDK started', async () => {
    const now = Date.now();
    const [traceId, spanId] = ['e'.repeat(32), '6'.repeat(16)];
    await core.ingestSdkBatch('agents', {
      events: [{ type: 'agent_start', agentId: 'planner', runId: spanId, traceId, time: now - 2000 }],
    });
    const range = { fromUs: (now - 60_000) * 1000, toUs: (now + 1000) * 1000 };
    assert.equal((await core.getDashboardData('agents', range)).agentMetrics.activeAgents, 1);
    const attrs = [
      { key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } },
      { key: 'gen_ai.agent.id', value: { stringValue: 'planner' } },
    ];
    const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'planner',
                  startTimeUnixNano: ns(now - 2000),
                  endTimeUnixNano: ns(now - 100),
                  attributes: attrs,
                },
              ],
            },
          ],
        },
      ],
    });
    const r = await core.ingestOtlp('agents', 'traces', new TextEncoder().encode(body), 'json');
    assert.equal(r.accepted, 1);
    const agents = (await core.getDashboardData('agents', range)).agentMetrics;
    assert.equal(agents.activeAgents, 0);
    assert.equal(agents.totalRuns, 1);
  });

  test('retention deletes telemetry older than N days and keeps the rest', async () => {
    const now = Date.now();
    await core.ingestSdkBatch('default', {
      events: [
        span('d'.repeat(32), '5'.repeat(16), now - 3 * DAY_MS),
        span('e'.repeat(32), '6'.repeat(16), now - 1000),
      ],
    });
    assert.ok(await core.getTrace('default', 'd'.repeat(32)));
    const deleted = await core.applyRetention(2);
    assert.ok(deleted.spans >= 1);
    assert.equal(await core.getTrace('default', 'd'.repeat(32)), null);
    assert.ok(await core.getTrace('default', 'e'.repeat(32)));
  });

  test('dashboard on an empty range: zeros and nulls, never NaN', async () => {
    const d = await core.getDashboardData('default', { fromUs: 0, toUs: 1_000_000 });
    assert.equal(d.agentMetrics.completionRate, null);
    assert.equal(d.modelMetrics.calls, 0);
    assert.equal(d.systemMetrics.time, null);
    assert.ok(!JSON.stringify(d).includes('NaN'));
  });
});
