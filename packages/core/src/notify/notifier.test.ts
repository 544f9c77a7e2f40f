/**
 * The notifier against real receivers: a node:http server standing in for webhook/Slack endpoints
 * (checking the HMAC signature as a receiver would) and a minimal SMTP server on node:net that
 * nodemailer talks real SMTP to. The delivery log goes to a real DuckDB store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AlertNotification, AlertRule, NotificationChannel } from '../alerting/types.js';
import { DuckDbStore } from '../store/duckdb/duckdb-store.js';
import type { AlertRecord, AlertState } from '../store/store.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './http.js';
import { Notifier } from './notifier.js';

const HTTP_PORT = 41711;
const SMTP_PORT = 41712;
const P = 'proj';
const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 1, 12);

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Answers each path with the queued statuses (then 200), recording every request. */
class Receiver {
  readonly requests: Received[] = [];
  readonly plans = new Map<string, number[]>();
  server!: Server;
  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const status = this.plans.get(req.url ?? '')?.shift() ?? 200;
        const answer = () =>
          res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
        if (req.url === '/slow') setTimeout(answer, 600);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(HTTP_PORT, '127.0.0.1', resolve));
  }
  on(path: string) {
    return this.requests.filter((r) => r.path === path);
  }
}

interface Mail {
  from: string;
  to: string[];
  data: string;
}

/** Just enough SMTP (RFC 5321) for nodemailer: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. */
function smtpServer(mails: Mail[], opts: { rejectRcpt?: boolean } = {}): TcpServer {
  return createTcpServer((sock) => {
    let buf = '';
    let inData = false;
    let cur: Mail = { from: '', to: [], data: '' };
    const reply = (s: string) => sock.write(`${s}\r\n`);
    reply('220 localhost ESMTP test');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          cur.data = buf.slice(0, end).replace(/^\.\./gm, '.');
          buf = buf.slice(end + 5);
          inData = false;
          mails.push(cur);
          cur = { from: '', to: [], data: '' };
          reply('250 2.0.0 queued');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250-localhost\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n');
        else if (verb === 'HELO') reply('250 localhost');
        else if (verb === 'MAIL') {
          cur.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          if (opts.rejectRcpt) reply('550 5.1.1 no such user');
          else {
            cur.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
            reply('250 2.1.5 ok');
          }
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
        else if (verb === 'QUIT') {
          reply('221 bye');
          sock.end();
        } else reply('502 5.5.2 not implemented');
      }
    });
    sock.on('error', () => {});
  });
}

function rule(o: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'r1',
    project: P,
    name: 'High error rate',
    description: 'Too many failed LLM calls',
    enabled: true,
    severity: 'critical',
    condition: { type: 'span_measure', measure: 'error_rate', windowMs: 5 * MIN, operator: '>', threshold: 0.2 },
    forMs: 0,
    keepFiringForMs: 0,
    labels: {},
    channels: ['hook'],
    repeatIntervalMs: 0,
    escalation: [],
    createdUs: T0 * 1000,
    updatedUs: T0 * 1000,
    ...o,
  };
}

let nAlert = 0;
function alert(state: AlertState, o: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id: `al_${++nAlert}`,
    project: P,
    ruleId: 'r1',
    name: 'High error rate',
    severity: 'critical',
    state,
    message: 'span error_rate {model=gpt-4o} is 0.6 over the last 5m (> 0.2)',
    labels: { alertname: 'High error rate', model: 'gpt-4o' },
    value: 0.6,
    startedUs: T0 * 1000,
    updatedUs: T0 * 1000,
    resolvedUs: null,
    acknowledgedBy: null,
    ...o,
  };
}

function webhook(id: string, path: string, o: Partial<NotificationChannel['config']> = {}): NotificationChannel {
  return {
    id,
    project: P,
    name: id,
    type: 'webhook',
    enabled: true,
    config: { url: `http://127.0.0.1:${HTTP_PORT}${path}`, secret: 'topsecret', timeoutMs: 2000, maxRetries: 3, ...o },
    createdUs: T0 * 1000,
    updatedUs: T0 * 1000,
  } as NotificationChannel;
}

describe('Notifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-'));
  let store: DuckDbStore;
  const rx = new Receiver();
  const mails: Mail[] = [];
  const smtp = smtpServer(mails);
  let now = T0;
  let notifier: Notifier;

  before(async () => {
    store = await DuckDbStore.open(join(dir, 'vigil.duckdb'));
    await rx.start();
    await new Promise<void>((resolve) => smtp.listen(SMTP_PORT, '127.0.0.1', resolve));
    notifier = new Notifier(store, {
      now: () => now,
      backoffMs: 5,
      alertUrl: (a) => `http://vigil.test/alerts/${a.id}`,
      onError: (err) => assert.fail(err as Error),
    });
  });
  after(async () => {
    rx.server.close();
    smtp.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (a: AlertRecord, r: AlertRule, previous: AlertState | null) =>
    notifier.send([{ alert: a, rule: r, previous } satisfies AlertNotification]);

  test('webhook: signed JSON a receiver can verify, recorded in the delivery log', async () => {
    await store.upsertChannel(webhook('hook', '/hook'));
    const a = alert('firing');
    await send(a, rule(), 'pending');
    const [req] = rx.on('/hook');
    assert.ok(req, 'the webhook was called');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-vigil-event'], 'firing');
    const headers = {
      timestamp: req.headers[TIMESTAMP_HEADER] as string,
      signature: req.headers[SIGNATURE_HEADER] as string,
    };
    assert.match(headers.signature, /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifySignature('topsecret', headers, req.body), true);
    assert.equal(verifySignature('wrong', headers, req.body), false);
    assert.equal(verifySignature('topsecret', headers, `${req.body} `), false, 'a tampered body fails');
    const body = JSON.parse(req.body);
    assert.equal(body.version, '1');
    assert.equal(body.event, 'firing');
    assert.equal(body.alert.id, a.id);
    assert.equal(body.alert.state, 'firing');
    assert.equal(body.rule.condition, 'span error_rate over 5m > 0.2');
    assert.equal(body.url, `http://vigil.test/alerts/${a.id}`);
    const [d] = await store.listDeliveries(P, { alertId: a.id, limit: 10 });
    assert.equal(d.status, 'sent');
    assert.equal(d.attempts, 1);
    assert.equal(d.httpStatus, 200);
    assert.equal(d.channelId, 'hook');

    // Still firing on the next pass: no duplicate.
    await send(a, rule(), 'firing');
    assert.equal(rx.on('/hook').length, 1);
  });

  test('retries 5xx with backoff, gives up after maxRetries, never retries a 4xx', async () => {
    rx.plans.set('/flaky', [500, 503]);
    rx.plans.set('/down', [500, 500, 500, 500]);
    rx.plans.set('/bad', [400, 400]);
    await store.upsertChannel(webhook('flaky', '/flaky'));
    await store.upsertChannel(webhook('down', '/down', { maxRetries: 2 }));
    await store.upsertChannel(webhook('bad', '/bad'));
    const a = alert('firing');
    await send(a, rule({ channels: ['flaky', 'down', 'bad'] }), null);
    assert.equal(rx.on('/flaky').length, 3);
    assert.equal(rx.on('/down').length, 3);
    assert.equal(rx.on('/bad').length, 1);
    const log = new Map((await store.listDeliveries(P, { alertId: a.id, limit: 10 })).map((d) => [d.channelId, d]));
    assert.deepEqual([log.get('flaky')?.status, log.get('flaky')?.attempts], ['sent', 3]);
    assert.deepEqual(
      [log.get('down')?.status, log.get('down')?.attempts, log.get('down')?.httpStatus],
      ['failed', 3, 500],
    );
    assert.match(log.get('down')?.error ?? '', /HTTP 500: boom/);
    assert.deepEqual([log.get('bad')?.status, log.get('bad')?.attempts], ['failed', 1]);
    // A failed channel is not hammered every pass: tried again only after failedRetryMs (5 min).
    now = T0 + MIN;
    await send(a, rule({ channels: ['flaky', 'down', 'bad'] }), 'firing');
    assert.equal(rx.on('/down').length, 3);
    now = T0 + 6 * MIN;
    await send(a, rule({ channels: ['flaky', 'down', 'bad'] }), 'firing');
    assert.equal(rx.on('/down').length, 5, 'one more 500, then 200');
    assert.equal((await store.listDeliveries(P, { alertId: a.id, channelId: 'down', limit: 1 }))[0].status, 'sent');
    assert.equal(rx.on('/flaky').length, 3, 'a delivered channel is not re-sent');
    now = T0;
  });

  test('an unreachable endpoint fails with a network error after its retries', async () => {
    const ch = webhook('nowhere', '/x', { url: 'http://127.0.0.1:41799/x', maxRetries: 1 } as never);
    const d = await notifier.test(ch, 'alice');
    assert.equal(d.status, 'failed');
    assert.equal(d.attempts, 2);
    assert.match(d.error ?? '', /ECONNREFUSED/);
  });

  test('slack: incoming-webhook JSON with text and blocks', async () => {
    await store.upsertChannel({
      id: 'slack',
      project: P,
      name: 'slack',
      type: 'slack',
      enabled: true,
      config: { url: `http://127.0.0.1:${HTTP_PORT}/slack`, timeoutMs: 2000, maxRetries: 0 },
      createdUs: T0 * 1000,
      updatedUs: T0 * 1000,
    });
    const a = alert('firing', { message: 'p95 <2x> & rising' });
    await send(a, rule({ channels: ['slack'] }), 'pending');
    const [req] = rx.on('/slack');
    assert.equal(req.headers[SIGNATURE_HEADER], undefined, 'slack payloads are not signed');
    const body = JSON.parse(req.body);
    assert.match(body.text, /^:rotating_light: \[FIRING\] High error rate \(critical\): p95 &lt;2x&gt; &amp; rising$/);
    assert.deepEqual(
      body.blocks.map((b: { type: string }) => b.type),
      ['header', 'section', 'context'],
    );
    assert.equal(body.blocks[0].text.text, '[FIRING] High error rate (critical)');
    assert.match(body.blocks[1].text.text, /<http:\/\/vigil\.test\/alerts\/al_\d+\|Open in Vigil>/);
  });

  test('repeat, escalation while unacknowledged, none once acknowledged, resolve to everyone told', async () => {
    await store.upsertChannel(webhook('primary', '/primary'));
    await store.upsertChannel(webhook('oncall', '/oncall'));
    const r = rule({
      channels: ['primary'],
      repeatIntervalMs: 10 * MIN,
      escalation: [{ afterMs: 5 * MIN, channels: ['oncall'] }],
    });
    const a = alert('firing');
    const events = (path: string) => rx.on(path).map((q) => JSON.parse(q.body).event);
    now = T0;
    await send(a, r, 'pending');
    now = T0 + 4 * MIN;
    await send(a, r, 'firing');
    assert.deepEqual(events('/primary'), ['firing']);
    assert.deepEqual(events('/oncall'), []);
    now = T0 + 5 * MIN;
    await send(a, r, 'firing');
    assert.deepEqual(events('/oncall'), ['escalation']);
    now = T0 + 10 * MIN;
    await send(a, r, 'firing');
    assert.deepEqual(events('/primary'), ['firing', 'repeat']);
    assert.deepEqual(events('/oncall'), ['escalation'], 'its repeat is due 10 min after its own first notice');
    const acked = { ...a, state: 'acknowledged' as const, acknowledgedBy: 'alice' };
    now = T0 + 30 * MIN;
    await send(acked, r, 'firing');
    assert.deepEqual(events('/primary'), ['firing', 'repeat'], 'no repeats once acknowledged');
    const resolved = { ...acked, state: 'resolved' as const, resolvedUs: now * 1000 };
    await send(resolved, r, 'acknowledged');
    assert.deepEqual(events('/primary'), ['firing', 'repeat', 'resolved']);
    assert.deepEqual(events('/oncall'), ['escalation', 'resolved']);
    const log = await store.listDeliveries(P, { alertId: a.id, limit: 10 });
    assert.deepEqual(log.map((d) => `${d.channelId}:${d.event}`).sort(), [
      'oncall:escalation',
      'oncall:resolved',
      'primary:firing',
      'primary:repeat',
      'primary:resolved',
    ]);
    now = T0;
  });

  test('the delivery log survives a new notifier (leader change): nothing is sent twice', async () => {
    await store.upsertChannel(webhook('lead', '/lead'));
    const a = alert('firing');
    await send(a, rule({ channels: ['lead'] }), 'pending');
    const other = new Notifier(store, { now: () => now, backoffMs: 5 });
    await other.send([{ alert: a, rule: rule({ channels: ['lead'] }), previous: 'firing' }]);
    assert.equal(rx.on('/lead').length, 1);
    await other.send([
      {
        alert: { ...a, state: 'resolved', resolvedUs: now * 1000 },
        rule: rule({ channels: ['lead'] }),
        previous: 'firing',
      },
    ]);
    assert.deepEqual(
      rx.on('/lead').map((q) => JSON.parse(q.body).event),
      ['firing', 'resolved'],
    );
  });

  test('silenced and pending instances are not sent; disabled channels are skipped', async () => {
    await store.upsertChannel({ ...webhook('off', '/off'), enabled: false });
    await send(alert('silenced'), rule({ channels: ['hook'] }), 'firing');
    await send(alert('pending'), rule({ channels: ['hook'] }), null);
    await send(alert('firing'), rule({ channels: ['off'] }), 'pending');
    assert.equal(rx.on('/hook').length, 1, 'only the first test sent to /hook');
    assert.equal(rx.on('/off').length, 0);
  });

  test('background mode: send() does not wait for a slow endpoint, and never double-sends while in flight', async () => {
    await store.upsertChannel(webhook('slow', '/slow'));
    const bg = new Notifier(store, { now: () => now, backoffMs: 5, background: true });
    const a = alert('firing');
    const started = performance.now();
    await bg.send([{ alert: a, rule: rule({ channels: ['slow'] }), previous: 'pending' }]);
    await bg.send([{ alert: a, rule: rule({ channels: ['slow'] }), previous: 'firing' }]);
    assert.ok(performance.now() - started < 400, 'returned before the endpoint answered');
    await bg.idle();
    assert.equal(rx.on('/slow').length, 1);
    const [d] = await store.listDeliveries(P, { alertId: a.id, limit: 5 });
    assert.equal(d.status, 'sent');
    assert.ok(d.durationMs >= 500, `duration ${d.durationMs}`);
  });

  test('email over real SMTP: subject, recipients, text body', async () => {
    await store.upsertChannel({
      id: 'mail',
      project: P,
      name: 'oncall mail',
      type: 'email',
      enabled: true,
      config: {
        host: '127.0.0.1',
        port: SMTP_PORT,
        secure: false,
        from: 'Vigil <vigil@example.test>',
        to: ['oncall@example.test', 'lead@example.test'],
        timeoutMs: 5000,
        maxRetries: 0,
      },
      createdUs: T0 * 1000,
      updatedUs: T0 * 1000,
    });
    const a = alert('firing');
    await send(a, rule({ channels: ['mail'] }), 'pending');
    assert.equal(mails.length, 1);
    const m = mails[0];
    assert.equal(m.from, 'vigil@example.test');
    assert.deepEqual(m.to, ['oncall@example.test', 'lead@example.test']);
    assert.match(m.data, /^Subject: \[Vigil\] \[FIRING\] High error rate \(critical\)\r?$/m);
    assert.match(m.data, /span error_rate \{model=gpt-4o\} is 0\.6/);
    const [d] = await store.listDeliveries(P, { alertId: a.id, limit: 1 });
    assert.deepEqual([d.status, d.channelType, d.attempts], ['sent', 'email', 1]);
  });

  test('email: a rejected recipient is a permanent failure (no retries)', async () => {
    const rejecting = smtpServer([], { rejectRcpt: true });
    await new Promise<void>((resolve) => rejecting.listen(SMTP_PORT + 1, '127.0.0.1', resolve));
    try {
      const d = await notifier.test(
        {
          id: 'mail2',
          project: P,
          name: 'bad mail',
          type: 'email',
          enabled: true,
          config: { host: '127.0.0.1', port: SMTP_PORT + 1, from: 'v@x.test', to: ['nobody@x.test'], maxRetries: 3 },
          createdUs: T0 * 1000,
          updatedUs: T0 * 1000,
        },
        'alice',
      );
      assert.equal(d.status, 'failed');
      assert.equal(d.attempts, 1);
      assert.match(d.error ?? '', /550/);
      assert.equal(d.event, 'test');
      assert.equal(d.alertId, null);
    } finally {
      rejecting.close();
    }
  });
});
