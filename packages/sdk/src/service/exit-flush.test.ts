import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Collector } from '../../test-support/collector.js';

const PORT = 41330;
let collector: Collector;
before(async () => {
  collector = await new Collector(PORT).start();
});
after(() => collector.stop());

/** Runs a script in a child process (async: the collector in this process must keep answering). */
function runChild(script: string): Promise<{ status: number | null; ms: number; stderr: string }> {
  const t0 = Date.now();
  const args = ['--conditions=vigil-source', '--import', 'tsx', '--input-type=module', '-e', script];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, ms: Date.now() - t0, stderr });
    }),
  );
}

describe('process exit', () => {
  test('an app that never calls destroy() still exports its buffered telemetry (beforeExit)', async () => {
    collector.requests.length = 0;
    const r = await runChild(`
      import { quickSetup, withSpan } from '@vigil/sdk';
      const vigil = await quickSetup({ connection: { url: '${collector.url}' }, flushInterval: 60000, onWarning: null });
      withSpan('job', { kind: 'chain' }, () => {});
      vigil.trackModelInference('gpt-4o', { duration: 12 });
      vigil.logAgentStart('nightly');
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.ms < 10_000, `exited after ${r.ms} ms`);
    await collector.waitFor(() => collector.spans().length === 2 && collector.events().length === 1);
    assert.equal(collector.events()[0].type, 'agent_start');
  });

  test('an unreachable server does not hold the process open for long', async () => {
    const r = await runChild(`
      import { quickSetup, withSpan } from '@vigil/sdk';
      await quickSetup({ connection: { url: 'http://127.0.0.1:41398' }, shutdownTimeout: 1500, onWarning: null });
      withSpan('job', () => {});
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.ms < 10_000, `exited after ${r.ms} ms`);
  });
});
