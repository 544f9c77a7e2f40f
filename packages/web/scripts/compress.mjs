#!/usr/bin/env node
// Writes .gz and .br next to every compressible file in dist/, so a static server that serves
// precompressed files (e.g. @fastify/static with `preCompressed: true`) sends them without
// compressing on each request. index.html is included; tiny files are skipped.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
let files = 0;
let raw = 0;
let br = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(js|css|html|svg|json)$/.test(name) && statSync(p).size >= 1024) {
      const buf = readFileSync(p);
      const b = brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
      writeFileSync(`${p}.gz`, gzipSync(buf, { level: 9 }));
      writeFileSync(`${p}.br`, b);
      files++;
      raw += buf.length;
      br += b.length;
    }
  }
}
walk(dist);
console.log(`precompressed ${files} files: ${(raw / 1024).toFixed(1)} KB → ${(br / 1024).toFixed(1)} KB brotli`);
