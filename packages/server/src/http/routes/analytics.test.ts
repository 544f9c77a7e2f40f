import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../test-server.js';

const MIN = 60_000;
const end = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
const start = end - 6 * 60 * MIN;
const spikeAt = end - 30 * MIN;

/** Six hours of gpt-4o calls, 3 a minute around 450 ms, with one minute at 4 s; planner agent runs. */
function events() {
  const out: Record<string, unknown>[] = [];
  for (let t = start; t < end; t += MIN) {
    for (let k = 0; k < 3; k++) {
      const i = (t - start) / MIN;
      out.push({
        type: 'inference',
        time: t + k * 15_000,
        model: 'gpt-4o',
        provider: 'openai',
        durationMs: t === spikeAt ? 4000 : 420 + ((i * 37 + k * 11) % 60),
        inputTokens: 1000,
        outputTokens: 200,
        costUsd: 0.01 + i * 1e-5,
        success: !(t === spikeAt && k === 0),
        agentId: 'planner',
      });
    }
  }
  return out;
}

describe('analytics API', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const body = JSON.stringify({ serviceName: 'app', events: events() });
    const r = await s.api('/api/v1/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(r.status, 200);
  });
  after(async () => {
    await s.dispose();
  });

  const post = (path: string, body: unknown) =>
    s.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('POST /api/v1/anomalies/detect finds the latency spike, records it, and GET lists it', async () => {
    const r = await post('/api/v1/anomalies/detect', { from: start, to: end, step: '1m', algorithm: 'robust_z' });
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      items: { metric: string; labels: Record<string, string>; time: string; description: string }[];
      recorded: number;
      seriesScanned: number;
    };
    assert.ok(body.seriesScanned > 0);
    // Inference events carry their end time, so the slow call started in the minute before.
    const hit = body.items.find(
      (a) =>
        a.metric === 'span.p95_ms' && a.labels.model === 'gpt-4o' && a.time === new Date(spikeAt - MIN).toISOString(),
    );
    assert.ok(hit, JSON.stringify(body.items.map((a) => [a.metric, a.time, a.description])));
    assert.match(hit.description, /^p95 latency of gpt-4o [\d.]+ s, [\d.]+x its usual \d+ ms/);
    assert.equal(body.recorded, body.items.length);
    const list = (await (await s.api(`/api/v1/anomalies?from=${start}&to=${end}&metric=span.p95_ms`)).json()) as {
      items: { id: string }[];
    };
    assert.ok(list.items.length >= 1);
    // Re-running is idempotent: deterministic ids replace, not duplicate.
    await post('/api/v1/anomalies/detect', { from: start, to: end, step: '1m', algorithm: 'robust_z' });
    const again = (await (await s.api(`/api/v1/anomalies?from=${start}&to=${end}&metric=span.p95_ms`)).json()) as {
      items: unknown[];
    };
    assert.equal(again.items.length, list.items.length);
    const dash = (await (await s.api(`/api/v1/dashboard?from=${start}&to=${end}`)).json()) as {
      recentAnomalies: unknown[];
    };
    assert.ok(dash.recentAnomalies.length >= 1);
  });

  test('POST /api/v1/predictions forecasts with intervals and a capacity crossing', async () => {
    const r = await post('/api/v1/predictions', {
      metric: 'span.cost',
      labels: { model: 'gpt-4o' },
      from: start,
      to: end,
      step: '10m',
      forecastPeriod: 12,
      confidence: 0.9,
      model: 'linear',
      limit: 1,
    });
    assert.equal(r.status, 200);
    const p = (await r.json()) as {
      status: string;
      model: string;
      points: { time: string; value: number; lower: number; upper: number }[];
      crossing: { summary: string };
    };
    assert.equal(p.status, 'ok');
    assert.equal(p.model, 'linear');
    assert.equal(p.points.length, 12);
    for (const x of p.points) assert.ok(x.lower <= x.value && x.value <= x.upper);
    assert.match(p.crossing.summary, /cost of gpt-4o/);
    const bad = await post('/api/v1/predictions', { metric: 'span.nope' });
    assert.equal(bad.status, 400);
    const bad2 = await post('/api/v1/predictions', { metric: 'span.count', confidence: 2 });
    assert.equal(bad2.status, 400);
    const empty = (await (await post('/api/v1/predictions', { metric: 'no.such.metric' })).json()) as {
      status: string;
    };
    assert.equal(empty.status, 'insufficient_data');
  });

  test('GET /api/v1/reports/performance returns numbers-backed sections', async () => {
    const r = await s.api(`/api/v1/reports/performance?from=${start}&to=${end}&sloMs=1000`);
    assert.equal(r.status, 200);
    const rep = (await r.json()) as {
      summary: { spans: number };
      slowest: { models: { key: string }[] };
      costDrivers: { byModel: { key: string }[] };
      truncated: boolean;
    };
    assert.ok(rep.summary.spans >= 3 * 360 - 1 && rep.summary.spans <= 3 * 360);
    assert.equal(rep.slowest.models[0].key, 'gpt-4o');
    assert.equal(rep.costDrivers.byModel[0].key, 'gpt-4o');
    assert.equal(rep.truncated, false);
    const cap = (rep as unknown as { capacity: { model: string; summary: string }[] }).capacity;
    assert.equal(cap[0].model, 'gpt-4o');
    assert.match(cap[0].summary, /p95 latency of gpt-4o/);
    const unauth = await s.api('/api/v1/reports/performance', { key: null });
    assert.equal(unauth.status, 401);
  });
});
