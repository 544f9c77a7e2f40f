/**
 * The server's own host readings (CPU, memory, disk, network, GPU when present), stored as the same
 * `system.*` gauges the SDK's trackSystemUsage writes, so the System health page has data with no
 * instrumented app at all. Runs on every instance (each reports its own host, label `host`), not
 * through the leader-gated background jobs.
 */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import type { MetricPoint } from '@vigil/core';
import si from 'systeminformation';

const run = promisify(execFile);

export interface GpuReading {
  index: string;
  name: string;
  utilization: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  temperatureC: number | null;
  powerW: number | null;
}

const GPU_QUERY = 'index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw';

/** Parses `nvidia-smi --query-gpu=<GPU_QUERY> --format=csv,noheader,nounits` output. */
export function parseNvidiaSmi(csv: string): GpuReading[] {
  const num = (s: string | undefined) => {
    const v = Number.parseFloat(s ?? '');
    return Number.isFinite(v) ? v : null; // "[N/A]", "[Not Supported]"
  };
  return csv
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const f = line.split(',').map((x) => x.trim());
      return {
        index: f[0],
        name: f[1] ?? '',
        utilization: num(f[2]),
        memoryUsedMiB: num(f[3]),
        memoryTotalMiB: num(f[4]),
        temperatureC: num(f[5]),
        powerW: num(f[6]),
      };
    });
}

/** GPU readings, or [] where there is no NVIDIA driver (the usual case): never throws. */
export async function readGpus(nvidiaSmi = 'nvidia-smi'): Promise<GpuReading[]> {
  try {
    const { stdout } = await run(nvidiaSmi, [`--query-gpu=${GPU_QUERY}`, '--format=csv,noheader,nounits'], {
      timeout: 5000,
    });
    return parseNvidiaSmi(stdout);
  } catch {
    return [];
  }
}

export interface HostReadingOptions {
  project: string;
  /** Open HTTP connections of this server, reported as `system.connections.active`. */
  connections?: () => Promise<number>;
  nvidiaSmi?: string;
  nowUs?: number;
}

export async function readHostMetrics(opts: HostReadingOptions): Promise<MetricPoint[]> {
  const timeUs = opts.nowUs ?? Date.now() * 1000;
  const host = hostname();
  const points: MetricPoint[] = [];
  const gauge = (name: string, value: number | null | undefined, unit: string, labels: Record<string, string> = {}) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    points.push({
      project: opts.project,
      name,
      type: 'gauge',
      unit,
      timeUs,
      value,
      histogram: null,
      labels: { host, ...labels },
      serviceName: 'vigil-server',
    });
  };
  const [load, mem, disks, nets, gpus, conns] = await Promise.all([
    si.currentLoad().catch(() => null),
    si.mem().catch(() => null),
    si.fsSize().catch(() => []),
    si.networkStats().catch(() => []),
    readGpus(opts.nvidiaSmi),
    opts.connections?.().catch(() => null) ?? Promise.resolve(null),
  ]);
  gauge('system.cpu.usage', load?.currentLoad, '%');
  // "available" excludes reclaimable page cache, which is what a person means by used memory.
  if (mem && mem.total > 0) gauge('system.memory.usage', (100 * (mem.total - mem.available)) / mem.total, '%');
  const root = disks.find((d) => d.mount === '/') ?? disks[0];
  gauge('system.disk.usage', root?.use, '%');
  gauge(
    'system.network.rx_bytes_per_s',
    nets.reduce((s, n) => s + (n.rx_sec ?? 0), 0),
    'By/s',
  );
  gauge(
    'system.network.tx_bytes_per_s',
    nets.reduce((s, n) => s + (n.tx_sec ?? 0), 0),
    'By/s',
  );
  gauge('system.connections.active', conns, '{connection}');
  for (const g of gpus) {
    const labels = { gpu: g.index, gpu_name: g.name };
    gauge('system.gpu.usage', g.utilization, '%', labels);
    if (g.memoryUsedMiB !== null && g.memoryTotalMiB) {
      gauge('system.gpu.memory.usage', (100 * g.memoryUsedMiB) / g.memoryTotalMiB, '%', labels);
    }
    gauge('system.gpu.temperature', g.temperatureC, 'Cel', labels);
    gauge('system.gpu.power', g.powerW, 'W', labels);
  }
  return points;
}

/** Samples every intervalMs and hands the points to `write` (the ingest pipeline). */
export function startHostMetrics(
  intervalMs: number,
  opts: HostReadingOptions,
  write: (points: MetricPoint[]) => Promise<void>,
  onError: (err: unknown) => void = () => {},
): { stop(): void } {
  let busy = false;
  const tick = async () => {
    if (busy) return; // a slow nvidia-smi must not pile up samples
    busy = true;
    try {
      const points = await readHostMetrics({ ...opts, nowUs: undefined });
      if (points.length) await write(points);
    } catch (err) {
      onError(err);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}
