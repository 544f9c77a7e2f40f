import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readBack } from '../../testing/read-back.js';
import { type DurableFrame, IngestLog, type LogFrame } from './ingest-log.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-ingest-log-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const payload = (i: number) => Buffer.from(`frame ${i} `.repeat(1 + (i % 7)));
const meta = (rows: number) => ({ rows, tables: 1 });

/** Opens the log in dir, collecting replayed and durable frames. */
async function open(dir: string, applied: number, segmentBytes?: number) {
  const replayed: LogFrame[] = [];
  const durable: DurableFrame[] = [];
  const log = await IngestLog.open(
    dir,
    applied,
    async (frames) => {
      for (const f of frames) replayed.push({ lsn: f.lsn, payload: Buffer.from(f.payload) });
    },
    (f) => durable.push(f),
    { segmentBytes },
  );
  return { log, replayed, durable };
}

describe('IngestLog', () => {
  test('frames are durable in LSN order, batched, and replayed above the applied LSN after reopen', async () => {
    const dir = join(root, `log-${n++}`);
    const a = await open(dir, 0);
    // Appends issued together share writes; each resolves with its own LSN, in order.
    const lsns = await Promise.all(Array.from({ length: 50 }, (_, i) => a.log.append(payload(i), meta(i))));
    assert.deepEqual(
      lsns,
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    // Durable frames come by their place in the file, with their metadata; read back in runs.
    assert.deepEqual(
      a.durable.map((d) => [d.lsn, d.meta.rows, d.payload]),
      Array.from({ length: 50 }, (_, i) => [i + 1, i, null]),
    );
    assert.deepEqual(
      await readBack(a.durable),
      Array.from({ length: 50 }, (_, i) => payload(i).toString()),
    );
    assert.deepEqual(await readBack([a.durable[7], a.durable[3]]), [payload(7).toString(), payload(3).toString()]);
    await a.log.close();
    // As if the loader had committed frames up to 20: only 21..50 come back, then numbering goes on.
    const b = await open(dir, 20);
    assert.deepEqual(
      b.replayed.map((f) => [f.lsn, f.payload.toString()]),
      Array.from({ length: 30 }, (_, i) => [i + 21, payload(i + 20).toString()]),
    );
    assert.equal(await b.log.append(Buffer.from('next'), meta(1)), 51);
    await b.log.close();
  });

  test('a torn last frame (a crash mid-write) is cut off; the frames before it replay', async () => {
    const dir = join(root, `log-${n++}`);
    const a = await open(dir, 0);
    for (let i = 0; i < 5; i++) await a.log.append(payload(i), meta(1));
    await a.log.close();
    const [seg] = readdirSync(dir);
    // Half a frame header and a frame whose payload never fully reached the disk.
    appendFileSync(join(dir, seg), Buffer.from([9, 0, 0, 0, 1, 2]));
    const b = await open(dir, 0);
    assert.deepEqual(
      b.replayed.map((f) => f.lsn),
      [1, 2, 3, 4, 5],
    );
    // Numbering goes on after the last whole frame, and the new segment holds only new frames.
    assert.equal(await b.log.append(Buffer.from('after'), meta(1)), 6);
    await b.log.close();
    const c = await open(dir, 5);
    assert.deepEqual(
      c.replayed.map((f) => [f.lsn, f.payload.toString()]),
      [[6, 'after']],
    );
    await c.log.close();
  });

  test('a flipped byte ends the replay at the damaged frame; damage before the last segment refuses to open', async () => {
    const dir = join(root, `log-${n++}`);
    const a = await open(dir, 0, 256);
    for (let i = 0; i < 40; i++) await a.log.append(payload(i), meta(1));
    await a.log.close();
    const segs = readdirSync(dir).sort();
    assert.ok(segs.length > 3, `small segments roll over (${segs.length})`);
    const first = join(dir, segs[0]);
    const bytes = readFileSync(first);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(first, bytes);
    await assert.rejects(open(dir, 0, 256), /corrupt at byte \d+ \(not its end\)/);
  });

  test('release deletes closed segments whose frames are all loaded, and only those', async () => {
    const dir = join(root, `log-${n++}`);
    const a = await open(dir, 0, 200);
    for (let i = 0; i < 30; i++) await a.log.append(payload(i), meta(1));
    // Frames spread over segments read back across them.
    assert.deepEqual(
      await readBack(a.durable.slice(5, 25)),
      Array.from({ length: 20 }, (_, i) => payload(i + 5).toString()),
    );
    const before = readdirSync(dir).length;
    assert.ok(before > 3);
    a.log.release(10);
    // Segments are unlinked in the background.
    const files = async (until: (n: number) => boolean) => {
      for (let i = 0; i < 100 && !until(readdirSync(dir).length); i++) await new Promise((r) => setTimeout(r, 10));
      return readdirSync(dir).length;
    };
    const afterTen = await files((n) => n < before);
    assert.ok(afterTen < before && afterTen > 1, `${before} → ${afterTen}`);
    a.log.release(30);
    // The open segment stays (it takes the next frames), whatever it holds.
    assert.equal(await files((n) => n === 1), 1);
    await a.log.close();
    const b = await open(dir, 30);
    assert.equal(b.replayed.length, 0);
    await b.log.close();
  });

  test('appends after close are refused with a clear error', async () => {
    const dir = join(root, `log-${n++}`);
    const a = await open(dir, 0);
    await a.log.close();
    await assert.rejects(a.log.append(Buffer.from('x'), meta(1)), /ingest log is closed/);
  });
});
