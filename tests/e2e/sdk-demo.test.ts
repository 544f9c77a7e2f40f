/**
 * `runDemo` (the workload behind `vigil demo`) against a real server: everything it reports sending
 * is stored, timestamps are near now, and the dashboard shows agents, models, errors and system data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runDemo } from '../../packages/server/src/demo/workload.js';
import { getJson, startVigil, tempDir, type VigilProcess } from './helpers.js';

const KEY = `vgl_${'d'.repeat(43)}`;
let vigil: VigilProcess;
let dir: ReturnType<typeof tempDir>;

before(async () => {
  dir = tempDir('vigil-sdk-demo-');
  vigil = await startVigil({ dataDir: dir.path, env: { VIGIL_API_KEY: KEY } });
});
after(async () => {
  await vigil?.stop();
  dir?.remove();
});

describe('demo workload', () => {
  test('drives agents, models and tools through the SDK; all of it arrives', async () => {
    const t0 = Date.now();
    const progress: number[] = [];
    const result = await runDemo({
      url: vigil.url,
      apiKey: KEY,
      durationS: 4,
      seed: 7,
      onProgress: (p) => progress.push(p.spans),
    });
    assert.ok(result.traces >= 10, `traces ${result.traces}`);
    assert.ok(result.spans > result.traces * 4, `spans ${result.spans}`);
    assert.ok(progress.length >= 4 && progress.at(-1) === result.spans);

    const q = `from=${t0 - 3600_000}&to=${Date.now() + 60_000}`;
    let total = 0;
    let traces = 0;
    let cursor: string | null = null;
    const agents = new Set<string>();
    do {
      const r = await getJson(`${vigil.url}/api/v1/traces?${q}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, KEY);
      assert.equal(r.status, 200);
      for (const t of r.body.items) {
        total += t.spanCount;
        traces++;
        if (t.agentId) agents.add(t.agentId);
        const start = Date.parse(t.startTime);
        assert.ok(
          start > t0 - 120_000 && Date.parse(t.endTime) <= Date.now() + 1000,
          `timestamps near now: ${t.startTime} .. ${t.endTime} (test began ${new Date(t0).toISOString()})`,
        );
      }
      cursor = r.body.nextCursor;
    } while (cursor);
    assert.equal(traces, result.traces);
    assert.equal(total, result.spans);
    assert.ok(agents.size >= 3, [...agents].join(','));

    const d = (await getJson(`${vigil.url}/api/v1/dashboard?${q}`, KEY)).body;
    assert.equal(d.agentMetrics.totalRuns, result.traces);
    assert.equal(d.agentMetrics.activeAgents, 0);
    assert.ok(d.modelMetrics.byModel.length >= 4, JSON.stringify(d.modelMetrics.byModel.map((m: any) => m.model)));
    assert.ok(d.modelMetrics.inputTokens > 0);
    assert.ok(d.systemMetrics.cpuUsage !== null && d.systemMetrics.memoryUsage !== null);
    assert.ok(d.systemMetrics.networkLatency !== null);
  });
});
