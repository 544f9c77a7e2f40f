import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Collector } from '../../test-support/collector.js';

const PORT = 41330;
let collector: Collector;
before(async () => {
  collector = await new Collector(PORT).start();
});
after(() => collector.stop());

function runChild(script: string): { status: number | null; ms: number; stderr: string } {
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    ['--conditions=vigil-source', '--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return { status: r.status, ms: Date.now() - t0, stderr: r.stderr };
}

describe('process exit', () => {
  test('an app that never calls destroy() still exports its buffered telemetry (beforeExit)', async () => {
    collector.requests.length = 0;
    const r = runChild(`
      import { quickSetup, withSpan } from '@vigil/sdk';
      const vigil = await quickSetup({ connection: { url: '${collector.url}' }, flushInterval: 60000, onWarning: null });
      withSpan('job', { kind: 'chain' }, () => {});
      vigil.trackModelInference('gpt-4o', { duration: 12 });
      vigil.logAgentStart('nightly');
    `);
    assert.equal(r.status, 0, r.stderr);
    await collector.waitFor(() => collector.spans().length === 2 && collector.events().length === 1);
    assert.equal(collector.events()[0].type, 'agent_start');
  });

  test('an unreachable server does not hold the process open for long', () => {
    const r = runChild(`
      import { quickSetup, withSpan } from '@vigil/sdk';
      await quickSetup({ connection: { url: 'http://127.0.0.1:41398' }, shutdownTimeout: 1500, onWarning: null });
      withSpan('job', () => {});
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.ms < 10_000, `exited after ${r.ms} ms`);
  });
});
