/**
 * Wires alerting into a running server, once: the rules manager evaluates, the notifier delivers,
 * connected through the SendAlerts seam (as Prometheus' main.go connects rules.Manager to the
 * notifier). Runs as a background job, so with a shared PostgreSQL store only the elected leader
 * evaluates and notifies; state changes go out on the live stream as `alert` events.
 */
import {
  type AlertRecord,
  alertToJson,
  type BackgroundJob,
  DEFAULT_EVAL_INTERVAL_MS,
  Notifier,
  RuleManager,
  sendAlertsTo,
} from '@vigil/core';
import type { VigilServer } from '../http/app.js';

export interface AlertingOptions {
  /** Evaluation interval in ms (default 30 s); 0 disables rule evaluation. */
  intervalMs?: number;
  /** The dashboard's public base URL, for links in notifications. */
  publicUrl?: string;
  onError?: (err: unknown, context: string) => void;
}

export interface Alerting {
  manager: RuleManager;
  notifier: Notifier;
  job: BackgroundJob;
}

export function createAlerting(server: VigilServer, opts: AlertingOptions = {}): Alerting {
  const store = server.core.store;
  const onError =
    opts.onError ?? ((err: unknown, context: string) => server.app.log.warn({ err }, `alerting: ${context}`));
  const base = opts.publicUrl?.replace(/\/+$/, '');
  const notifier = new Notifier(store, {
    alertUrl: base ? (a: AlertRecord) => `${base}/alerts?alert=${encodeURIComponent(a.id)}` : undefined,
    onError,
    background: true,
  });
  const manager = new RuleManager(store, sendAlertsTo(notifier), {
    intervalMs: opts.intervalMs || DEFAULT_EVAL_INTERVAL_MS,
    onChange: (a) => server.live.publish(a.project, 'alert', alertToJson(a)),
    onError,
  });
  const job: BackgroundJob = {
    name: 'alerting',
    intervalMs: manager.intervalMs,
    // Let the server settle (and a new leader's store catch up) before the first pass.
    initialDelayMs: Math.min(manager.intervalMs, 5_000),
    run: () => manager.evaluate(),
  };
  return { manager, notifier, job };
}

/** The background jobs alerting adds to a server (none when disabled with intervalMs 0). */
export function alertingJobs(server: VigilServer, opts: AlertingOptions = {}): BackgroundJob[] {
  if (opts.intervalMs === 0) return [];
  return [createAlerting(server, opts).job];
}
