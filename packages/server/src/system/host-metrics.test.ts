import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer } from '../http/test-server.js';
import { parseNvidiaSmi, readGpus, readHostMetrics } from './host-metrics.js';

test('parseNvidiaSmi reads every GPU and maps [N/A] to null', () => {
  const out = parseNvidiaSmi(
    '0, NVIDIA H100 80GB HBM3, 87, 40321, 81559, 61, 312.45\n1, NVIDIA H100 80GB HBM3, [N/A], 0, 81559, 30, [Not Supported]\n',
  );
  assert.deepEqual(out, [
    {
      index: '0',
      name: 'NVIDIA H100 80GB HBM3',
      utilization: 87,
      memoryUsedMiB: 40321,
      memoryTotalMiB: 81559,
      temperatureC: 61,
      powerW: 312.45,
    },
    {
      index: '1',
      name: 'NVIDIA H100 80GB HBM3',
      utilization: null,
      memoryUsedMiB: 0,
      memoryTotalMiB: 81559,
      temperatureC: 30,
      powerW: null,
    },
  ]);
});

test('readGpus returns [] when nvidia-smi is absent', async () => {
  assert.deepEqual(await readGpus('/nonexistent/nvidia-smi'), []);
});

test('readHostMetrics reads this host, and GPU gauges from an nvidia-smi executable', async () => {
  // A stand-in executable with nvidia-smi's exact output format, run as a real child process.
  const dir = mkdtempSync(join(tmpdir(), 'vigil-gpu-'));
  const fake = join(dir, 'nvidia-smi');
  writeFileSync(fake, '#!/bin/sh\necho "0, Test GPU, 50, 1024, 4096, 40, 100"\n');
  chmodSync(fake, 0o755);
  try {
    const points = await readHostMetrics({ project: 'p', nvidiaSmi: fake, connections: async () => 3 });
    const byName = new Map(points.map((p) => [p.name, p]));
    for (const name of ['system.cpu.usage', 'system.memory.usage', 'system.disk.usage']) {
      const v = byName.get(name)?.value;
      assert.ok(v !== undefined && v >= 0 && v <= 100, `${name} = ${v}`);
    }
    assert.equal(byName.get('system.connections.active')?.value, 3);
    assert.equal(byName.get('system.gpu.usage')?.value, 50);
    assert.equal(byName.get('system.gpu.memory.usage')?.value, 25);
    assert.equal(byName.get('system.gpu.usage')?.labels.gpu_name, 'Test GPU');
    assert.ok(points.every((p) => p.project === 'p' && p.type === 'gauge' && p.labels.host));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a started server records its host readings: the dashboard shows them with no SDK', async () => {
  const s = await startTestServer({ hostMetricsIntervalMs: 60_000 });
  try {
    let system: { cpuUsage: number | null; memoryUsage: number | null; activeConnections: number | null } | null = null;
    for (let i = 0; i < 50 && !system?.cpuUsage; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await s.api('/api/v1/dashboard');
      system = (await res.json()).systemMetrics;
    }
    assert.ok(system && system.cpuUsage !== null && system.cpuUsage >= 0);
    assert.ok(system.memoryUsage !== null && system.memoryUsage > 0);
    // Sampled at start, before this test connected: present, and a count.
    assert.ok(Number.isInteger(system.activeConnections));
  } finally {
    await s.dispose();
  }
});
