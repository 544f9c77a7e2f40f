/**
 * Real system readings for trackSystemUsage: CPU % of this machine since the previous reading (from
 * os.cpus() tick deltas), memory %, disk % of the filesystem holding the working directory, and the
 * process's own active handles as "connections".
 */
import { statfsSync } from 'node:fs';
import os from 'node:os';

export interface SystemUsage {
  cpuUsage?: number;
  memoryUsage?: number;
  diskUsage?: number;
  networkLatency?: number;
  activeConnections?: number;
  gpuUsage?: number;
  gpuMemoryUsage?: number;
}

let prev: { idle: number; total: number } | null = null;

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function readSystemUsage(path = process.cwd()): SystemUsage {
  const now = cpuTimes();
  let cpuUsage: number;
  if (prev && now.total > prev.total) cpuUsage = 100 * (1 - (now.idle - prev.idle) / (now.total - prev.total));
  else cpuUsage = Math.min(100, (100 * os.loadavg()[0]) / Math.max(1, os.cpus().length));
  prev = now;
  const usage: SystemUsage = {
    cpuUsage: round1(Math.max(0, Math.min(100, cpuUsage))),
    memoryUsage: round1(100 * (1 - os.freemem() / os.totalmem())),
  };
  try {
    const fs = statfsSync(path);
    usage.diskUsage = round1(100 * (1 - fs.bavail / fs.blocks));
  } catch {
    // not every platform/filesystem answers statfs
  }
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  if (typeof handles === 'function') usage.activeConnections = handles.call(process).length;
  return usage;
}
