/**
 * Raw bulk-insert baseline for spans into a fresh DuckDB file, one durable transaction per batch
 * (what a group commit does), no pipeline or HTTP: (a) the row appender, one native call per
 * value; (b) the chunk writer, column-major data chunks (what DuckDbStore uses). Prints rows/s of
 * each and the ratio.
 *
 *   node --conditions=vigil-source --import tsx bench/store/run.ts [--spans N] [--batch N] [--rounds N] [--quick] [--dir PATH]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rawInsertRate } from '../lib/raw-insert.js';
import { makeSpans } from '../lib/spans.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string' },
    batch: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});
const n = Number(values.spans ?? (values.quick ? 100_000 : 1_000_000));
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'vigil-bench-store-'));

console.log(`generating ${n} spans...`);
const spans = makeSpans(n);

// Alternate the methods over several rounds and keep each one's best: on a shared machine the best
// round is the least disturbed one. CPU-seconds (process user+sys, DuckDB's threads included) are
// reported too, being less sensitive to other load than wall time.
const best: Record<string, { rowsPerS: number; rowsPerCpuS: number }> = {};
const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(10);
for (let round = 0; round < rounds; round++) {
  for (const method of ['row-appender', 'chunks'] as const) {
    const path = join(dir, `${method}.duckdb`);
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
    const r = await rawInsertRate(path, spans, { method, batchSize: batch });
    const b = best[method] ?? { rowsPerS: 0, rowsPerCpuS: 0 };
    best[method] = { rowsPerS: Math.max(b.rowsPerS, r.rowsPerS), rowsPerCpuS: Math.max(b.rowsPerCpuS, r.rowsPerCpuS) };
    console.log(
      `round ${round + 1} ${method.padEnd(13)} ${fmt(r.rowsPerS)} spans/s wall ${fmt(r.rowsPerCpuS)} spans/cpu-s  (${r.seconds.toFixed(2)} s)`,
    );
  }
}
console.log(`\nbest of ${rounds} rounds, ${n} spans in ${Math.ceil(n / batch)} commits of ${batch}:`);
for (const [m, b] of Object.entries(best)) {
  console.log(`  ${m.padEnd(13)} ${fmt(b.rowsPerS)} spans/s wall ${fmt(b.rowsPerCpuS)} spans/cpu-s`);
}
const ratio = (k: 'rowsPerS' | 'rowsPerCpuS') => (best.chunks[k] / best['row-appender'][k]).toFixed(2);
console.log(`  chunks / row-appender = ${ratio('rowsPerS')}x wall, ${ratio('rowsPerCpuS')}x cpu`);
if (!values.dir) rmSync(dir, { recursive: true, force: true });
