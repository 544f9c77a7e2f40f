#!/usr/bin/env node
// `npm test`: typecheck, lint, then every *.test.ts under packages/ and tests/ with Node's own
// test runner. Sources run through tsx with the `vigil-source` export condition, so tests exercise
// the TypeScript sources of every workspace package, not stale builds.
// Usage: npm test [-- <path filter substrings>]   (filters skip typecheck and lint)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (filters.length === 0) {
  run('npx', ['tsc', '-b', 'packages/sdk', 'packages/core', 'packages/server']);
  run('npx', ['biome', 'check', '.']);
}
const files = ['packages', 'tests']
  .flatMap((d) => {
    try {
      return walk(join(root, d), []);
    } catch {
      return [];
    }
  })
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
run(process.execPath, [
  '--conditions=vigil-source',
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=1',
  ...(process.env.CI ? ['--test-reporter=spec'] : []),
  ...files,
]);
