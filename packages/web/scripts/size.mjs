#!/usr/bin/env node
// Prints the gzip size of the JavaScript and CSS the first page (Overview) loads: the entry
// chunk, its static imports, and the Overview chunk with its imports. Fails above the budget.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const BUDGET = 250 * 1024;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const entry = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const seen = new Set();
const queue = [...entry];
const read = (f) => readFileSync(join(dist, f), 'utf8');
// Follow static imports from the entry, plus the Overview page chunk that the entry imports lazily.
while (queue.length) {
  const f = queue.shift();
  if (seen.has(f)) continue;
  seen.add(f);
  if (!f.endsWith('.js')) continue;
  const src = read(f);
  for (const m of src.matchAll(/(?:import|from)\s*["']\.\/([^"']+\.js)["']/g)) queue.push(`assets/${m[1]}`);
  if (entry.includes(f)) {
    for (const m of src.matchAll(/import\(["']\.\/(Overview[^"']*\.js)["']\)/g)) queue.push(`assets/${m[1]}`);
    for (const m of src.matchAll(/["']assets\/(Overview[^"']*\.js)["']/g)) queue.push(`assets/${m[1]}`);
  }
}
let total = 0;
let js = 0;
const rows = [];
for (const f of seen) {
  const buf = readFileSync(join(dist, f));
  const gz = gzipSync(buf, { level: 9 }).length;
  total += gz;
  if (f.endsWith('.js')) js += gz;
  rows.push([f, buf.length, gz]);
}
const all = readdirSync(join(dist, 'assets')).reduce((a, f) => a + statSync(join(dist, 'assets', f)).size, 0);
console.log('First-page assets (raw → gzip):');
for (const [f, raw, gz] of rows)
  console.log(`  ${f.padEnd(48)} ${(raw / 1024).toFixed(1).padStart(7)} KB → ${(gz / 1024).toFixed(1).padStart(6)} KB`);
console.log(
  `First-page JS: ${(js / 1024).toFixed(1)} KB gzip (budget ${BUDGET / 1024} KB); JS+CSS ${(total / 1024).toFixed(1)} KB gzip`,
);
console.log(`All assets on disk: ${(all / 1024).toFixed(1)} KB raw`);
if (js > BUDGET) {
  console.error('First-page JS is over budget');
  process.exit(1);
}
