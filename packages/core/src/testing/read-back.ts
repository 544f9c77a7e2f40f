/** Test support: durable frames' payloads as the bulk loader reads them back (frame-reader.ts), as text. */
import { FrameReader } from '../store/duckdb/frame-reader.js';
import type { DurableFrame } from '../store/duckdb/ingest-log.js';

export async function readBack(frames: readonly DurableFrame[], groupBytes?: number): Promise<string[]> {
  const reader = new FrameReader(frames, { groupBytes });
  await reader.ready();
  const out: string[] = [];
  for (let p = reader.next(); p; p = reader.next()) out.push(p.toString());
  await reader.close();
  return out;
}
