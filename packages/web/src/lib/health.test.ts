import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthScore } from './health.js';

test('healthy system scores 100 with no reasons; problems take points off and are named', () => {
  const ok = healthScore({
    cpu: 20,
    memory: 40,
    disk: 50,
    errorRate: 0.01,
    criticalAlerts: 0,
    warningAlerts: 0,
    ready: true,
  });
  assert.deepEqual(ok, { score: 100, grade: 'healthy', reasons: [] });
  const bad = healthScore({
    cpu: 100,
    memory: 90,
    disk: null,
    errorRate: 0.3,
    criticalAlerts: 1,
    warningAlerts: 0,
    ready: false,
  });
  assert.equal(bad.grade, 'unhealthy');
  assert.equal(bad.score, 0);
  assert.ok(bad.reasons.includes('server not ready'));
  assert.ok(bad.reasons.some((r) => r.startsWith('CPU at 100%')));
});
