/** The rules manager against real stores (DuckDB and PostgreSQL) with real spans, metrics and anomalies. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spanFixture } from '../model/span-fixture.js';
import type { MetricPoint, SpanRecord } from '../model/telemetry.js';
import { DuckDbStore } from '../store/duckdb/duckdb-store.js';
import { openTestStore } from '../store/postgres/test-support.js';
import type { AlertRecord, Store } from '../store/store.js';
import { RuleManager } from './manager.js';
import type { AlertNotification, AlertRule } from './types.js';

const P = 'proj';
const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 1, 12); // ms

let seq = 0;
function span(model: string, atMs: number, error: boolean): SpanRecord {
  seq++;
  return spanFixture({
    project: P,
    traceId: seq.toString(16).padStart(32, '0'),
    spanId: seq.toString(16).padStart(16, '0'),
    name: 'chat',
    kind: 'llm',
    startUs: atMs * 1000,
    endUs: atMs * 1000 + 200_000,
    status: error ? 'error' : 'ok',
    statusMessage: error ? 'rate limited' : null,
    model,
    provider: 'openai',
    inputTokens: 10,
    outputTokens: 5,
    costUsd: 0.001,
  });
}

function rule(o: Partial<AlertRule> & Pick<AlertRule, 'id' | 'condition'>): AlertRule {
  return {
    project: P,
    name: o.id,
    description: '',
    enabled: true,
    severity: 'critical',
    forMs: 0,
    keepFiringForMs: 0,
    labels: {},
    channels: [],
    repeatIntervalMs: 0,
    escalation: [],
    createdUs: T0 * 1000,
    updatedUs: T0 * 1000,
    ...o,
  };
}

interface Opened {
  store: Store;
  cleanup(): Promise<void>;
}

const BACKENDS: [string, () => Promise<Opened>][] = [
  [
    'DuckDB',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-alerting-'));
      const store = await DuckDbStore.open(join(dir, 'vigil.duckdb'));
      return {
        store,
        async cleanup() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const t = await openTestStore();
      return { store: t.store, cleanup: t.drop };
    },
  ],
];

for (const [backend, open] of BACKENDS)
  describe(`RuleManager on ${backend}`, () => {
    let opened: Opened;
    let store: Store;
    let now = T0;
    const sent: AlertNotification[][] = [];
    let manager: RuleManager;

    before(async () => {
      opened = await open();
      store = opened.store;
      await store.createProject({ id: P, name: P, createdUs: T0 * 1000 });
      manager = new RuleManager(
        store,
        async (alerts) => {
          sent.push(alerts);
        },
        { now: () => now, onError: (err) => assert.fail(err as Error) },
      );
    });
    after(async () => opened.cleanup());

    async function write(spans: SpanRecord[] = [], metrics: MetricPoint[] = []) {
      const a = store.appender();
      a.spans(spans);
      a.metrics(metrics);
      await a.commit();
    }
    const alertsOf = async (ruleId: string): Promise<AlertRecord[]> =>
      (await store.listAlerts(P, { limit: 100 })).filter((a) => a.ruleId === ruleId);

    test('error_rate per model: pending → firing → acknowledged → resolved, persisted and handed on', async () => {
      // gpt-4o fails 3 of 5 calls, claude none.
      await write([
        ...[0, 1, 2, 3, 4].map((i) => span('gpt-4o', T0 - 2 * MIN + i * 1000, i < 3)),
        ...[0, 1, 2, 3, 4].map((i) => span('claude', T0 - 2 * MIN + i * 1000, false)),
      ]);
      await store.upsertAlertRule(
        rule({
          id: 'err',
          forMs: MIN,
          labels: { team: 'ml' },
          condition: {
            type: 'span_measure',
            measure: 'error_rate',
            windowMs: 5 * MIN,
            operator: '>',
            threshold: 0.2,
            groupBy: 'model',
          },
        }),
      );

      let r = await manager.evaluate();
      let [a] = await alertsOf('err');
      assert.equal(a.state, 'pending');
      assert.deepEqual(a.labels, { alertname: 'err', severity: 'critical', model: 'gpt-4o', team: 'ml' });
      assert.ok(Math.abs((a.value ?? 0) - 0.6) < 1e-9);
      assert.match(a.message, /error_rate \{model=gpt-4o\} is 0\.6/);
      assert.equal(r.notifications.length, 0, 'pending is not handed on');

      now = T0 + 30_000;
      await manager.evaluate();
      assert.equal((await alertsOf('err'))[0].state, 'pending');

      now = T0 + MIN;
      r = await manager.evaluate();
      [a] = await alertsOf('err');
      assert.equal(a.state, 'firing');
      assert.equal(r.notifications.length, 1);
      assert.equal(r.notifications[0].previous, 'pending');
      assert.equal(r.notifications[0].rule.id, 'err');
      assert.equal(sent.at(-1)?.[0].alert.id, a.id);

      // A human acknowledges (as POST /api/v1/alerts/{id}/ack does: through the store).
      await store.upsertAlert({ ...a, state: 'acknowledged', acknowledgedBy: 'alice', updatedUs: now * 1000 });
      now += 30_000;
      r = await manager.evaluate();
      [a] = await alertsOf('err');
      assert.equal(a.state, 'acknowledged');
      assert.equal(a.acknowledgedBy, 'alice');
      assert.equal(r.notifications[0].previous, 'acknowledged');

      // The errors age out of the 5 min window: resolved.
      now = T0 + 4 * MIN;
      r = await manager.evaluate();
      [a] = await alertsOf('err');
      assert.equal(a.state, 'resolved');
      assert.equal(a.resolvedUs, now * 1000);
      assert.equal(r.notifications.find((n) => n.alert.id === a.id)?.previous, 'acknowledged');
      assert.equal((await alertsOf('err')).length, 1);
      await store.deleteAlertRule(P, 'err');
    });

    test('a matching silence silences a firing instance; it fires again when the silence ends', async () => {
      now = T0 + 10 * MIN;
      await write([1, 2, 3].map((i) => span('mistral', now - i * 1000, true)));
      await store.upsertAlertRule(
        rule({
          id: 'err2',
          condition: {
            type: 'span_measure',
            measure: 'errors',
            windowMs: 5 * MIN,
            operator: '>=',
            threshold: 3,
            model: 'mistral',
          },
        }),
      );
      await manager.evaluate();
      assert.equal((await alertsOf('err2'))[0].state, 'firing');
      await store.upsertSilence({
        id: 's1',
        project: P,
        matchers: { alertname: 'err2' },
        startsUs: now * 1000,
        endsUs: (now + MIN) * 1000,
        createdBy: 'bob',
        comment: 'known outage',
      });
      now += 10_000;
      await manager.evaluate();
      assert.equal((await alertsOf('err2'))[0].state, 'silenced');
      now += MIN;
      await manager.evaluate();
      const [a] = await alertsOf('err2');
      assert.equal(a.state, 'firing');
      await store.deleteAlertRule(P, 'err2');
      now += 1000;
      await manager.evaluate();
      assert.equal((await alertsOf('err2'))[0].state, 'resolved', 'a deleted rule resolves its instances');
    });

    test('metric, anomaly and absence conditions', async () => {
      now = T0 + 30 * MIN;
      const point = (v: number, host: string, dtMs: number): MetricPoint => ({
        project: P,
        name: 'system.cpu.usage',
        type: 'gauge',
        unit: '%',
        timeUs: (now - dtMs) * 1000,
        value: v,
        histogram: null,
        labels: { host },
        serviceName: 'svc',
      });
      await write(
        [span('gpt-4o', now - 30 * 1000, false)],
        [point(95, 'a', 1000), point(91, 'a', 2000), point(20, 'b', 1000)],
      );
      await store.insertAnomalies([
        {
          id: 'an1',
          project: P,
          metric: 'span.p95_ms',
          labels: { model: 'gpt-4o' },
          timeUs: (now - MIN) * 1000,
          value: 9000,
          expected: 800,
          lower: 500,
          upper: 1200,
          score: 0.99,
          severity: 'high',
          confidence: 0.9,
          detector: 'ewma',
          description: 'p95 latency spike',
          createdUs: now * 1000,
        },
        {
          // Data from 3 hours ago, detected just now: recorded in the window, so it counts.
          id: 'an-late',
          project: P,
          metric: 'span.cost',
          labels: { agent: 'planner' },
          timeUs: (now - 180 * MIN) * 1000,
          value: 40,
          expected: 2,
          lower: 0,
          upper: 5,
          score: 0.97,
          severity: 'critical',
          confidence: 0.9,
          detector: 'ewma',
          description: 'cost spike',
          createdUs: (now - MIN) * 1000,
        },
        {
          id: 'an2',
          project: P,
          metric: 'span.cost',
          labels: {},
          timeUs: (now - MIN) * 1000,
          value: 3,
          expected: 1,
          lower: 0,
          upper: 2,
          score: 0.6,
          severity: 'low',
          confidence: 0.5,
          detector: 'ewma',
          description: 'small bump',
          createdUs: now * 1000,
        },
      ]);
      await store.upsertAlertRule(
        rule({
          id: 'cpu',
          condition: {
            type: 'metric',
            metric: 'system.cpu.usage',
            aggregation: 'avg',
            windowMs: 5 * MIN,
            operator: '>',
            threshold: 90,
            groupBy: ['host'],
          },
        }),
      );
      await store.upsertAlertRule(
        rule({
          id: 'anom',
          condition: { type: 'anomaly', metric: 'span.*', minSeverity: 'medium', windowMs: 10 * MIN },
        }),
      );
      await store.upsertAlertRule(
        rule({ id: 'quiet', condition: { type: 'absence', source: 'spans', model: 'claude', windowMs: 5 * MIN } }),
      );
      await store.upsertAlertRule(
        rule({ id: 'alive', condition: { type: 'absence', source: 'spans', model: 'gpt-4o', windowMs: 5 * MIN } }),
      );
      await store.upsertAlertRule(
        rule({
          id: 'gone',
          condition: { type: 'absence', source: 'spans', groupBy: ['model'], windowMs: 5 * MIN, lookbackMs: 60 * MIN },
        }),
      );
      await manager.evaluate();

      const cpu = await alertsOf('cpu');
      assert.deepEqual(
        cpu.map((a) => [a.labels.host, a.state, a.value]),
        [['a', 'firing', 93]],
      );
      const anom = (await alertsOf('anom')).sort((x, y) => x.labels.metric.localeCompare(y.labels.metric));
      assert.equal(anom.length, 2, 'the low-severity anomaly does not count');
      assert.deepEqual(anom[0].labels, {
        alertname: 'anom',
        severity: 'critical',
        metric: 'span.cost',
        agent: 'planner',
      });
      assert.equal(anom[1].labels.metric, 'span.p95_ms');
      assert.equal(anom[1].labels.model, 'gpt-4o');
      assert.match(anom[1].message, /p95 latency spike/);
      assert.equal((await alertsOf('quiet'))[0]?.state, 'firing');
      assert.equal((await alertsOf('alive')).length, 0);
      // Seen in the hour before the window, silent in it: every model but gpt-4o.
      const gone = (await alertsOf('gone')).map((a) => a.labels.model).sort();
      assert.deepEqual(gone, ['claude', 'mistral']);
    });
  });
