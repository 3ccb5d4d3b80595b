import { createPiiDetector, EMAIL_PATTERN } from '../../quality/plan/pii.js';

/**
 * Redaction of message bodies for display (peek): the tracking plan's PII
 * detection (src/quality/plan/pii.ts) applied to every string, plus fields
 * whose name says what they hold (email, phone, ip, name, …) blanked
 * whatever their value. Only for showing: backups and exports keep bodies
 * as they are.
 */

const detect = createPiiDetector();
const EMAIL_GLOBAL = new RegExp(EMAIL_PATTERN.source, 'g');
const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;
/** Full IPv6, or compressed with at least two groups before "::" (so `std::` or `a::b` in a stack trace stay). */
const IPV6 = /\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){1,6}::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?/gi;
/** A run that may be a phone number inside free text; the plan's detector decides. */
const PHONE_CANDIDATE = /(?:\+|\(|\b)\d[\d ().\-/]{6,38}\d\b/g;

/** Field names that hold personal data, compared lower-case without separators. */
const SENSITIVE_NAMES = new Set([
  'name', 'firstname', 'lastname', 'fullname', 'username', 'displayname', 'givenname', 'familyname', 'surname', 'middlename', 'nickname',
  'ip', 'ipaddress', 'ipaddr', 'clientip', 'remoteip', 'sourceip', 'userip', 'ipv4', 'ipv6', 'xforwardedfor',
]);

/** True when a field's name says it holds an e-mail address, phone number, IP address or a person's name. */
export function isSensitiveField(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SENSITIVE_NAMES.has(k) || k.includes('email') || k.includes('phone') || k.includes('mobile') || k.includes('msisdn');
}

export const REDACTED = '[redacted]';

/** E-mail addresses, phone numbers and IP addresses inside a string replaced by markers. */
export function redactText(text: string): string {
  if (detect(text) === 'a phone number') return '[phone]';
  let out = text.indexOf('@') === -1 ? text : text.replace(EMAIL_GLOBAL, '[email]');
  out = out.replace(IPV4, '[ip]').replace(IPV6, '[ip]');
  out = out.replace(PHONE_CANDIDATE, (m) => (detect(m.trim()) === 'a phone number' ? '[phone]' : m));
  return out;
}

/** A JSON value with sensitive fields blanked and PII inside strings replaced. */
export function redactValue(value: unknown, key?: string): unknown {
  if (key !== undefined && isSensitiveField(key) && value !== null && value !== '') return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  return value;
}

/** A message body for display: JSON bodies field by field, other text as text. */
export function redactBody(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) return JSON.stringify(redactValue(parsed));
  } catch {
    // not JSON: redact it as text
  }
  return redactText(body);
}
