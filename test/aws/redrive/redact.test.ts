import { describe, expect, it } from 'vitest';
import { isSensitiveField, redactBody, redactText } from '../../../src/aws/redrive/redact.js';

describe('redactBody', () => {
  it('blanks fields named like email, phone, ip or name, whatever they hold', () => {
    const body = JSON.stringify({
      userEmail: 'someone@example.com',
      phone_number: '+1 415 555 0100',
      ip: '203.0.113.9',
      name: 'Ada Lovelace',
      user: { firstName: 'Ada', lastName: 'Lovelace', clientIp: '198.51.100.7' },
      eventName: 'checkout_completed',
      count: 3,
    });
    expect(JSON.parse(redactBody(body))).toEqual({
      userEmail: '[redacted]',
      phone_number: '[redacted]',
      ip: '[redacted]',
      name: '[redacted]',
      user: { firstName: '[redacted]', lastName: '[redacted]', clientIp: '[redacted]' },
      eventName: 'checkout_completed',
      count: 3,
    });
  });

  it('replaces e-mail addresses, phone numbers and IP addresses inside other values', () => {
    const body = JSON.stringify({ error: 'rejected order for jane.doe+x@mail.example.org from 10.1.2.3', contact: '+44 20 7946 0958', items: ['(415) 555-0100', 'sku-123'] });
    expect(JSON.parse(redactBody(body))).toEqual({ error: 'rejected order for [email] from [ip]', contact: '[phone]', items: ['[phone]', 'sku-123'] });
  });

  it('redacts a body that is not JSON as text', () => {
    expect(redactBody('user bob@example.com called from +1 415 555 0100 at 2026-11-22T03:00:00Z')).toBe('user [email] called from [phone] at 2026-11-22T03:00:00Z');
  });

  it('leaves ids, dates, versions and prices alone', () => {
    const body = JSON.stringify({ id: '3f2c9a1e-0000-4000-8000-000000000000', at: '2026-11-22T03:00:00Z', version: '2.3.1', price: '19.99', ts: 1795315787541 });
    expect(redactBody(body)).toBe(body);
  });
});

describe('isSensitiveField / redactText', () => {
  it.each([
    ['email', true], ['e_mail', true], ['contactEmail', true], ['mobile', true], ['msisdn', true], ['userName', true], ['ip_address', true],
    ['eventName', false], ['queueName', false], ['type', false],
  ])('%s → %s', (key, expected) => {
    expect(isSensitiveField(key)).toBe(expected);
  });

  it('keeps a stack trace readable', () => {
    expect(redactText('TypeError at std::vector a::b (line 12:30:45)')).toBe('TypeError at std::vector a::b (line 12:30:45)');
  });
});
