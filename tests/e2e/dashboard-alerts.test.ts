/**
 * The Alerts page end to end, in a real headless Chromium against a real Vigil server evaluating
 * rules every 500 ms: a signed webhook channel pointing at a real local HTTP receiver (with a test
 * send), an error-rate rule created through the form (after a field-level API error), failing
 * spans ingested over the public API, the alert firing on the page, the receiver checking the
 * HMAC signature, then acknowledge, silence, end the silence, and the alert's delivery history.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateApiKey, verifySignature } from '@vigil/core';
import { DEFAULT_CONFIG, type StartedServer, startServer } from '@vigil/server';
import type { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, agentTrace, ensureWebBuild, ingest, launchChromium } from './dashboard-harness.js';
import { tempDir } from './helpers.js';

const SERVER_PORT = 42000;
const RECEIVER_PORT = 42001;
const SECRET = 'e2e-signing-secret';
const RULE = 'Agent error rate';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain node:http webhook receiver that records every request and answers 200. */
function startReceiver(received: Received[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(RECEIVER_PORT, '127.0.0.1', () => resolve(server));
  });
}

const signed = (r: Received) =>
  verifySignature(
    SECRET,
    { timestamp: r.headers['x-vigil-timestamp'] as string, signature: r.headers['x-vigil-signature'] as string },
    r.body,
  );

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Alerts page in Chromium', { timeout: 180_000 }, () => {
  const dir = tempDir('vigil-web-alerts-');
  const key = generateApiKey();
  const received: Received[] = [];
  let receiver: Server;
  let started: StartedServer;
  let browser: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${started.url}${path}`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const shot = async (name: string) => {
    // Full-page shots of a scrolled page repeat the sticky header mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, `alerts-${name}.png`), fullPage: true });
  };

  before(async () => {
    ensureWebBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = await startReceiver(received);
    started = await startServer({
      ...DEFAULT_CONFIG,
      port: SERVER_PORT,
      host: '127.0.0.1',
      dataDir: join(dir.path, 'data'),
      apiKey: key,
      logLevel: 'error',
      retentionDays: 0,
      alertIntervalMs: 500,
    });
    browser = await launchChromium(join(dir.path, 'chromium-profile'));
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${started.url}/alerts`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Alert rules' }).waitFor();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await started?.stop().catch(() => {});
    await new Promise((r) => receiver?.close(r));
    dir.remove();
  });

  test('empty states, then a signed webhook channel with a test send', async () => {
    await page.getByText('No rules yet.').waitFor();
    await page.getByText('No channels yet.').waitFor();
    await page.getByText('No silences in effect.').waitFor();
    await page.getByText('No active alerts. All quiet.').waitFor();
    await shot('empty');

    await page.getByRole('button', { name: 'New channel' }).click();
    const form = page.getByRole('form', { name: 'Channel editor' });
    await form.getByLabel('Name').fill('Ops webhook');
    await form.getByLabel('Type').selectOption('webhook');
    await form.getByLabel('URL').fill(`http://127.0.0.1:${RECEIVER_PORT}/hooks/vigil`);
    await form.getByLabel('Signing secret (optional)').fill(SECRET);
    await form.getByRole('button', { name: 'Save channel' }).click();
    const table = page.getByRole('table', { name: 'Notification channels' });
    await table.getByText('Ops webhook').waitFor();
    await table.getByText('signed').waitFor();

    await page.getByRole('button', { name: 'Send test to Ops webhook' }).click();
    await table.getByText(/delivered, HTTP 200, 1 attempt/).waitFor();
    const test = await until('the test webhook', () => received.find((r) => r.headers['x-vigil-event'] === 'test'));
    assert.equal(test.path, '/hooks/vigil');
    assert.ok(signed(test), 'test webhook carries a valid HMAC signature');
    await shot('channel');

    const { items } = await get<{ items: { name: string; secretSet: boolean; config: Record<string, unknown> }[] }>(
      '/api/v1/channels',
    );
    assert.deepEqual(
      items.map((c) => [c.name, c.secretSet, 'secret' in c.config]),
      [['Ops webhook', true, false]],
    );
    assert.deepEqual(consoleErrors, []);
  });

  test('the rule form shows the API error on the field it names, then saves', async () => {
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.getByRole('form', { name: 'Alert rule editor' });
    await form.getByLabel('Name', { exact: true }).fill(RULE);
    await form.getByLabel('Severity').selectOption('critical');
    await form.getByLabel('Type').selectOption('span_measure');
    await form.getByLabel('Measure').selectOption('error_rate');
    await form.getByLabel('Operator').selectOption('>');
    await form.getByLabel('Window').fill('30s');
    await form.getByLabel('Pending for').fill('0');
    await form.getByRole('checkbox', { name: /Ops webhook/ }).check();
    // Threshold left empty: the server's message names condition.threshold.
    await form.getByRole('button', { name: 'Save rule' }).click();
    const threshold = form.getByLabel('Threshold');
    await form.locator('#rule-condition-threshold[aria-invalid="true"]').waitFor();
    await form.getByText('condition.threshold is required').waitFor();
    assert.equal(await threshold.evaluate((el) => el === document.activeElement), true, 'focus moves to the field');
    assert.equal(await form.locator('[aria-invalid="true"]').count(), 1, 'only that field is marked');
    await shot('form-error');
    // The rejected POST is expected noise in the console (Chromium logs failed requests).
    const noise = consoleErrors.splice(0).filter((e) => !/status of 400/.test(e));
    assert.deepEqual(noise, []);

    await threshold.fill('0.3');
    await form.getByRole('button', { name: /Preview/ }).click();
    await form.getByText('Nothing would fire right now.').waitFor();
    assert.equal(await form.locator('[aria-invalid="true"]').count(), 0, 'the fixed field is no longer marked');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText(`Saved “${RULE}”`).waitFor();
    const rules = page.getByRole('table', { name: 'Alert rules' });
    await rules.getByText('span error_rate over 30s > 0.3').waitFor();

    const { items } = await get<{ items: Record<string, unknown>[] }>('/api/v1/alert-rules');
    const channels = await get<{ items: { id: string }[] }>('/api/v1/channels');
    assert.equal(items.length, 1);
    const r = items[0];
    assert.equal(r.name, RULE);
    assert.equal(r.severity, 'critical');
    assert.equal(r.forMs, 0);
    assert.equal(r.repeatIntervalMs, 4 * 3_600_000);
    assert.deepEqual(r.channels, [channels.items[0].id]);
    assert.deepEqual(r.condition, {
      type: 'span_measure',
      measure: 'error_rate',
      windowMs: 30_000,
      operator: '>',
      threshold: 0.3,
    });
    assert.deepEqual(consoleErrors, []);
  });

  test('failing spans fire the rule: the alert shows, the webhook arrives signed, ack, silence, deliveries', async () => {
    const now = Date.now();
    const events = [];
    for (let i = 0; i < 6; i++)
      events.push(...agentTrace({ startMs: now - 4000 + i * 100, agentIndex: i, error: 'rate_limit' }).spans);
    await ingest(started.url, key, events);

    const active = page.getByRole('table', { name: 'Active alerts' });
    await active.getByText(RULE, { exact: true }).waitFor({ timeout: 20_000 });
    await active.getByText('firing', { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Alert rules' }).getByText('firing', { exact: true }).waitFor();
    const firing = await until('the firing webhook', () =>
      received.find((r) => r.headers['x-vigil-event'] === 'firing'),
    );
    assert.ok(signed(firing), 'firing webhook carries a valid HMAC signature');
    assert.ok(!signed({ ...firing, body: firing.body.replace('firing', 'resolved') }), 'a tampered body fails');
    const payload = JSON.parse(firing.body) as {
      event: string;
      alert: { id: string; name: string };
      rule: { condition: string };
    };
    assert.equal(payload.event, 'firing');
    assert.equal(payload.alert.name, RULE);
    assert.equal(payload.rule.condition, 'span error_rate over 30s > 0.3');
    await shot('firing');

    await page.getByRole('button', { name: `Deliveries of ${RULE}` }).click();
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    await deliveries.getByText('firing', { exact: true }).waitFor();
    await deliveries.getByText('sent', { exact: true }).waitFor();
    await deliveries.getByText('Ops webhook (webhook)').waitFor();
    await shot('deliveries');

    await page.getByRole('button', { name: `Acknowledge ${RULE}` }).click();
    await page.getByText(`Acknowledged: ${RULE}`).waitFor();
    await active.getByText('acknowledged', { exact: true }).waitFor();
    const acked = await get<{ items: { id: string; state: string }[] }>('/api/v1/alerts?state=acknowledged');
    assert.deepEqual(
      acked.items.map((a) => [a.id, a.state]),
      [[payload.alert.id, 'acknowledged']],
    );

    await page.getByRole('button', { name: `Silence ${RULE}` }).click();
    await page.getByText(`Silenced for 1h: ${RULE}`).waitFor();
    const silences = page.getByRole('table', { name: 'Active silences' });
    await silences.getByText(`alertname=${RULE}`).waitFor();
    await page.getByRole('table', { name: 'Past alerts' }).getByText('silenced', { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Alert rules' }).getByText('silenced', { exact: true }).waitFor();
    const sil = await get<{ items: { matchers: Record<string, string>; active: boolean }[] }>(
      '/api/v1/silences?active=true',
    );
    assert.equal(sil.items.length, 1);
    assert.equal(sil.items[0].matchers.alertname, RULE);
    await shot('silenced');

    await silences.getByRole('button', { name: /End silence/ }).click();
    await page.getByText('No silences in effect.').waitFor();
    assert.equal((await get<{ items: unknown[] }>('/api/v1/silences?active=true')).items.length, 0);
    assert.deepEqual(consoleErrors, []);
  });

  test('rule list: disable toggle, edit shows human units, dark theme', async () => {
    const toggle = page.getByRole('switch', { name: `Enabled: ${RULE}` });
    await toggle.click();
    await page.getByText(`Disabled “${RULE}”`).waitFor();
    const { items } = await get<{ items: { enabled: boolean; condition: unknown }[] }>('/api/v1/alert-rules');
    assert.equal(items[0].enabled, false);
    assert.equal((items[0].condition as { windowMs: number }).windowMs, 30_000, 'toggling keeps the condition');

    await page.getByRole('button', { name: `Edit rule ${RULE}` }).click();
    const form = page.getByRole('form', { name: 'Alert rule editor' });
    assert.equal(await form.getByLabel('Window').inputValue(), '30s');
    assert.equal(await form.getByLabel('Repeat every').inputValue(), '4h');
    assert.equal(await form.getByLabel('Threshold').inputValue(), '0.3');
    await form.getByLabel('Type').selectOption('absence');
    await form.getByLabel('Source').waitFor();
    await form.getByLabel('Window').press('Escape');
    await form.waitFor({ state: 'detached' });

    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('t');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.getByRole('button', { name: 'New rule' }).click();
    await shot('dark');
    assert.deepEqual(consoleErrors, []);
  });
});
