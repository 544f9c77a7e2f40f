import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { ChunkEncoder, ChunkLoader, ChunkWriter, type ColumnSpec, columnTypes, rawAppender } from './chunk-writer.js';

interface Row {
  s: string | null;
  j: string | null;
  t: number | null;
  d: number | null;
  i: number | null;
}

const COLUMNS: readonly ColumnSpec<Row>[] = [
  { kind: 'varchar', get: (r) => r.s },
  { kind: 'varchar', get: (r) => r.j },
  { kind: 'timestamp', get: (r) => r.t },
  { kind: 'double', get: (r) => r.d },
  { kind: 'integer', get: (r) => r.i },
];

describe('ChunkWriter', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let c: DuckDBConnection;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-chunks-'));
    instance = await DuckDBInstance.create(join(dir, 'c.duckdb'));
    c = await instance.connect();
  });
  after(() => {
    c.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  async function roundTrip(table: string, rows: readonly Row[]): Promise<Row[]> {
    await c.run(`CREATE TABLE ${table} (id_s VARCHAR, j JSON, t TIMESTAMP, d DOUBLE, i INTEGER)`);
    const w = new ChunkWriter(COLUMNS);
    const a = await c.createAppender(table);
    // Two writes through one writer: its chunk and buffers are reused.
    const half = Math.floor(rows.length / 2);
    w.write(a, rows, 0, half);
    w.write(a, rows, half);
    a.closeSync();
    const r = await c.runAndReadAll(
      `SELECT id_s, j::VARCHAR AS j, epoch_us(t)::DOUBLE AS t, d, i FROM ${table} ORDER BY rowid`,
    );
    return (r.getRowObjectsJS() as Record<string, unknown>[]).map((o) => ({
      s: o.id_s as string | null,
      j: o.j as string | null,
      t: o.t == null ? null : Number(o.t),
      d: o.d as number | null,
      i: o.i as number | null,
    }));
  }

  test('strings of every length class, nulls in every column kind, several chunks', async () => {
    const rows: Row[] = [];
    const samples = [
      '',
      'a',
      '123456789012', // 12 bytes: the longest inlined string
      '1234567890123', // 13 bytes: the shortest out-of-line string
      'héllo wörld', // 13 bytes of UTF-8 in 11 UTF-16 units
      'ünïcödé 💥 and more text past the inline limit',
      'x'.repeat(70_000), // larger than the initial arena: it must grow mid-column
      '\u00e9'.repeat(40), // non-ASCII in the short-string loop
      'emoji 😀 at the end 😀',
    ];
    for (let k = 0; k < 5000; k++) {
      const s = k % 7 === 3 ? null : samples[k % samples.length];
      rows.push({
        s: s == null ? null : `${s}${k % 3 === 0 ? '' : k}`,
        j: k % 5 === 0 ? null : JSON.stringify({ k, v: samples[k % samples.length].slice(0, 20) }),
        // Negative (before 1970), zero, and large epoch µs values; int64 halves must carry correctly.
        t: k % 11 === 0 ? null : (k % 2 === 0 ? 1 : -1) * (k * 1_234_567_891 + (k % 4) * 2 ** 32),
        d: k % 13 === 0 ? null : k % 17 === 0 ? Number.NaN : k / 7,
        i: k % 19 === 0 ? null : k * (k % 2 === 0 ? 1 : -1),
      });
    }
    const got = await roundTrip('mixed', rows);
    assert.equal(got.length, rows.length);
    for (let k = 0; k < rows.length; k++) {
      const want = rows[k];
      assert.deepEqual(
        got[k],
        {
          s: want.s,
          j: want.j,
          t: want.t,
          // NaN doubles are stored as NULL.
          d: want.d == null || Number.isNaN(want.d) ? null : want.d,
          i: want.i,
        },
        `row ${k}`,
      );
    }
  });

  test('several images and parts of images fill one chunk (the loads: table-sinks.ts)', async () => {
    const rows: Row[] = [];
    for (let k = 0; k < 300; k++)
      rows.push({
        s: k % 7 === 3 ? null : k % 2 ? `short${k % 10}` : `a value past the inline limit ${k}`,
        j: k % 5 === 0 ? null : JSON.stringify({ k }),
        t: k % 11 === 0 ? null : k * 1_000_003,
        d: k % 13 === 0 ? null : k / 7,
        i: k % 3 === 0 ? null : k,
      });
    // Images of odd sizes (validity bits not byte-aligned in the chunk), each its own string arena.
    const encoder = new ChunkEncoder();
    const images: Buffer[] = [];
    const starts: number[] = [];
    for (let from = 0, k = 0; from < rows.length; k++) {
      const n = Math.min([5, 13, 64, 7, 111, 100][k], rows.length - from);
      encoder.add({ id: 0, columns: COLUMNS }, rows, from, from + n);
      images.push(encoder.take());
      starts.push(from);
      from += n;
    }
    await c.run('CREATE TABLE packed (id_s VARCHAR, j JSON, t TIMESTAMP, d DOUBLE, i INTEGER)');
    const a = await c.createAppender('packed');
    const chunk = duckdb.create_data_chunk(columnTypes(a));
    const loader = new ChunkLoader(COLUMNS);
    // Chunk 1: image 0, rows 3..10 of image 1, images 2 and 3. Chunk 2: rows 0..50 of image 4, image 5.
    const pieces: [number, number, number][] = [
      [0, 0, 5],
      [1, 3, 10],
      [2, 0, 64],
      [3, 0, 7],
      [4, 0, 50],
      [5, 0, 100],
    ];
    const want: Row[] = [];
    for (const group of [pieces.slice(0, 4), pieces.slice(4)]) {
      loader.begin(chunk);
      for (const [img, from, to] of group) {
        loader.add(images[img], 0, undefined, from, to);
        want.push(...rows.slice(starts[img] + from, starts[img] + to));
      }
      assert.equal(
        loader.finish(),
        group.reduce((n, [, f, t]) => n + t - f, 0),
      );
      duckdb.append_data_chunk(rawAppender(a), chunk);
    }
    a.closeSync();
    const r = await c.runAndReadAll(
      'SELECT id_s, j::VARCHAR AS j, epoch_us(t)::DOUBLE AS t, d, i FROM packed ORDER BY rowid',
    );
    const got = (r.getRowObjectsJS() as Record<string, unknown>[]).map((o) => ({
      s: o.id_s,
      j: o.j,
      t: o.t == null ? null : Number(o.t),
      d: o.d,
      i: o.i,
    }));
    assert.deepEqual(got, want);
  });

  test('equal strings compare equal however they were written (inline padding is zeroed)', async () => {
    const rows: Row[] = [];
    for (let k = 0; k < 3000; k++) rows.push({ s: k % 2 ? 'short' : 'a much longer value', j: null, t: 0, d: 0, i: 0 });
    await roundTrip('eq', rows);
    const r = await c.runAndReadAll(`SELECT id_s, count(*)::INTEGER AS n FROM eq GROUP BY id_s ORDER BY id_s`);
    assert.deepEqual(r.getRows(), [
      ['a much longer value', 1500],
      ['short', 1500],
    ]);
    const s = await c.runAndReadAll(`SELECT count(*)::INTEGER FROM eq WHERE id_s = 'short' AND id_s LIKE 'sho%'`);
    assert.equal(s.getRows()[0][0], 1500);
  });

  test('runs of repeated values (reused slots) read back exactly, across chunk boundaries', async () => {
    const values = ['same long value beyond twelve bytes', 'short', null, 'ünïcödé repeated value', ''];
    const rows: Row[] = [];
    for (let k = 0; k < 6000; k++) {
      const v = values[Math.floor(k / 7) % values.length];
      rows.push({ s: v, j: null, t: k, d: k, i: k });
    }
    const got = await roundTrip('runs', rows);
    assert.deepEqual(
      got.map((r) => r.s),
      rows.map((r) => r.s),
    );
  });

  test('lone surrogates become U+FFFD (valid UTF-8) instead of corrupting the column', async () => {
    const got = await roundTrip('surrogates', [
      { s: 'bad \ud800 pair', j: null, t: 0, d: 0, i: 0 },
      { s: '\udfff', j: null, t: 0, d: 0, i: 0 },
    ]);
    assert.deepEqual(
      got.map((r) => r.s),
      ['bad \ufffd pair', '\ufffd'],
    );
  });

  test('a table with other columns is refused', async () => {
    await c.run('CREATE TABLE other (a VARCHAR)');
    const a = await c.createAppender('other');
    assert.throws(() => new ChunkWriter(COLUMNS).write(a, [{ s: 'x', j: null, t: 0, d: 0, i: 0 }]), /5 columns.*1/);
    a.closeSync();
  });
});
