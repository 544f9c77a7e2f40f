/**
 * A small publish/subscribe bus between the Vigil instances that share a PostgreSQL database, over
 * LISTEN/NOTIFY: e.g. each instance publishes a summary of every ingest commit so that live
 * dashboards (SSE) connected to any instance see telemetry ingested through the others.
 *
 * Delivery is at most once and only to instances listening at that moment (NOTIFY semantics);
 * notifications are sent when the publishing transaction commits, in order per publisher.
 * PostgreSQL caps a payload at 8000 bytes: publish() refuses larger ones (send summaries).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from './connect.js';

export interface ClusterBus {
  /** Identifies this instance in messages (random unless given). */
  readonly instanceId: string;
  /** Sends to every other listening instance; false when the payload is too large to send. */
  publish(topic: string, payload: unknown): Promise<boolean>;
  /** Receives other instances' messages on a topic; returns an unsubscribe function. */
  subscribe(topic: string, fn: (payload: unknown, from: string) => void): () => void;
  close(): Promise<void>;
}

export interface ClusterBusOptions {
  instanceId?: string;
  /** Also deliver this instance's own messages (default false: local events are handled locally). */
  includeSelf?: boolean;
}

const MAX_PAYLOAD = 7900;

/** The NOTIFY channel of a schema (channel names are identifiers: at most 63 bytes). */
export function busChannel(schema: string): string {
  const name = `vigil_bus_${schema}`;
  return name.length <= 63 ? name : `vigil_bus_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

export async function createClusterBus(sql: Sql, schema: string, opts: ClusterBusOptions = {}): Promise<ClusterBus> {
  const instanceId = opts.instanceId ?? randomBytes(6).toString('hex');
  const channel = busChannel(schema);
  const handlers = new Map<string, Set<(payload: unknown, from: string) => void>>();
  const { unlisten } = await sql.listen(channel, (raw) => {
    let msg: { i: string; t: string; p: unknown };
    try {
      msg = JSON.parse(raw);
    } catch {
      return; // not ours
    }
    if (!msg || typeof msg.t !== 'string' || (msg.i === instanceId && !opts.includeSelf)) return;
    for (const fn of handlers.get(msg.t) ?? []) {
      try {
        fn(msg.p, msg.i);
      } catch {
        // one subscriber's failure must not affect the others
      }
    }
  });
  let closed = false;
  return {
    instanceId,
    async publish(topic, payload) {
      if (closed) return false;
      const text = JSON.stringify({ i: instanceId, t: topic, p: payload });
      if (Buffer.byteLength(text) > MAX_PAYLOAD) return false;
      await sql.notify(channel, text);
      return true;
    },
    subscribe(topic, fn) {
      let set = handlers.get(topic);
      if (!set) {
        set = new Set();
        handlers.set(topic, set);
      }
      set.add(fn);
      return () => set.delete(fn);
    },
    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      await unlisten();
    },
  };
}
