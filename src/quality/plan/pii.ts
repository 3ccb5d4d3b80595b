/*
 * Personal data in event properties. Every string value of every event goes
 * through here when the check is on, so each default pattern has a cheap gate
 * (an '@', a plausible first character and length) that rejects almost all
 * ordinary strings before a regular expression runs.
 */

/** Digits 8–15 in the whole value, whatever the separators. Linear: `\D` and `\d` never overlap. */
const DIGITS_8_TO_15 = String.raw`(?=(?:\D*\d){8,15}\D*$)`;

/** An e-mail address anywhere in the value (free text included). */
export const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}/;

/**
 * An international number: `+` then 8–15 digits, optionally grouped with
 * spaces, dots, hyphens or an area code in parentheses (`+14155550100`,
 * `+1 (415) 555-0100`, `+44 20 7946 0958`). Each step takes one digit or one
 * parenthesized group, so matching stays linear.
 */
export const PHONE_INTERNATIONAL_PATTERN = new RegExp(String.raw`^${DIGITS_8_TO_15}\+[1-9](?:[ .\-]?(?:\(\d{1,4}\)|\d))+$`);

/** A North-American number written the usual ways: `(415) 555-0100`, `415-555-0100`, `415.555.0100`, `1-415-555-0100`. */
export const PHONE_NANP_PATTERN = /^(?:1[ .-])?(?:\([2-9]\d{2}\)|[2-9]\d{2})[ .-]?\d{3}[ .-]\d{4}$/;

/**
 * A national number with a trunk prefix, written with separators:
 * `06 12 34 56 78`, `030 1234567`, `(020) 7946 0958`, `07911-123456`. Dates
 * (`01-02-2026`) are excluded; an unformatted run of digits (`0612345678`) is
 * not matched, because zero-padded ids look the same.
 */
export const PHONE_NATIONAL_PATTERN = new RegExp(
  String.raw`^(?!\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$)${DIGITS_8_TO_15}(?:\(0\d{1,4}\)[ .\-/]?|0\d{1,4}[ .\-/])\d{2,8}(?:[ .\-]\d{2,8})*$`,
);

/** The default PII patterns. ISO dates, version numbers, prices, UUIDs and epoch times match none of them. */
export const DEFAULT_PII_PATTERNS: readonly RegExp[] = Object.freeze([
  EMAIL_PATTERN,
  PHONE_INTERNATIONAL_PATTERN,
  PHONE_NANP_PATTERN,
  PHONE_NATIONAL_PATTERN,
]);

/** Returns what the value looks like ("an e-mail address"), or undefined. */
export type PiiDetector = (value: string) => string | undefined;

/**
 * Whether the detector could flag `s.slice(start, end)`: false only when it
 * certainly would not (the default patterns' gates fail), so the checker's
 * fast path skips slicing and testing almost every string.
 */
export type PiiGate = (s: string, start: number, end: number) => boolean;

const EMAIL_LABEL = 'an e-mail address';
const PHONE_LABEL = 'a phone number';
const PHONE_PATTERNS: readonly RegExp[] = [PHONE_INTERNATIONAL_PATTERN, PHONE_NANP_PATTERN, PHONE_NATIONAL_PATTERN];

/** Phone-shaped: 8–40 characters, starting with '+', '(' or a digit. */
function phoneShaped(s: string): boolean {
  const c = s.charCodeAt(0);
  return (c === 43 /* + */ || c === 40 /* ( */ || (c >= 48 && c <= 57)) && s.length >= 8 && s.length <= 40;
}

/**
 * The gate of {@link createPiiDetector} for the same patterns: a phone
 * pattern can only match a phone-shaped value, an e-mail one only a value
 * with an '@'; any other pattern may match anything.
 */
export function createPiiGate(patterns: readonly RegExp[] = DEFAULT_PII_PATTERNS): PiiGate {
  const email = patterns.includes(EMAIL_PATTERN);
  const phone = PHONE_PATTERNS.some((p) => patterns.includes(p));
  const custom = patterns.some((p) => p !== EMAIL_PATTERN && !PHONE_PATTERNS.includes(p));
  if (custom) return () => true;
  return (s, start, end) => {
    if (phone) {
      const n = end - start;
      const c = s.charCodeAt(start);
      if ((c === 43 || c === 40 || (c >= 48 && c <= 57)) && n >= 8 && n <= 40) return true;
    }
    if (email) {
      const at = nextAt(s, start);
      if (at !== -1 && at < end) return true;
    }
    return false;
  };
}

/*
 * The next '@' at or after `start` in `s`. A gate is asked about many short
 * strings of one long text in ascending order; an unbounded indexOf per
 * string could run to the text's end each time, so one search serves every
 * string up to the '@' it found.
 */
let atText = '';
let atFrom = 0;
let atFound = -1;
function nextAt(s: string, start: number): number {
  if (s !== atText || start < atFrom || (atFound !== -1 && atFound < start)) {
    atText = s;
    atFrom = start;
    atFound = s.indexOf('@', start);
  }
  return atFound;
}

/**
 * One detector for a list of patterns. The default patterns among them run
 * behind their gates; any other pattern runs on every string. A `g` or `y`
 * flag is dropped: `test` on such a RegExp is stateful and would skip every
 * other match.
 */
export function createPiiDetector(patterns: readonly RegExp[] = DEFAULT_PII_PATTERNS): PiiDetector {
  const email = patterns.includes(EMAIL_PATTERN);
  const phones = PHONE_PATTERNS.filter((p) => patterns.includes(p));
  const [p0, p1, p2] = phones;
  const custom = patterns
    .filter((p) => p !== EMAIL_PATTERN && !PHONE_PATTERNS.includes(p))
    .map((pattern) => ({
      re: /[gy]/.test(pattern.flags) ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern,
      label: `a value matching ${String(pattern)}`,
    }));
  const n = custom.length;
  return (value) => {
    if (
      p0 !== undefined &&
      phoneShaped(value) &&
      (p0.test(value) || (p1 !== undefined && p1.test(value)) || (p2 !== undefined && p2.test(value)))
    ) {
      return PHONE_LABEL;
    }
    if (email && value.indexOf('@') !== -1 && EMAIL_PATTERN.test(value)) return EMAIL_LABEL;
    for (let i = 0; i < n; i++) {
      const c = custom[i];
      if (c !== undefined && c.re.test(value)) return c.label;
    }
    return undefined;
  };
}
