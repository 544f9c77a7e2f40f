/** Sends one notice to one channel, with the channel's timeout and retries. */
import type { NotificationChannel } from '../alerting/types.js';
import { sendEmail } from './email.js';
import { postJson } from './http.js';
import { emailMessage, type Notice, slackPayload, webhookPayload } from './message.js';
import type { RetryOutcome } from './retry.js';

export interface DeliverOptions {
  /** First retry backoff (default 500 ms; tests use a few ms). */
  backoffMs?: number;
}

export function deliver(
  channel: NotificationChannel,
  notice: Notice,
  opts: DeliverOptions = {},
): Promise<RetryOutcome> {
  switch (channel.type) {
    case 'webhook': {
      const c = channel.config;
      return postJson(c.url, webhookPayload(notice), {
        headers: { ...c.headers, 'x-vigil-event': notice.event },
        secret: c.secret,
        timeoutMs: c.timeoutMs ?? 10_000,
        maxRetries: c.maxRetries ?? 3,
        backoffMs: opts.backoffMs,
      });
    }
    case 'slack': {
      const c = channel.config;
      return postJson(c.url, slackPayload(notice), {
        timeoutMs: c.timeoutMs ?? 10_000,
        maxRetries: c.maxRetries ?? 3,
        backoffMs: opts.backoffMs,
      });
    }
    case 'email':
      return sendEmail(channel.config, emailMessage(notice), { backoffMs: opts.backoffMs });
  }
}
