import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { CliIO } from './io.js';
import { main } from './main.js';

function io(stdin?: string): CliIO & { out(): string; err(): string } {
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
  const extra = stdin === undefined ? {} : { stdin: PassThrough.from([stdin]) };
  return {
    stdout,
    stderr,
    env: {},
    cwd: process.cwd(),
    shutdownSignal: () => new Promise(() => {}),
    out: () => out,
    err: () => err,
    ...extra,
  };
}

const rows = Array.from(
  { length: 700 },
  (_, i) => `${1_700_000_000 + i * 300},${i === 650 ? 500 : 50 + ((i * 7) % 9)}`,
);

test('vigil detect --csv FILE writes timestamp,value,anomaly_score for every row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-detect-'));
  try {
    const file = join(dir, 'in.csv');
    writeFileSync(file, `timestamp,value\n${rows.join('\n')}\n`);
    const a = io();
    assert.equal(await main(['detect', '--csv', file], a), 0);
    const out = a.out().trim().split('\n');
    assert.equal(out[0], 'timestamp,value,anomaly_score');
    assert.equal(out.length, rows.length + 1);
    const scores = out.slice(1).map((l) => Number(l.split(',')[2]));
    assert.ok(scores.every((s) => s >= 0 && s <= 1));
    assert.equal(scores.indexOf(Math.max(...scores)), 650);
    assert.equal(out[651], `${rows[650]},1`);

    const b = io(rows.join('\n'));
    assert.equal(await main(['detect', '--csv', '-', '--algorithm', 'robust_z', '--flag-only'], b), 0);
    const flagged = b.out().trim().split('\n');
    assert.deepEqual(
      flagged.slice(1).map((l) => l.split(',')[0]),
      [rows[650].split(',')[0]],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vigil detect: usage errors and unreadable files', async () => {
  const a = io();
  assert.equal(await main(['detect'], a), 2);
  assert.match(a.err(), /--csv/);
  const b = io();
  assert.equal(await main(['detect', '--csv', 'x.csv', '--algorithm', 'magic'], b), 2);
  assert.match(b.err(), /--algorithm must be one of/);
  const c = io();
  assert.equal(await main(['detect', '--csv', '/nonexistent/file.csv'], c), 1);
  assert.match(c.err(), /cannot read/);
  const d = io();
  assert.equal(await main(['detect', '--help'], d), 0);
  assert.match(d.out(), /timestamp,value,anomaly_score/);
});
