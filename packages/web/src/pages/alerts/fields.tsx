/**
 * Form plumbing shared by the rule and channel editors: labelled inputs that highlight themselves
 * when the API's validation message names their field, and text ⇄ map/list conversions.
 */
import type { ComponentChildren } from 'preact';

/**
 * Which input an error belongs to: the one whose field path is the longest prefix of the error's
 * path (`condition.labels.team` → the `condition.labels` input, `escalation[0].channels[1]` →
 * `escalation[0].channels`).
 */
export function matchesField(errorField: string | null, field: string, all: readonly string[]): boolean {
  if (!errorField) return false;
  const covers = (f: string) => errorField === f || errorField.startsWith(`${f}.`) || errorField.startsWith(`${f}[`);
  if (!covers(field)) return false;
  return !all.some((f) => f !== field && f.length > field.length && covers(f));
}

export interface FieldError {
  field: string | null;
  message: string;
}

/** A labelled control; `invalid` marks it and shows the message below, linked for screen readers. */
export function Field(p: {
  label: string;
  id: string;
  error?: string | null;
  hint?: string;
  wide?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class={`field ${p.wide ? 'wide' : ''} ${p.error ? 'invalid' : ''}`}>
      <label for={p.id}>{p.label}</label>
      {p.children}
      {p.error ? (
        <span class="field-msg" id={`${p.id}-msg`} role="alert">
          {p.error}
        </span>
      ) : (
        p.hint && (
          <span class="field-hint" id={`${p.id}-msg`}>
            {p.hint}
          </span>
        )
      )}
    </div>
  );
}

/** `team=ml, env=prod` → {team: 'ml', env: 'prod'}; null when an entry has no `=`. */
export function parseLabels(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const i = p.indexOf('=');
    if (i <= 0) return null;
    out[p.slice(0, i).trim()] = p.slice(i + 1).trim();
  }
  return out;
}

export const labelsText = (m: Record<string, string> | undefined): string =>
  Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

export const parseList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const inputValue = (e: Event) => (e.target as HTMLInputElement).value;
