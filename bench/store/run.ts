/**
 * Bulk-insert cost of spans into a fresh DuckDB file, one durable transaction per batch (what a
 * group commit does), no HTTP or decoding:
 *   row-appender  the plain JS appender loop (bench/lib/row-appender.ts): spans table only
 *   chunks        the same rows through the core's ChunkWriter (column-major data chunks)
 *   store         DuckDbStore's own commit (ingest log, bulk load of spans + trace_index, hourly rollups)
 * Prints rows/s, rows per CPU-second, and CPU µs per row split into the JS thread and all other
 * threads (DuckDB's), so the store's overhead over the raw path shows where it is paid.
 *
 *   node --conditions=vigil-source --import tsx bench/store/run.ts [--spans N] [--batch N] [--rounds N]
 *     [--checkpoint 256MB] [--threads N] [--hours 1] [--methods row-appender,chunks,store] [--quick] [--dir PATH]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SpanRecord } from '@vigil/core';
import { jsThreadCpuS, type RawInsertResult, rawInsertRate } from '../lib/raw-insert.js';
import { makeSpans } from '../lib/spans.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string' },
    batch: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    checkpoint: { type: 'string', default: '256MB' },
    threads: { type: 'string' },
    methods: { type: 'string', default: 'row-appender,chunks,store' },
    hours: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});
const n = Number(values.spans ?? (values.quick ? 100_000 : 1_000_000));
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const threads = values.threads ? Number(values.threads) : undefined;
const methods = values.methods.split(',') as ('row-appender' | 'chunks' | 'store')[];
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'vigil-bench-store-'));

/**
 * The Store's commit path: what the ingest pipeline pays per group commit, and the bulk load of the
 * acknowledged rows into the tables (the clock stops once they are all in, not at the last ack).
 */
async function storeRate(path: string, spans: readonly SpanRecord[]): Promise<RawInsertResult> {
  const { DuckDbStore } = await import('@vigil/core');
  const store = await DuckDbStore.open(path, { checkpointThreshold: values.checkpoint, threads, readers: 1 });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const js0 = jsThreadCpuS();
  for (let i = 0; i < spans.length; i += batch) {
    const a = store.appender();
    a.spans(spans.slice(i, i + batch));
    await a.commit();
  }
  await store.syncIngest();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const jsS = jsThreadCpuS() - js0;
  await store.close();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    rowsPerS: spans.length / seconds,
    seconds,
    rowsPerCpuS: spans.length / cpuS,
    jsUsPerRow: (jsS / spans.length) * 1e6,
    otherUsPerRow: ((cpuS - jsS) / spans.length) * 1e6,
  };
}

console.log(`generating ${n} spans...`);
// Live ingest writes spans of the last minutes: by default the rows cover the last hour, as a
// real stream's commits do (the Store's hourly rollups cost more per commit the more hours it touches).
const spans = makeSpans(n, { spanUs: Number(values.hours) * 3_600_000_000 });

// Alternate the methods over several rounds and report each one's median: the machine may be shared.
const results: Record<string, RawInsertResult[]> = {};
const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(10);
for (let round = 0; round < rounds; round++) {
  for (const method of methods) {
    const path = join(dir, `${method}.duckdb`);
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
    const r =
      method === 'store'
        ? await storeRate(path, spans)
        : await rawInsertRate(path, spans, {
            method,
            batchSize: batch,
            checkpointThreshold: values.checkpoint,
            threads,
          });
    results[method] ??= [];
    results[method].push(r);
    console.log(
      `round ${round + 1} ${method.padEnd(13)} ${fmt(r.rowsPerS)} spans/s wall ${fmt(r.rowsPerCpuS)} spans/cpu-s  JS ${r.jsUsPerRow.toFixed(1)} + other ${r.otherUsPerRow.toFixed(1)} µs/span  (${r.seconds.toFixed(2)} s)`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `\nmedian of ${rounds} rounds, ${n} spans in ${Math.ceil(n / batch)} commits of ${batch}, checkpoint ${values.checkpoint}:`,
);
const summary: Record<string, { rowsPerS: number; rowsPerCpuS: number; jsUs: number; otherUs: number }> = {};
for (const [m, rs] of Object.entries(results)) {
  const s = {
    rowsPerS: median(rs.map((r) => r.rowsPerS)),
    rowsPerCpuS: median(rs.map((r) => r.rowsPerCpuS)),
    jsUs: median(rs.map((r) => r.jsUsPerRow)),
    otherUs: median(rs.map((r) => r.otherUsPerRow)),
  };
  summary[m] = s;
  console.log(
    `  ${m.padEnd(13)} ${fmt(s.rowsPerS)} spans/s wall ${fmt(s.rowsPerCpuS)} spans/cpu-s  JS ${s.jsUs.toFixed(1)} + other ${s.otherUs.toFixed(1)} µs/span`,
  );
}
const base = summary['row-appender'];
if (base) {
  for (const m of Object.keys(summary).filter((k) => k !== 'row-appender')) {
    const s = summary[m];
    console.log(
      `  ${m} / row-appender = ${(s.rowsPerS / base.rowsPerS).toFixed(2)}x wall, ${(s.rowsPerCpuS / base.rowsPerCpuS).toFixed(2)}x cpu`,
    );
  }
}
console.log(JSON.stringify({ bench: 'store', spans: n, batch, checkpoint: values.checkpoint, summary }));
if (!values.dir) rmSync(dir, { recursive: true, force: true });
