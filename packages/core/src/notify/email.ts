/**
 * Email delivery over SMTP with nodemailer, loaded on first use so stores and servers that never
 * send mail do not load it.
 */
import type { EmailConfig } from '../alerting/types.js';
import { type RetryOutcome, withRetries } from './retry.js';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

interface Transport {
  sendMail(m: { from: string; to: string; subject: string; text: string; html: string }): Promise<unknown>;
  close(): void;
}
interface Nodemailer {
  createTransport(o: Record<string, unknown>): Transport;
}

let nodemailer: Promise<Nodemailer> | null = null;
function loadNodemailer(): Promise<Nodemailer> {
  // A non-literal specifier: nodemailer ships no types, and only its createTransport is used.
  const name = 'nodemailer';
  nodemailer ??= import(name).then((m) => (m.default ?? m) as Nodemailer);
  return nodemailer;
}

/** Errors a retry cannot fix: authentication and rejected recipients/senders (5xx replies). */
function permanent(err: { responseCode?: number; code?: string }): boolean {
  return err.code === 'EAUTH' || (typeof err.responseCode === 'number' && err.responseCode >= 500);
}

export async function sendEmail(
  cfg: EmailConfig,
  msg: EmailMessage,
  opts: { backoffMs?: number } = {},
): Promise<RetryOutcome> {
  const mailer = await loadNodemailer();
  const timeout = cfg.timeoutMs ?? 10_000;
  const transport = mailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure ?? false,
    auth: cfg.user ? { user: cfg.user, pass: cfg.password ?? '' } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    return await withRetries(
      async () => {
        try {
          await transport.sendMail({ from: cfg.from, to: cfg.to.join(', '), ...msg });
          return { ok: true, retryable: false, error: null, httpStatus: null };
        } catch (err) {
          const e = err as Error & { responseCode?: number; code?: string };
          return { ok: false, retryable: !permanent(e), error: e.message, httpStatus: null };
        }
      },
      { maxRetries: cfg.maxRetries ?? 3, backoffMs: opts.backoffMs },
    );
  } finally {
    transport.close();
  }
}
