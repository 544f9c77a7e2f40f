/**
 * Test support: runs an ES module script (TypeScript sources resolve) in a child process that is
 * expected to SIGKILL itself, as a crash after acknowledged work; returns what it printed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function runUntilKilled(script: string): string {
  const r = spawnSync(
    process.execPath,
    ['--conditions=vigil-source', '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  return r.stdout;
}
