import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRedactor } from './redact.js';

describe('createRedactor', () => {
  const r = createRedactor();

  test('masks emails, API keys, bearer tokens, JWTs and key=value secrets', () => {
    assert.equal(r.redact('write to jane.doe+x@mail.example.org now'), 'write to [REDACTED_EMAIL] now');
    assert.equal(r.redact('key sk-proj-AbCdEfGhIjKlMnOpQrStUv12'), 'key [REDACTED_SECRET]');
    assert.equal(r.redact('anthropic sk-ant-api03-abcdefghijklmnopqrstu'), 'anthropic [REDACTED_SECRET]');
    assert.equal(r.redact('aws AKIAIOSFODNN7EXAMPLE'), 'aws [REDACTED_SECRET]');
    assert.equal(r.redact('gh ghp_abcdefghijklmnopqrstuvwxyz0123456789'), 'gh [REDACTED_SECRET]');
    assert.equal(r.redact('Authorization: Bearer abc.def-ghi_jkl'), 'Authorization: Bearer [REDACTED_SECRET]');
    assert.equal(
      r.redact('token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'),
      'token [REDACTED_SECRET]',
    );
    assert.equal(r.redact('{"api_key": "hunter2hunter2"}'), '{"api_key": "[REDACTED_SECRET]"}');
    assert.equal(r.redact('password=s3cretpass'), 'password=[REDACTED_SECRET]');
  });

  test('masks Luhn-valid card numbers only', () => {
    assert.equal(r.redact('card 4111 1111 1111 1111 ok'), 'card [REDACTED_CARD] ok');
    assert.equal(r.redact('card 4111-1111-1111-1111'), 'card [REDACTED_CARD]');
    assert.equal(r.redact('order 1234567890123 shipped'), 'order 1234567890123 shipped');
    // Luhn-valid, but an epoch-ms timestamp (cards start with 2–6): a log line must keep it.
    assert.equal(r.redact('hello from http-json 1795446349221'), 'hello from http-json 1795446349221');
    assert.equal(r.redact('amex 3782 822463 10005'), 'amex [REDACTED_CARD]');
  });

  test('leaves ordinary text alone', () => {
    const text = 'The meeting is at 10:30 on 2024-05-01, room 42. Version 1.2.3.';
    assert.equal(r.redact(text), text);
  });

  test('optional rules: IPs, phone numbers, custom patterns', () => {
    const all = createRedactor({ ipAddresses: true, phoneNumbers: true, patterns: [/ACME-\d+/, 'secret-\\w+'] });
    assert.equal(all.redact('host 10.0.0.12'), 'host [REDACTED_IP]');
    assert.equal(all.redact('call +1 415 555 0134'), 'call [REDACTED_PHONE]');
    assert.equal(all.redact('id ACME-991 and ACME-7 secret-sauce'), 'id [REDACTED] and [REDACTED] [REDACTED]');
  });

  test('rules can be switched off', () => {
    const none = createRedactor({ emails: false, secrets: false, creditCards: false });
    assert.equal(none.redact('a@b.co sk-abcdefghijklmnopqrstuv'), 'a@b.co sk-abcdefghijklmnopqrstuv');
  });

  test('caps the length', () => {
    assert.equal(createRedactor({ maxChars: 5 }).redact('abcdefghij'), 'abcde');
  });
});
