export { deliver } from './deliver.js';
export { sendEmail } from './email.js';
export { postJson, SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER, verifySignature } from './http.js';
export { emailMessage, slackPayload, webhookPayload } from './message.js';
export { Notifier, type NotifierOptions, type Sender, sendAlertsTo } from './notifier.js';
