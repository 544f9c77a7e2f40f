/** What a notification says, per channel type: webhook JSON, Slack blocks, email text/HTML. */
import { describeCondition } from '../alerting/conditions.js';
import type { AlertRule, DeliveryEvent } from '../alerting/types.js';
import { alertToJson } from '../query/json.js';
import type { AlertRecord } from '../store/store.js';
import type { EmailMessage } from './email.js';

export interface Notice {
  event: DeliveryEvent;
  alert: AlertRecord;
  rule: Pick<AlertRule, 'id' | 'name' | 'description' | 'severity' | 'condition'>;
  /** Link to the dashboard's alert page, when the server knows its public URL. */
  url?: string;
}

const TITLE: Record<DeliveryEvent, string> = {
  firing: 'FIRING',
  repeat: 'STILL FIRING',
  escalation: 'ESCALATED',
  resolved: 'RESOLVED',
  test: 'TEST',
};

export function title(n: Notice): string {
  return `[${TITLE[n.event]}] ${n.alert.name} (${n.alert.severity})`;
}

/** The webhook body: versioned, with the alert as the REST API shows it. */
export function webhookPayload(n: Notice) {
  return {
    version: '1',
    event: n.event,
    project: n.alert.project,
    title: title(n),
    alert: alertToJson(n.alert),
    rule: {
      id: n.rule.id,
      name: n.rule.name,
      description: n.rule.description,
      severity: n.rule.severity,
      condition: describeCondition(n.rule.condition),
    },
    url: n.url ?? null,
    sentAt: new Date().toISOString(),
  };
}

const EMOJI: Record<DeliveryEvent, string> = {
  firing: ':rotating_light:',
  repeat: ':rotating_light:',
  escalation: ':sos:',
  resolved: ':white_check_mark:',
  test: ':wave:',
};

function labelList(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** Slack's escaping for mrkdwn text: only &, < and > are special. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(n: Notice) {
  const text = `${EMOJI[n.event]} ${title(n)}: ${n.alert.message}`;
  const context = [
    `*Rule:* ${esc(describeCondition(n.rule.condition))}`,
    `*Labels:* ${esc(labelList(n.alert.labels))}`,
  ];
  if (n.alert.acknowledgedBy) context.push(`*Acknowledged by:* ${esc(n.alert.acknowledgedBy)}`);
  return {
    text: esc(text),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title(n).slice(0, 150) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${esc(n.alert.message)}${n.url ? `\n<${n.url}|Open in Vigil>` : ''}`,
        },
      },
      { type: 'context', elements: context.map((t) => ({ type: 'mrkdwn', text: t })) },
    ],
  };
}

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function emailMessage(n: Notice): EmailMessage {
  const rows: [string, string][] = [
    ['Alert', n.alert.name],
    ['Severity', n.alert.severity],
    ['State', n.alert.state],
    ['Condition', describeCondition(n.rule.condition)],
    ['Labels', labelList(n.alert.labels)],
    ['Started', new Date(n.alert.startedUs / 1000).toISOString()],
  ];
  if (n.alert.resolvedUs != null) rows.push(['Resolved', new Date(n.alert.resolvedUs / 1000).toISOString()]);
  if (n.rule.description) rows.push(['Description', n.rule.description]);
  if (n.url) rows.push(['Link', n.url]);
  return {
    subject: `[Vigil] ${title(n)}`,
    text: `${n.alert.message}\n\n${rows.map(([k, v]) => `${k}: ${v}`).join('\n')}\n`,
    html: `<p>${html(n.alert.message)}</p><table>${rows
      .map(([k, v]) => `<tr><th align="left">${html(k)}</th><td>${html(v)}</td></tr>`)
      .join('')}</table>`,
  };
}
