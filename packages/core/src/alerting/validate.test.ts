import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AlertRule, NotificationChannel } from './types.js';
import { AlertingValidationError, redactChannel, validateChannel, validateRule, validateSilence } from './validate.js';

const ctx = { project: 'p', nowUs: 1_700_000_000_000_000 };
const cond = { type: 'span_measure', measure: 'p95_ms', windowMs: 300_000, operator: '>', threshold: 2000 };

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AlertingValidationError, String(e));
    return e.field;
  }
  assert.fail('expected a validation error');
}

describe('rule validation', () => {
  test('defaults and normalisation', () => {
    const r = validateRule({ name: ' slow ', condition: cond, channels: ['a', 'a', 'b'] }, ctx);
    assert.equal(r.name, 'slow');
    assert.equal(r.enabled, true);
    assert.equal(r.severity, 'warning');
    assert.equal(r.forMs, 0);
    assert.equal(r.repeatIntervalMs, 4 * 3_600_000);
    assert.deepEqual(r.channels, ['a', 'b']);
    assert.match(r.id, /^rule_/);
    assert.equal(r.createdUs, ctx.nowUs);
  });

  test('an update keeps id and creation time', () => {
    const first = validateRule({ name: 'x', condition: cond }, ctx);
    const next = validateRule(
      { id: 'other', name: 'y', condition: cond },
      { ...ctx, nowUs: ctx.nowUs + 5, existing: first as AlertRule },
    );
    assert.equal(next.id, first.id);
    assert.equal(next.createdUs, first.createdUs);
    assert.equal(next.updatedUs, ctx.nowUs + 5);
  });

  test('errors name the offending field', () => {
    const cases: [unknown, string][] = [
      [null, 'body'],
      [{ condition: cond }, 'name'],
      [{ name: 'x' }, 'condition'],
      [{ name: 'x', condition: { ...cond, type: 'sql' } }, 'condition.type'],
      [{ name: 'x', condition: { ...cond, windowMs: 10 } }, 'condition.windowMs'],
      [{ name: 'x', condition: { ...cond, operator: '==' } }, 'condition.operator'],
      [{ name: 'x', condition: { ...cond, threshold: Number.NaN } }, 'condition.threshold'],
      [{ name: 'x', condition: { ...cond, groupBy: 'user' } }, 'condition.groupBy'],
      [{ name: 'x', condition: { ...cond, kind: 'robot' } }, 'condition.kind'],
      [{ name: 'x', condition: { type: 'metric', windowMs: 60_000, operator: '>', threshold: 1 } }, 'condition.metric'],
      [
        {
          name: 'x',
          condition: {
            type: 'metric',
            metric: 'm',
            aggregation: 'median',
            windowMs: 60_000,
            operator: '>',
            threshold: 1,
          },
        },
        'condition.aggregation',
      ],
      [
        {
          name: 'x',
          condition: { type: 'metric', metric: 'm', windowMs: 60_000, operator: '>', threshold: 1, labels: { a: 1 } },
        },
        'condition.labels.a',
      ],
      [{ name: 'x', condition: { type: 'anomaly', windowMs: 60_000, minSeverity: 'huge' } }, 'condition.minSeverity'],
      [{ name: 'x', condition: { type: 'absence', windowMs: 60_000 } }, 'condition.source'],
      [
        { name: 'x', condition: { type: 'absence', source: 'spans', windowMs: 60_000, groupBy: ['model', 'agent'] } },
        'condition.groupBy',
      ],
      [
        { name: 'x', condition: { type: 'absence', source: 'spans', windowMs: 60_000, lookbackMs: 1000 } },
        'condition.lookbackMs',
      ],
      [{ name: 'x', condition: cond, severity: 'page' }, 'severity'],
      [{ name: 'x', condition: cond, forMs: -1 }, 'forMs'],
      [{ name: 'x', condition: cond, enabled: 'yes' }, 'enabled'],
      [{ name: 'x', condition: cond, channels: [''] }, 'channels[0]'],
      [{ name: 'x', condition: cond, escalation: [{ afterMs: 60_000, channels: [] }] }, 'escalation[0].channels'],
      [{ name: 'x', condition: cond, escalation: [{ channels: ['a'] }] }, 'escalation[0].afterMs'],
    ];
    for (const [body, field] of cases)
      assert.equal(
        fieldOf(() => validateRule(body, ctx)),
        field,
        JSON.stringify(body),
      );
  });

  test('the message reads as a sentence about the field', () => {
    assert.throws(() => validateRule({ name: 'x', condition: { ...cond, threshold: 'a' } }, ctx), {
      message: 'condition.threshold must be a finite number',
    });
  });
});

describe('channel validation', () => {
  test('webhook URL, email addresses, secrets kept on update and redacted on output', () => {
    assert.equal(
      fieldOf(() => validateChannel({ name: 'h', type: 'webhook', config: { url: 'file:///x' } }, ctx)),
      'config.url',
    );
    assert.equal(
      fieldOf(() => validateChannel({ name: 'h', type: 'pager', config: {} }, ctx)),
      'type',
    );
    assert.equal(
      fieldOf(() =>
        validateChannel({ name: 'm', type: 'email', config: { host: 'h', from: 'a@b.c', to: ['nope'] } }, ctx),
      ),
      'config.to[0]',
    );
    assert.equal(
      fieldOf(() => validateChannel({ name: 'm', type: 'email', config: { host: 'h', from: 'a@b.c' } }, ctx)),
      'config.to',
    );
    const mail = validateChannel(
      {
        name: 'm',
        type: 'email',
        config: { host: 'smtp.x', from: 'Vigil <v@x.test>', to: ['a@x.test'], password: 'pw' },
      },
      ctx,
    );
    assert.equal(mail.type === 'email' && mail.config.port, 587);
    const hook = validateChannel({ name: 'h', type: 'webhook', config: { url: 'https://x.test/h', secret: 's' } }, ctx);
    const updated = validateChannel(
      { name: 'h2', type: 'webhook', config: { url: 'https://x.test/h2' } },
      { ...ctx, existing: hook },
    ) as Extract<NotificationChannel, { type: 'webhook' }>;
    assert.equal(updated.config.secret, 's');
    assert.equal(updated.id, hook.id);
    const cleared = validateChannel(
      { name: 'h2', type: 'webhook', config: { url: 'https://x.test/h2', secret: '' } },
      { ...ctx, existing: hook },
    ) as Extract<NotificationChannel, { type: 'webhook' }>;
    assert.equal(cleared.config.secret, undefined, 'an empty secret clears it');
    const shown = redactChannel(mail);
    assert.equal((shown.config as { password?: string }).password, undefined);
    assert.equal(shown.secretSet, true);
  });
});

describe('silence validation', () => {
  test('duration or end time, after the start, at least one matcher', () => {
    const s = validateSilence({ matchers: { model: 'x' }, durationMs: 60_000 }, { ...ctx, createdBy: 'a' });
    assert.equal(s.endsUs - s.startsUs, 60_000_000);
    assert.equal(s.startsUs, ctx.nowUs);
    const iso = validateSilence(
      { matchers: { a: 'b' }, startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-01T01:00:00Z' },
      { ...ctx, createdBy: 'a' },
    );
    assert.equal(iso.endsUs - iso.startsUs, 3_600_000_000);
    const c = { ...ctx, createdBy: 'a' };
    assert.equal(
      fieldOf(() => validateSilence({ matchers: {}, durationMs: 60_000 }, c)),
      'matchers',
    );
    assert.equal(
      fieldOf(() => validateSilence({ matchers: { a: 'b' } }, c)),
      'endsAt',
    );
    assert.equal(
      fieldOf(() => validateSilence({ matchers: { a: 'b' }, startsAt: 2000, endsAt: 1000 }, c)),
      'endsAt',
    );
    assert.equal(
      fieldOf(() => validateSilence({ matchers: { a: 'b' }, endsAt: 'soon' }, c)),
      'endsAt',
    );
  });
});
