/**
 * A 0–100 health score from resource use, error rate, firing alerts and readiness. Each factor
 * takes points off past a threshold, so the score says "how much is wrong" and the list says what.
 */

export interface HealthInput {
  cpu: number | null;
  memory: number | null;
  disk: number | null;
  errorRate: number | null;
  criticalAlerts: number;
  warningAlerts: number;
  ready: boolean | null;
}

export interface HealthResult {
  score: number;
  grade: 'healthy' | 'degraded' | 'unhealthy';
  reasons: string[];
}

/** Linear penalty from 0 at `start` to `max` at `end`. */
function ramp(v: number | null, start: number, end: number, max: number): number {
  if (v === null || !Number.isFinite(v) || v <= start) return 0;
  return Math.min(max, ((v - start) / (end - start)) * max);
}

export function healthScore(h: HealthInput): HealthResult {
  const parts: [number, string][] = [
    [ramp(h.cpu, 70, 100, 20), `CPU at ${h.cpu?.toFixed(0)}%`],
    [ramp(h.memory, 80, 100, 20), `memory at ${h.memory?.toFixed(0)}%`],
    [ramp(h.disk, 85, 100, 20), `disk at ${h.disk?.toFixed(0)}%`],
    [ramp(h.errorRate, 0.02, 0.25, 25), `error rate ${((h.errorRate ?? 0) * 100).toFixed(1)}%`],
    [Math.min(30, h.criticalAlerts * 15), `${h.criticalAlerts} critical alert(s) firing`],
    [Math.min(10, h.warningAlerts * 5), `${h.warningAlerts} warning alert(s) firing`],
    [h.ready === false ? 40 : 0, 'server not ready'],
  ];
  const penalty = parts.reduce((a, [p]) => a + p, 0);
  const score = Math.max(0, Math.round(100 - penalty));
  return {
    score,
    grade: score >= 85 ? 'healthy' : score >= 60 ? 'degraded' : 'unhealthy',
    reasons: parts.filter(([p]) => p > 0).map(([, r]) => r),
  };
}
