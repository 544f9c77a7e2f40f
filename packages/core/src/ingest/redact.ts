/**
 * PII / secret masking for prompt and completion payloads before they are stored. Regex based:
 * it catches the common leaks (emails, API keys, bearer tokens, card numbers, phone numbers, IPs,
 * JWTs) cheaply; it is a safety net, not a DLP system.
 */
import type { Redactor } from './types.js';

export interface RedactorOptions {
  /** Cap on the text length (chars) after masking; 0/undefined = no cap here. */
  maxChars?: number;
  emails?: boolean;
  /** Provider API keys (sk-..., AKIA..., ghp_..., xox..-, AIza...), bearer tokens and JWTs. */
  secrets?: boolean;
  /** 13–19 digit numbers that pass the Luhn check. */
  creditCards?: boolean;
  phoneNumbers?: boolean;
  ipAddresses?: boolean;
  /** Extra patterns, each replaced by `[REDACTED]`. Must be global (/g) regexes or strings. */
  patterns?: (RegExp | string)[];
}

interface Rule {
  re: RegExp;
  replace: string | ((m: string) => string);
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SECRETS: RegExp[] = [
  /\b(?:sk|pk|rk)-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{16,}/g, // OpenAI, Anthropic, Stripe-like
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub tokens
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API keys
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs
  /\b(?:vgl|vigil)_[A-Za-z0-9]{16,}\b/g, // our own API keys
];
const BEARER = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const KEY_VALUE_SECRET =
  /\b(api[_-]?key|secret|password|passwd|token|access[_-]?key)(["']?\s*[:=]\s*["']?)[^\s"',;]{6,}/gi;
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
const PHONE = /(?<![\w+])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}\b/g;
const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

export function createRedactor(opts: RedactorOptions = {}): Redactor {
  const rules: Rule[] = [];
  if (opts.secrets !== false) {
    for (const re of SECRETS) rules.push({ re, replace: '[REDACTED_SECRET]' });
    rules.push({ re: BEARER, replace: (m) => `${m.split(/\s+/)[0]} [REDACTED_SECRET]` });
    rules.push({
      re: KEY_VALUE_SECRET,
      replace: (m) => {
        const sep = /["']?\s*[:=]\s*["']?/.exec(m);
        return sep ? `${m.slice(0, sep.index + sep[0].length)}[REDACTED_SECRET]` : '[REDACTED_SECRET]';
      },
    });
  }
  if (opts.emails !== false) rules.push({ re: EMAIL, replace: '[REDACTED_EMAIL]' });
  if (opts.creditCards !== false)
    rules.push({
      re: CARD,
      replace: (m) => {
        const digits = m.replace(/\D/g, '');
        return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? '[REDACTED_CARD]' : m;
      },
    });
  if (opts.ipAddresses === true) rules.push({ re: IPV4, replace: '[REDACTED_IP]' });
  if (opts.phoneNumbers === true) rules.push({ re: PHONE, replace: '[REDACTED_PHONE]' });
  for (const p of opts.patterns ?? []) {
    const re = typeof p === 'string' ? new RegExp(p, 'g') : p.global ? p : new RegExp(p.source, `${p.flags}g`);
    rules.push({ re, replace: '[REDACTED]' });
  }
  const max = opts.maxChars && opts.maxChars > 0 ? opts.maxChars : 0;
  return {
    redact(text: string): string {
      let t = max && text.length > max ? text.slice(0, max) : text;
      for (const r of rules) {
        r.re.lastIndex = 0;
        t = typeof r.replace === 'string' ? t.replace(r.re, r.replace) : t.replace(r.re, r.replace);
      }
      return max && t.length > max ? t.slice(0, max) : t;
    },
  };
}
