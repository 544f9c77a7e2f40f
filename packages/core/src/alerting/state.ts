/**
 * The alert state machine, pure: given a rule, the label sets for which its condition holds now,
 * the rule's open instances and the active silences, compute the next instances. No I/O, no clock:
 * the manager supplies `nowUs`, so every transition is testable and reproducible.
 *
 *   (none) ──holds──► pending ──held forMs──► firing ──stops holding (after keepFiringForMs)──► resolved
 *                        └──stops holding──► resolved (never fired: no notification)
 *   firing ⇄ acknowledged (a human acked; stays so while firing)   firing ⇄ silenced (a matching silence)
 *
 * One instance per (rule, label set); a resolved instance is closed, and the next episode for the
 * same label set is a new instance (new id), so the history keeps every episode.
 */
import { createHash } from 'node:crypto';
import type { AlertRecord, AlertState } from '../store/store.js';
import type { AlertRule, Silence } from './types.js';

/** A label set for which the condition holds now, with the value that made it hold. */
export interface Sample {
  labels: Record<string, string>;
  value: number | null;
  message: string;
}

/** An open (not resolved) instance plus what the state machine needs beyond the stored record. */
export interface InstanceState {
  alert: AlertRecord;
  /** The last evaluation at which the condition held (keepFiringFor counts from it). */
  activeAtUs: number;
}

export interface Transition {
  alert: AlertRecord;
  previous: AlertState | null;
}

export interface RuleEvaluation {
  /** Open instances after this evaluation (resolved ones are dropped). */
  open: InstanceState[];
  /** Every instance touched this evaluation, with its state before it; includes unchanged ones. */
  transitions: Transition[];
}

const OPEN_STATES: readonly AlertState[] = ['pending', 'firing', 'acknowledged', 'silenced'];
export const isOpen = (s: AlertState): boolean => OPEN_STATES.includes(s);

/** Canonical key of a label set (sorted keys), the identity of an instance within its rule. */
export function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/** Instance labels: the rule's name and severity, the group's labels, then the rule's own labels. */
export function instanceLabels(rule: AlertRule, group: Record<string, string>): Record<string, string> {
  return { alertname: rule.name, severity: rule.severity, ...group, ...rule.labels };
}

export function alertId(ruleId: string, labels: Record<string, string>, startedUs: number): string {
  const h = createHash('sha256')
    .update(`${ruleId}\u0000${labelsKey(labels)}\u0000${startedUs}`)
    .digest('hex');
  return `al_${h.slice(0, 24)}`;
}

export function silenceMatches(s: Silence, labels: Record<string, string>, nowUs: number): boolean {
  if (nowUs < s.startsUs || nowUs >= s.endsUs) return false;
  const entries = Object.entries(s.matchers);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** Firing, or what a human made of it: silenced beats acknowledged beats firing. */
function firingState(alert: AlertRecord, silences: readonly Silence[], nowUs: number): AlertState {
  if (silences.some((s) => silenceMatches(s, alert.labels, nowUs))) return 'silenced';
  return alert.acknowledgedBy != null ? 'acknowledged' : 'firing';
}

/**
 * One instance's next state. `sample` is null when the condition does not hold for its label set;
 * returns null when there is no instance before or after.
 */
export function stepInstance(
  rule: AlertRule,
  prev: InstanceState | null,
  labels: Record<string, string>,
  sample: Sample | null,
  silences: readonly Silence[],
  nowUs: number,
): InstanceState | null {
  if (!prev || !isOpen(prev.alert.state)) {
    if (!sample) return null;
    const alert: AlertRecord = {
      id: alertId(rule.id, labels, nowUs),
      project: rule.project,
      ruleId: rule.id,
      name: rule.name,
      severity: rule.severity,
      state: 'pending',
      message: sample.message,
      labels,
      value: sample.value,
      startedUs: nowUs,
      updatedUs: nowUs,
      resolvedUs: null,
      acknowledgedBy: null,
    };
    if (rule.forMs <= 0) alert.state = firingState(alert, silences, nowUs);
    return { alert, activeAtUs: nowUs };
  }
  const alert = { ...prev.alert, labels, name: rule.name, severity: rule.severity };
  const next = (state: AlertState, activeAtUs: number): InstanceState => {
    if (state !== alert.state) alert.updatedUs = nowUs;
    alert.state = state;
    if (state === 'resolved') alert.resolvedUs = nowUs;
    return { alert, activeAtUs };
  };
  if (sample) {
    alert.value = sample.value;
    alert.message = sample.message;
  }
  if (alert.state === 'pending') {
    if (!sample) return next('resolved', prev.activeAtUs);
    if (nowUs - alert.startedUs >= rule.forMs * 1000) return next(firingState(alert, silences, nowUs), nowUs);
    return next('pending', nowUs);
  }
  if (sample) return next(firingState(alert, silences, nowUs), nowUs);
  if (rule.keepFiringForMs > 0 && nowUs - prev.activeAtUs < rule.keepFiringForMs * 1000)
    return next(firingState(alert, silences, nowUs), prev.activeAtUs);
  return next('resolved', prev.activeAtUs);
}

/**
 * Evaluates one rule. `samples` carry group labels (e.g. {model}); instance labels add the rule's
 * name, severity and labels. A disabled rule (or one whose samples are passed empty) resolves its
 * open instances.
 */
export function evaluateRule(
  rule: AlertRule,
  samples: readonly Sample[],
  open: readonly InstanceState[],
  silences: readonly Silence[],
  nowUs: number,
): RuleEvaluation {
  const byKey = new Map<
    string,
    { labels: Record<string, string>; prev: InstanceState | null; sample: Sample | null }
  >();
  for (const inst of open) {
    if (!isOpen(inst.alert.state)) continue;
    byKey.set(labelsKey(inst.alert.labels), { labels: inst.alert.labels, prev: inst, sample: null });
  }
  for (const s of rule.enabled ? samples : []) {
    const labels = instanceLabels(rule, s.labels);
    const key = labelsKey(labels);
    const cur = byKey.get(key);
    if (cur) cur.sample = s;
    else byKey.set(key, { labels, prev: null, sample: s });
  }
  const out: RuleEvaluation = { open: [], transitions: [] };
  for (const { labels, prev, sample } of byKey.values()) {
    const next = stepInstance(rule, prev, labels, sample, silences, nowUs);
    if (!next) continue;
    out.transitions.push({ alert: next.alert, previous: prev ? prev.alert.state : null });
    if (isOpen(next.alert.state)) out.open.push(next);
  }
  return out;
}
