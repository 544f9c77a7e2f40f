import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricPoint } from '../model/telemetry.js';
import { systemMetricsJson } from './dashboard.js';

function gauge(name: string, value: number, timeUs: number): MetricPoint {
  return { project: 'p', name, type: 'gauge', unit: '', timeUs, value, histogram: null, labels: {}, serviceName: 's' };
}

test('systemMetricsJson maps every gauge the SDK batch writes, newest value winning', () => {
  const out = systemMetricsJson([
    gauge('system.cpu.usage', 10, 1_000),
    gauge('system.cpu.usage', 42, 2_000),
    gauge('system.memory.usage', 55, 1_500),
    gauge('system.disk.usage', 70, 1_500),
    gauge('system.network.latency', 12, 1_500),
    gauge('system.connections.active', 17, 1_500),
    gauge('system.gpu.usage', 90, 1_500),
    gauge('system.gpu.memory.usage', 33, 1_500),
  ]);
  assert.deepEqual(out, {
    cpuUsage: 42,
    memoryUsage: 55,
    diskUsage: 70,
    networkLatency: 12,
    activeConnections: 17,
    gpuUsage: 90,
    gpuMemoryUsage: 33,
    time: new Date(2).toISOString(),
  });
});
