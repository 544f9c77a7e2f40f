/**
 * Two server instances on one PostgreSQL schema: a dashboard streaming from one instance sees spans
 * ingested through the other (live events relayed over LISTEN/NOTIFY).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { startTestServer, type TestServer } from './test-server.js';

const PG = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const hex = (n: number) => randomBytes(n / 2).toString('hex');

describe('live stream across instances sharing PostgreSQL', () => {
  const schema = `vigil_test_live_${hex(10)}`;
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startTestServer({ store: `${PG}?schema=${schema}` });
    b = await startTestServer({ store: `${PG}?schema=${schema}` });
  });
  after(async () => {
    await a?.dispose();
    await b?.dispose();
    const sql = postgres(PG, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
  });

  test('a spans event on B for spans ingested through A, trimmed to fit but with the exact count', async () => {
    const ac = new AbortController();
    const res = await b.api('/api/v1/stream', { signal: ac.signal });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    // 300 one-span traces in one batch: far more summary than one NOTIFY payload holds.
    const now = Date.now();
    const traceIds = Array.from({ length: 300 }, () => hex(32));
    const events = traceIds.map((traceId, i) => ({
      type: 'span',
      traceId,
      spanId: hex(16),
      name: `step ${i}`,
      kind: 'tool',
      startTime: new Date(now - 2000).toISOString(),
      endTime: new Date(now - 1000).toISOString(),
    }));
    const ingest = await a.api('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceName: 'relay-test', events }),
    });
    assert.equal(ingest.status, 200);
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!/event: spans\ndata: .*\n/.test(text) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    const line = /event: spans\ndata: (.*)\n/.exec(text);
    assert.ok(line, `no spans event on B: ${text.slice(0, 200)}`);
    const data = JSON.parse(line[1]) as { count: number; traces: { traceId: string }[] };
    assert.equal(data.count, 300);
    assert.ok(data.traces.length > 0 && data.traces.length < 300);
    assert.ok(data.traces.every((t) => traceIds.includes(t.traceId)));
  });
});
