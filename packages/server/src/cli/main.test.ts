import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { openVigilCore } from '@vigil/core';
import { OPTIONS } from '../config/config.js';
import type { CliIO } from './io.js';
import { main } from './main.js';

function io(env: NodeJS.ProcessEnv = {}): CliIO & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  return {
    stdout,
    stderr,
    env,
    cwd: process.cwd(),
    shutdownSignal: () => new Promise(() => {}),
    out: () => out,
    err: () => err,
  };
}

test('vigil --help lists every command; serve --help documents every option', async () => {
  const a = io();
  assert.equal(await main(['--help'], a), 0);
  for (const c of ['serve', 'keys', 'export', 'demo']) assert.match(a.out(), new RegExp(`\\n  ${c} `));
  const b = io();
  assert.equal(await main(['serve', '--help'], b), 0);
  for (const o of OPTIONS) assert.ok(b.out().includes(`--${o.flag}`), `--${o.flag} documented`);
  for (const c of ['keys', 'export', 'demo']) {
    const h = io();
    assert.equal(await main([c, '--help'], h), 0);
    assert.match(h.out(), /Usage:/);
  }
  const bad = io();
  assert.equal(await main(['frobnicate'], bad), 2);
  assert.match(bad.err(), /unknown command/);
  const badFlag = io();
  assert.equal(await main(['serve', '--no-such-flag'], badFlag), 2);
});

test('keys create/list/revoke and export against a data dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  try {
    const c = io();
    assert.equal(
      await main(['keys', 'create', '--name', 'ci', '--role', 'ingest', '--json', '--data-dir', dir], c),
      0,
      c.err(),
    );
    const created = JSON.parse(c.out()) as { id: string; key: string; role: string };
    assert.equal(created.role, 'ingest');
    assert.match(created.key, /^vgl_/);
    const l = io();
    assert.equal(await main(['keys', 'list', '--data-dir', dir], l), 0);
    assert.ok(l.out().includes(created.id));
    assert.equal(l.out().trim().split('\n').length, 1, 'only the created key exists');
    assert.ok(!l.out().includes(created.key), 'plaintext never listed');
    const r = io();
    assert.equal(await main(['keys', 'revoke', created.id, '--data-dir', dir], r), 0);
    const r2 = io();
    assert.equal(await main(['keys', 'revoke', 'nope', '--data-dir', dir], r2), 1);
    const u = io();
    assert.equal(await main(['keys', 'create', '--data-dir', dir], u), 2);

    // Some spans, then export them as JSONL.
    const core = await openVigilCore({ dataDir: dir });
    const now = Date.now();
    const traceId = 'ab'.repeat(16);
    await core.ingestSdkBatch('default', {
      serviceName: 'cli',
      events: [
        {
          type: 'span',
          traceId,
          spanId: 'cd'.repeat(8),
          name: 'exported',
          kind: 'tool',
          startTime: new Date(now - 2000).toISOString(),
          endTime: new Date(now - 1000).toISOString(),
        },
      ],
    });
    await core.close();
    const out = join(dir, 'spans.jsonl');
    const e = io();
    assert.equal(
      await main(['export', '--data-dir', dir, '--out', out, '--from', String(now - 3600_000)], e),
      0,
      e.err(),
    );
    assert.match(e.err(), /exported 1 spans/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    const span = JSON.parse(lines[0]);
    assert.equal(span.traceId, traceId);
    assert.equal(span.name, 'exported');
    assert.equal(span.durationMs, 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
