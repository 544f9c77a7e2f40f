import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { AlertState } from '../store/store.js';
import { evaluateRule, type InstanceState, instanceLabels, isOpen, type Sample, silenceMatches } from './state.js';
import type { AlertRule, Silence } from './types.js';

const S = 1_000_000;
const T0 = Date.UTC(2026, 0, 1) * 1000;

function rule(o: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'r1',
    project: 'p',
    name: 'High error rate',
    description: '',
    enabled: true,
    severity: 'critical',
    condition: { type: 'span_measure', measure: 'error_rate', windowMs: 60_000, operator: '>', threshold: 0.1 },
    forMs: 60_000,
    keepFiringForMs: 0,
    labels: { team: 'ml' },
    channels: [],
    repeatIntervalMs: 0,
    escalation: [],
    createdUs: T0,
    updatedUs: T0,
    ...o,
  };
}

const sample = (labels: Record<string, string> = {}, value = 0.5): Sample => ({ labels, value, message: 'm' });

/** Runs a sequence of evaluations (condition holds or not per step, 30 s apart). */
function run(r: AlertRule, holds: boolean[], opts: { silences?: Silence[]; ackAt?: number } = {}) {
  let open: InstanceState[] = [];
  const states: (AlertState | null)[] = [];
  holds.forEach((h, i) => {
    const now = T0 + i * 30 * S;
    if (opts.ackAt === i)
      open = open.map((o) => ({ ...o, alert: { ...o.alert, state: 'acknowledged', acknowledgedBy: 'bob' } }));
    const ev = evaluateRule(r, h ? [sample()] : [], open, opts.silences ?? [], now);
    open = ev.open;
    states.push(ev.transitions[0]?.alert.state ?? null);
  });
  return states;
}

describe('alert state machine', () => {
  test('pending until forMs has elapsed, then firing, then resolved', () => {
    assert.deepEqual(run(rule(), [true, true, true, true, false, false]), [
      'pending',
      'pending',
      'firing',
      'firing',
      'resolved',
      null,
    ]);
  });

  test('forMs 0 fires at once; a pending blip resolves without ever firing', () => {
    assert.deepEqual(run(rule({ forMs: 0 }), [true, false]), ['firing', 'resolved']);
    assert.deepEqual(run(rule(), [true, false, false]), ['pending', 'resolved', null]);
  });

  test('keepFiringFor holds a flapping alert', () => {
    // 30 s steps, keep firing for 60 s after the condition last held.
    assert.deepEqual(run(rule({ forMs: 0, keepFiringForMs: 60_000 }), [true, false, true, false, false, false]), [
      'firing',
      'firing',
      'firing',
      'firing',
      'resolved',
      null,
    ]);
  });

  test('acknowledged stays acknowledged while firing; the next episode starts unacknowledged', () => {
    const r = rule({ forMs: 0 });
    let open: InstanceState[] = [];
    let ev = evaluateRule(r, [sample()], open, [], T0);
    const first = ev.open[0].alert;
    open = [{ ...ev.open[0], alert: { ...first, state: 'acknowledged', acknowledgedBy: 'bob' } }];
    ev = evaluateRule(r, [sample()], open, [], T0 + 30 * S);
    assert.equal(ev.transitions[0].alert.state, 'acknowledged');
    assert.equal(ev.transitions[0].previous, 'acknowledged');
    ev = evaluateRule(r, [], ev.open, [], T0 + 60 * S);
    assert.equal(ev.transitions[0].alert.state, 'resolved');
    assert.equal(ev.transitions[0].alert.resolvedUs, T0 + 60 * S);
    ev = evaluateRule(r, [sample()], ev.open, [], T0 + 90 * S);
    assert.equal(ev.transitions[0].alert.state, 'firing');
    assert.equal(ev.transitions[0].alert.acknowledgedBy, null);
    assert.notEqual(ev.transitions[0].alert.id, first.id, 'a new episode is a new instance');
  });

  test('a matching silence silences while active; firing again when it ends', () => {
    const sil: Silence = {
      id: 's',
      project: 'p',
      matchers: { team: 'ml', alertname: 'High error rate' },
      startsUs: T0 + 30 * S,
      endsUs: T0 + 90 * S,
      createdBy: 'a',
      comment: '',
    };
    assert.deepEqual(run(rule({ forMs: 0 }), [true, true, true, true], { silences: [sil] }), [
      'firing',
      'silenced',
      'silenced',
      'firing',
    ]);
    const other = { ...sil, matchers: { team: 'web' } };
    assert.deepEqual(run(rule({ forMs: 0 }), [true, true], { silences: [other] }), ['firing', 'firing']);
  });

  test('grouping: one instance per label set, each with its own lifecycle', () => {
    const r = rule({ forMs: 0 });
    let ev = evaluateRule(r, [sample({ model: 'a' }), sample({ model: 'b' })], [], [], T0);
    assert.equal(ev.open.length, 2);
    assert.deepEqual(ev.open[0].alert.labels, instanceLabels(r, { model: 'a' }));
    ev = evaluateRule(r, [sample({ model: 'b' })], ev.open, [], T0 + 30 * S);
    const byModel = Object.fromEntries(ev.transitions.map((t) => [t.alert.labels.model, t.alert.state]));
    assert.deepEqual(byModel, { a: 'resolved', b: 'firing' });
    assert.equal(ev.open.length, 1);
  });

  test('a disabled rule resolves its instances', () => {
    const ev = evaluateRule(rule({ forMs: 0 }), [sample()], [], [], T0);
    const ev2 = evaluateRule(rule({ forMs: 0, enabled: false }), [sample()], ev.open, [], T0 + S);
    assert.equal(ev2.transitions[0].alert.state, 'resolved');
    assert.equal(ev2.open.length, 0);
  });

  test('silence matching: all matchers, half-open time range', () => {
    const s: Silence = {
      id: 's',
      project: 'p',
      matchers: { a: '1', b: '2' },
      startsUs: 10,
      endsUs: 20,
      createdBy: '',
      comment: '',
    };
    assert.equal(silenceMatches(s, { a: '1', b: '2', c: '3' }, 10), true);
    assert.equal(silenceMatches(s, { a: '1', b: '2' }, 20), false);
    assert.equal(silenceMatches(s, { a: '1' }, 15), false);
    assert.equal(silenceMatches({ ...s, matchers: {} }, { a: '1' }, 15), false, 'an empty silence matches nothing');
  });

  test('property: any evaluation sequence keeps the invariants', () => {
    const step = fc.record({
      holds: fc.boolean(),
      ack: fc.boolean(),
      silenced: fc.boolean(),
      dtS: fc.integer({ min: 1, max: 120 }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 180 }),
        fc.integer({ min: 0, max: 180 }),
        (steps, forS, keepS) => {
          const r = rule({ forMs: forS * 1000, keepFiringForMs: keepS * 1000 });
          let open: InstanceState[] = [];
          let now = T0;
          let heldSince: number | null = null;
          for (const st of steps) {
            now += st.dtS * S;
            if (st.ack)
              open = open.map((o) =>
                o.alert.state === 'firing'
                  ? { ...o, alert: { ...o.alert, state: 'acknowledged', acknowledgedBy: 'x' } }
                  : o,
              );
            const silences: Silence[] = st.silenced
              ? [
                  {
                    id: 's',
                    project: 'p',
                    matchers: { team: 'ml' },
                    startsUs: now - S,
                    endsUs: now + S,
                    createdBy: '',
                    comment: '',
                  },
                ]
              : [];
            const before = open[0]?.alert;
            const ev = evaluateRule(r, st.holds ? [sample()] : [], open, silences, now);
            assert.ok(ev.open.length <= 1);
            assert.ok(ev.transitions.length <= 1);
            const t = ev.transitions[0];
            if (!st.holds && !before) assert.equal(t, undefined, 'nothing appears without the condition');
            if (t) {
              const a = t.alert;
              assert.ok(a.startedUs <= a.updatedUs && a.updatedUs <= now);
              if (a.state === 'resolved') assert.equal(a.resolvedUs, now);
              else assert.equal(a.resolvedUs, null);
              // Firing only after the condition held for forMs (pending counts from startedUs).
              if (a.state !== 'pending' && a.state !== 'resolved') assert.ok(now - a.startedUs >= r.forMs * 1000);
              if (a.state === 'silenced') assert.ok(st.silenced);
              if (st.silenced && isOpen(a.state) && a.state !== 'pending') assert.equal(a.state, 'silenced');
              if (a.state === 'acknowledged') assert.ok(a.acknowledgedBy);
              if (before && before.id !== a.id) assert.fail('an open instance keeps its id');
              if (a.state === 'pending') assert.ok(st.holds, 'pending only while the condition holds');
            }
            heldSince = st.holds ? (heldSince ?? now) : null;
            open = ev.open;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
