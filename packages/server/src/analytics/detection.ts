/**
 * Anomaly detection over stored telemetry: the series that matter (latency percentiles, error
 * rate, tokens and cost per agent and model, throughput, plus any metric a user names) are read
 * from the store, scored by @vigil/core's detectAnomalies, and recorded with insertAnomalies.
 * Anomaly ids are deterministic, so re-scanning a range replaces rather than duplicates.
 */
import {
  type Algorithm,
  type AnomalyRecord,
  detectAnomalies,
  type Sensitivity,
  type Series,
  type SpanMeasure,
  type Store,
  type TimeRange,
} from '@vigil/core';

export interface WatchedSeries {
  /** Identity recorded on anomalies, e.g. "span.p95_ms" or a metric name. */
  metric: string;
  source: 'span' | 'metric';
  measure?: SpanMeasure;
  groupBy?: 'model' | 'agent';
  /** For source 'metric': the aggregation per step (default avg). */
  aggregation?: 'avg' | 'sum' | 'max' | 'p95';
}

/** What Vigil watches by default. */
export const DEFAULT_WATCHED: readonly WatchedSeries[] = [
  { metric: 'span.p95_ms', source: 'span', measure: 'p95_ms', groupBy: 'model' },
  { metric: 'span.p95_ms', source: 'span', measure: 'p95_ms', groupBy: 'agent' },
  { metric: 'span.p99_ms', source: 'span', measure: 'p99_ms', groupBy: 'model' },
  { metric: 'span.error_rate', source: 'span', measure: 'error_rate', groupBy: 'model' },
  { metric: 'span.error_rate', source: 'span', measure: 'error_rate', groupBy: 'agent' },
  { metric: 'span.tokens', source: 'span', measure: 'tokens', groupBy: 'agent' },
  { metric: 'span.tokens', source: 'span', measure: 'tokens', groupBy: 'model' },
  { metric: 'span.cost', source: 'span', measure: 'cost', groupBy: 'agent' },
  { metric: 'span.cost', source: 'span', measure: 'cost', groupBy: 'model' },
  { metric: 'span.count', source: 'span', measure: 'count' },
];

export interface DetectionRun {
  range: TimeRange;
  stepMs: number;
  /** Only anomalies at or after this time (µs) are reported (continuous mode). */
  sinceUs?: number;
  algorithm?: Algorithm | 'auto';
  sensitivity?: Sensitivity;
  /** Metric names to watch besides the defaults. */
  metrics?: readonly string[];
  series?: readonly WatchedSeries[];
  /** Write the anomalies to the store (default true). */
  record?: boolean;
  nowUs?: number;
}

export interface DetectionResult {
  anomalies: AnomalyRecord[];
  /** Series scanned (after grouping). */
  seriesScanned: number;
  /** Series skipped for too little data. */
  seriesSkipped: number;
}

export async function runDetection(store: Store, project: string, run: DetectionRun): Promise<DetectionResult> {
  const watched = [
    ...(run.series ?? DEFAULT_WATCHED),
    ...(run.metrics ?? []).map((name): WatchedSeries => ({ metric: name, source: 'metric' })),
  ];
  const anomalies: AnomalyRecord[] = [];
  let seriesScanned = 0;
  let seriesSkipped = 0;
  for (const w of watched) {
    let series: Series[];
    if (w.source === 'span') {
      series = await store.spanSeries(project, {
        ...run.range,
        stepMs: run.stepMs,
        measure: w.measure ?? 'count',
        groupBy: w.groupBy,
        // A day of minute buckets: exact percentiles would hold every duration in memory.
        approximate: true,
      });
    } else {
      series = await store.metricSeries(project, {
        ...run.range,
        name: w.metric,
        stepMs: run.stepMs,
        aggregation: w.aggregation ?? 'avg',
      });
    }
    for (const s of series) {
      // Group values arrive as labels; skip the "no model/agent" bucket of a grouped measure.
      if (w.groupBy && Object.values(s.labels).every((v) => v === '' || v === 'null')) continue;
      const r = detectAnomalies({
        metric: w.metric,
        labels: s.labels,
        points: s.points,
        algorithm: run.algorithm ?? 'auto',
        sensitivity: run.sensitivity ?? 'medium',
        sinceMs: run.sinceUs === undefined ? undefined : run.sinceUs / 1000,
        project,
        nowUs: run.nowUs,
      });
      if (r.status === 'ok') seriesScanned++;
      else seriesSkipped++;
      anomalies.push(...r.anomalies);
    }
  }
  if (run.record !== false && anomalies.length > 0) await store.insertAnomalies(anomalies);
  return { anomalies, seriesScanned, seriesSkipped };
}
