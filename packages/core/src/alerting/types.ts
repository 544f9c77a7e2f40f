/**
 * Alerting records: rules (what to watch), silences (what to mute), notification channels (where
 * to tell) and the delivery log (what was told, and whether it arrived). Stored through the Store
 * contract; evaluated by the rules manager; delivered by the notifier (packages/core/src/notify).
 */
import type { SpanKind } from '../model/telemetry.js';
import type { AlertRecord, AlertState, SeriesAggregation, SpanMeasure } from '../store/store.js';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const OPERATORS = ['>', '>=', '<', '<='] as const;
export type Operator = (typeof OPERATORS)[number];

export const SPAN_GROUP_BY = ['model', 'agent', 'kind', 'service', 'provider'] as const;
export type SpanGroupBy = (typeof SPAN_GROUP_BY)[number];

export const ANOMALY_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type AnomalySeverity = (typeof ANOMALY_SEVERITIES)[number];

/** A span-derived measure (error_rate, p95_ms, cost, ...) over the last `windowMs`. */
export interface SpanMeasureCondition {
  type: 'span_measure';
  measure: SpanMeasure;
  windowMs: number;
  operator: Operator;
  threshold: number;
  kind?: SpanKind;
  model?: string;
  agent?: string;
  /** One alert instance per distinct value (e.g. per model); absent: one for the whole project. */
  groupBy?: SpanGroupBy;
  /** Ignore windows with fewer spans than this (a 1-of-1 error rate is noise); default 1. */
  minSamples?: number;
}

/** A metric series aggregated over the last `windowMs`. */
export interface MetricCondition {
  type: 'metric';
  metric: string;
  aggregation: SeriesAggregation;
  windowMs: number;
  operator: Operator;
  threshold: number;
  /** Exact-match label filter. */
  labels?: Record<string, string>;
  /** Label keys: one alert instance per combination. */
  groupBy?: string[];
}

/** Any anomaly recorded in the window for a metric matching `metric` (`*` wildcards). */
export interface AnomalyCondition {
  type: 'anomaly';
  metric: string;
  minSeverity: AnomalySeverity;
  windowMs: number;
  /** Exact-match filter on the anomaly's series labels. */
  labels?: Record<string, string>;
}

/** No data in the window: spans (optionally filtered) or points of a metric. */
export interface AbsenceCondition {
  type: 'absence';
  source: 'spans' | 'metric';
  /** Metric name (source "metric"). */
  metric?: string;
  kind?: SpanKind;
  model?: string;
  agent?: string;
  labels?: Record<string, string>;
  windowMs: number;
  /**
   * Per-series absence: series seen in the `lookbackMs` before the window that have no data in it
   * fire one instance each (span group key or metric label keys). Absent: the whole filter at once.
   */
  groupBy?: string[];
  /** How far back to look for series that should still be reporting (default 24 h). */
  lookbackMs?: number;
}

export type AlertCondition = SpanMeasureCondition | MetricCondition | AnomalyCondition | AbsenceCondition;
export const CONDITION_TYPES = ['span_measure', 'metric', 'anomaly', 'absence'] as const;

/** After `afterMs` of firing without acknowledgement, also notify `channels`. */
export interface EscalationStep {
  afterMs: number;
  channels: string[];
}

export interface AlertRule {
  id: string;
  project: string;
  name: string;
  description: string;
  enabled: boolean;
  severity: AlertSeverity;
  condition: AlertCondition;
  /** Condition must hold this long before pending becomes firing (0: fire at once). */
  forMs: number;
  /** Keep firing this long after the condition stops holding (flap damping). */
  keepFiringForMs: number;
  /** Added to every instance's labels (routing, silences). */
  labels: Record<string, string>;
  /** Channel ids notified when an instance fires and resolves. */
  channels: string[];
  /** Re-notify still-firing, unacknowledged instances this often (0: never). */
  repeatIntervalMs: number;
  escalation: EscalationStep[];
  createdUs: number;
  updatedUs: number;
}

export interface Silence {
  id: string;
  project: string;
  /** Every matcher must equal the alert's label of the same name. */
  matchers: Record<string, string>;
  startsUs: number;
  endsUs: number;
  createdBy: string;
  comment: string;
}

export const CHANNEL_TYPES = ['webhook', 'slack', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface WebhookConfig {
  url: string;
  /** HMAC-SHA256 key: the body's signature goes in `X-Vigil-Signature: sha256=<hex>`. */
  secret?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxRetries?: number;
}

export interface SlackConfig {
  /** Slack incoming-webhook URL. */
  url: string;
  timeoutMs?: number;
  maxRetries?: number;
}

export interface EmailConfig {
  host: string;
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  timeoutMs?: number;
  maxRetries?: number;
}

export type NotificationChannel =
  | ChannelBase<'webhook', WebhookConfig>
  | ChannelBase<'slack', SlackConfig>
  | ChannelBase<'email', EmailConfig>;

interface ChannelBase<T extends ChannelType, C> {
  id: string;
  project: string;
  name: string;
  type: T;
  enabled: boolean;
  config: C;
  createdUs: number;
  updatedUs: number;
}

export const DELIVERY_EVENTS = ['firing', 'repeat', 'escalation', 'resolved', 'test'] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];

/** One notification sent (or attempted) to one channel. */
export interface DeliveryRecord {
  id: string;
  project: string;
  /** Null for channel tests. */
  alertId: string | null;
  ruleId: string | null;
  channelId: string;
  channelType: ChannelType;
  event: DeliveryEvent;
  status: 'sent' | 'failed';
  attempts: number;
  /** Last error when failed (or of a failed attempt before success). */
  error: string | null;
  /** HTTP status of the last attempt (webhook/slack). */
  httpStatus: number | null;
  timeUs: number;
  durationMs: number;
}

/** What the rules manager hands to the notifier: an instance and how it changed. */
export interface AlertNotification {
  alert: AlertRecord;
  rule: AlertRule;
  /** State before this evaluation (null: new instance). Equal to alert.state when unchanged. */
  previous: AlertState | null;
}

/** The seam between rule evaluation and delivery (Prometheus' rules.NotifyFunc). */
export type SendAlerts = (alerts: AlertNotification[]) => Promise<void>;
