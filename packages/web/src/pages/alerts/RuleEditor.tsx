/**
 * The alert rule form: the four condition types with durations in human units ("5m"), a preview of
 * what the condition would fire for now, and the API's validation message shown on the field it
 * names. The server is the validator: the form only converts units, so both say the same thing.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  AGGREGATIONS,
  ANOMALY_SEVERITIES,
  type Channel,
  type Condition,
  type ConditionType,
  createRule,
  errorField,
  formatDuration,
  OPERATORS,
  type PreviewMatch,
  parseDuration,
  previewCondition,
  type Rule,
  type RuleInput,
  SEVERITIES,
  SPAN_GROUP_BY,
  SPAN_KINDS,
  SPAN_MEASURES,
  updateRule,
} from '../../api/alerting.js';
import { labelText } from '../../components/AlertList.js';
import { fmtNum } from '../../lib/format.js';
import { Field, type FieldError, inputValue, labelsText, matchesField, parseLabels, parseList } from './fields.js';

interface Step {
  after: string;
  channels: string[];
}

/** Everything as the user typed it; converted to a RuleInput on save. */
interface Draft {
  name: string;
  description: string;
  enabled: boolean;
  severity: RuleInput['severity'];
  type: ConditionType;
  measure: string;
  operator: string;
  threshold: string;
  window: string;
  kind: string;
  model: string;
  agent: string;
  spanGroupBy: string;
  minSamples: string;
  metric: string;
  aggregation: string;
  condLabels: string;
  groupKeys: string;
  minSeverity: string;
  source: 'spans' | 'metric';
  lookback: string;
  forDur: string;
  keepFiring: string;
  repeat: string;
  labels: string;
  channels: string[];
  escalation: Step[];
}

const NEW_DRAFT: Draft = {
  name: '',
  description: '',
  enabled: true,
  severity: 'warning',
  type: 'span_measure',
  measure: 'error_rate',
  operator: '>',
  threshold: '',
  window: '5m',
  kind: '',
  model: '',
  agent: '',
  spanGroupBy: '',
  minSamples: '',
  metric: '',
  aggregation: 'avg',
  condLabels: '',
  groupKeys: '',
  minSeverity: 'high',
  source: 'spans',
  lookback: '',
  forDur: '1m',
  keepFiring: '0',
  repeat: '4h',
  labels: '',
  channels: [],
  escalation: [],
};

function draftOf(r: Rule): Draft {
  const c = r.condition as Condition & Record<string, unknown>;
  const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    ...NEW_DRAFT,
    name: r.name,
    description: r.description,
    enabled: r.enabled,
    severity: r.severity,
    type: c.type,
    measure: c.type === 'span_measure' ? c.measure : NEW_DRAFT.measure,
    operator: s(c.operator) || '>',
    threshold: s(c.threshold),
    window: formatDuration(c.windowMs),
    kind: s(c.kind),
    model: s(c.model),
    agent: s(c.agent),
    spanGroupBy: c.type === 'span_measure' ? s(c.groupBy) : '',
    minSamples: s(c.minSamples),
    metric: c.type === 'span_measure' ? '' : s(c.metric),
    aggregation: s(c.aggregation) || 'avg',
    condLabels: labelsText(c.labels as Record<string, string> | undefined),
    groupKeys: Array.isArray(c.groupBy) ? c.groupBy.join(', ') : '',
    minSeverity: s(c.minSeverity) || 'high',
    source: c.type === 'absence' ? c.source : 'spans',
    lookback: c.type === 'absence' && c.lookbackMs ? formatDuration(c.lookbackMs) : '',
    forDur: formatDuration(r.forMs),
    keepFiring: formatDuration(r.keepFiringForMs),
    repeat: formatDuration(r.repeatIntervalMs),
    labels: labelsText(r.labels),
    channels: [...r.channels],
    escalation: r.escalation.map((e) => ({ after: formatDuration(e.afterMs), channels: [...e.channels] })),
  };
}

class FormError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

/** A duration field: empty → undefined (the API then names what is missing), junk → a form error. */
function dur(text: string, field: string): number | undefined {
  if (text.trim() === '') return undefined;
  const ms = parseDuration(text);
  if (ms === null) throw new FormError(field, 'must be a duration such as 30s, 5m, 2h or 1d');
  return ms;
}
/** Numbers stay numbers; empty is left out, so the API reports the missing field by its name. */
function num(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : (text as unknown as number);
}
function labels(text: string, field: string): Record<string, string> | undefined {
  const m = parseLabels(text);
  if (m === null) throw new FormError(field, 'must be key=value pairs separated by commas');
  return Object.keys(m).length ? m : undefined;
}
const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());

function toCondition(d: Draft): Condition {
  const windowMs = dur(d.window, 'condition.windowMs') as number;
  const base = { windowMs };
  let c: Record<string, unknown>;
  switch (d.type) {
    case 'span_measure':
      c = {
        type: 'span_measure',
        measure: d.measure,
        operator: d.operator,
        threshold: num(d.threshold),
        ...base,
        kind: opt(d.kind),
        model: opt(d.model),
        agent: opt(d.agent),
        groupBy: opt(d.spanGroupBy),
        minSamples: num(d.minSamples),
      };
      break;
    case 'metric':
      c = {
        type: 'metric',
        metric: d.metric,
        aggregation: d.aggregation,
        operator: d.operator,
        threshold: num(d.threshold),
        ...base,
        labels: labels(d.condLabels, 'condition.labels'),
        groupBy: parseList(d.groupKeys),
      };
      break;
    case 'anomaly':
      c = {
        type: 'anomaly',
        metric: opt(d.metric) ?? '*',
        minSeverity: d.minSeverity,
        ...base,
        labels: labels(d.condLabels, 'condition.labels'),
      };
      break;
    case 'absence':
      c = {
        type: 'absence',
        source: d.source,
        ...base,
        ...(d.source === 'metric'
          ? { metric: d.metric, labels: labels(d.condLabels, 'condition.labels') }
          : { kind: opt(d.kind), model: opt(d.model), agent: opt(d.agent) }),
        groupBy: parseList(d.groupKeys),
        lookbackMs: dur(d.lookback, 'condition.lookbackMs'),
      };
      break;
  }
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  if (Array.isArray(c.groupBy) && c.groupBy.length === 0) delete c.groupBy;
  return c as unknown as Condition;
}

function toInput(d: Draft): RuleInput {
  const r: Record<string, unknown> = {
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    severity: d.severity,
    condition: toCondition(d),
    forMs: dur(d.forDur, 'forMs') ?? 0,
    keepFiringForMs: dur(d.keepFiring, 'keepFiringForMs') ?? 0,
    repeatIntervalMs: dur(d.repeat, 'repeatIntervalMs') ?? 0,
    labels: labels(d.labels, 'labels') ?? {},
    channels: d.channels,
    escalation: d.escalation.map((s, i) => ({
      afterMs: dur(s.after, `escalation[${i}].afterMs`),
      channels: s.channels,
    })),
  };
  return r as unknown as RuleInput;
}

function asFieldError(e: unknown): FieldError {
  if (e instanceof FormError) return { field: e.field, message: e.message };
  return { field: errorField(e), message: (e as Error).message };
}

const FIELDS = [
  'name',
  'description',
  'severity',
  'condition',
  'condition.type',
  'condition.measure',
  'condition.operator',
  'condition.threshold',
  'condition.windowMs',
  'condition.kind',
  'condition.model',
  'condition.agent',
  'condition.groupBy',
  'condition.minSamples',
  'condition.metric',
  'condition.aggregation',
  'condition.labels',
  'condition.minSeverity',
  'condition.source',
  'condition.lookbackMs',
  'forMs',
  'keepFiringForMs',
  'repeatIntervalMs',
  'labels',
  'channels',
  'escalation',
] as const;

const TYPE_LABELS: Record<ConditionType, string> = {
  span_measure: 'Span measure',
  metric: 'Metric threshold',
  anomaly: 'Anomaly detected',
  absence: 'No data (absence)',
};

export function RuleEditor(p: { rule: Rule | null; channels: Channel[]; onDone: (saved: Rule | null) => void }) {
  const [d, setD] = useState<Draft>(() => (p.rule ? draftOf(p.rule) : { ...NEW_DRAFT }));
  const [error, setError] = useState<FieldError | null>(null);
  const [saving, setSaving] = useState(false);
  const [preview, setPreview] = useState<{ matches: PreviewMatch[] } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const id = (f: string) => `rule-${f.replace(/[^\w]/g, '-')}`;
  const errFor = (f: (typeof FIELDS)[number]) =>
    matchesField(error?.field ?? null, f, FIELDS) ? (error?.message ?? null) : null;
  const aria = (f: (typeof FIELDS)[number]) => {
    const bad = errFor(f) !== null;
    return { id: id(f), 'aria-invalid': bad ? true : undefined, 'aria-describedby': `${id(f)}-msg` };
  };

  useEffect(() => {
    formRef.current?.querySelector<HTMLInputElement>('input')?.focus();
  }, []);
  // Move focus to the field the error names, so keyboard users land where the fix goes.
  useEffect(() => {
    if (!error?.field) return;
    const el = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    el?.focus();
  }, [error]);

  const fail = (e: unknown) => setError(asFieldError(e));
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let input: RuleInput;
    try {
      input = toInput(d);
    } catch (err) {
      return fail(err);
    }
    setSaving(true);
    try {
      const saved = p.rule ? await updateRule(p.rule.id, input) : await createRule(input);
      p.onDone(saved);
    } catch (err) {
      fail(err);
    } finally {
      setSaving(false);
    }
  };
  const runPreview = async () => {
    setError(null);
    setPreview(null);
    setPreviewing(true);
    try {
      // The preview endpoint names fields relative to its body, which is {condition}: same paths.
      setPreview(await previewCondition(toCondition(d)));
    } catch (err) {
      fail(err);
    } finally {
      setPreviewing(false);
    }
  };

  const t = d.type;
  const showThreshold = t === 'span_measure' || t === 'metric';
  const showSpanFilters = t === 'span_measure' || (t === 'absence' && d.source === 'spans');
  const showMetric = t === 'metric' || t === 'anomaly' || (t === 'absence' && d.source === 'metric');
  const showCondLabels = showMetric;
  const showGroupKeys = t === 'metric' || t === 'absence';
  const chanName = (cid: string) => p.channels.find((c) => c.id === cid)?.name ?? cid;
  const unmatched = error && !FIELDS.some((f) => matchesField(error.field, f, FIELDS));

  return (
    <form
      ref={formRef}
      class="rule-editor alerts-form"
      onSubmit={save}
      noValidate
      aria-label="Alert rule editor"
      onKeyDown={(e) => {
        if (e.key === 'Escape') p.onDone(null);
      }}
    >
      <h3>{p.rule ? `Edit “${p.rule.name}”` : 'New rule'}</h3>
      {error && (unmatched || !error.field) && (
        <p class="form-error" role="alert">
          {error.message}
        </p>
      )}
      <fieldset>
        <legend>Rule</legend>
        <div class="form-grid">
          <Field label="Name" id={id('name')} error={errFor('name')}>
            <input {...aria('name')} value={d.name} onInput={(e) => set('name', inputValue(e))} />
          </Field>
          <Field label="Severity" id={id('severity')} error={errFor('severity')}>
            <select
              {...aria('severity')}
              value={d.severity}
              onChange={(e) => set('severity', inputValue(e) as Draft['severity'])}
            >
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
          <Field label="Description" id={id('description')} error={errFor('description')} wide>
            <input {...aria('description')} value={d.description} onInput={(e) => set('description', inputValue(e))} />
          </Field>
          <div class="field check">
            <label>
              <input type="checkbox" checked={d.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />{' '}
              Enabled
            </label>
          </div>
        </div>
      </fieldset>

      <fieldset>
        <legend>Condition</legend>
        <div class="form-grid">
          <Field label="Type" id={id('condition.type')} error={errFor('condition.type') ?? errFor('condition')}>
            <select
              {...aria('condition.type')}
              value={d.type}
              onChange={(e) => {
                set('type', inputValue(e) as ConditionType);
                setPreview(null);
              }}
            >
              {(Object.keys(TYPE_LABELS) as ConditionType[]).map((k) => (
                <option key={k} value={k}>
                  {TYPE_LABELS[k]}
                </option>
              ))}
            </select>
          </Field>
          {t === 'span_measure' && (
            <Field label="Measure" id={id('condition.measure')} error={errFor('condition.measure')}>
              <select {...aria('condition.measure')} value={d.measure} onChange={(e) => set('measure', inputValue(e))}>
                {SPAN_MEASURES.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </Field>
          )}
          {t === 'absence' && (
            <Field label="Source" id={id('condition.source')} error={errFor('condition.source')}>
              <select
                {...aria('condition.source')}
                value={d.source}
                onChange={(e) => set('source', inputValue(e) as Draft['source'])}
              >
                <option value="spans">spans</option>
                <option value="metric">metric</option>
              </select>
            </Field>
          )}
          {showMetric && (
            <Field
              label={t === 'anomaly' ? 'Metric pattern' : 'Metric'}
              id={id('condition.metric')}
              error={errFor('condition.metric')}
              hint={t === 'anomaly' ? '* matches anything, e.g. span.*' : undefined}
            >
              <input
                {...aria('condition.metric')}
                value={d.metric}
                placeholder={t === 'anomaly' ? 'span.*' : 'system.cpu_usage'}
                onInput={(e) => set('metric', inputValue(e))}
              />
            </Field>
          )}
          {t === 'metric' && (
            <Field label="Aggregation" id={id('condition.aggregation')} error={errFor('condition.aggregation')}>
              <select
                {...aria('condition.aggregation')}
                value={d.aggregation}
                onChange={(e) => set('aggregation', inputValue(e))}
              >
                {AGGREGATIONS.map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </Field>
          )}
          {t === 'anomaly' && (
            <Field label="Minimum severity" id={id('condition.minSeverity')} error={errFor('condition.minSeverity')}>
              <select
                {...aria('condition.minSeverity')}
                value={d.minSeverity}
                onChange={(e) => set('minSeverity', inputValue(e))}
              >
                {ANOMALY_SEVERITIES.map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </Field>
          )}
          {showThreshold && (
            <>
              <Field label="Operator" id={id('condition.operator')} error={errFor('condition.operator')}>
                <select
                  {...aria('condition.operator')}
                  value={d.operator}
                  onChange={(e) => set('operator', inputValue(e))}
                >
                  {OPERATORS.map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              </Field>
              <Field
                label="Threshold"
                id={id('condition.threshold')}
                error={errFor('condition.threshold')}
                hint={t === 'span_measure' && d.measure === 'error_rate' ? 'a fraction: 0.1 = 10 %' : undefined}
              >
                <input
                  {...aria('condition.threshold')}
                  inputMode="decimal"
                  value={d.threshold}
                  onInput={(e) => set('threshold', inputValue(e))}
                />
              </Field>
            </>
          )}
          <Field
            label="Window"
            id={id('condition.windowMs')}
            error={errFor('condition.windowMs')}
            hint="e.g. 30s, 5m, 1h"
          >
            <input {...aria('condition.windowMs')} value={d.window} onInput={(e) => set('window', inputValue(e))} />
          </Field>
          {showSpanFilters && (
            <>
              <Field label="Span kind" id={id('condition.kind')} error={errFor('condition.kind')}>
                <select {...aria('condition.kind')} value={d.kind} onChange={(e) => set('kind', inputValue(e))}>
                  <option value="">any</option>
                  {SPAN_KINDS.map((k) => (
                    <option key={k}>{k}</option>
                  ))}
                </select>
              </Field>
              <Field label="Model" id={id('condition.model')} error={errFor('condition.model')}>
                <input
                  {...aria('condition.model')}
                  value={d.model}
                  placeholder="any"
                  onInput={(e) => set('model', inputValue(e))}
                />
              </Field>
              <Field label="Agent" id={id('condition.agent')} error={errFor('condition.agent')}>
                <input
                  {...aria('condition.agent')}
                  value={d.agent}
                  placeholder="any"
                  onInput={(e) => set('agent', inputValue(e))}
                />
              </Field>
            </>
          )}
          {t === 'span_measure' && (
            <>
              <Field label="One alert per" id={id('condition.groupBy')} error={errFor('condition.groupBy')}>
                <select
                  {...aria('condition.groupBy')}
                  value={d.spanGroupBy}
                  onChange={(e) => set('spanGroupBy', inputValue(e))}
                >
                  <option value="">whole project</option>
                  {SPAN_GROUP_BY.map((g) => (
                    <option key={g}>{g}</option>
                  ))}
                </select>
              </Field>
              <Field
                label="Minimum spans"
                id={id('condition.minSamples')}
                error={errFor('condition.minSamples')}
                hint="ignore windows with fewer"
              >
                <input
                  {...aria('condition.minSamples')}
                  inputMode="numeric"
                  value={d.minSamples}
                  placeholder="1"
                  onInput={(e) => set('minSamples', inputValue(e))}
                />
              </Field>
            </>
          )}
          {showCondLabels && (
            <Field
              label="Label filter"
              id={id('condition.labels')}
              error={errFor('condition.labels')}
              hint="key=value, comma separated"
            >
              <input
                {...aria('condition.labels')}
                value={d.condLabels}
                onInput={(e) => set('condLabels', inputValue(e))}
              />
            </Field>
          )}
          {showGroupKeys && (
            <Field
              label="One alert per label"
              id={id('condition.groupBy')}
              error={errFor('condition.groupBy')}
              hint={
                t === 'absence' && d.source === 'spans'
                  ? 'one of model, agent, kind, service, provider'
                  : 'keys, comma separated'
              }
            >
              <input
                {...aria('condition.groupBy')}
                value={d.groupKeys}
                onInput={(e) => set('groupKeys', inputValue(e))}
              />
            </Field>
          )}
          {t === 'absence' && (
            <Field
              label="Look back for series"
              id={id('condition.lookbackMs')}
              error={errFor('condition.lookbackMs')}
              hint="default 24h"
            >
              <input
                {...aria('condition.lookbackMs')}
                value={d.lookback}
                onInput={(e) => set('lookback', inputValue(e))}
              />
            </Field>
          )}
        </div>
        <div class="row preview-row">
          <button type="button" onClick={runPreview} disabled={previewing}>
            {previewing ? 'Checking…' : 'Preview: what would fire now'}
          </button>
        </div>
        {preview && (
          <div class="preview" role="status" aria-label="Preview result">
            {preview.matches.length === 0 ? (
              <p class="muted">Nothing would fire right now.</p>
            ) : (
              <>
                <p>
                  <strong>
                    {preview.matches.length} alert{preview.matches.length === 1 ? '' : 's'} would fire now:
                  </strong>
                </p>
                <ul class="list">
                  {preview.matches.map((m, i) => (
                    <li key={i} class="list-item">
                      <code>{labelText(m.labels) || 'whole project'}</code> value {fmtNum(m.value, 3)}{' '}
                      <span class="muted">{m.message}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>Timing</legend>
        <div class="form-grid">
          <Field
            label="Pending for"
            id={id('forMs')}
            error={errFor('forMs')}
            hint="holds this long before firing; 0 fires at once"
          >
            <input {...aria('forMs')} value={d.forDur} onInput={(e) => set('forDur', inputValue(e))} />
          </Field>
          <Field
            label="Keep firing for"
            id={id('keepFiringForMs')}
            error={errFor('keepFiringForMs')}
            hint="after it clears (flap damping)"
          >
            <input
              {...aria('keepFiringForMs')}
              value={d.keepFiring}
              onInput={(e) => set('keepFiring', inputValue(e))}
            />
          </Field>
          <Field
            label="Repeat every"
            id={id('repeatIntervalMs')}
            error={errFor('repeatIntervalMs')}
            hint="while unacknowledged; 0 never"
          >
            <input {...aria('repeatIntervalMs')} value={d.repeat} onInput={(e) => set('repeat', inputValue(e))} />
          </Field>
          <Field label="Labels" id={id('labels')} error={errFor('labels')} hint="key=value, comma separated">
            <input {...aria('labels')} value={d.labels} onInput={(e) => set('labels', inputValue(e))} />
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Notify</legend>
        {p.channels.length === 0 ? (
          <p class="muted small">No channels yet: add one under Notification channels to be told when this fires.</p>
        ) : (
          <ChannelPicks
            label="Channels"
            idBase={id('channels')}
            channels={p.channels}
            value={d.channels}
            error={errFor('channels')}
            onChange={(v) => set('channels', v)}
          />
        )}
        {d.escalation.map((s, i) => {
          const f = `escalation[${i}]`;
          const bad = matchesField(error?.field ?? null, 'escalation', FIELDS) && error?.field?.startsWith(f);
          return (
            <div key={i} class={`escalation-step ${bad ? 'invalid' : ''}`}>
              <div class="form-grid">
                <div class="field">
                  <label for={id(`${f}.afterMs`)}>Escalate after</label>
                  <input
                    id={id(`${f}.afterMs`)}
                    aria-invalid={bad && error?.field === `${f}.afterMs` ? true : undefined}
                    value={s.after}
                    onInput={(e) =>
                      set(
                        'escalation',
                        d.escalation.map((x, j) => (j === i ? { ...x, after: inputValue(e) } : x)),
                      )
                    }
                  />
                </div>
              </div>
              <ChannelPicks
                label={`Step ${i + 1}: also notify`}
                idBase={id(f)}
                channels={p.channels}
                value={s.channels}
                error={null}
                onChange={(v) =>
                  set(
                    'escalation',
                    d.escalation.map((x, j) => (j === i ? { ...x, channels: v } : x)),
                  )
                }
              />
              {bad && (
                <span class="field-msg" role="alert">
                  {error?.message}
                </span>
              )}
              <button
                type="button"
                class="ghost danger"
                onClick={() =>
                  set(
                    'escalation',
                    d.escalation.filter((_, j) => j !== i),
                  )
                }
              >
                Remove step {i + 1}
              </button>
            </div>
          );
        })}
        {p.channels.length > 0 && (
          <button
            type="button"
            class="ghost"
            onClick={() => set('escalation', [...d.escalation, { after: '15m', channels: [] }])}
          >
            Add escalation step
          </button>
        )}
        {d.channels.length > 0 && (
          <p class="note">Notifies {d.channels.map(chanName).join(', ')} when an alert fires and resolves.</p>
        )}
      </fieldset>

      <div class="row form-actions">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save rule'}
        </button>
        <button type="button" class="ghost" onClick={() => p.onDone(null)}>
          Cancel
        </button>
        <span class="muted small">Esc cancels</span>
      </div>
    </form>
  );
}

function ChannelPicks(p: {
  label: string;
  idBase: string;
  channels: Channel[];
  value: string[];
  error: string | null;
  onChange: (v: string[]) => void;
}) {
  return (
    <fieldset class={`field channel-picks ${p.error ? 'invalid' : ''}`}>
      <legend class="field-label">{p.label}</legend>
      <div class="row">
        {p.channels.map((c) => (
          <label key={c.id} class="check">
            <input
              type="checkbox"
              checked={p.value.includes(c.id)}
              aria-invalid={p.error ? true : undefined}
              onChange={(e) =>
                p.onChange(e.currentTarget.checked ? [...p.value, c.id] : p.value.filter((x) => x !== c.id))
              }
            />{' '}
            {c.name} <span class="muted small">({c.type})</span>
          </label>
        ))}
      </div>
      {p.error && (
        <span class="field-msg" role="alert">
          {p.error}
        </span>
      )}
    </fieldset>
  );
}
