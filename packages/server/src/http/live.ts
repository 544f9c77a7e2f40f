/**
 * Live events per project for `GET /api/v1/stream`. The pipeline's commits feed `spans`; the
 * analysers publish `anomaly` and `alert`. Slow subscribers cannot hold memory: each SSE client
 * writes straight to its socket and is dropped when the socket's buffer is over its cap.
 */
import type { SpanRecord } from '@vigil/core';
import { usToIso } from '@vigil/core';

export type LiveListener = (event: string, data: unknown) => void;

/** Carries live events between instances that share a store (PostgreSQL LISTEN/NOTIFY). */
export interface LiveRelay {
  /** False when the payload is too large for the relay. */
  publish(topic: string, payload: unknown): Promise<boolean>;
  subscribe(topic: string, fn: (payload: unknown) => void): () => void;
}

const RELAY_TOPIC = 'live';
/** NOTIFY payloads are capped at 8000 bytes; leave room for the bus's envelope. */
const RELAY_MAX_BYTES = 7000;

export class LiveHub {
  private readonly byProject = new Map<string, Set<LiveListener>>();
  private total = 0;
  private relay: LiveRelay | null = null;

  /** `onActive(true)` when the first subscriber arrives, `(false)` when the last one leaves. */
  constructor(private readonly onActive: (active: boolean) => void = () => {}) {}

  subscribe(project: string, listener: LiveListener): () => void {
    let set = this.byProject.get(project);
    if (!set) {
      set = new Set();
      this.byProject.set(project, set);
    }
    if (set.has(listener)) return () => {};
    set.add(listener);
    if (++this.total === 1) this.onActive(true);
    let done = false;
    const members = set;
    return () => {
      if (done) return;
      done = true;
      members.delete(listener);
      if (members.size === 0) this.byProject.delete(project);
      if (--this.total === 0) this.onActive(false);
    };
  }

  /**
   * Shares this instance's events with the other instances and delivers theirs here, so a dashboard
   * connected to any instance sees what every instance ingested, and the leader's alerts.
   */
  attachRelay(relay: LiveRelay): () => void {
    this.relay = relay;
    const stop = relay.subscribe(RELAY_TOPIC, (payload) => {
      const m = payload as { project?: unknown; event?: unknown; data?: unknown } | null;
      if (m && typeof m.project === 'string' && typeof m.event === 'string') this.deliver(m.project, m.event, m.data);
    });
    return () => {
      stop();
      this.relay = null;
    };
  }

  /** With a relay, commits must be summarised even when nobody here watches. */
  get relayed(): boolean {
    return this.relay !== null;
  }

  hasSubscribers(project?: string): boolean {
    return project === undefined ? this.byProject.size > 0 : this.byProject.has(project);
  }

  publish(project: string, event: string, data: unknown): void {
    this.deliver(project, event, data);
    if (this.relay) this.relayOut(this.relay, project, event, data);
  }

  private relayOut(relay: LiveRelay, project: string, event: string, data: unknown): void {
    let payload = { project, event, data };
    // A big commit's summary is trimmed to the traces that fit; the count stays exact.
    const d = data as { traces?: unknown[] } | null;
    if (event === 'spans' && d && Array.isArray(d.traces)) {
      let n = d.traces.length;
      while (n > 0 && Buffer.byteLength(JSON.stringify(payload)) > RELAY_MAX_BYTES) {
        n = Math.floor(n / 2);
        payload = { project, event, data: { ...d, traces: d.traces.slice(0, n) } };
      }
    }
    // At most once, like the stream itself: a lost relay message only delays a dashboard refresh.
    relay.publish(RELAY_TOPIC, payload).catch(() => {});
  }

  private deliver(project: string, event: string, data: unknown): void {
    const set = this.byProject.get(project);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(event, data);
      } catch {
        // one broken client must not stop the others
      }
    }
  }

  /** Groups committed spans by project into `spans` events with per-trace lite summaries. */
  publishSpans(spans: readonly SpanRecord[]): void {
    if ((this.byProject.size === 0 && !this.relay) || spans.length === 0) return;
    const perProject = new Map<string, Map<string, SpanRecord[]>>();
    for (const s of spans) {
      if (!this.relay && !this.byProject.has(s.project)) continue;
      let traces = perProject.get(s.project);
      if (!traces) {
        traces = new Map();
        perProject.set(s.project, traces);
      }
      const list = traces.get(s.traceId);
      if (list) list.push(s);
      else traces.set(s.traceId, [s]);
    }
    for (const [project, traces] of perProject) {
      let count = 0;
      const lite = [];
      for (const [traceId, list] of traces) {
        count += list.length;
        if (lite.length >= 100) continue; // a huge commit still yields a bounded event
        const root = list.find((s) => !s.parentSpanId) ?? list.reduce((a, b) => (a.startUs <= b.startUs ? a : b));
        let startUs = Number.POSITIVE_INFINITY;
        let endUs = Number.NEGATIVE_INFINITY;
        for (const s of list) {
          if (s.startUs < startUs) startUs = s.startUs;
          if (s.endUs > endUs) endUs = s.endUs;
        }
        lite.push({
          traceId,
          rootSpanId: root.spanId,
          name: root.name,
          kind: root.kind,
          serviceName: root.serviceName,
          startTime: usToIso(startUs),
          durationMs: (endUs - startUs) / 1000,
          status: list.some((s) => s.status === 'error') ? 'error' : root.status,
          spanCount: list.length,
          errorCount: list.filter((s) => s.status === 'error').length,
          agentId: root.agentId ?? list.find((s) => s.agentId)?.agentId ?? null,
          models: [...new Set(list.map((s) => s.model).filter((m): m is string => !!m))],
          costUsd: list.reduce((a, s) => a + (s.costUsd ?? 0), 0),
        });
      }
      this.publish(project, 'spans', { count, traces: lite });
    }
  }
}
