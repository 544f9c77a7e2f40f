/**
 * Every bad input gets a clear JSON error (or an OTLP partial success for bad items in a good
 * request), and the server stays up with earlier data intact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { auth, getJson, randomHex, startVigil, tempDir, type VigilProcess } from './helpers.js';
import { makeOtelSpans, nowNs, otlpJsonSpans, toProtobuf } from './otlp-fixtures.js';

describe('bad input against a running server', () => {
  const dir = tempDir();
  let vigil: VigilProcess;
  let key: string;
  let firstTraceId: string;

  async function post(path: string, body: BodyInit, headers: Record<string, string>, k: string | null = key) {
    const res = await fetch(`${vigil.url}${path}`, {
      method: 'POST',
      body,
      headers: { ...(k ? auth(k) : {}), ...headers },
    });
    const text = await res.text();
    let json: { error?: { code: string; message: string }; partialSuccess?: Record<string, string> } | null = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // left null: the assertions below say what was expected
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  function assertJsonError(r: { status: number; json: unknown; text: string }, status: number, code?: string) {
    assert.equal(r.status, status, r.text);
    const err = (r.json as { error?: { code: string; message: string } })?.error;
    assert.ok(err && typeof err.code === 'string' && typeof err.message === 'string' && err.message.length > 0, r.text);
    if (code) assert.equal(err.code, code, r.text);
  }

  before(async () => {
    vigil = await startVigil({ dataDir: dir.path, args: ['--body-limit', '256kb', '--max-decompressed', '1mb'] });
    key = vigil.printedKey as string;
    const spans = await makeOtelSpans(3, { service: 'good' });
    firstTraceId = spans[0].spanContext().traceId;
    const r = await post('/v1/traces', toProtobuf(spans), { 'content-type': 'application/x-protobuf' });
    assert.equal(r.status, 200);
  });

  after(async () => {
    // The server survived everything and still has the first data.
    assert.equal((await fetch(`${vigil.url}/live`)).status, 200);
    assert.equal((await fetch(`${vigil.url}/ready`)).status, 200);
    const t = await getJson(`${vigil.url}/api/v1/traces/${firstTraceId}`, key);
    assert.equal(t.status, 200);
    assert.equal(t.body.spans.length, 1);
    assert.equal(await vigil.stop(), 0);
    dir.remove();
  });

  test('missing, unknown and too-weak keys: 401 / 403 with JSON errors', async () => {
    const body = otlpJsonSpans([]);
    assertJsonError(await post('/v1/traces', body, { 'content-type': 'application/json' }, null), 401, 'unauthorized');
    assertJsonError(
      await post('/v1/traces', body, { 'content-type': 'application/json' }, 'vgl_wrong_key_123456'),
      401,
    );
    assertJsonError(
      await post('/v1/traces', body, { 'content-type': 'application/json', authorization: 'Basic abc' }, null),
      401,
    );
    const viewer = await fetch(`${vigil.url}/api/v1/keys`, {
      method: 'POST',
      headers: auth(key, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'ro', role: 'viewer' }),
    });
    assert.equal(viewer.status, 201);
    const viewerKey = ((await viewer.json()) as { key: string }).key;
    assertJsonError(
      await post('/v1/traces', body, { 'content-type': 'application/json' }, viewerKey),
      403,
      'forbidden',
    );
    const ingestOnly = await fetch(`${vigil.url}/api/v1/keys`, {
      method: 'POST',
      headers: auth(key, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'writer', role: 'ingest' }),
    });
    const ingestKey = ((await ingestOnly.json()) as { key: string }).key;
    assert.equal((await getJson(`${vigil.url}/api/v1/traces`, ingestKey)).status, 403);
    assert.equal((await getJson(`${vigil.url}/api/v1/traces`, viewerKey)).status, 200);
  });

  test('malformed protobuf and malformed JSON: 400', async () => {
    const garbage = Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
    assertJsonError(await post('/v1/traces', garbage, { 'content-type': 'application/x-protobuf' }), 400);
    assertJsonError(await post('/v1/metrics', garbage, { 'content-type': 'application/x-protobuf' }), 400);
    assertJsonError(await post('/v1/logs', garbage, { 'content-type': 'application/x-protobuf' }), 400);
    assertJsonError(await post('/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' }), 400);
    assertJsonError(
      await post('/api/v1/ingest', '{"events": [', { 'content-type': 'application/json' }),
      400,
      'invalid_json',
    );
    assertJsonError(await post('/api/v1/ingest', '"just a string"', { 'content-type': 'application/json' }), 400);
  });

  test('wrong content type and encoding: 415', async () => {
    assertJsonError(await post('/v1/traces', 'hello', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    assertJsonError(await post('/api/v1/ingest', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    assertJsonError(
      await post('/v1/traces', 'x', { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' }),
      415,
      'unsupported_content_encoding',
    );
  });

  test('oversized bodies: 413, also after gzip decompression; bad gzip: 400', async () => {
    const big = new Uint8Array(300 * 1024);
    assertJsonError(
      await post('/v1/traces', big, { 'content-type': 'application/x-protobuf' }),
      413,
      'payload_too_large',
    );
    assertJsonError(
      await post('/api/v1/ingest', JSON.stringify({ events: [], pad: 'x'.repeat(300 * 1024) }), {
        'content-type': 'application/json',
      }),
      413,
    );
    // 2 MiB of zeros gzip to ~2 KiB: small on the wire, over the 1 MiB decompressed cap.
    const bomb = gzipSync(new Uint8Array(2 * 1024 * 1024));
    assert.ok(bomb.length < 256 * 1024);
    assertJsonError(
      await post('/v1/traces', bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }),
      413,
    );
    assertJsonError(
      await post('/v1/traces', 'not gzip', { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }),
      400,
    );
    // A valid gzip body of real spans is accepted.
    const spans = await makeOtelSpans(5, { service: 'gz' });
    const ok = await post('/v1/traces', gzipSync(toProtobuf(spans)), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    assert.equal(ok.status, 200);
    const t = await getJson(`${vigil.url}/api/v1/traces/${spans[4].spanContext().traceId}`, key);
    assert.equal(t.status, 200);
  });

  test('invalid ids and far-future timestamps: rejected items in an OTLP partial success', async () => {
    const goodTrace = randomHex(32);
    const body = otlpJsonSpans([
      { traceId: goodTrace, spanId: randomHex(16), name: 'good', startNs: nowNs(-1000), endNs: nowNs() },
      { traceId: '0'.repeat(32), spanId: randomHex(16), name: 'zero trace id', startNs: nowNs(-1000), endNs: nowNs() },
      { traceId: randomHex(32), spanId: '0'.repeat(16), name: 'zero span id', startNs: nowNs(-1000), endNs: nowNs() },
      {
        traceId: randomHex(32),
        spanId: randomHex(16),
        name: 'ends before start',
        startNs: nowNs(),
        endNs: nowNs(-5000),
      },
      {
        traceId: randomHex(32),
        spanId: randomHex(16),
        name: 'far future',
        startNs: nowNs(365 * 24 * 3600 * 1000),
        endNs: nowNs(365 * 24 * 3600 * 1000 + 5),
      },
    ]);
    // Ids that are not hex at all make the whole request malformed: 400 with the reason.
    const malformed = otlpJsonSpans([
      { traceId: 'xyz', spanId: randomHex(16), name: 'x', startNs: nowNs(), endNs: nowNs() },
    ]);
    const m = await post('/v1/traces', malformed, { 'content-type': 'application/json' });
    assertJsonError(m, 400);
    assert.match(m.json?.error?.message ?? '', /traceId/);
    const r = await post('/v1/traces', body, { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json?.partialSuccess?.rejectedSpans, '4', r.text);
    assert.ok((r.json?.partialSuccess?.errorMessage ?? '').length > 0);
    const t = await getJson(`${vigil.url}/api/v1/traces/${goodTrace}`, key);
    assert.equal(t.status, 200);
    assert.equal(t.body.spans[0].name, 'good');
    // The protobuf flavour answers protobuf: a non-empty ExportTraceServiceResponse.
    const invalid = await makeOtelSpans(1, { service: 'future' });
    (invalid[0] as unknown as { startTime: [number, number] }).startTime = [
      Math.floor(Date.now() / 1000) + 10 * 86400,
      0,
    ];
    (invalid[0] as unknown as { endTime: [number, number] }).endTime = [Math.floor(Date.now() / 1000) + 10 * 86400, 5];
    const pr = await fetch(`${vigil.url}/v1/traces`, {
      method: 'POST',
      body: toProtobuf(invalid),
      headers: auth(key, { 'content-type': 'application/x-protobuf' }),
    });
    assert.equal(pr.status, 200);
    assert.equal(pr.headers.get('content-type'), 'application/x-protobuf');
    const bytes = new Uint8Array(await pr.arrayBuffer());
    assert.equal(bytes[0], 0x0a, 'partial_success field present');
  });

  test('invalid trace ids in the API: 400', async () => {
    const r = await getJson(`${vigil.url}/api/v1/traces/not-a-trace`, key);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_parameter');
    assert.equal((await getJson(`${vigil.url}/api/v1/traces/${randomHex(32)}`, key)).status, 404);
    assert.equal((await getJson(`${vigil.url}/api/v1/traces?from=yesterday`, key)).status, 400);
    assert.equal((await getJson(`${vigil.url}/api/v1/spans/series?measure=bogus`, key)).status, 400);
    assert.equal((await getJson(`${vigil.url}/api/v1/nope`, key)).body.error.code, 'not_found');
  });

  test('too many and too long attributes are truncated and counted; the span is kept', async () => {
    const attributes: Record<string, string> = { 'long.value': 'v'.repeat(20_000) };
    for (let i = 0; i < 300; i++) attributes[`attr.${i}`] = String(i);
    const spans = await makeOtelSpans(1, { service: 'wide', attributes });
    const before = await (await fetch(`${vigil.url}/metrics`)).text();
    const r = await post('/v1/traces', toProtobuf(spans), { 'content-type': 'application/x-protobuf' });
    assert.equal(r.status, 200);
    const t = await getJson(`${vigil.url}/api/v1/traces/${spans[0].spanContext().traceId}`, key);
    assert.equal(t.status, 200);
    const attrs = t.body.spans[0].attributes as Record<string, unknown>;
    assert.ok(Object.keys(attrs).length <= 140, `kept ${Object.keys(attrs).length} attributes`);
    const long = attrs['long.value'];
    if (typeof long === 'string') assert.ok(long.length <= 4200, `value cut to ${long.length}`);
    const count = (text: string) =>
      Number(/vigil_ingest_truncated_total\{signal="traces"\} (\d+)/.exec(text)?.[1] ?? 0);
    const after = await (await fetch(`${vigil.url}/metrics`)).text();
    assert.ok(count(after) > count(before), 'truncations counted in /metrics');
  });

  test('invalid UTF-8 in protobuf strings is accepted with replacement characters', async () => {
    const spans = await makeOtelSpans(1, { service: 'utf8', name: 'MARK-UTF8-MARK' });
    const bytes = Buffer.from(toProtobuf(spans));
    const at = bytes.indexOf('UTF8');
    assert.ok(at > 0);
    bytes[at] = 0xff; // not valid anywhere in UTF-8
    bytes[at + 1] = 0xfe;
    const r = await post('/v1/traces', bytes, { 'content-type': 'application/x-protobuf' });
    assert.equal(r.status, 200, r.text);
    const t = await getJson(`${vigil.url}/api/v1/traces/${spans[0].spanContext().traceId}`, key);
    assert.equal(t.status, 200);
    assert.match(t.body.spans[0].name, /^MARK-\uFFFD+F8-MARK$/);
  });
});
