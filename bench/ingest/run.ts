/**
 * Server ingest throughput. Starts `vigil serve` as a real process, then a load generator keeps a
 * few keep-alive connections busy with OTLP/protobuf requests of 512 spans (encoded once up front
 * with the official serializer), each request waiting for its ack (= rows durable). Reports
 * sustained spans/s, request latency p50/p99, the server's peak RSS, and the ratio to the raw
 * DuckDB bulk-insert rate of the same rows measured in the same run.
 *
 *   node --conditions=vigil-source --import tsx bench/ingest/run.ts [--quick] [--seconds N]
 *     [--connections C] [--batch 512] [--hours 1] [--data-dir DIR] [--profile] [--timeline] [--skip-raw]
 *     [--skip-core] [--rate SPANS_PER_S] [--dashboard-ms MS] [-- <vigil serve flags>]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpanRecord } from '@vigil/core';
import { makeSpans } from '../lib/spans.js';
import { encodeSpans } from './otlp-encode.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const quick = flag('--quick');
const seconds = Number(opt('--seconds', quick ? '6' : '20'));
const warmupS = quick ? 1 : 3;
const connections = Number(opt('--connections', '4'));
/** Offered load in spans/s across all connections (default 0: as fast as acks come back). */
const rate = Number(opt('--rate', '0'));
const batchSize = Number(opt('--batch', '512'));
const distinctBatches = Number(opt('--distinct', quick ? '100' : '400'));
/**
 * Hours the spans' start times cover. A live stream's commits all land in the current clock hour,
 * but this bench replays the same requests over and over: a window spanning an hour boundary would
 * rewrite a closed hour on every cycle, and each such commit triggers a rollup compaction that
 * live traffic never pays (measured: ~1.4x the DuckDB CPU per span). So the default window lies
 * inside one clock hour; --hours N > 1 spreads the spans over the N hours before now instead.
 */
const hours = Number(opt('--hours', '1'));
const HOUR_US = 3_600_000_000;

/** Start and length (µs) of the spans' time window (see --hours). */
function spanWindow(): { startUs: number; spanUs: number } {
  const nowUs = Date.now() * 1000;
  if (hours > 1) return { startUs: nowUs - hours * HOUR_US, spanUs: hours * HOUR_US };
  const hourStart = Math.floor(nowUs / HOUR_US) * HOUR_US;
  // Early in an hour, the previous hour (a minute's margin at each end) has more room.
  if (nowUs - hourStart < 10 * 60_000_000)
    return { startUs: hourStart - HOUR_US + 60_000_000, spanUs: HOUR_US - 120_000_000 };
  return { startUs: hourStart, spanUs: nowUs - hourStart - 60_000_000 };
}
const profile = flag('--profile');
/** Print acknowledged spans per 250 ms (stalls show as gaps). */
const timeline = flag('--timeline');
/** Run the server from sources through tsx instead of the compiled `vigil` bin (which it builds first). */
const fromSource = flag('--source');
const skipRaw = flag('--skip-raw');
const skipCore = flag('--skip-core');
/**
 * An open dashboard: every MS ms during the run, the overview's 24 h dashboard and first page of
 * traces (each read waits for what was acknowledged before it, so it forces a load).
 */
const dashboardMs = Number(opt('--dashboard-ms', '0'));
/** Extra `vigil serve` flags after `--`, e.g. `-- --flush-ms 20`. */
const serverArgs = args.includes('--') ? args.slice(args.indexOf('--') + 1) : [];
const KEY = `vgl_${'b'.repeat(43)}`;
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system, all threads) a process used so far; CLK_TCK is 100 on Linux. */
function cpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Machine-wide CPU jiffies from /proc/stat: busy (user+nice+system+irq+softirq), iowait, total. */
function machineCpu(): { busy: number; iowait: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = f;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, iowait, total: busy + idle + iowait };
  } catch {
    return { busy: Number.NaN, iowait: Number.NaN, total: Number.NaN };
  }
}

/** CPU seconds per thread (keyed by name and id, the JS thread apart), to see where the non-JS CPU goes. */
function cpuByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    let name = 'JS thread';
    if (Number(tid) !== pid) {
      try {
        name = `${readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}#${tid}`;
      } catch {
        continue;
      }
    }
    out.set(name, (out.get(name) ?? 0) + cpuSeconds(pid, Number(tid)));
  }
  return out;
}

async function startServer(dataDir: string, profDir: string): Promise<{ proc: ChildProcess; port: number }> {
  // By default the real thing: the compiled `vigil` bin, as `npx vigil serve` runs it (a tsx loader
  // would add its own thread and memory to the server's RSS).
  const nodeArgs = fromSource ? ['--conditions=vigil-source', '--import', 'tsx'] : [];
  if (profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
  if (!fromSource) execFileSync('npx', ['tsc', '-b', 'packages/server'], { cwd: repo, stdio: 'inherit' });
  const proc = spawn(
    process.execPath,
    [
      ...nodeArgs,
      fromSource ? join(here, 'serve.ts') : join(repo, 'packages/server/bin/vigil.js'),
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'error',
      ...serverArgs,
    ],
    { cwd: repo, env: { ...process.env, VIGIL_API_KEY: KEY }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout?.on('data', (d) => {
      out += d;
      const m = /OTLP endpoint: http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { proc, port };
}

/** Bulk insert through the DuckDB Store's appender in 10k-row transactions. */
async function storeAppenderRate(path: string, rows: readonly SpanRecord[]): Promise<{ rowsPerS: number }> {
  const { DuckDbStore } = await import('@vigil/core');
  const store = await DuckDbStore.open(path, { checkpointThreshold: '64MB' });
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 10_000) {
    const a = store.appender();
    a.spans(rows.slice(i, i + 10_000));
    await a.commit();
  }
  const s = (performance.now() - t0) / 1000;
  await store.close();
  return { rowsPerS: rows.length / s };
}

function post(agent: Agent, port: number, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/traces',
        headers: {
          'content-type': 'application/x-protobuf',
          'content-length': body.byteLength,
          authorization: `Bearer ${KEY}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const dir = opt('--data-dir', '') || mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
  const ownDir = !args.includes('--data-dir');
  console.log(
    `ingest bench: ${connections} connections × ${batchSize}-span requests, ${seconds}s (+${warmupS}s warm-up), spans within ${hours > 1 ? `the last ${hours} h` : 'one clock hour'}`,
  );

  const total = distinctBatches * batchSize;
  const t0 = performance.now();
  const rows = makeSpans(total, { project: 'default', ...spanWindow() });
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < rows.length; i += batchSize) bodies.push(encodeSpans(rows.slice(i, i + batchSize)));
  const avgBytes = bodies.reduce((a, b) => a + b.byteLength, 0) / bodies.length;
  console.log(
    `  encoded ${bodies.length} distinct requests (${(avgBytes / 1024).toFixed(0)} KiB each) in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );

  const { proc, port } = await startServer(join(dir, 'server'), join(dir, 'prof'));
  const pid = proc.pid as number;
  let peakRss = 0;
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    const kb = rssKb(pid, 'VmRSS');
    rssSamples.push(kb);
    peakRss = Math.max(peakRss, kb);
  }, 100);

  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  let measuring = false;
  let stop = false;
  let acked = 0;
  let errors = 0;
  let rejected429 = 0;
  const latencies: number[] = [];
  const ackTimes: number[] = [];
  const paceFrom = performance.now();
  const worker = async () => {
    while (!stop) {
      const n = next++;
      const body = bodies[n % bodies.length];
      // Request n is due when the offered rate has sent n batches since the start.
      const due = rate > 0 ? paceFrom + ((n * batchSize) / rate) * 1000 - performance.now() : 0;
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      const start = performance.now();
      const status = await post(agent, port, body).catch(() => -1);
      const ms = performance.now() - start;
      // Back off as OTLP exporters do on 429 (the server asks for 1 s).
      if (status === 429) await new Promise((r) => setTimeout(r, 1000));
      if (!measuring) continue;
      if (status === 200) {
        acked += batchSize;
        latencies.push(ms);
        ackTimes.push(performance.now());
      } else if (status === 429) rejected429++;
      else errors++;
    }
  };
  const workers = Array.from({ length: connections }, worker);
  const dashboardLatencies: number[] = [];
  let dashboardErrors = 0;
  const viewer = async () => {
    while (!stop && dashboardMs > 0) {
      const to = Date.now();
      const range = `from=${new Date(to - 86_400_000).toISOString()}&to=${new Date(to).toISOString()}`;
      const start = performance.now();
      const ok = await Promise.all(
        [`/api/v1/dashboard?${range}`, `/api/v1/traces?${range}&limit=50`].map((path) =>
          fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${KEY}` } })
            .then(async (r) => {
              await r.arrayBuffer();
              return r.ok;
            })
            .catch(() => false),
        ),
      );
      if (measuring) {
        if (ok.every(Boolean)) dashboardLatencies.push(performance.now() - start);
        else dashboardErrors++;
      }
      await new Promise((r) => setTimeout(r, dashboardMs));
    }
  };
  const viewing = viewer();
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  measuring = true;
  const m0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  const main0 = cpuSeconds(pid, pid);
  const threads0 = cpuByThread(pid);
  const machine0 = machineCpu();
  const client0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - m0) / 1000;
  const serverCpuS = cpuSeconds(pid) - cpu0;
  // The JS thread (HTTP, decode, appender) is the serial part: its CPU per span bounds what one
  // server process can take when cores are free.
  const mainCpuS = cpuSeconds(pid, pid) - main0;
  const machine1 = machineCpu();
  const clientCpu = process.cpuUsage(client0);
  const machineTotal = machine1.total - machine0.total;
  const machineBusyPct = ((machine1.busy - machine0.busy) / machineTotal) * 100;
  const machineIowaitPct = ((machine1.iowait - machine0.iowait) / machineTotal) * 100;
  const clientCpuS = (clientCpu.user + clientCpu.system) / 1e6;
  const threadUs = [...cpuByThread(pid)]
    .map(([name, s]) => [name, ((s - (threads0.get(name) ?? 0)) / Math.max(1, acked)) * 1e6] as const)
    .filter(([, us]) => us >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8);
  stop = true;
  await Promise.all([...workers, viewing]);
  agent.destroy();
  const sampledPeak = peakRss;
  peakRss = Math.max(peakRss, rssKb(pid, 'VmHWM'));
  clearInterval(sampler);
  // Where the memory is: V8 heap and external buffers from the server's own /metrics; the rest of
  // RSS is native (DuckDB's buffers, allocator slack).
  const prom = await fetch(`http://127.0.0.1:${port}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  // Group commits as the server saw them: count, mean rows and mean duration.
  const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(prom)?.[1] ?? Number.NaN);
  const flushes = sample('vigil_ingest_flush_duration_seconds_count');
  if (flushes > 0)
    console.log(
      `  group commits: ${flushes} (since start), mean ${Math.round(sample('vigil_ingest_flush_rows_sum') / flushes)} rows, mean ${((sample('vigil_ingest_flush_duration_seconds_sum') / flushes) * 1000).toFixed(1)} ms`,
    );
  // Acknowledged spans DuckDB has not loaded yet: loads falling behind ingest show here (and as 429s).
  const loadBacklog = sample('vigil_store_load_backlog_rows');
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(prom)?.[1] ?? Number.NaN) / 1048576;
  const memNow = {
    rss: gauge('process_resident_memory_bytes'),
    heap: gauge('nodejs_heap_size_total_bytes'),
    external: gauge('nodejs_external_memory_bytes'),
  };
  const exited = new Promise((r) => proc.on('exit', r));
  proc.kill('SIGTERM');
  await exited;

  latencies.sort((a, b) => a - b);
  const spansPerS = acked / elapsed;
  if (timeline) {
    const buckets = new Array(Math.ceil((elapsed * 1000) / 250)).fill(0);
    for (const t of ackTimes) buckets[Math.min(buckets.length - 1, Math.floor((t - m0) / 250))] += batchSize;
    console.log(`  timeline (k spans/s per 250 ms): ${buckets.map((n) => Math.round((n * 4) / 1000)).join(' ')}`);
    const perS: number[] = [];
    for (let i = 0; i < rssSamples.length; i += 10) perS.push(Math.max(...rssSamples.slice(i, i + 10)));
    console.log(
      `  server RSS, MB, highest per second from start: ${perS.map((kb) => Math.round(kb / 1024)).join(' ')} (sampled peak ${Math.round(sampledPeak / 1024)}, VmHWM ${Math.round(peakRss / 1024)})`,
    );
  }
  console.log(
    `  server: ${Math.round(spansPerS).toLocaleString('en')} spans/s acknowledged (${latencies.length} requests)`,
  );
  console.log(
    `  latency: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
  if (Number.isFinite(loadBacklog)) console.log(`  load backlog at the end: ${loadBacklog.toLocaleString('en')} spans`);
  if (dashboardMs > 0) {
    dashboardLatencies.sort((a, b) => a - b);
    console.log(
      `  dashboard every ${dashboardMs} ms: ${dashboardLatencies.length} views, p50 ${percentile(dashboardLatencies, 50).toFixed(1)} ms, p95 ${percentile(dashboardLatencies, 95).toFixed(1)} ms, ${dashboardErrors} failed`,
    );
  }
  console.log(
    `  peak server RSS: ${(peakRss / 1024).toFixed(0)} MB (at the end: RSS ${memNow.rss.toFixed(0)} MB = V8 heap ${memNow.heap.toFixed(0)} + external ${memNow.external.toFixed(0)} + native ${(memNow.rss - memNow.heap - memNow.external).toFixed(0)})`,
  );
  // On a shared, loaded machine wall-clock rates swing widely; spans per CPU-second of the server
  // process (all threads, DuckDB's included) is the steadier efficiency figure.
  const spansPerCpuS = acked / serverCpuS;
  console.log(
    `  server CPU: ${serverCpuS.toFixed(1)} s over ${elapsed.toFixed(1)} s → ${Math.round(spansPerCpuS).toLocaleString('en')} spans per CPU-second`,
  );
  console.log(
    `  JS thread CPU: ${mainCpuS.toFixed(1)} s → ${((mainCpuS / acked) * 1e6).toFixed(1)} µs per span, ceiling ≈ ${Math.round(acked / mainCpuS).toLocaleString('en')} spans/s with free cores`,
  );
  // Everything else on the machine competes for the same cores: a busy figure well above
  // (server + client) CPU means the run was disturbed.
  console.log(
    `  machine: ${machineBusyPct.toFixed(0)}% busy, ${machineIowaitPct.toFixed(0)}% iowait; load generator (this process) ${clientCpuS.toFixed(1)} CPU-s, server ${serverCpuS.toFixed(1)} CPU-s of ${(elapsed * cpus().length).toFixed(0)}`,
  );
  console.log(`  CPU µs per span by thread: ${threadUs.map(([n, us]) => `${n} ${us.toFixed(1)}`).join(', ')}`);
  if (errors || rejected429) console.log(`  non-200 answers: ${rejected429} × 429, ${errors} other`);

  let raw: number | null = null;
  let rawPerCpuS: number | null = null;
  // Baseline: bench/lib's rawInsertRate (DuckDB appender straight into a fresh file); if that module
  // does not load, the Store's own appender with 10k-row commits (same write path, no HTTP/decode).
  type RawFn = (path: string, rows: typeof spansForRaw) => Promise<{ rowsPerS: number }>;
  const spansForRaw = rows;
  const rawModule: { rawInsertRate: RawFn; label: string } | null = skipRaw
    ? null
    : await import('../lib/raw-insert.js').then(
        (m) => ({
          rawInsertRate: (p: string, r: typeof rows) => m.rawInsertRate(p, r, { batchSize: 10_000 }),
          label: 'raw DuckDB bulk insert',
        }),
        (err: Error) => {
          console.log(`  (bench/lib/raw-insert unavailable: ${err.message.split('\n')[0]}; using the store appender)`);
          return { rawInsertRate: storeAppenderRate, label: 'store appender bulk insert' };
        },
      );
  if (rawModule) {
    const { rawInsertRate, label } = rawModule;
    const rawRows = rows.slice(0, Math.min(rows.length, quick ? 50_000 : 200_000));
    const c0 = process.cpuUsage();
    const r = await rawInsertRate(join(dir, 'raw.duckdb'), rawRows);
    const c1 = process.cpuUsage(c0);
    raw = r.rowsPerS;
    rawPerCpuS = rawRows.length / ((c1.user + c1.system) / 1e6);
    console.log(
      `  baseline: ${label} of the same rows ${Math.round(raw).toLocaleString('en')} spans/s, ${Math.round(rawPerCpuS).toLocaleString('en')} per CPU-second`,
    );
    console.log(
      `  ratio server/raw: ${((spansPerS / raw) * 100).toFixed(0)}% wall-clock, ${((spansPerCpuS / rawPerCpuS) * 100).toFixed(0)}% per CPU-second`,
    );
  }
  // The same requests through VigilCore in this process (no HTTP, no sockets): what the HTTP layer
  // costs on top of decode + pipeline + store.
  let corePerS: number | null = null;
  let corePerCpuS: number | null = null;
  if (!skipCore) {
    const { openVigilCore } = await import('@vigil/core');
    const core = await openVigilCore({ dataDir: join(dir, 'core'), duckdb: { checkpointThreshold: '64MB' } });
    let n = 0;
    const until = performance.now() + Math.min(seconds, 10) * 1000;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    let k = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < until) {
          await core.ingestOtlp('default', 'traces', bodies[k++ % bodies.length], 'protobuf');
          n += batchSize;
        }
      }),
    );
    const wall = (performance.now() - w0) / 1000;
    const c1 = process.cpuUsage(c0);
    await core.close();
    corePerS = n / wall;
    corePerCpuS = n / ((c1.user + c1.system) / 1e6);
    console.log(
      `  in-process core (no HTTP): ${Math.round(corePerS).toLocaleString('en')} spans/s, ${Math.round(corePerCpuS).toLocaleString('en')} per CPU-second → HTTP server at ${((spansPerCpuS / corePerCpuS) * 100).toFixed(0)}% of it per CPU-second`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'ingest',
      corePerS: corePerS && Math.round(corePerS),
      corePerCpuS: corePerCpuS && Math.round(corePerCpuS),
      spansPerS: Math.round(spansPerS),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      peakRssMb: Math.round(peakRss / 1024),
      rawSpansPerS: raw && Math.round(raw),
      ratio: raw ? spansPerS / raw : null,
      spansPerCpuS: Math.round(spansPerCpuS),
      jsThreadUsPerSpan: (mainCpuS / acked) * 1e6,
      rawPerCpuS: rawPerCpuS && Math.round(rawPerCpuS),
      cpuRatio: rawPerCpuS ? spansPerCpuS / rawPerCpuS : null,
      connections,
      batchSize,
      seconds: elapsed,
      rejected429,
      errors,
      loadBacklogRows: Number.isFinite(loadBacklog) ? loadBacklog : null,
      dashboardViews: dashboardMs > 0 ? dashboardLatencies.length : null,
      dashboardP50Ms: dashboardMs > 0 ? percentile(dashboardLatencies, 50) : null,
    }),
  );
  if (profile) console.log(`  CPU profile written under ${join(dir, 'prof')}`);
  else if (ownDir) rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
