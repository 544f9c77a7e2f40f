/** Pure text helpers of the alerting forms: error-to-field matching, label maps and lists as text. */

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
