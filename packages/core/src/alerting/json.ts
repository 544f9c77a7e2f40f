/** Alerting records as the REST API shows them: ISO times, secrets redacted, a readable condition. */
import { alertToJson, usToIso } from '../query/json.js';
import { describeCondition } from './conditions.js';
import type { AlertRule, DeliveryRecord, NotificationChannel, Silence } from './types.js';
import { redactChannel } from './validate.js';

export function ruleToJson(r: AlertRule) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    enabled: r.enabled,
    severity: r.severity,
    condition: r.condition,
    conditionText: describeCondition(r.condition),
    forMs: r.forMs,
    keepFiringForMs: r.keepFiringForMs,
    labels: r.labels,
    channels: r.channels,
    repeatIntervalMs: r.repeatIntervalMs,
    escalation: r.escalation,
    createdAt: usToIso(r.createdUs),
    updatedAt: usToIso(r.updatedUs),
  };
}

export function channelToJson(c: NotificationChannel) {
  const r = redactChannel(c);
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    enabled: r.enabled,
    config: r.config,
    secretSet: r.secretSet,
    createdAt: usToIso(r.createdUs),
    updatedAt: usToIso(r.updatedUs),
  };
}

export function silenceToJson(s: Silence, nowUs = Date.now() * 1000) {
  return {
    id: s.id,
    matchers: s.matchers,
    startsAt: usToIso(s.startsUs),
    endsAt: usToIso(s.endsUs),
    createdBy: s.createdBy,
    comment: s.comment,
    active: s.startsUs <= nowUs && nowUs < s.endsUs,
  };
}

export function deliveryToJson(d: DeliveryRecord) {
  return {
    id: d.id,
    alertId: d.alertId,
    ruleId: d.ruleId,
    channelId: d.channelId,
    channelType: d.channelType,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    error: d.error,
    httpStatus: d.httpStatus,
    time: usToIso(d.timeUs),
    durationMs: d.durationMs,
  };
}

export { alertToJson };
