/**
 * The built dashboard in a real headless Chromium against a real Vigil server with seeded data:
 * sign-in, every page loads without console errors (screenshots in test-artifacts/), filters change
 * the trace list, a trace opens, an alert is acknowledged, and live updates arrive without reload.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_PROJECT, generateApiKey } from '@vigil/core';
import { DEFAULT_CONFIG, type StartedServer, startServer } from '@vigil/server';
import type { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, agentTrace, bigTrace, ensureWebBuild, ingest, launchChromium, seed } from './dashboard-harness.js';
import { tempDir } from './helpers.js';

const PAGES: { link: string; path: string; ready: string }[] = [
  { link: 'Overview', path: '/', ready: 'text=Latency p95' },
  { link: 'Traces', path: '/traces', ready: '[data-testid=trace-list] tbody tr' },
  { link: 'Agents', path: '/agents', ready: 'table[aria-label=Agents] >> text=Planner' },
  { link: 'Models', path: '/models', ready: 'table[aria-label=Models] >> text=gpt-4o-mini' },
  { link: 'Cost', path: '/cost', ready: 'table[aria-label="Cost by user"] >> text=alice' },
  { link: 'Errors', path: '/errors', ready: 'table[aria-label="Error groups"] >> text=RateLimitError' },
  { link: 'System health', path: '/system', ready: 'text=Health score' },
  { link: 'Alerts', path: '/alerts', ready: 'table[aria-label="Active alerts"] >> text=p95 latency above 2 s' },
  { link: 'Anomalies', path: '/anomalies', ready: 'table[aria-label=Anomalies] >> text=span.p95_ms' },
  { link: 'Service map', path: '/service-map', ready: '.svcmap text:has-text("gpt-4o-mini")' },
];

/** Waits until no loading state or spinner is left (the live stream keeps the network busy). */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      !document.querySelector('.state.loading, .spinner, .chart-empty:not(:empty)') ||
      !document.querySelector('.state.loading, .spinner'),
    undefined,
    { timeout: 15_000 },
  );
  await page.waitForTimeout(250);
}

describe('dashboard in Chromium', { timeout: 180_000 }, () => {
  const dir = tempDir('vigil-web-e2e-');
  const key = generateApiKey();
  let started: StartedServer;
  let browser: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    ensureWebBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    started = await startServer({
      ...DEFAULT_CONFIG,
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir.path, 'data'),
      apiKey: key,
      logLevel: 'error',
      retentionDays: 0,
    });
    await seed(started.url, key, 40);
    const store = started.server.core.store;
    const nowUs = Date.now() * 1000;
    await store.upsertAlert({
      id: 'e2e-alert-1',
      project: DEFAULT_PROJECT,
      ruleId: null,
      name: 'p95 latency above 2 s',
      severity: 'critical',
      state: 'firing',
      message: 'span.p95_ms = 2450 > 2000 for 5m',
      labels: { model: 'gpt-4o-mini' },
      value: 2450,
      startedUs: nowUs - 10 * 60e6,
      updatedUs: nowUs - 60e6,
      resolvedUs: null,
      acknowledgedBy: null,
    });
    await store.insertAnomalies([
      {
        id: 'e2e-anomaly-1',
        project: DEFAULT_PROJECT,
        metric: 'span.p95_ms',
        labels: {},
        timeUs: nowUs - 20 * 60e6,
        value: 2450,
        expected: 600,
        lower: 300,
        upper: 900,
        score: 0.97,
        severity: 'high',
        confidence: 0.9,
        detector: 'ewma',
        description: 'p95 latency spike',
        createdUs: nowUs - 19 * 60e6,
      },
    ]);
    browser = await launchChromium(join(dir.path, 'chromium-profile'));
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

  test('sign-in with an API key, then every page loads without console errors', async () => {
    await page.goto(`${started.url}/?range=1h`);
    await page.getByLabel('API key').fill('not-a-valid-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That API key was not accepted.').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-sign-in.png') });
    consoleErrors.length = 0; // the rejected key's 401 is expected noise
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    const names = await nav.getByRole('link').allTextContents();
    for (const p of PAGES) assert.ok(names.includes(p.link), `nav has ${p.link}`);

    for (const p of PAGES) {
      await nav.getByRole('link', { name: p.link, exact: true }).click();
      await page.waitForURL((u) => u.pathname === p.path);
      await page.locator(p.ready).first().waitFor({ timeout: 15_000 });
      await settle(page);
      assert.equal(await page.locator('.state.error').count(), 0, `${p.link} shows no error state`);
      await page.screenshot({
        path: join(ARTIFACTS, `dashboard-${p.path === '/' ? 'overview' : p.path.slice(1)}.png`),
        fullPage: true,
      });
    }
    // The time range survives navigation (shareable URL state).
    assert.match(page.url(), /range=1h/);
    assert.deepEqual(consoleErrors, []);
  });

  test('filters change the trace list and live in the URL', async () => {
    await page.goto(`${started.url}/traces?range=1h`);
    const rows = page.locator('[data-testid=trace-list] tbody tr');
    await rows.first().waitFor();
    const all = await rows.count();
    assert.equal(all, 40);

    await page.getByLabel('Status', { exact: true }).selectOption('error');
    await page.waitForURL(/status=error/);
    await page.locator('[data-testid=trace-list][data-loading=false]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-list] tbody tr').length === 8);
    const statuses = await page.locator('[data-testid=trace-list] tbody tr td:nth-child(6)').allTextContents();
    assert.ok(
      statuses.every((s) => s.includes('error')),
      'only error traces',
    );

    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.getByLabel('Agent', { exact: true }).selectOption('planner');
    await page.waitForURL(/agent=planner/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-list] tbody tr').length === 14);
    const agents = await page.locator('[data-testid=trace-list] tbody tr td:nth-child(4)').allTextContents();
    assert.ok(agents.every((a) => a === 'Planner'));

    await page.getByLabel('Agent', { exact: true }).selectOption('');
    await page.getByLabel('Min duration (ms)').fill('1500');
    await page.waitForURL(/minDurationMs=1500/);
    await page.waitForFunction(() => {
      const rows = document.querySelectorAll('[data-testid=trace-list] tbody tr');
      return rows.length > 0 && rows.length < 40;
    });
    const durations = await page.locator('[data-testid=trace-list] tbody tr td:nth-child(7)').allTextContents();
    assert.ok(
      durations.every((d) => d.endsWith(' s') && Number.parseFloat(d) >= 1.5),
      `all at least 1.5 s: ${durations.join(', ')}`,
    );
    await page.getByLabel('Min duration (ms)').fill('');
    await page.getByLabel('Service').fill('demo-app');
    await page.waitForURL(/service=demo-app/);
    await page.getByLabel('Search traces').fill('no trace has this text');
    await page.getByText('No traces match these filters').waitFor();
    assert.match(page.url(), /text=no\+trace/);
    await page.getByRole('button', { name: /Clear filters/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-list] tbody tr').length === 40);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-traces-filtered.png') });
    assert.deepEqual(consoleErrors, []);
  });

  test('a trace opens as a waterfall with span details, errors and roll-ups', async () => {
    await page.goto(`${started.url}/traces?range=1h&status=error`);
    await page.locator('[data-testid=trace-list] tbody tr').first().click();
    await page.waitForURL(/\/traces\/[0-9a-f]{32}/);
    const tree = page.getByRole('tree', { name: 'Spans' });
    await tree.waitFor();
    assert.equal(await tree.getAttribute('data-rendered'), '4');
    assert.equal(await page.getByRole('treeitem').count(), 4);
    // Select the failing child span and see its exception and stack.
    await page.locator('.wf-row:has(.badge-error)').nth(1).click();
    const detail = page.getByTestId('span-detail');
    await detail
      .getByText(/RateLimitError|TimeoutError/)
      .first()
      .waitFor();
    assert.ok((await detail.locator('pre.stack').textContent())?.includes('at '));
    assert.match(page.url(), /span=[0-9a-f]{16}/);
    // Correlated logs link back to their span.
    const logs = page.getByRole('table', { name: 'Trace logs' });
    await logs.getByText(/step failed/).waitFor();
    await logs.getByRole('button').first().click();
    // Keyboard: arrow keys move the selection.
    await tree.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('.wf-row.selected').count(), 1);
    // Find jumps to a matching span.
    await page.getByLabel('Find span').fill('gpt-4o');
    await page.getByLabel('Find span').press('Enter');
    await page.waitForFunction(() =>
      document.querySelector('.wf-row.selected .label')?.textContent?.includes('gpt-4o'),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-trace-detail.png'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });

  test('an alert can be acknowledged', async () => {
    await page.goto(`${started.url}/alerts`);
    await page.getByRole('button', { name: 'Acknowledge p95 latency above 2 s' }).click();
    await page.getByText('Acknowledged: p95 latency above 2 s').waitFor();
    const res = await fetch(`${started.url}/api/v1/alerts?state=acknowledged`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    const body = (await res.json()) as { items: { id: string; state: string }[] };
    assert.deepEqual(
      body.items.map((a) => [a.id, a.state]),
      [['e2e-alert-1', 'acknowledged']],
    );
    await page.locator('table[aria-label="Active alerts"] >> text=acknowledged').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-alert-acked.png'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });

  test('live updates arrive without reloading', async () => {
    await page.goto(`${started.url}/traces?range=1h`);
    await page.locator('[data-testid=trace-list] tbody tr').first().waitFor();
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 10_000 });
    await page.evaluate(() => {
      (window as unknown as { __marker: number }).__marker = 1;
    });
    const tr = agentTrace({ startMs: Date.now() - 2000, agentIndex: 1, name: 'live-arrival-check' });
    await ingest(started.url, key, tr.spans);
    await page.getByRole('link', { name: 'live-arrival-check' }).waitFor({ timeout: 15_000 });
    const same = await page.evaluate(() => (window as unknown as { __marker?: number }).__marker === 1);
    assert.ok(same, 'the page was not reloaded');
    const counted = Number(await page.locator('.live').getAttribute('data-live-spans'));
    assert.ok(counted >= tr.spans.length, `live span counter moved (${counted})`);
    assert.deepEqual(consoleErrors, []);
  });

  test('agent detail shows distribution, tools and versions; models count rate limits per model', async () => {
    await page.goto(`${started.url}/agents?range=1h`);
    await page.getByRole('row', { name: /Planner/ }).click();
    await page.waitForURL(/agent=planner/);
    await page.getByText('v1.4.0 × 14').waitFor();
    await page.locator('td:text-is("web_search")').waitFor();
    await page.getByRole('img', { name: /Latency distribution of 14 runs/ }).waitFor();
    await settle(page);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-agent-detail.png'), fullPage: true });

    await page.goto(`${started.url}/models?range=1h`);
    const rateLimited = async (model: string) =>
      (
        await page
          .getByRole('row', { name: new RegExp(model) })
          .first()
          .locator('td')
          .last()
          .textContent()
      )?.trim();
    await page.locator('table[aria-label=Models] >> text=gpt-4o-mini').waitFor();
    assert.equal(await rateLimited('gpt-4o-mini'), '4');
    assert.equal(await rateLimited('claude-3-5-haiku'), '0');
    assert.deepEqual(consoleErrors, []);
  });

  test('keyboard shortcuts navigate and explain themselves', async () => {
    await page.goto(`${started.url}/?range=1h`);
    await page.locator('text=Latency p95').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('t');
    await page.waitForURL((u) => u.pathname === '/traces' && u.search.includes('range=1h'));
    await page.locator('[data-testid=trace-list] tbody tr').first().waitFor();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search traces');
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 700 } });
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'detached' });
    assert.deepEqual(consoleErrors, []);
  });

  test('fits a laptop screen', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${started.url}/?range=1h`);
    await page.locator('text=Latency p95').waitFor();
    await settle(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scroll (${overflow}px)`);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-overview-1280.png') });
    await page.setViewportSize({ width: 1366, height: 860 });
  });

  test('dark theme renders and persists', async () => {
    await page.goto(`${started.url}/?range=1h`);
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.locator('text=Latency p95').waitFor();
    await settle(page);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-overview-dark.png'), fullPage: true });
    await page.reload();
    await page.locator('text=Latency p95').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.getByRole('button', { name: 'Light theme' }).click();
    assert.deepEqual(consoleErrors, []);
  });
  test('a 2,000-span trace renders virtualised', async () => {
    const big = bigTrace(2000, Date.now() - 5 * 60_000);
    for (let i = 0; i < big.events.length; i += 500) await ingest(started.url, key, big.events.slice(i, i + 500));
    await page.goto(`${started.url}/traces/${big.traceId}`);
    const tree = page.getByRole('tree', { name: 'Spans' });
    await page.waitForFunction(() => document.querySelector('.waterfall')?.getAttribute('data-rendered') === '2000');
    const inDom = await page.locator('.wf-row').count();
    assert.ok(inDom < 120, `only visible rows are in the DOM (${inDom})`);
    // Scrolling to the end brings the last rows in.
    await tree.focus();
    await page.keyboard.press('End');
    await page.waitForFunction(() => (document.querySelector('.waterfall') as HTMLElement).scrollTop > 40_000);
    assert.equal(await page.locator('.wf-row.selected').count(), 1);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-trace-2000.png') });
    assert.deepEqual(consoleErrors, []);
  });

  test('an empty time range shows empty states, not errors', async () => {
    // Pick an absolute range with the picker; it lands in the URL.
    await page.goto(`${started.url}/?range=1h`);
    await page.getByLabel('Time range').selectOption('custom');
    await page.getByLabel('From').fill('2020-01-01T00:00');
    await page.getByLabel('To', { exact: true }).fill('2020-01-02T00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/from=2020-01-0/);
    assert.doesNotMatch(page.url(), /range=/);
    await page.getByText('No telemetry in this range yet').waitFor();
    const q = 'from=2020-01-01T00:00:00.000Z&to=2020-01-02T00:00:00.000Z';
    await page.goto(`${started.url}/traces?${q}`);
    await page.getByText('No traces in this range yet.').waitFor();
    await page.goto(`${started.url}/errors?${q}`);
    await page.getByText('No errors in this range.').waitFor();
    await page.goto(`${started.url}/service-map?${q}`);
    await page.getByText(/No calls between/).waitFor();
    assert.equal(await page.locator('.state.error').count(), 0);
    assert.deepEqual(consoleErrors, []);
  });

  test('a server that stops answering shows a clear error state', async () => {
    await page.goto(`${started.url}/traces?range=1h`);
    await page.locator('[data-testid=trace-list] tbody tr').first().waitFor();
    await started.stop();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('alert').getByText('Cannot reach the server').waitFor({ timeout: 10_000 });
    await page.getByText('Offline').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-server-down.png') });
  });
});
