import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readBack } from '../../testing/read-back.js';
import { FrameReader } from './frame-reader.js';
import { type DurableFrame, IngestLog, inMemoryFrame } from './ingest-log.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-frame-reader-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const payload = (i: number) => Buffer.from(`frame ${i} `.repeat(1 + (i % 5)));

/** `count` frames appended to a fresh log with small segments, as the loader gets them. */
async function framesInLog(count: number, segmentBytes = 300) {
  const durable: DurableFrame[] = [];
  const log = await IngestLog.open(
    join(root, `log-${n++}`),
    0,
    async () => {},
    (f) => durable.push(f),
    {
      segmentBytes,
    },
  );
  for (let i = 0; i < count; i++) await log.append(payload(i), { rows: 1, tables: 1 });
  await log.close();
  return durable;
}

const texts = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => payload(from + i).toString());

describe('FrameReader', () => {
  test('reads frames in order across segments, in groups of any size, out of order too', async () => {
    const frames = await framesInLog(40);
    assert.ok(new Set(frames.map((f) => f.file)).size > 4, 'frames spread over segments');
    for (const groupBytes of [1, 64, 500, 1 << 20]) assert.deepEqual(await readBack(frames, groupBytes), texts(0, 40));
    assert.deepEqual(
      await readBack([frames[9], frames[2], frames[30]], 64),
      [9, 2, 30].map((i) => payload(i).toString()),
    );
  });

  test('frames that came with their payload (replay, memory log) are not read; mixed with file frames', async () => {
    const frames = await framesInLog(6);
    const mixed = frames.map((f, i) => (i % 2 ? inMemoryFrame(f.lsn, Buffer.from(`mem ${i}`), f.meta) : f));
    assert.deepEqual(
      await readBack(mixed, 32),
      mixed.map((f, i) => (i % 2 ? `mem ${i}` : payload(i).toString())),
    );
  });

  test('a group whose read ahead has not finished is read synchronously, and the late read is dropped', async () => {
    const frames = await framesInLog(12);
    const pool: Buffer[] = [];
    const reader = new FrameReader(frames, { groupBytes: 40, pool });
    await reader.ready();
    // No turn of the event loop between frames: every read ahead after the first is still in flight.
    const out: string[] = [];
    for (let p = reader.next(); p; p = reader.next()) out.push(p.toString());
    assert.deepEqual(out, texts(0, 12));
    assert.ok(reader.syncReads > 3, `synchronous reads: ${reader.syncReads}`);
    await reader.close();
    // Buffers went back to the pool, which keeps only a few.
    assert.ok(pool.length > 0 && pool.length <= 3, `pool: ${pool.length}`);
    // With time for the reads ahead, none is synchronous, and the pool's buffers are reused.
    const kept = new Set(pool);
    assert.ok(kept.size >= 2);
    const again = new FrameReader(frames, { groupBytes: 40, pool });
    await again.ready();
    const got: string[] = [];
    for (let p = again.next(); p; p = again.next()) {
      got.push(p.toString());
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.deepEqual(got, texts(0, 12));
    assert.equal(again.syncReads, 0);
    assert.ok(
      pool.every((b) => kept.has(b)),
      'no buffer allocated',
    );
    await again.close();
  });

  test('a frame whose file is gone fails next(), where the load sees it', async () => {
    const frames = await framesInLog(4);
    const gone = frames.map((f) => ({ ...f, file: `${f.file}.missing` }));
    const reader = new FrameReader(gone, { groupBytes: 1 });
    await reader.ready();
    assert.throws(() => reader.next(), /ENOENT/);
    await reader.close();
  });
});
