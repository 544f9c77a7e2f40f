/**
 * Continuous anomaly detection: every interval, re-score the last `lookbackMs` of each project's
 * watched series and record anomalies that are new since the previous pass, announcing each on
 * the live stream. Runs in the background with its timer unref'd; a pass never overlaps the
 * previous one.
 */
import type { AnomalyRecord, Store } from '@vigil/core';
import { runDetection } from './detection.js';

export interface MonitorOptions {
  intervalMs?: number;
  lookbackMs?: number;
  stepMs?: number;
  metrics?: readonly string[];
  /** Called for each newly recorded anomaly (e.g. publish to SSE). */
  onAnomaly?: (a: AnomalyRecord) => void;
  onError?: (err: unknown) => void;
  now?: () => number;
}

export class AnomalyMonitor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly lastUs = new Map<string, number>();
  readonly intervalMs: number;

  constructor(
    private readonly store: Store,
    private readonly opts: MonitorOptions = {},
  ) {
    this.intervalMs = Math.max(1000, opts.intervalMs ?? 60_000);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.pass()
          .then(() => {})
          .finally(() => {
            this.running = null;
          });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One detection pass over every project (also callable directly, e.g. from tests). */
  async pass(): Promise<AnomalyRecord[]> {
    const nowMs = (this.opts.now ?? Date.now)();
    const lookback = this.opts.lookbackMs ?? 24 * 3_600_000;
    const step = this.opts.stepMs ?? 60_000;
    const toUs = Math.floor(nowMs / step) * step * 1000;
    const out: AnomalyRecord[] = [];
    for (const p of await this.store.listProjects()) {
      try {
        const since = this.lastUs.get(p.id) ?? toUs - 2 * step * 1000;
        const r = await runDetection(this.store, p.id, {
          range: { fromUs: toUs - lookback * 1000, toUs },
          stepMs: step,
          sinceUs: since,
          metrics: this.opts.metrics,
          nowUs: nowMs * 1000,
        });
        this.lastUs.set(p.id, toUs);
        for (const a of r.anomalies) this.opts.onAnomaly?.(a);
        out.push(...r.anomalies);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
    return out;
  }
}
