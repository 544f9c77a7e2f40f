/**
 * The notifier (Prometheus' notifier + the routing half of Alertmanager): receives the rule
 * manager's active and changed instances and decides, per channel, what to send:
 *
 * - firing: the rule's channels, once (a failed delivery is tried again after `failedRetryMs`);
 * - repeat: still firing and unacknowledged, every `rule.repeatIntervalMs` per channel;
 * - escalation: still firing and unacknowledged `step.afterMs` after it started firing, the step's
 *   channels too (they then get repeats and the resolve notice like the others);
 * - resolved: every channel that was told it fired.
 *
 * Acknowledged and silenced instances get no repeats and no escalation. Decisions are made from the
 * delivery log (kept in the store, cached here), so a new leader does not re-send what was sent.
 */
import { randomUUID } from 'node:crypto';
import type {
  AlertNotification,
  AlertRule,
  DeliveryEvent,
  DeliveryRecord,
  NotificationChannel,
} from '../alerting/types.js';
import type { AlertRecord, Store } from '../store/store.js';
import { type DeliverOptions, deliver } from './deliver.js';
import type { Notice } from './message.js';

/** The one-method sender the rules manager's SendAlerts is bound to. */
export interface Sender {
  send(alerts: AlertNotification[]): Promise<void>;
}

export interface NotifierOptions extends DeliverOptions {
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** After a delivery failed every retry, wait this long before trying that channel again (default 5 min). */
  failedRetryMs?: number;
  /** Dashboard link for an alert, e.g. `${publicUrl}/alerts?id=...`. */
  alertUrl?: (alert: AlertRecord) => string | undefined;
  onDelivery?: (d: DeliveryRecord) => void;
  onError?: (err: unknown, context: string) => void;
  /**
   * Deliver in the background: send() returns once deliveries are planned, so a slow or dead
   * endpoint (timeouts × retries) never holds up rule evaluation. A channel with a delivery in
   * flight for an alert is skipped until it completes. `idle()` waits for them.
   */
  background?: boolean;
}

interface Planned {
  channel: NotificationChannel;
  notice: Notice;
}

const NOTIFYING: ReadonlySet<DeliveryEvent> = new Set(['firing', 'repeat', 'escalation']);

export class Notifier implements Sender {
  /** Delivery log per open alert id, newest last. */
  private readonly history = new Map<string, DeliveryRecord[]>();
  /** Deliveries under way, by `alertId channelId`. */
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly opts: NotifierOptions = {},
  ) {}

  async send(alerts: AlertNotification[]): Promise<void> {
    const channelsByProject = new Map<string, Map<string, NotificationChannel>>();
    const planned: Planned[] = [];
    for (const n of alerts) {
      let channels = channelsByProject.get(n.alert.project);
      if (!channels) {
        channels = new Map((await this.store.listChannels(n.alert.project)).map((c) => [c.id, c]));
        channelsByProject.set(n.alert.project, channels);
      }
      planned.push(...(await this.plan(n, channels)));
    }
    const done = planned.length ? this.run(planned) : Promise.resolve([]);
    const forget = () => {
      for (const n of alerts) if (n.alert.state === 'resolved') this.history.delete(n.alert.id);
    };
    if (this.opts.background) void done.then(forget);
    else {
      await done;
      forget();
    }
  }

  /** Resolves when no delivery is in flight (background mode; shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
  }

  /** Sends a test notice to one channel (enabled or not) and records the delivery. */
  async test(channel: NotificationChannel, by: string): Promise<DeliveryRecord> {
    const nowUs = this.nowUs();
    const alert: AlertRecord = {
      id: `test_${randomUUID()}`,
      project: channel.project,
      ruleId: null,
      name: 'Vigil test notification',
      severity: 'info',
      state: 'firing',
      message: `Test notification for channel "${channel.name}", sent by ${by}. If you can read this, the channel works.`,
      labels: { channel: channel.name },
      value: null,
      startedUs: nowUs,
      updatedUs: nowUs,
      resolvedUs: null,
      acknowledgedBy: null,
    };
    const rule = {
      id: 'test',
      name: alert.name,
      description: '',
      severity: 'info' as const,
      condition: { type: 'absence' as const, source: 'spans' as const, windowMs: 60_000 },
    };
    const [d] = await this.run([{ channel, notice: { event: 'test', alert, rule } }], { alertId: null });
    return d;
  }

  private nowUs(): number {
    return Math.round((this.opts.now ?? Date.now)() * 1000);
  }

  private async historyOf(alert: AlertRecord): Promise<DeliveryRecord[]> {
    let h = this.history.get(alert.id);
    if (!h) {
      h = (await this.store.listDeliveries(alert.project, { alertId: alert.id, limit: 1000 })).reverse();
      this.history.set(alert.id, h);
    }
    return h;
  }

  private async plan(n: AlertNotification, channels: Map<string, NotificationChannel>): Promise<Planned[]> {
    const { alert, rule } = n;
    const state = alert.state;
    if (state === 'pending' || state === 'silenced' || state === 'acknowledged') return [];
    const h = await this.historyOf(alert);
    const nowUs = this.nowUs();
    const out: Planned[] = [];
    const add = (channelId: string, event: DeliveryEvent) => {
      const channel = channels.get(channelId);
      if (!channel) {
        this.opts.onError?.(new Error(`channel ${channelId} does not exist`), `rule ${rule.id}`);
        return;
      }
      if (!channel.enabled || this.inflight.has(`${alert.id} ${channelId}`)) return;
      out.push({ channel, notice: { event, alert, rule, url: this.opts.alertUrl?.(alert) } });
    };

    if (state === 'resolved') {
      const told = new Set(h.filter((d) => d.status === 'sent' && NOTIFYING.has(d.event)).map((d) => d.channelId));
      const done = new Set(h.filter((d) => d.status === 'sent' && d.event === 'resolved').map((d) => d.channelId));
      for (const id of told) if (!done.has(id)) add(id, 'resolved');
      return out;
    }

    // Firing and unacknowledged: first notice, repeats, escalation.
    const consider = (channelId: string, firstEvent: DeliveryEvent) => {
      const mine = h.filter((d) => d.channelId === channelId && NOTIFYING.has(d.event));
      const lastOk = mine.filter((d) => d.status === 'sent').at(-1);
      if (!lastOk) {
        const lastFail = mine.at(-1);
        if (lastFail && nowUs - lastFail.timeUs < (this.opts.failedRetryMs ?? 300_000) * 1000) return;
        add(channelId, firstEvent);
      } else if (rule.repeatIntervalMs > 0 && nowUs - lastOk.timeUs >= rule.repeatIntervalMs * 1000) {
        add(channelId, 'repeat');
      }
    };
    const seen = new Set<string>();
    for (const id of rule.channels) {
      if (seen.has(id)) continue;
      seen.add(id);
      consider(id, 'firing');
    }
    const firingSinceUs = firingSince(h, alert, rule);
    for (const step of rule.escalation) {
      if (nowUs - firingSinceUs < step.afterMs * 1000) continue;
      for (const id of step.channels) {
        if (seen.has(id)) continue;
        seen.add(id);
        consider(id, 'escalation');
      }
    }
    return out;
  }

  private run(planned: Planned[], override: { alertId?: null } = {}): Promise<DeliveryRecord[]> {
    const p = this.deliverAll(planned, override);
    // Test sends (alertId overridden) belong to no alert, so nothing waits on them.
    const keys = 'alertId' in override ? [] : planned.map((x) => `${x.notice.alert.id} ${x.channel.id}`);
    for (const k of keys) this.inflight.set(k, p);
    const clear = () => {
      for (const k of keys) if (this.inflight.get(k) === p) this.inflight.delete(k);
    };
    p.then(clear, clear);
    return p;
  }

  private async deliverAll(planned: Planned[], override: { alertId?: null }): Promise<DeliveryRecord[]> {
    const records = await Promise.all(
      planned.map(async ({ channel, notice }): Promise<DeliveryRecord> => {
        const started = performance.now();
        let r: Awaited<ReturnType<typeof deliver>>;
        try {
          r = await deliver(channel, notice, { backoffMs: this.opts.backoffMs });
        } catch (err) {
          r = { ok: false, retryable: false, attempts: 1, error: (err as Error).message, httpStatus: null };
        }
        return {
          id: `dl_${randomUUID()}`,
          project: channel.project,
          alertId: 'alertId' in override ? null : notice.alert.id,
          ruleId: notice.alert.ruleId,
          channelId: channel.id,
          channelType: channel.type,
          event: notice.event,
          status: r.ok ? 'sent' : 'failed',
          attempts: r.attempts,
          error: r.error,
          httpStatus: r.httpStatus,
          timeUs: this.nowUs(),
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        };
      }),
    );
    for (const d of records) {
      if (d.alertId) this.history.get(d.alertId)?.push(d);
      this.opts.onDelivery?.(d);
    }
    try {
      await this.store.insertDeliveries(records);
    } catch (err) {
      this.opts.onError?.(err, 'recording deliveries');
    }
    return records;
  }
}

/** When the instance started firing: its first firing notice, else the end of its pending time. */
function firingSince(h: DeliveryRecord[], alert: AlertRecord, rule: AlertRule): number {
  const first = h.find((d) => d.event === 'firing');
  return first ? first.timeUs : alert.startedUs + rule.forMs * 1000;
}

/** Binds a sender to the rules manager's SendAlerts seam. */
export function sendAlertsTo(sender: Sender): (alerts: AlertNotification[]) => Promise<void> {
  return (alerts) => sender.send(alerts);
}
