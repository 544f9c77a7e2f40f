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
    // The failing spans are still inside the 30 s window: the preview says what would fire.
    await form.getByRole('button', { name: /Preview/ }).click();
    await form.getByText('1 alert would fire now:').waitFor();
    await form.getByRole('status', { name: 'Preview result' }).getByText('whole project').waitFor();
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

  test('editing a rule keeps what the form does not change', async () => {
    await page.getByRole('button', { name: `Edit rule ${RULE}` }).click();
    const form = page.getByRole('form', { name: 'Alert rule editor' });
    await form.getByLabel('Threshold').fill('0.4');
    await form.getByLabel('Labels', { exact: true }).fill('team=ml, env=prod');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText(`Saved “${RULE}”: span error_rate over 30s > 0.4`).waitFor();
    const { items } = await get<{ items: Record<string, unknown>[] }>('/api/v1/alert-rules');
    const r = items[0];
    assert.equal(r.enabled, false, 'still disabled');
    assert.equal(r.severity, 'critical');
    assert.deepEqual(r.labels, { team: 'ml', env: 'prod' });
    assert.equal((r.channels as string[]).length, 1);
    assert.equal((r.condition as { threshold: number }).threshold, 0.4);
    assert.deepEqual(consoleErrors, []);
  });

  test('metric, anomaly and absence rules save the documented shapes; bad units never reach the server', async () => {
    const channelId = (await get<{ items: { id: string }[] }>('/api/v1/channels')).items[0].id;
    const open = async (name: string, type: string) => {
      await page.getByRole('button', { name: 'New rule' }).click();
      const form = page.getByRole('form', { name: 'Alert rule editor' });
      await form.getByLabel('Name', { exact: true }).fill(name);
      await form.getByLabel('Type').selectOption(type);
      return form;
    };
    const saved = async (name: string) => {
      await page.getByText(`Saved “${name}”`).waitFor();
      const { items } = await get<{ items: Record<string, unknown>[] }>('/api/v1/alert-rules');
      const r = items.find((x) => x.name === name);
      assert.ok(r, name);
      return r;
    };

    let form = await open('CPU high', 'metric');
    await form.getByLabel('Metric', { exact: true }).fill('system.cpu_usage');
    await form.getByLabel('Aggregation').selectOption('p95');
    await form.getByLabel('Operator').selectOption('>=');
    await form.getByLabel('Threshold').fill('90');
    await form.getByLabel('Window').fill('five minutes');
    await form.getByLabel('Label filter').fill('host=web-1');
    await form.getByLabel('One alert per label').fill('host, region');
    await form.getByLabel('Pending for').fill('2m');
    await form.getByRole('button', { name: 'Save rule' }).click();
    // Caught in the browser: the same field highlighting, and no request.
    await form.locator('#rule-condition-windowMs[aria-invalid="true"]').waitFor();
    await form.getByText('condition.windowMs must be a duration such as 30s, 5m, 2h or 1d').waitFor();
    await form.getByLabel('Window').fill('5m');
    await form.getByRole('button', { name: 'Add escalation step' }).click();
    await form.getByLabel('Escalate after').fill('15m');
    await form.getByRole('group', { name: 'Step 1: also notify' }).getByRole('checkbox').check();
    await form.getByRole('button', { name: 'Save rule' }).click();
    let r = await saved('CPU high');
    assert.deepEqual(r.condition, {
      type: 'metric',
      metric: 'system.cpu_usage',
      aggregation: 'p95',
      windowMs: 300_000,
      operator: '>=',
      threshold: 90,
      labels: { host: 'web-1' },
      groupBy: ['host', 'region'],
    });
    assert.equal(r.forMs, 120_000);
    assert.deepEqual(r.escalation, [{ afterMs: 900_000, channels: [channelId] }]);
    await page.getByRole('table', { name: 'Alert rules' }).getByText('p95(system.cpu_usage').first().waitFor();

    form = await open('LLM anomalies', 'anomaly');
    await form.getByLabel('Metric pattern').fill('span.*');
    await form.getByLabel('Minimum severity').selectOption('medium');
    await form.getByLabel('Window').fill('1h');
    await form.getByRole('button', { name: 'Save rule' }).click();
    r = await saved('LLM anomalies');
    assert.deepEqual(r.condition, { type: 'anomaly', metric: 'span.*', minSeverity: 'medium', windowMs: 3_600_000 });

    form = await open('Model went quiet', 'absence');
    await form.getByLabel('Source').selectOption('spans');
    await form.getByLabel('Span kind').selectOption('llm');
    await form.getByLabel('Window').fill('10m');
    await form.getByLabel('One alert per label').fill('model');
    await form.getByLabel('Look back for series').fill('1d');
    await form.getByRole('button', { name: 'Save rule' }).click();
    r = await saved('Model went quiet');
    assert.deepEqual(r.condition, {
      type: 'absence',
      source: 'spans',
      windowMs: 600_000,
      kind: 'llm',
      groupBy: ['model'],
      lookbackMs: 86_400_000,
    });
    await shot('rules');

    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Delete rule Model went quiet' }).click();
    await page.getByText('Deleted “Model went quiet”').waitFor();
    const names = (await get<{ items: { name: string }[] }>('/api/v1/alert-rules')).items.map((x) => x.name);
    assert.deepEqual(names.sort(), [RULE, 'CPU high', 'LLM anomalies'].sort());
    assert.deepEqual(consoleErrors, []);
  });

  test('slack and email channels; a secret survives an edit; the API error marks the email field', async () => {
    await page.getByRole('button', { name: 'New channel' }).click();
    let form = page.getByRole('form', { name: 'Channel editor' });
    await form.getByLabel('Name').fill('Team Slack');
    await form.getByLabel('Type').selectOption('slack');
    await form.getByLabel('Slack incoming-webhook URL').fill(`http://127.0.0.1:${RECEIVER_PORT}/slack`);
    await form.getByRole('button', { name: 'Save channel' }).click();
    const table = page.getByRole('table', { name: 'Notification channels' });
    await table.getByText('Team Slack').waitFor();
    await page.getByRole('button', { name: 'Send test to Team Slack' }).click();
    await table
      .getByText(/delivered, HTTP 200/)
      .nth(1)
      .waitFor();
    const slack = await until('the slack test', () => received.find((r) => r.path === '/slack'));
    assert.ok((JSON.parse(slack.body) as { blocks?: unknown[] }).blocks?.length, 'a Slack blocks payload');

    await page.getByRole('button', { name: 'New channel' }).click();
    form = page.getByRole('form', { name: 'Channel editor' });
    await form.getByLabel('Name').fill('On-call email');
    await form.getByLabel('Type').selectOption('email');
    await form.getByLabel('SMTP host').fill('127.0.0.1');
    await form.getByLabel('From').fill('vigil@example.com');
    await form.getByLabel('To', { exact: true }).fill('oncall@example.com, not-an-address');
    await form.getByRole('button', { name: 'Save channel' }).click();
    await form.locator('#chan-config-to[aria-invalid="true"]').waitFor();
    await form.getByText('config.to[1] must be an email address').waitFor();
    await shot('channel-error');
    assert.deepEqual(
      consoleErrors.splice(0).filter((e) => !/status of 400/.test(e)),
      [],
    );
    await form.getByLabel('To', { exact: true }).fill('oncall@example.com');
    await form.getByRole('button', { name: 'Save channel' }).click();
    await table.getByText('oncall@example.com via 127.0.0.1').waitFor();

    // Renaming the webhook channel leaves its secret empty in the form: the stored one is kept.
    await page.getByRole('button', { name: 'Edit channel Ops webhook' }).click();
    form = page.getByRole('form', { name: 'Channel editor' });
    await form.getByText('one is stored: leave empty to keep it').waitFor();
    await form.getByLabel('Name').fill('Ops webhook (signed)');
    await form.getByRole('button', { name: 'Save channel' }).click();
    await table.getByText('Ops webhook (signed)').waitFor();
    const before = received.length;
    await page.getByRole('button', { name: 'Send test to Ops webhook (signed)' }).click();
    const again = await until('the second signed test', () =>
      received.slice(before).find((r) => r.path === '/hooks/vigil'),
    );
    assert.ok(signed(again), 'still signed with the stored secret');
    const items = (await get<{ items: { name: string; type: string; secretSet: boolean }[] }>('/api/v1/channels'))
      .items;
    assert.deepEqual(items.map((c) => [c.name, c.type, c.secretSet]).sort(), [
      ['On-call email', 'email', false],
      ['Ops webhook (signed)', 'webhook', true],
      ['Team Slack', 'slack', false],
    ]);
    assert.deepEqual(consoleErrors, []);
  });
});
