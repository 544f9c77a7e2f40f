/**
 * The rules manager (Prometheus' rules.Manager): every interval it evaluates each project's rules
 * against the store, steps the state machine, persists instances with `store.upsertAlert`, and
 * hands the active and changed instances to `sendAlerts` (the notifier, wired in by the server).
 *
 * The store is the source of truth for instance state: each pass reads the open instances back, so
 * an acknowledgement made through the API (by any server instance) is seen at the next pass, and a
 * new leader picks up where the previous one stopped.
 */
import type { AlertRecord, AlertState, Store } from '../store/store.js';
import { evaluateCondition } from './conditions.js';
import { evaluateRule, type InstanceState, type Transition } from './state.js';
import type { AlertNotification, SendAlerts } from './types.js';

export const DEFAULT_EVAL_INTERVAL_MS = 30_000;
const OPEN: AlertState[] = ['pending', 'firing', 'acknowledged', 'silenced'];

export interface RuleManagerOptions {
  /** Evaluation interval (default 30 s). */
  intervalMs?: number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** A rule whose query failed, or a failed delivery hand-off; the pass goes on. */
  onError?: (err: unknown, context: string) => void;
  /** Each persisted instance change (e.g. publish to the live stream). */
  onChange?: (alert: AlertRecord, previous: AlertState | null) => void;
  /** How often an unchanged open instance's value is written back (default 5 min). */
  valueRefreshMs?: number;
}

export interface PassResult {
  rules: number;
  /** Instances whose state changed (and were persisted). */
  changed: Transition[];
  /** What was handed to sendAlerts. */
  notifications: AlertNotification[];
}

export class RuleManager {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /**
   * Last time each open instance's condition held, by alert id. In memory only: after a restart or a
   * leader change it starts from the stored updatedUs, which at worst shortens one keepFiringFor.
   */
  private readonly activeAt = new Map<string, number>();
  /** When each open instance was last written, by alert id. */
  private readonly written = new Map<string, number>();
  readonly intervalMs: number;

  constructor(
    private readonly store: Store,
    private readonly sendAlerts: SendAlerts,
    private readonly opts: RuleManagerOptions = {},
  ) {
    this.intervalMs = Math.max(1000, opts.intervalMs ?? DEFAULT_EVAL_INTERVAL_MS);
  }

  /** Evaluates on a timer (unref'd); passes never overlap. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass unless one is running (what the timer and background jobs call). */
  tick(): Promise<unknown> {
    this.running ??= this.evaluate()
      .catch((err) => this.opts.onError?.(err, 'evaluation pass'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Evaluates every project's rules once and hands the result to sendAlerts. */
  async evaluate(): Promise<PassResult> {
    const nowUs = Math.round((this.opts.now ?? Date.now)() * 1000);
    const total: PassResult = { rules: 0, changed: [], notifications: [] };
    for (const p of await this.store.listProjects()) {
      const r = await this.evaluateProject(p.id, nowUs);
      total.rules += r.rules;
      total.changed.push(...r.changed);
      total.notifications.push(...r.notifications);
    }
    if (total.notifications.length > 0) {
      try {
        await this.sendAlerts(total.notifications);
      } catch (err) {
        this.opts.onError?.(err, 'sending alerts');
      }
    }
    return total;
  }

  private async evaluateProject(project: string, nowUs: number): Promise<PassResult> {
    const [rules, silences, stored] = await Promise.all([
      this.store.listAlertRules(project),
      this.store.listSilences(project, { activeAtUs: nowUs }),
      this.store.listAlerts(project, { states: OPEN, limit: 100_000 }),
    ]);
    const openByRule = new Map<string, InstanceState[]>();
    for (const a of stored) {
      if (a.ruleId == null) continue;
      const list = openByRule.get(a.ruleId) ?? [];
      list.push({ alert: a, activeAtUs: this.activeAt.get(a.id) ?? a.updatedUs });
      openByRule.set(a.ruleId, list);
    }
    const result: PassResult = { rules: rules.length, changed: [], notifications: [] };
    const ruleIds = new Set(rules.map((r) => r.id));

    for (const rule of rules) {
      let samples: Awaited<ReturnType<typeof evaluateCondition>> = [];
      if (rule.enabled) {
        try {
          samples = await evaluateCondition(this.store, project, rule.condition, nowUs);
        } catch (err) {
          // A failing query must not resolve what is firing: leave the rule's instances as they are.
          this.opts.onError?.(err, `rule ${rule.id} (${rule.name})`);
          continue;
        }
      }
      const ev = evaluateRule(rule, samples, openByRule.get(rule.id) ?? [], silences, nowUs);
      for (const inst of ev.open) this.activeAt.set(inst.alert.id, inst.activeAtUs);
      for (const t of ev.transitions) {
        await this.persist(t, nowUs, result);
        if (notifiable(t)) result.notifications.push({ alert: t.alert, rule, previous: t.previous });
      }
    }

    // Instances of deleted rules resolve (nothing left to notify through).
    for (const [ruleId, list] of openByRule) {
      if (ruleIds.has(ruleId)) continue;
      for (const inst of list) {
        const alert: AlertRecord = { ...inst.alert, state: 'resolved', updatedUs: nowUs, resolvedUs: nowUs };
        await this.persist({ alert, previous: inst.alert.state }, nowUs, result);
      }
    }
    return result;
  }

  private async persist(t: Transition, nowUs: number, result: PassResult): Promise<void> {
    const changed = t.previous !== t.alert.state;
    const stale = nowUs - (this.written.get(t.alert.id) ?? 0) >= (this.opts.valueRefreshMs ?? 300_000) * 1000;
    if (!changed && !stale) return;
    await this.store.upsertAlert(t.alert);
    if (t.alert.state === 'resolved') {
      this.written.delete(t.alert.id);
      this.activeAt.delete(t.alert.id);
    } else this.written.set(t.alert.id, nowUs);
    if (changed) {
      result.changed.push(t);
      this.opts.onChange?.(t.alert, t.previous);
    }
  }
}

/** Pending instances (and pending ones that never fired) concern nobody downstream. */
function notifiable(t: Transition): boolean {
  if (t.alert.state === 'pending') return false;
  if (t.alert.state === 'resolved' && (t.previous === 'pending' || t.previous === null)) return false;
  return true;
}
