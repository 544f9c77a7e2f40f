/**
 * Alerting management, transport-free: what the REST routes (and library users) call. Validates
 * input, scopes everything to the project, and returns JSON-ready objects. Throws
 * AlertingValidationError (400) and AlertingNotFoundError (404).
 */
import { Notifier, type NotifierOptions } from '../notify/notifier.js';
import type { Store } from '../store/store.js';
import { evaluateCondition } from './conditions.js';
import { alertToJson, channelToJson, deliveryToJson, ruleToJson, silenceToJson } from './json.js';
import { isOpen } from './state.js';
import type { AlertRule } from './types.js';
import {
  AlertingValidationError,
  validateChannel,
  validateCondition,
  validateRule,
  validateSilence,
} from './validate.js';

export class AlertingNotFoundError extends Error {
  readonly code = 'not_found';
  readonly status = 404;
  constructor(what: string, id: string) {
    super(`${what} ${id} not found`);
    this.name = 'AlertingNotFoundError';
  }
}

export interface AlertingServiceOptions {
  /** Options of the notifier used for channel tests (timeouts come from each channel). */
  notifier?: NotifierOptions;
  now?: () => number;
}

export function createAlertingService(store: Store, opts: AlertingServiceOptions = {}) {
  const nowUs = () => Math.round((opts.now ?? Date.now)() * 1000);
  const notifier = new Notifier(store, opts.notifier);

  const getRule = async (project: string, id: string) => {
    const r = (await store.listAlertRules(project)).find((x) => x.id === id);
    if (!r) throw new AlertingNotFoundError('alert rule', id);
    return r;
  };
  const getChannel = async (project: string, id: string) => {
    const c = (await store.listChannels(project)).find((x) => x.id === id);
    if (!c) throw new AlertingNotFoundError('channel', id);
    return c;
  };
  const getAlert = async (project: string, id: string) => {
    const a = (await store.listAlerts(project, { limit: 100_000 })).find((x) => x.id === id);
    if (!a) throw new AlertingNotFoundError('alert', id);
    return a;
  };

  /** Every channel a rule names must exist in its project (a typo would silently notify nobody). */
  const checkChannels = async (rule: AlertRule) => {
    const known = new Set((await store.listChannels(rule.project)).map((c) => c.id));
    rule.channels.forEach((id, i) => {
      if (!known.has(id)) throw new AlertingValidationError(`channels[${i}]`, `refers to unknown channel ${id}`);
    });
    rule.escalation.forEach((step, i) => {
      step.channels.forEach((id, j) => {
        if (!known.has(id))
          throw new AlertingValidationError(`escalation[${i}].channels[${j}]`, `refers to unknown channel ${id}`);
      });
    });
  };

  return {
    async listRules(project: string) {
      return { items: (await store.listAlertRules(project)).map(ruleToJson) };
    },
    async getRule(project: string, id: string) {
      return ruleToJson(await getRule(project, id));
    },
    async createRule(project: string, body: unknown) {
      const rule = validateRule(body, { project, nowUs: nowUs() });
      if ((await store.listAlertRules(project)).some((r) => r.id === rule.id))
        throw new AlertingConflictError('alert rule', rule.id);
      await checkChannels(rule);
      await store.upsertAlertRule(rule);
      return ruleToJson(rule);
    },
    async replaceRule(project: string, id: string, body: unknown) {
      const rule = validateRule(body, { project, nowUs: nowUs(), existing: await getRule(project, id) });
      await checkChannels(rule);
      await store.upsertAlertRule(rule);
      return ruleToJson(rule);
    },
    async deleteRule(project: string, id: string) {
      if (!(await store.deleteAlertRule(project, id))) throw new AlertingNotFoundError('alert rule', id);
    },
    /** Evaluates a condition now without saving anything: which label sets would fire. */
    async previewCondition(project: string, body: unknown) {
      const b = (body ?? {}) as { condition?: unknown };
      const condition = validateCondition(b.condition);
      const samples = await evaluateCondition(store, project, condition, nowUs());
      return { matches: samples.map((s) => ({ labels: s.labels, value: s.value, message: s.message })) };
    },

    async listChannels(project: string) {
      return { items: (await store.listChannels(project)).map(channelToJson) };
    },
    async getChannel(project: string, id: string) {
      return channelToJson(await getChannel(project, id));
    },
    async createChannel(project: string, body: unknown) {
      const c = validateChannel(body, { project, nowUs: nowUs() });
      if ((await store.listChannels(project)).some((x) => x.id === c.id))
        throw new AlertingConflictError('channel', c.id);
      await store.upsertChannel(c);
      return channelToJson(c);
    },
    async replaceChannel(project: string, id: string, body: unknown) {
      const c = validateChannel(body, { project, nowUs: nowUs(), existing: await getChannel(project, id) });
      await store.upsertChannel(c);
      return channelToJson(c);
    },
    /** Refused while rules still notify the channel: remove it from them first. */
    async deleteChannel(project: string, id: string) {
      const users = (await store.listAlertRules(project)).filter(
        (r) => r.channels.includes(id) || r.escalation.some((e) => e.channels.includes(id)),
      );
      if (users.length)
        throw new AlertingConflictError(
          'channel',
          id,
          `is used by alert rule(s) ${users.map((r) => `"${r.name}"`).join(', ')}; remove it from them first`,
        );
      if (!(await store.deleteChannel(project, id))) throw new AlertingNotFoundError('channel', id);
    },
    /** Sends a test notification through the channel; the delivery is logged like any other. */
    async testChannel(project: string, id: string, by: string) {
      return deliveryToJson(await notifier.test(await getChannel(project, id), by));
    },

    async listSilences(project: string, q: { active?: boolean } = {}) {
      const now = nowUs();
      const items = await store.listSilences(project, q.active ? { activeAtUs: now } : {});
      return { items: items.map((s) => silenceToJson(s, now)) };
    },
    async createSilence(project: string, body: unknown, by: string) {
      const s = validateSilence(body, { project, nowUs: nowUs(), createdBy: by });
      await store.upsertSilence(s);
      return silenceToJson(s, nowUs());
    },
    /** Removes a silence (what it muted fires again at the next evaluation). */
    async deleteSilence(project: string, id: string) {
      if (!(await store.deleteSilence(project, id))) throw new AlertingNotFoundError('silence', id);
    },

    async listDeliveries(project: string, alertId: string, limit = 200) {
      await getAlert(project, alertId);
      return { items: (await store.listDeliveries(project, { alertId, limit })).map(deliveryToJson) };
    },
    /**
     * Silences one alert: a silence matching its labels for `durationMs`. An open instance shows as
     * silenced at once; the rules manager keeps it so while the silence lasts.
     */
    async silenceAlert(project: string, alertId: string, body: unknown, by: string) {
      const alert = await getAlert(project, alertId);
      const b = (body ?? {}) as { durationMs?: unknown; comment?: unknown };
      const silence = validateSilence(
        {
          matchers: alert.ruleId ? alert.labels : { ...alert.labels, alertname: alert.name },
          durationMs: b.durationMs ?? 3_600_000,
          comment: b.comment ?? `silenced from alert ${alert.id}`,
        },
        { project, nowUs: nowUs(), createdBy: by },
      );
      await store.upsertSilence(silence);
      if (isOpen(alert.state) && alert.state !== 'pending') {
        alert.state = 'silenced';
        alert.updatedUs = nowUs();
        await store.upsertAlert(alert);
      }
      return { silence: silenceToJson(silence, nowUs()), alert: alertToJson(alert) };
    },
  };
}

export class AlertingConflictError extends Error {
  readonly code = 'conflict';
  readonly status = 409;
  constructor(what: string, id: string, problem = 'already exists') {
    super(`${what} ${id} ${problem}`);
    this.name = 'AlertingConflictError';
  }
}

export type AlertingService = ReturnType<typeof createAlertingService>;
