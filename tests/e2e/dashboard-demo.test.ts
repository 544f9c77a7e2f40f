/**
 * The dashboard against the SDK-driven demo workload (`vigil demo`'s runDemo): realistic agents,
 * models, tools, retries, failures, logs and system metrics, with the workload still running while
 * every page is visited. No page may log a console error or show an error state.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateApiKey } from '@vigil/core';
import { DEFAULT_CONFIG, type StartedServer, startServer } from '@vigil/server';
import type { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, ensureWebBuild, launchChromium } from './dashboard-harness.js';
import { tempDir } from './helpers.js';

type RunDemo = (o: {
  url: string;
  apiKey: string;
  durationS: number;
  seed?: number;
  concurrency?: number;
}) => Promise<unknown>;

const PAGES = [
  ['Overview', '/'],
  ['Traces', '/traces'],
  ['Agents', '/agents'],
  ['Models', '/models'],
  ['Cost', '/cost'],
  ['Errors', '/errors'],
  ['System health', '/system'],
  ['Alerts', '/alerts'],
  ['Anomalies', '/anomalies'],
  ['Service map', '/service-map'],
] as const;

describe('dashboard with the demo workload', { timeout: 180_000 }, () => {
  const dir = tempDir('vigil-web-demo-');
  const key = generateApiKey();
  let started: StartedServer;
  let browser: BrowserContext;
  let page: Page;
  let runDemo: RunDemo;
  const consoleErrors: string[] = [];

  before(async () => {
    ensureWebBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    started = await startServer({
      ...DEFAULT_CONFIG,
      port: 0,
      dataDir: join(dir.path, 'data'),
      apiKey: key,
      logLevel: 'error',
      retentionDays: 0,
    });
    const workload = '../../packages/server/src/demo/workload.js';
    ({ runDemo } = (await import(workload)) as { runDemo: RunDemo });
    await runDemo({ url: started.url, apiKey: key, durationS: 4, seed: 7 });
    browser = await launchChromium(join(dir.path, 'profile'));
    await browser.addInitScript((k) => sessionStorage.setItem('vigil.apiKey', k), key);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await started?.stop().catch(() => {});
    dir.remove();
  });

  test('every page renders the demo data while the workload keeps running', async () => {
    const more = runDemo({ url: started.url, apiKey: key, durationS: 6, seed: 8 });
    await page.goto(`${started.url}/?range=1h`);
    for (const [name, path] of PAGES) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
      await page.waitForURL((u) => u.pathname === path);
      await page.waitForFunction(() => !document.querySelector('.state.loading, .spinner'), undefined, {
        timeout: 20_000,
      });
      await page.waitForTimeout(300);
      assert.equal(await page.locator('.state.error').count(), 0, `${name}: no error state`);
      assert.equal((await page.locator('.state.empty').count()) > 0 && path === '/traces', false, 'traces are listed');
      await page.screenshot({
        path: join(ARTIFACTS, `dashboard-demo-${path === '/' ? 'overview' : path.slice(1)}.png`),
        fullPage: true,
      });
    }
    // Open the slowest error trace the demo produced.
    await page.goto(`${started.url}/traces?range=1h&status=error`);
    await page.locator('[data-testid=trace-list] tbody tr').first().click();
    await page.getByRole('tree', { name: 'Spans' }).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-demo-trace.png'), fullPage: true });
    await more;
    assert.deepEqual(consoleErrors, []);
  });
});
