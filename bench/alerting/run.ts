/**
 * Alert rule evaluation cost on a realistic DuckDB store: loads N spans spread over the last 24 h,
 * defines R rules (span measures grouped by model/agent, metric-free so only spans matter), and
 * times full manager passes (conditions + state machine + persisting changes) against a baseline
 * of the bare condition queries run back to back, measured in the same run.
 *
 *   node --conditions=vigil-source --import tsx bench/alerting/run.ts [--spans N] [--rules R] [--runs K] [--quick] [--path FILE]
 *
 * --spans N  spans to load (default 2,000,000; --quick 200,000)
 * --rules R  rules to evaluate per pass (default 100; --quick 30)
 * --runs K   timed passes (default 9; --quick 5); the median is reported
 * --path     DuckDB file (default a temp file, deleted afterwards)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type AlertRule, DuckDbStore, evaluateCondition, RuleManager, type SpanMeasure } from '@vigil/core';
import { makeSpanBatches } from '../lib/spans.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string' },
    rules: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    path: { type: 'string' },
  },
});
const quick = values.quick;
const nSpans = Number(values.spans ?? (quick ? 200_000 : 2_000_000));
const nRules = Number(values.rules ?? (quick ? 30 : 100));
const runs = Number(values.runs ?? (quick ? 5 : 9));
const tmp = values.path ? null : mkdtempSync(join(tmpdir(), 'vigil-bench-alerting-'));
const path = values.path ?? join(tmp!, 'bench.duckdb');
const PROJECT = 'bench';
const nowMs = Math.floor(Date.now() / 60_000) * 60_000;
const DAY_US = 86_400_000_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const store = await DuckDbStore.open(path);
try {
  await store.createProject({ id: PROJECT, name: PROJECT, createdUs: nowMs * 1000 });
  let t = performance.now();
  for (const batch of makeSpanBatches(nSpans, 50_000, {
    project: PROJECT,
    startUs: nowMs * 1000 - DAY_US,
    spanUs: DAY_US,
  })) {
    const a = store.appender();
    a.spans(batch);
    await a.commit();
  }
  console.log(`loaded ${nSpans.toLocaleString()} spans over 24 h in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const measures: SpanMeasure[] = ['error_rate', 'p95_ms', 'cost', 'count', 'avg_ms', 'tokens'];
  const windows = [60_000, 300_000, 900_000, 3_600_000];
  const groups = [undefined, 'model', 'agent', 'service'] as const;
  const rules: AlertRule[] = [];
  for (let i = 0; i < nRules; i++) {
    rules.push({
      id: `r${i}`,
      project: PROJECT,
      name: `rule ${i}`,
      description: '',
      enabled: true,
      severity: 'warning',
      condition: {
        type: 'span_measure',
        measure: measures[i % measures.length],
        windowMs: windows[i % windows.length],
        operator: '>',
        // Half the rules fire, so the pass also persists instances.
        threshold: i % 2 === 0 ? 0 : 1e12,
        groupBy: groups[i % groups.length],
      },
      forMs: 0,
      keepFiringForMs: 0,
      labels: {},
      channels: [],
      repeatIntervalMs: 0,
      escalation: [],
      createdUs: nowMs * 1000,
      updatedUs: nowMs * 1000,
    });
  }
  for (const r of rules) await store.upsertAlertRule(r);

  let notified = 0;
  const manager = new RuleManager(
    store,
    async (alerts) => {
      notified = alerts.length;
    },
    { now: () => nowMs, onError: (err, ctx) => console.error(ctx, err) },
  );
  // Untimed warm-up of the caches, then the first pass (it creates every instance).
  for (const r of rules) await evaluateCondition(store, PROJECT, r.condition, nowMs * 1000);
  t = performance.now();
  await manager.evaluate();
  const firstPass = performance.now() - t;
  // Baseline (the rules' condition queries alone, back to back) and steady-state passes,
  // interleaved so machine noise hits both alike.
  const baseline: number[] = [];
  const passes: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    for (const r of rules) await evaluateCondition(store, PROJECT, r.condition, nowMs * 1000);
    baseline.push(performance.now() - t);
    t = performance.now();
    await manager.evaluate();
    passes.push(performance.now() - t);
  }
  const open = (await store.listAlerts(PROJECT, { states: ['firing'], limit: 100_000 })).length;
  const b = median(baseline);
  const p = median(passes);
  console.log(`rules: ${nRules}, firing instances: ${open}, handed to the notifier per pass: ${notified}`);
  console.log(`baseline (condition queries only): median ${b.toFixed(1)} ms per ${nRules} rules`);
  console.log(`first pass (creates ${open} instances): ${firstPass.toFixed(1)} ms`);
  console.log(`manager pass (steady state):        median ${p.toFixed(1)} ms, ${(p / nRules).toFixed(2)} ms/rule`);
  console.log(`ratio pass / baseline: ${(p / b).toFixed(2)}`);
} finally {
  await store.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
