/**
 * Form plumbing shared by the rule and channel editors: labelled inputs that highlight themselves
 * when the API's validation message names their field, and text ⇄ map/list conversions.
 */
import type { ComponentChildren } from 'preact';

export { labelsText, matchesField, parseLabels, parseList } from './text.js';

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

export const inputValue = (e: Event) => (e.target as HTMLInputElement).value;
