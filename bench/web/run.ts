/**
 * Dashboard figures measured in a real headless Chromium against a running Vigil server:
 *  - overview interactive time from a cold load (cache disabled, fresh page),
 *  - trace-list filter round trip (select a filter → table updated),
 *  - render time of a 2,000-span trace (API answer → virtualised waterfall painted),
 *  - JavaScript the first page loads, gzip.
 * Each figure is printed beside a baseline taken in the same run: the bare API call(s) the view
 * needs, from Node, so the ratio shows what the browser and the UI add on top of the server.
 *
 * Usage:
 *   node --conditions=vigil-source --import tsx bench/web/run.ts [--quick]
 *        [--url http://host:port --api-key KEY] [--traces N] [--range 24h] [--trace-id ID]
 * Without --url it starts its own server (temp dir) and seeds N traces (default 300, quick 60).
 * With --url it uses the data already there and adds one 2,000-span trace (the key needs ingest
 * rights) unless --trace-id names one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { generateApiKey } from '@vigil/core';
import { DEFAULT_CONFIG, startServer } from '@vigil/server';
import { bigTrace, ensureWebBuild, ingest, launchChromium, seed } from '../../tests/e2e/dashboard-harness.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    url: { type: 'string' },
    'api-key': { type: 'string' },
    traces: { type: 'string' },
    range: { type: 'string', default: '24h' },
    'trace-id': { type: 'string' },
    spans: { type: 'string', default: '2000' },
  },
});
const quick = args.quick!;
const reps = quick ? 3 : 10;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : Number.NaN;
};
const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] : Number.NaN;
};

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

async function main() {
  let url = args.url;
  let key = args['api-key'];
  let cleanup = async () => {};
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-web-'));
  ensureWebBuild();
  if (!url) {
    key = generateApiKey();
    const s = await startServer({
      ...DEFAULT_CONFIG,
      port: 0,
      dataDir: join(work, 'data'),
      apiKey: key,
      logLevel: 'error',
      retentionDays: 0,
    });
    url = s.url;
    const n = Number(args.traces ?? (quick ? 60 : 300));
    const [ms] = await timed(() => seed(url!, key!, n, 20 * 3600_000));
    console.log(`started ${url}; seeded ${n} agent traces (${n * 4} spans) in ${ms.toFixed(0)} ms`);
    cleanup = () => s.stop();
  }
  if (!key) throw new Error('--api-key is required with --url');
  const auth = { Authorization: `Bearer ${key}` };
  const api = async (path: string) => {
    const r = await fetch(`${url}${path}`, { headers: auth });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };

  let traceId = args['trace-id'];
  const nSpans = Number(args.spans);
  if (!traceId) {
    const big = bigTrace(nSpans, Date.now() - 3 * 60_000);
    for (let i = 0; i < big.events.length; i += 500) await ingest(url, key, big.events.slice(i, i + 500));
    traceId = big.traceId;
  }

  const ctx = await launchChromium(join(work, 'profile'), { width: 1440, height: 900 });
  await ctx.addInitScript((k) => sessionStorage.setItem('vigil.apiKey', k), key);
  const results: Record<string, unknown> = { url, reps, quick };

  // 1. Overview, cold: fresh page, HTTP cache disabled.
  const overview: number[] = [];
  const overviewJs: number[] = [];
  const overviewApi: number[] = [];
  const overviewBase: number[] = [];
  let jsGzip = 0;
  let jsFiles: string[] = [];
  for (let r = 0; r < reps; r++) {
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await page.goto(`${url}/?range=${args.range}`);
    await page.waitForFunction(() => performance.getEntriesByName('vigil:overview-ready').length > 0, undefined, {
      timeout: 30_000,
    });
    // A string, not a function: tsx would wrap a named helper in __name(), unknown in the page.
    const t = (await page.evaluate(`(() => {
      const res = performance.getEntriesByType('resource');
      const end = (re) => Math.max(0, ...res.filter((e) => re.test(e.name)).map((e) => e.responseEnd));
      return {
        ready: performance.getEntriesByName('vigil:overview-ready')[0].startTime,
        js: end(/\\/assets\\/.+\\.js$/),
        api: end(/\\/api\\/v1\\/dashboard/),
      };
    })()`)) as { ready: number; js: number; api: number };
    overview.push(t.ready);
    overviewJs.push(t.js);
    overviewApi.push(t.api);
    if (r === 0) {
      jsFiles = await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((e) => e.name)
          .filter((n) => /\/assets\/.+\.js$/.test(n)),
      );
      for (const f of jsFiles)
        jsGzip += gzipSync(Buffer.from(await (await fetch(f)).arrayBuffer()), { level: 9 }).length;
    }
    await page.close();
    const to = Date.now();
    const from = to - 24 * 3600_000;
    const [b] = await timed(() =>
      Promise.all([
        api(`/api/v1/dashboard?from=${from}&to=${to}`),
        api(`/api/v1/dashboard?from=${from - 24 * 3600_000}&to=${from}`),
      ]),
    );
    overviewBase.push(b);
  }

  // 2. Trace-list filter round trip, measured inside the page from the change event to the new rows.
  const page = await ctx.newPage();
  await page.goto(`${url}/traces?range=${args.range}`);
  await page.locator('[data-testid=trace-list] tbody tr').first().waitFor({ timeout: 30_000 });
  const filter: number[] = [];
  const filterBase: number[] = [];
  for (let r = 0; r < reps * 2; r++) {
    const value = r % 2 === 0 ? 'error' : '';
    const ms = await page.evaluate(async (v) => {
      const sel = document.querySelector<HTMLSelectElement>('select[aria-label="Status"]')!;
      const box = document.querySelector('[data-testid=trace-list]')!;
      const t0 = performance.now();
      sel.value = v;
      sel.dispatchEvent(new Event('change', { bubbles: true }));
      let sawLoading = false;
      for (;;) {
        await new Promise((res) => requestAnimationFrame(res));
        const loading = box.getAttribute('data-loading') === 'true';
        if (loading) sawLoading = true;
        if (sawLoading && !loading) return performance.now() - t0;
        if (performance.now() - t0 > 30_000) throw new Error('filter did not settle');
      }
    }, value);
    filter.push(ms);
    const to = Date.now();
    const [b] = await timed(() =>
      api(`/api/v1/traces?from=${to - 24 * 3600_000}&to=${to}&limit=50${value ? `&status=${value}` : ''}`),
    );
    filterBase.push(b);
  }
  await page.close();

  // 3. The big trace: API answer → waterfall painted; plus navigation → painted.
  const render: number[] = [];
  const traceTotal: number[] = [];
  const traceBase: number[] = [];
  let rendered = '';
  for (let r = 0; r < reps; r++) {
    const p = await ctx.newPage();
    await p.goto(`${url}/traces/${traceId}`);
    await p.waitForFunction(() => performance.getEntriesByName('vigil:waterfall-rendered').length > 0, undefined, {
      timeout: 60_000,
    });
    const m = await p.evaluate((id) => {
      const mark = performance.getEntriesByName('vigil:waterfall-rendered')[0].startTime;
      const res = performance
        .getEntriesByType('resource')
        .find((e) => e.name.includes(`/api/v1/traces/${id}`)) as PerformanceResourceTiming;
      return {
        mark,
        responseEnd: res.responseEnd,
        rows: document.querySelector('.waterfall')?.getAttribute('data-rendered') ?? '',
      };
    }, traceId);
    render.push(m.mark - m.responseEnd);
    traceTotal.push(m.mark);
    rendered = m.rows;
    await p.close();
    const [b] = await timed(() => api(`/api/v1/traces/${traceId}`));
    traceBase.push(b);
  }
  await ctx.close();

  const row = (name: string, xs: number[], base: number[], target: string) => {
    const mx = median(xs);
    const mb = median(base);
    console.log(
      `${name.padEnd(36)} median ${mx.toFixed(1).padStart(8)} ms  p95 ${p95(xs).toFixed(1).padStart(8)} ms | API baseline ${mb.toFixed(1).padStart(7)} ms | ratio ${(mx / mb).toFixed(2)}x | target ${target}`,
    );
    results[name] = { medianMs: mx, p95Ms: p95(xs), baselineMedianMs: mb, ratio: mx / mb, samples: xs };
  };
  console.log(`\nChromium, ${reps} repetitions${quick ? ' (quick)' : ''}, range ${args.range}`);
  row('overview interactive (cold)', overview, overviewBase, '< 1000 ms');
  console.log(
    `  breakdown (medians): last JS chunk loaded at ${median(overviewJs).toFixed(0)} ms, both dashboard answers at ${median(overviewApi).toFixed(0)} ms, painted at ${median(overview).toFixed(0)} ms`,
  );
  row('trace list filter round trip', filter, filterBase, '< 300 ms');
  row(`${nSpans}-span trace: answer → painted`, render, traceBase, '< 500 ms');
  row(`${nSpans}-span trace: navigation → painted`, traceTotal, traceBase, '—');
  console.log(`waterfall rows in the tree: ${rendered}`);
  console.log(`first-page JS: ${(jsGzip / 1024).toFixed(1)} KB gzip over ${jsFiles.length} files (target < 250 KB)`);
  results.firstPageJsGzipBytes = jsGzip;
  mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
  const out = join(process.cwd(), 'bench', 'results', `web-${Date.now()}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  console.log(`results: ${out}`);
  await cleanup();
  rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
