/**
 * Store contract for alerting records (rules, channels, silences, delivery log), run by
 * `storeContract` for every backend. Two projects share ids so a missing project filter shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ContractHandle } from '../store/store.contract.js';
import type { Store } from '../store/store.js';
import type { AlertRule, DeliveryRecord, NotificationChannel, Silence } from './types.js';

const T0 = Date.UTC(2026, 0, 1) * 1000;
const MIN_US = 60_000_000;

function rule(project: string, id: string, createdUs: number, o: Partial<AlertRule> = {}): AlertRule {
  return {
    id,
    project,
    name: `rule ${id}`,
    description: 'p95 over 2 s',
    enabled: true,
    severity: 'warning',
    condition: {
      type: 'span_measure',
      measure: 'p95_ms',
      windowMs: 300_000,
      operator: '>',
      threshold: 2000,
      groupBy: 'model',
    },
    forMs: 60_000,
    keepFiringForMs: 0,
    labels: { team: 'ml', 'quote"key': "it's" },
    channels: ['c1'],
    repeatIntervalMs: 3_600_000,
    escalation: [{ afterMs: 900_000, channels: ['c2'] }],
    createdUs,
    updatedUs: createdUs,
    ...o,
  };
}

function channel(project: string, id: string, createdUs: number): NotificationChannel {
  return {
    id,
    project,
    name: `hook ${id}`,
    type: 'webhook',
    enabled: true,
    config: { url: 'https://example.test/hook', secret: 's3cret', timeoutMs: 5000, maxRetries: 2 },
    createdUs,
    updatedUs: createdUs,
  };
}

function silence(project: string, id: string, startsUs: number, endsUs: number): Silence {
  return { id, project, matchers: { model: 'gpt-4o' }, startsUs, endsUs, createdBy: 'alice', comment: 'deploy' };
}

function delivery(
  project: string,
  id: string,
  alertId: string | null,
  channelId: string,
  timeUs: number,
): DeliveryRecord {
  return {
    id,
    project,
    alertId,
    ruleId: 'r1',
    channelId,
    channelType: 'webhook',
    event: 'firing',
    status: 'failed',
    attempts: 3,
    error: 'HTTP 500',
    httpStatus: 500,
    timeUs,
    durationMs: 12.5,
  };
}

export function alertingStoreContract(name: string, open: () => Promise<ContractHandle>): void {
  describe(`Store contract (alerting): ${name}`, () => {
    let h: ContractHandle;
    let store: Store;
    before(async () => {
      h = await open();
      store = h.store;
    });
    after(async () => h.cleanup());

    test('rules: upsert, list oldest first per project, replace, delete', async () => {
      await store.upsertAlertRule(rule('pa', 'r2', T0 + 2));
      await store.upsertAlertRule(rule('pa', 'r1', T0 + 1));
      await store.upsertAlertRule(rule('pb', 'r1', T0, { name: 'other project', enabled: false }));
      const a = await store.listAlertRules('pa');
      assert.deepEqual(
        a.map((r) => r.id),
        ['r1', 'r2'],
      );
      assert.deepEqual(a[0], rule('pa', 'r1', T0 + 1));
      const changed = rule('pa', 'r1', T0 + 1, {
        name: 'renamed',
        condition: { type: 'anomaly', metric: 'span.*', minSeverity: 'high', windowMs: 600_000 },
        updatedUs: T0 + 99,
      });
      await store.upsertAlertRule(changed);
      assert.deepEqual((await store.listAlertRules('pa'))[0], changed);
      assert.equal((await store.listAlertRules('pb'))[0].name, 'other project');
      assert.equal(await store.deleteAlertRule('pa', 'r1'), true);
      assert.equal(await store.deleteAlertRule('pa', 'r1'), false);
      assert.deepEqual(
        (await store.listAlertRules('pa')).map((r) => r.id),
        ['r2'],
      );
      assert.equal((await store.listAlertRules('pb')).length, 1, 'delete is scoped to its project');
    });

    test('channels: upsert, list, delete; secrets round-trip', async () => {
      await store.upsertChannel(channel('pa', 'c1', T0));
      await store.upsertChannel(channel('pb', 'c1', T0));
      const email: NotificationChannel = {
        id: 'c2',
        project: 'pa',
        name: 'oncall mail',
        type: 'email',
        enabled: true,
        config: { host: '127.0.0.1', port: 2525, secure: false, from: 'vigil@x.test', to: ['a@x.test', 'b@x.test'] },
        createdUs: T0 + 5,
        updatedUs: T0 + 5,
      };
      await store.upsertChannel(email);
      assert.deepEqual(await store.listChannels('pa'), [channel('pa', 'c1', T0), email]);
      assert.equal(await store.deleteChannel('pa', 'c1'), true);
      assert.deepEqual(await store.listChannels('pa'), [email]);
      assert.equal((await store.listChannels('pb')).length, 1);
    });

    test('silences: active-at filter is half-open [startsUs, endsUs)', async () => {
      await store.upsertSilence(silence('pa', 's1', T0, T0 + 10 * MIN_US));
      await store.upsertSilence(silence('pa', 's2', T0 + 5 * MIN_US, T0 + 20 * MIN_US));
      await store.upsertSilence(silence('pb', 's1', T0, T0 + 60 * MIN_US));
      assert.deepEqual(
        (await store.listSilences('pa')).map((s) => s.id),
        ['s2', 's1'],
      );
      const ids = async (t: number) => (await store.listSilences('pa', { activeAtUs: t })).map((s) => s.id);
      assert.deepEqual(await ids(T0 - 1), []);
      assert.deepEqual(await ids(T0), ['s1']);
      assert.deepEqual(await ids(T0 + 7 * MIN_US), ['s2', 's1']);
      assert.deepEqual(await ids(T0 + 10 * MIN_US), ['s2']);
      assert.deepEqual(await ids(T0 + 20 * MIN_US), []);
      // Expire s2 early by replacing it.
      await store.upsertSilence(silence('pa', 's2', T0 + 5 * MIN_US, T0 + 6 * MIN_US));
      assert.deepEqual(await ids(T0 + 7 * MIN_US), ['s1']);
      assert.deepEqual((await store.listSilences('pa'))[0], silence('pa', 's2', T0 + 5 * MIN_US, T0 + 6 * MIN_US));
      assert.equal(await store.deleteSilence('pa', 's1'), true);
      assert.equal(await store.deleteSilence('pa', 's1'), false);
      assert.deepEqual(await ids(T0 + 1), []);
      assert.equal((await store.listSilences('pb')).length, 1);
    });

    test('deliveries: newest first, filtered by alert and channel, limited', async () => {
      const rows = [
        delivery('pa', 'd1', 'a1', 'c1', T0 + 1),
        delivery('pa', 'd2', 'a1', 'c2', T0 + 3),
        delivery('pa', 'd3', 'a2', 'c1', T0 + 2),
        delivery('pa', 'd4', null, 'c1', T0 + 4),
        delivery('pb', 'd5', 'a1', 'c1', T0 + 5),
      ];
      await store.insertDeliveries(rows);
      await store.insertDeliveries([]);
      const ids = async (q: { alertId?: string; channelId?: string; limit: number }) =>
        (await store.listDeliveries('pa', q)).map((d) => d.id);
      assert.deepEqual(await ids({ limit: 10 }), ['d4', 'd2', 'd3', 'd1']);
      assert.deepEqual(await ids({ alertId: 'a1', limit: 10 }), ['d2', 'd1']);
      assert.deepEqual(await ids({ channelId: 'c1', limit: 10 }), ['d4', 'd3', 'd1']);
      assert.deepEqual(await ids({ alertId: 'a1', channelId: 'c1', limit: 10 }), ['d1']);
      assert.deepEqual(await ids({ limit: 2 }), ['d4', 'd2']);
      assert.deepEqual((await store.listDeliveries('pa', { alertId: 'a1', limit: 1 }))[0], rows[1]);
      assert.deepEqual((await store.listDeliveries('pa', { limit: 10 }))[0].alertId, null);
    });
  });
}
