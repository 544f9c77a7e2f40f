/**
 * Alerting API against a real server (DuckDB store, background evaluation every second) and a real
 * webhook receiver: CRUD with validation and roles, channel test sends, silences, and the whole
 * path from ingested failing LLM calls to a signed webhook, deliveries, ack and silence.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { verifySignature } from '@vigil/core';
import { startTestServer, type TestServer } from '../test-server.js';

const HOOK_PORT = 41721;

interface Hit {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('alerting API', () => {
  let s: TestServer;
  let hook: Server;
  const hits: Hit[] = [];
  let viewer: string;

  before(async () => {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        hits.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(HOOK_PORT, '127.0.0.1', resolve));
    s = await startTestServer({ alertIntervalMs: 1000 } as never);
    const res = await s.api('/api/v1/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'viewer', role: 'viewer' }),
    });
    viewer = ((await res.json()) as { key: string }).key;
  });
  after(async () => {
    await s.dispose();
    hook.close();
  });

  const send = (method: string, path: string, body?: unknown, key?: string) =>
    s.api(path, {
      method,
      key,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  const json = async <T = Record<string, unknown>>(r: Response): Promise<T> => (await r.json()) as T;

  const ruleBody = {
    name: 'LLM errors',
    severity: 'critical',
    condition: {
      type: 'span_measure',
      measure: 'error_rate',
      windowMs: 300_000,
      operator: '>',
      threshold: 0.5,
      groupBy: 'model',
    },
    forMs: 0,
    labels: { team: 'ml' },
  };

  test('rules: validation names the field; create, read, replace, delete; viewers only read', async () => {
    let r = await send('POST', '/api/v1/alert-rules', {
      ...ruleBody,
      condition: { ...ruleBody.condition, threshold: 'high' },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(await json(r), {
      error: { code: 'invalid_request', message: 'condition.threshold must be a finite number' },
    });
    r = await send('POST', '/api/v1/alert-rules', { ...ruleBody, condition: { type: 'span_measure', measure: 'p42' } });
    assert.match((await json<{ error: { message: string } }>(r)).error.message, /^condition\.measure must be one of/);
    r = await send('POST', '/api/v1/alert-rules', ruleBody, viewer);
    assert.equal(r.status, 403);

    r = await send('POST', '/api/v1/alert-rules', { ...ruleBody, id: 'tmp', name: 'temporary' });
    assert.equal(r.status, 201);
    const created = await json(r);
    assert.equal(created.id, 'tmp');
    assert.equal(created.enabled, true);
    assert.equal(created.repeatIntervalMs, 4 * 3_600_000);
    assert.equal(created.conditionText, 'span error_rate over 5m > 0.5');
    assert.equal((await send('POST', '/api/v1/alert-rules', { ...ruleBody, id: 'tmp' })).status, 409);

    r = await send('GET', '/api/v1/alert-rules', undefined, viewer);
    assert.equal(r.status, 200);
    assert.deepEqual(
      (await json<{ items: { id: string }[] }>(r)).items.map((x) => x.id),
      ['tmp'],
    );
    r = await send('PUT', '/api/v1/alert-rules/tmp', { ...ruleBody, name: 'renamed', enabled: false });
    assert.equal(r.status, 200);
    const replaced = await json(r);
    assert.equal(replaced.name, 'renamed');
    assert.equal(replaced.createdAt, created.createdAt);
    assert.equal((await json(await send('GET', '/api/v1/alert-rules/tmp'))).enabled, false);
    assert.equal((await send('PUT', '/api/v1/alert-rules/nope', ruleBody)).status, 404);
    assert.equal((await send('DELETE', '/api/v1/alert-rules/tmp', undefined, viewer)).status, 403);
    assert.equal((await send('DELETE', '/api/v1/alert-rules/tmp')).status, 204);
    r = await send('GET', '/api/v1/alert-rules/tmp');
    assert.equal(r.status, 404);
    assert.equal((await json<{ error: { code: string } }>(r)).error.code, 'not_found');
  });

  test('channels: secrets are write-only and kept across a PUT; a test send is signed and logged', async () => {
    let r = await send('POST', '/api/v1/channels', { name: 'hook', type: 'webhook', config: { url: 'ftp://x' } });
    assert.equal(r.status, 400);
    assert.match(
      (await json<{ error: { message: string } }>(r)).error.message,
      /^config\.url must be an http\(s\) URL/,
    );
    r = await send('POST', '/api/v1/channels', {
      id: 'hook',
      name: 'ops hook',
      type: 'webhook',
      config: { url: `http://127.0.0.1:${HOOK_PORT}/ops`, secret: 'shh', maxRetries: 0 },
    });
    assert.equal(r.status, 201);
    const ch = await json<{ config: Record<string, unknown>; secretSet: boolean }>(r);
    assert.equal(ch.config.secret, undefined);
    assert.equal(ch.secretSet, true);
    r = await send('PUT', '/api/v1/channels/hook', {
      name: 'ops hook',
      type: 'webhook',
      config: { url: `http://127.0.0.1:${HOOK_PORT}/ops` },
    });
    assert.equal((await json<{ secretSet: boolean }>(r)).secretSet, true, 'a PUT without the secret keeps it');

    r = await send('POST', '/api/v1/channels/hook/test');
    assert.equal(r.status, 200);
    const d = await json(r);
    assert.equal(d.status, 'sent');
    assert.equal(d.event, 'test');
    const hit = hits.find((h) => h.path === '/ops');
    assert.ok(hit);
    assert.equal(
      verifySignature(
        'shh',
        {
          timestamp: hit.headers['x-vigil-timestamp'] as string,
          signature: hit.headers['x-vigil-signature'] as string,
        },
        hit.body,
      ),
      true,
    );
    assert.equal(JSON.parse(hit.body).event, 'test');
    assert.equal((await send('POST', '/api/v1/channels/hook/test', undefined, viewer)).status, 403);
    assert.equal((await send('POST', '/api/v1/channels/nope/test')).status, 404);
    assert.equal(
      (await json<{ items: unknown[] }>(await send('GET', '/api/v1/channels', undefined, viewer))).items.length,
      1,
    );
  });

  test('silences: create, list active, delete', async () => {
    let r = await send('POST', '/api/v1/silences', { matchers: {}, durationMs: 60_000 });
    assert.equal(r.status, 400);
    assert.equal(
      (await json<{ error: { message: string } }>(r)).error.message,
      'matchers must have at least one label',
    );
    r = await send('POST', '/api/v1/silences', {
      matchers: { model: 'x' },
      durationMs: 60_000,
      comment: 'maintenance',
    });
    assert.equal(r.status, 201);
    const sil = await json<{ id: string; active: boolean; createdBy: string }>(r);
    assert.equal(sil.active, true);
    assert.equal(sil.createdBy.length > 0, true);
    r = await send('GET', '/api/v1/silences?active=true', undefined, viewer);
    assert.deepEqual(
      (await json<{ items: { id: string }[] }>(r)).items.map((x) => x.id),
      [sil.id],
    );
    assert.equal((await send('DELETE', `/api/v1/silences/${sil.id}`)).status, 204);
    assert.equal((await send('DELETE', `/api/v1/silences/${sil.id}`)).status, 404);
  });

  test('end to end: failing LLM calls fire a rule, the webhook gets it, deliveries, ack and silence', async () => {
    const now = Date.now();
    const events = [0, 1, 2, 3].map((i) => ({
      type: 'inference',
      model: 'gpt-4o',
      durationMs: 100,
      success: i === 0,
      error: i === 0 ? undefined : 'rate limited',
      time: now - 10_000 + i,
    }));
    const ingest = await send('POST', '/api/v1/ingest', { serviceName: 'app', events });
    assert.equal(ingest.status, 200);
    let r = await send('POST', '/api/v1/alert-rules/preview', { condition: ruleBody.condition }, viewer);
    const preview = await json<{ matches: { labels: Record<string, string>; value: number }[] }>(r);
    assert.deepEqual(
      preview.matches.map((m) => [m.labels, m.value]),
      [[{ model: 'gpt-4o' }, 0.75]],
    );

    r = await send('POST', '/api/v1/alert-rules', { ...ruleBody, id: 'llm', channels: ['hook'] });
    assert.equal(r.status, 201);
    r = await send('POST', '/api/v1/alert-rules', { ...ruleBody, channels: ['ghost'] });
    assert.equal(r.status, 400);
    assert.equal(
      (await json<{ error: { message: string } }>(r)).error.message,
      'channels[0] refers to unknown channel ghost',
    );
    r = await send('DELETE', '/api/v1/channels/hook');
    assert.equal(r.status, 409, 'a channel in use cannot be deleted');
    assert.match((await json<{ error: { message: string } }>(r)).error.message, /used by alert rule\(s\) "LLM errors"/);

    // The background job evaluates every second.
    let alert: { id: string; state: string; labels: Record<string, string> } | undefined;
    for (let i = 0; i < 100 && !alert; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const list = await json<{ items: (typeof alert)[] }>(await send('GET', '/api/v1/alerts?state=firing'));
      alert = list.items[0];
    }
    assert.ok(alert, 'the rule fired');
    assert.deepEqual(alert.labels, { alertname: 'LLM errors', severity: 'critical', model: 'gpt-4o', team: 'ml' });
    let firing: Hit | undefined;
    for (let i = 0; i < 50 && !firing; i++) {
      firing = hits.find((h) => h.path === '/ops' && JSON.parse(h.body).event === 'firing');
      if (!firing) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(firing, 'the webhook was told');
    assert.equal(JSON.parse(firing.body).alert.id, alert.id);

    r = await send('GET', `/api/v1/alerts/${alert.id}/deliveries`, undefined, viewer);
    const deliveries = (await json<{ items: { event: string; status: string; channelId: string }[] }>(r)).items;
    assert.deepEqual(
      deliveries.map((d) => [d.event, d.status, d.channelId]),
      [['firing', 'sent', 'hook']],
    );
    assert.equal((await send('GET', '/api/v1/alerts/nope/deliveries')).status, 404);

    // Acknowledge (existing route); it stays acknowledged across evaluations.
    assert.equal((await send('POST', `/api/v1/alerts/${alert.id}/ack`)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    let list = await json<{ items: { id: string; state: string }[] }>(await send('GET', '/api/v1/alerts'));
    assert.equal(list.items.find((a) => a.id === alert.id)?.state, 'acknowledged');

    // Silence it for 30 minutes.
    assert.equal((await send('POST', `/api/v1/alerts/${alert.id}/silence`, { duration: '30m' }, viewer)).status, 403);
    r = await send('POST', `/api/v1/alerts/${alert.id}/silence`, { duration: '30m', comment: 'provider incident' });
    assert.equal(r.status, 201);
    const out = await json<{
      silence: { matchers: Record<string, string>; startsAt: string; endsAt: string };
      alert: { state: string };
    }>(r);
    assert.equal(out.alert.state, 'silenced');
    assert.deepEqual(out.silence.matchers, alert.labels);
    assert.equal(Date.parse(out.silence.endsAt) - Date.parse(out.silence.startsAt), 30 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    list = await json<{ items: { id: string; state: string }[] }>(await send('GET', '/api/v1/alerts'));
    assert.equal(list.items.find((a) => a.id === alert.id)?.state, 'silenced', 'the manager keeps it silenced');
  });
});
