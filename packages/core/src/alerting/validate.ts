/**
 * Validation of rules, channels and silences coming from users (REST bodies, config). Each error
 * names the offending field (`condition.threshold must be a finite number`), so a form can point at
 * it. Validators take the untrusted JSON shape and return a complete, normalised record.
 */
import { randomUUID } from 'node:crypto';
import { SPAN_KINDS } from '../model/telemetry.js';
import { SERIES_AGGREGATIONS, SPAN_MEASURES } from '../store/store.js';
import {
  ALERT_SEVERITIES,
  type AlertCondition,
  type AlertRule,
  ANOMALY_SEVERITIES,
  CHANNEL_TYPES,
  CONDITION_TYPES,
  type EscalationStep,
  type NotificationChannel,
  OPERATORS,
  type Silence,
  SPAN_GROUP_BY,
} from './types.js';

export class AlertingValidationError extends Error {
  readonly code = 'invalid_request';
  readonly status = 400;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'AlertingValidationError';
  }
}

const MIN_WINDOW_MS = 1_000;
const MAX_WINDOW_MS = 31 * 86_400_000;

type Obj = Record<string, unknown>;

function fail(field: string, message: string): never {
  throw new AlertingValidationError(field, message);
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object');
  return v as Obj;
}

function str(o: Obj, key: string, field: string, opts: { optional?: boolean; max?: number } = {}): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (opts.optional) return undefined;
    fail(field, 'is required');
  }
  if (typeof v !== 'string') fail(field, 'must be a string');
  const s = v.trim();
  if (!opts.optional && s === '') fail(field, 'must not be empty');
  if (s.length > (opts.max ?? 1000)) fail(field, `must be at most ${opts.max ?? 1000} characters`);
  return s === '' ? undefined : s;
}

function oneOf<T extends string>(o: Obj, key: string, field: string, values: readonly T[], dflt?: T): T {
  const v = o[key];
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    fail(field, `is required (one of ${values.join(', ')})`);
  }
  if (!values.includes(v as T)) fail(field, `must be one of ${values.join(', ')}`);
  return v as T;
}

function number(o: Obj, key: string, field: string, opts: { min?: number; max?: number; dflt?: number } = {}): number {
  const v = o[key];
  if (v === undefined || v === null) {
    if (opts.dflt !== undefined) return opts.dflt;
    fail(field, 'is required');
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'must be a finite number');
  if (opts.min !== undefined && v < opts.min) fail(field, `must be at least ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) fail(field, `must be at most ${opts.max}`);
  return v;
}

function bool(o: Obj, key: string, field: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') fail(field, 'must be true or false');
  return v;
}

function labelMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = obj(v, field);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) {
    if (k === '' || k.length > 200) fail(field, 'keys must be 1 to 200 characters');
    if (typeof val !== 'string') fail(`${field}.${k}`, 'must be a string');
    out[k] = val;
  }
  return out;
}

function stringList(v: unknown, field: string, opts: { min?: number } = {}): string[] {
  if (v === undefined || v === null) {
    if (opts.min) fail(field, 'is required');
    return [];
  }
  if (!Array.isArray(v)) fail(field, 'must be an array of strings');
  v.forEach((s, i) => {
    if (typeof s !== 'string' || s.trim() === '') fail(`${field}[${i}]`, 'must be a non-empty string');
  });
  const out = [...new Set((v as string[]).map((s) => s.trim()))];
  if (opts.min && out.length < opts.min) fail(field, `must have at least ${opts.min} item(s)`);
  return out;
}

function windowMs(o: Obj, field: string): number {
  return number(o, 'windowMs', `${field}.windowMs`, { min: MIN_WINDOW_MS, max: MAX_WINDOW_MS });
}

function optLabels(o: Obj, key: string, field: string): Record<string, string> | undefined {
  const m = labelMap(o[key], `${field}.${key}`);
  return Object.keys(m).length ? m : undefined;
}

export function validateCondition(v: unknown, field = 'condition'): AlertCondition {
  const o = obj(v, field);
  const type = oneOf(o, 'type', `${field}.type`, CONDITION_TYPES);
  const kind = () => (o.kind == null ? undefined : oneOf(o, 'kind', `${field}.kind`, SPAN_KINDS));
  switch (type) {
    case 'span_measure': {
      const c: AlertCondition = {
        type,
        measure: oneOf(o, 'measure', `${field}.measure`, SPAN_MEASURES),
        windowMs: windowMs(o, field),
        operator: oneOf(o, 'operator', `${field}.operator`, OPERATORS),
        threshold: number(o, 'threshold', `${field}.threshold`),
      };
      const k = kind();
      if (k) c.kind = k;
      const model = str(o, 'model', `${field}.model`, { optional: true });
      if (model) c.model = model;
      const agent = str(o, 'agent', `${field}.agent`, { optional: true });
      if (agent) c.agent = agent;
      if (o.groupBy != null) c.groupBy = oneOf(o, 'groupBy', `${field}.groupBy`, SPAN_GROUP_BY);
      if (o.minSamples != null) c.minSamples = number(o, 'minSamples', `${field}.minSamples`, { min: 1 });
      return c;
    }
    case 'metric': {
      const c: AlertCondition = {
        type,
        metric: str(o, 'metric', `${field}.metric`, { max: 300 })!,
        aggregation: oneOf(o, 'aggregation', `${field}.aggregation`, SERIES_AGGREGATIONS, 'avg'),
        windowMs: windowMs(o, field),
        operator: oneOf(o, 'operator', `${field}.operator`, OPERATORS),
        threshold: number(o, 'threshold', `${field}.threshold`),
      };
      const labels = optLabels(o, 'labels', field);
      if (labels) c.labels = labels;
      const groupBy = stringList(o.groupBy, `${field}.groupBy`);
      if (groupBy.length) c.groupBy = groupBy;
      return c;
    }
    case 'anomaly': {
      const c: AlertCondition = {
        type,
        metric: str(o, 'metric', `${field}.metric`, { optional: true, max: 300 }) ?? '*',
        minSeverity: oneOf(o, 'minSeverity', `${field}.minSeverity`, ANOMALY_SEVERITIES, 'high'),
        windowMs: windowMs(o, field),
      };
      const labels = optLabels(o, 'labels', field);
      if (labels) c.labels = labels;
      return c;
    }
    case 'absence': {
      const source = oneOf(o, 'source', `${field}.source`, ['spans', 'metric'] as const);
      const c: AlertCondition = { type, source, windowMs: windowMs(o, field) };
      if (source === 'metric') {
        c.metric = str(o, 'metric', `${field}.metric`, { max: 300 });
        const labels = optLabels(o, 'labels', field);
        if (labels) c.labels = labels;
      } else {
        const k = kind();
        if (k) c.kind = k;
        const model = str(o, 'model', `${field}.model`, { optional: true });
        if (model) c.model = model;
        const agent = str(o, 'agent', `${field}.agent`, { optional: true });
        if (agent) c.agent = agent;
      }
      const groupBy = stringList(o.groupBy, `${field}.groupBy`);
      if (groupBy.length) {
        if (source === 'spans') {
          if (groupBy.length > 1) fail(`${field}.groupBy`, 'takes one key for spans');
          if (!(SPAN_GROUP_BY as readonly string[]).includes(groupBy[0]))
            fail(`${field}.groupBy`, `must be one of ${SPAN_GROUP_BY.join(', ')}`);
        }
        c.groupBy = groupBy;
      }
      if (o.lookbackMs != null)
        c.lookbackMs = number(o, 'lookbackMs', `${field}.lookbackMs`, { min: c.windowMs, max: MAX_WINDOW_MS });
      return c;
    }
  }
}

function escalation(v: unknown): EscalationStep[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail('escalation', 'must be an array of {afterMs, channels}');
  const steps = v.map((s, i) => {
    const o = obj(s, `escalation[${i}]`);
    return {
      afterMs: number(o, 'afterMs', `escalation[${i}].afterMs`, { min: 0, max: MAX_WINDOW_MS }),
      channels: stringList(o.channels, `escalation[${i}].channels`, { min: 1 }),
    };
  });
  return steps.sort((a, b) => a.afterMs - b.afterMs);
}

/**
 * A complete rule from a create/replace body. `existing` (for updates) keeps id and createdUs;
 * fields left out of the body take their defaults, as a PUT does.
 */
export function validateRule(
  body: unknown,
  ctx: { project: string; nowUs: number; existing?: AlertRule | null },
): AlertRule {
  const o = obj(body, 'body');
  return {
    id: ctx.existing?.id ?? (str(o, 'id', 'id', { optional: true, max: 100 }) || `rule_${randomUUID()}`),
    project: ctx.project,
    name: str(o, 'name', 'name', { max: 200 })!,
    description: str(o, 'description', 'description', { optional: true, max: 4000 }) ?? '',
    enabled: bool(o, 'enabled', 'enabled', true),
    severity: oneOf(o, 'severity', 'severity', ALERT_SEVERITIES, 'warning'),
    condition: validateCondition(o.condition),
    forMs: number(o, 'forMs', 'forMs', { min: 0, max: MAX_WINDOW_MS, dflt: 0 }),
    keepFiringForMs: number(o, 'keepFiringForMs', 'keepFiringForMs', { min: 0, max: MAX_WINDOW_MS, dflt: 0 }),
    labels: labelMap(o.labels, 'labels'),
    channels: stringList(o.channels, 'channels'),
    repeatIntervalMs: number(o, 'repeatIntervalMs', 'repeatIntervalMs', {
      min: 0,
      max: MAX_WINDOW_MS,
      dflt: 4 * 3_600_000,
    }),
    escalation: escalation(o.escalation),
    createdUs: ctx.existing?.createdUs ?? ctx.nowUs,
    updatedUs: ctx.nowUs,
  };
}

function httpUrl(o: Obj, field: string): string {
  const s = str(o, 'url', field, { max: 2000 })!;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    fail(field, 'must be an absolute URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(field, 'must be an http(s) URL');
  return s;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * A complete channel from a create/replace body. Secrets (webhook secret, SMTP password) left out
 * of an update keep their stored value: API responses never echo them, so a form cannot resend them.
 */
export function validateChannel(
  body: unknown,
  ctx: { project: string; nowUs: number; existing?: NotificationChannel | null },
): NotificationChannel {
  const o = obj(body, 'body');
  const type = oneOf(o, 'type', 'type', CHANNEL_TYPES);
  const c = obj(o.config, 'config');
  const base = {
    id: ctx.existing?.id ?? (str(o, 'id', 'id', { optional: true, max: 100 }) || `chan_${randomUUID()}`),
    project: ctx.project,
    name: str(o, 'name', 'name', { max: 200 })!,
    enabled: bool(o, 'enabled', 'enabled', true),
    createdUs: ctx.existing?.createdUs ?? ctx.nowUs,
    updatedUs: ctx.nowUs,
  };
  const prev = ctx.existing?.type === type ? (ctx.existing.config as unknown as Obj) : {};
  const common = {
    timeoutMs: number(c, 'timeoutMs', 'config.timeoutMs', { min: 100, max: 120_000, dflt: 10_000 }),
    maxRetries: number(c, 'maxRetries', 'config.maxRetries', { min: 0, max: 10, dflt: 3 }),
  };
  switch (type) {
    case 'webhook': {
      const secret =
        c.secret === undefined
          ? (prev.secret as string | undefined)
          : str(c, 'secret', 'config.secret', { optional: true, max: 500 });
      const headers = labelMap(c.headers, 'config.headers');
      return {
        ...base,
        type,
        config: {
          url: httpUrl(c, 'config.url'),
          ...(secret ? { secret } : {}),
          ...(Object.keys(headers).length ? { headers } : {}),
          ...common,
        },
      };
    }
    case 'slack':
      return { ...base, type, config: { url: httpUrl(c, 'config.url'), ...common } };
    case 'email': {
      const to = stringList(c.to, 'config.to', { min: 1 });
      to.forEach((a, i) => {
        if (!EMAIL.test(a)) fail(`config.to[${i}]`, 'must be an email address');
      });
      const from = str(c, 'from', 'config.from', { max: 300 })!;
      if (!EMAIL.test(from.replace(/^.*<([^>]+)>\s*$/, '$1'))) fail('config.from', 'must be an email address');
      const password =
        c.password === undefined
          ? (prev.password as string | undefined)
          : str(c, 'password', 'config.password', { optional: true });
      const user = str(c, 'user', 'config.user', { optional: true, max: 300 });
      return {
        ...base,
        type,
        config: {
          host: str(c, 'host', 'config.host', { max: 300 })!,
          port: number(c, 'port', 'config.port', { min: 1, max: 65535, dflt: 587 }),
          secure: bool(c, 'secure', 'config.secure', false),
          ...(user ? { user } : {}),
          ...(password ? { password } : {}),
          from,
          to,
          ...common,
        },
      };
    }
  }
}

/** A channel as the API shows it: secrets replaced by whether they are set. */
export function redactChannel(c: NotificationChannel): NotificationChannel & { secretSet: boolean } {
  const config = { ...(c.config as unknown as Obj) };
  let secretSet = false;
  for (const k of ['secret', 'password']) {
    if (config[k] !== undefined) {
      secretSet = true;
      delete config[k];
    }
  }
  return { ...c, config, secretSet } as unknown as NotificationChannel & { secretSet: boolean };
}

export function validateSilence(
  body: unknown,
  ctx: { project: string; nowUs: number; createdBy: string; existing?: Silence | null },
): Silence {
  const o = obj(body, 'body');
  const matchers = labelMap(o.matchers, 'matchers');
  if (Object.keys(matchers).length === 0) fail('matchers', 'must have at least one label');
  const startsUs = o.startsAt == null ? ctx.nowUs : timeUs(o.startsAt, 'startsAt');
  let endsUs: number;
  if (o.endsAt != null) endsUs = timeUs(o.endsAt, 'endsAt');
  else if (o.durationMs != null) endsUs = startsUs + number(o, 'durationMs', 'durationMs', { min: 1000 }) * 1000;
  else fail('endsAt', 'is required (or durationMs)');
  if (endsUs <= startsUs) fail('endsAt', 'must be after startsAt');
  return {
    id: ctx.existing?.id ?? `sil_${randomUUID()}`,
    project: ctx.project,
    matchers,
    startsUs,
    endsUs,
    createdBy: ctx.existing?.createdBy ?? ctx.createdBy,
    comment: str(o, 'comment', 'comment', { optional: true, max: 2000 }) ?? '',
  };
}

/** ISO 8601 or epoch milliseconds to epoch µs. */
export function timeUs(v: unknown, field: string): number {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string' && /^\d+$/.test(v)) ms = Number(v);
  else if (typeof v === 'string') ms = Date.parse(v);
  else fail(field, 'must be an ISO 8601 time or epoch milliseconds');
  if (!Number.isFinite(ms)) fail(field, 'must be an ISO 8601 time or epoch milliseconds');
  return ms * 1000;
}
