import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AnomalyRecord } from '@vigil/core';
import { startTestServer, type TestServer } from '../http/test-server.js';
import { AnomalyMonitor } from './monitor.js';

const MIN = 60_000;
let s: TestServer;
const now = Math.floor(Date.now() / MIN) * MIN;

before(async () => {
  s = await startTestServer();
  const events: Record<string, unknown>[] = [];
  // Two hours of a steady queue_depth gauge with one jump, and steady LLM calls.
  for (let t = now - 120 * MIN; t < now - MIN; t += MIN) {
    const i = (t - (now - 120 * MIN)) / MIN;
    events.push({
      type: 'metric',
      time: t + 1000,
      name: 'queue_depth',
      value: t === now - 10 * MIN ? 400 : 20 + (i % 4),
      metricType: 'gauge',
    });
    events.push({ type: 'inference', time: t + 2000, model: 'm1', durationMs: 300 + (i % 5) * 3, success: true });
  }
  const r = await s.api('/api/v1/ingest', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ serviceName: 'app', events }),
  });
  assert.equal(r.status, 200);
});
after(async () => {
  await s.dispose();
});

test('a monitor pass records anomalies of watched and user-marked series once, and announces them', async () => {
  const seen: AnomalyRecord[] = [];
  const m = new AnomalyMonitor(s.server.core.store, {
    lookbackMs: 3 * 3_600_000,
    metrics: ['queue_depth'],
    onAnomaly: (a) => seen.push(a),
    now: () => now,
  });
  // First pass: only anomalies in the newest two steps count as new; widen by seeding lastUs.
  (m as unknown as { lastUs: Map<string, number> }).lastUs.set('default', (now - 60 * MIN) * 1000);
  const first = await m.pass();
  const jump = first.find((a) => a.metric === 'queue_depth');
  assert.ok(jump, JSON.stringify(first.map((a) => [a.metric, a.description])));
  assert.equal(jump.timeUs, (now - 10 * MIN) * 1000);
  assert.match(jump.description, /^queue_depth 400, [\d.]+x its usual/);
  assert.deepEqual(seen, first);
  const stored = await s.server.core.store.listAnomalies('default', {
    fromUs: 0,
    toUs: now * 1000 + 1,
    metric: 'queue_depth',
    limit: 10,
  });
  assert.equal(stored.length, 1);
  // Second pass at the same time reports nothing new.
  assert.deepEqual(await m.pass(), []);
});
