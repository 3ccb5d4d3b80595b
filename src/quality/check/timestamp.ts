/*
 * The one timestamp format the checker accepts, parsed by hand: a regular
 * expression plus `Date.parse` costs several times the rest of a record's
 * validation, and `Date.parse` alone accepts far more than ISO-8601
 * ("Nov 22 2026", "2026/11/22", local times without an offset).
 */

/**
 * Milliseconds since the epoch of an RFC 3339 date-time, or `NaN`.
 *
 * Accepted, exactly: `YYYY-MM-DDTHH:MM:SS[.F…](Z|+HH:MM|-HH:MM)` — upper-case
 * `T` and `Z`, a fraction of one or more digits (truncated to milliseconds),
 * and an offset that is required (a time without one is ambiguous). Calendar
 * ranges are checked: month 1–12, a day that exists in that month (leap years
 * included), hour 0–23, minute and second 0–59 (no leap second, like
 * `Date.parse`), offset hours 0–23 and minutes 0–59.
 *
 * @example
 * parseIsoTimestamp('2026-11-22T10:00:00.123+01:00') // 1795338000123
 * parseIsoTimestamp('2026-11-22 10:00:00')           // NaN (no T, no offset)
 */
export function parseIsoTimestamp(s: string): number {
  return parseIsoTimestampAt(s, 0, s.length);
}

/**
 * {@link parseIsoTimestamp} of `s.slice(start, end)`, without slicing: the
 * checker's fast path reads timestamps in place in a decoded chunk.
 */
export function parseIsoTimestampAt(s: string, start: number, end: number): number {
  const n = end - start;
  // Shortest: 2026-11-22T10:00:00Z (20); allow long fractions.
  if (n < 20 || n > 64) return NaN;
  const o = start;
  const century = twoDigits(s, o);
  const yearInCentury = twoDigits(s, o + 2);
  const month = twoDigits(s, o + 5);
  const day = twoDigits(s, o + 8);
  const hour = twoDigits(s, o + 11);
  const minute = twoDigits(s, o + 14);
  const second = twoDigits(s, o + 17);
  if (
    (century | yearInCentury) < 0 ||
    s.charCodeAt(o + 4) !== 45 /* - */ ||
    s.charCodeAt(o + 7) !== 45 ||
    s.charCodeAt(o + 10) !== 84 /* T */ ||
    s.charCodeAt(o + 13) !== 58 /* : */ ||
    s.charCodeAt(o + 16) !== 58 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return NaN;
  }
  const year = century * 100 + yearInCentury;
  // Records of one input mostly share a day: skip the calendar arithmetic then.
  const ymd = year * 10_000 + month * 100 + day;
  let days: number;
  if (ymd === cachedYmd) {
    days = cachedDays;
  } else {
    if (day > daysInMonth(year, month)) return NaN;
    days = daysFromCivil(year, month, day);
    cachedYmd = ymd;
    cachedDays = days;
  }

  let i = o + 19;
  let millis = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    const fractionStart = i;
    while (i < end) {
      const d = s.charCodeAt(i) - 48;
      if (d >>> 0 > 9) break;
      if (i - fractionStart < 3) millis = millis * 10 + d;
      i++;
    }
    const digits = i - fractionStart;
    if (digits === 0) return NaN;
    if (digits === 1) millis *= 100;
    else if (digits === 2) millis *= 10;
  }

  let offsetMinutes = 0;
  const zone = i < end ? s.charCodeAt(i) : NaN;
  if (zone === 90 /* Z */) {
    if (i + 1 !== end) return NaN;
  } else if (zone === 43 /* + */ || zone === 45 /* - */) {
    if (i + 6 !== end || s.charCodeAt(i + 3) !== 58) return NaN;
    const oh = twoDigits(s, i + 1);
    const om = twoDigits(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMinutes = zone === 43 ? oh * 60 + om : -(oh * 60 + om);
  } else {
    return NaN;
  }

  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis - offsetMinutes * 60_000;
}

let cachedYmd = -1;
let cachedDays = 0;

/** Two decimal digits at `i` as 0–99, or -1. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >>> 0 > 9 || b >>> 0 > 9 ? -1 : a * 10 + b;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/*
 * The same parse over ASCII bytes, for the fast path (check/scan-line.ts).
 * Events of one input share their first 16 bytes (`YYYY-MM-DDTHH:MM`) for a
 * minute at a time, so those are compared as four words with the last
 * prefix that parsed, and only seconds, fraction and offset are read.
 */
let prefix0 = -1;
let prefix1 = -1;
let prefix2 = -1;
let prefix3 = -1;
let prefixMs = 0;

/** {@link parseIsoTimestamp} of the ASCII bytes `[start, end)` (`d` views the same bytes as `b`). */
export function parseIsoTimestampBytes(b: Uint8Array, d: DataView, start: number, end: number): number {
  const n = end - start;
  if (n < 20 || n > 64) return NaN;
  const o = start;
  const w0 = d.getUint32(o, true);
  const w1 = d.getUint32(o + 4, true);
  const w2 = d.getUint32(o + 8, true);
  const w3 = d.getUint32(o + 12, true);
  let base: number;
  if (w0 === prefix0 && w1 === prefix1 && w2 === prefix2 && w3 === prefix3) {
    base = prefixMs;
  } else {
    const century = twoDigitBytes(b, o);
    const yearInCentury = twoDigitBytes(b, o + 2);
    const month = twoDigitBytes(b, o + 5);
    const day = twoDigitBytes(b, o + 8);
    const hour = twoDigitBytes(b, o + 11);
    const minute = twoDigitBytes(b, o + 14);
    if (
      (century | yearInCentury) < 0 ||
      b[o + 4] !== 45 /* - */ ||
      b[o + 7] !== 45 ||
      b[o + 10] !== 84 /* T */ ||
      b[o + 13] !== 58 /* : */ ||
      month < 1 ||
      month > 12 ||
      day < 1 ||
      hour < 0 ||
      hour > 23 ||
      minute < 0 ||
      minute > 59
    ) {
      return NaN;
    }
    const year = century * 100 + yearInCentury;
    if (day > daysInMonth(year, month)) return NaN;
    base = daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000;
    prefix0 = w0;
    prefix1 = w1;
    prefix2 = w2;
    prefix3 = w3;
    prefixMs = base;
  }
  if (b[o + 16] !== 58 /* : */) return NaN;
  const second = twoDigitBytes(b, o + 17);
  if (second < 0 || second > 59) return NaN;

  let i = o + 19;
  let millis = 0;
  if (b[i] === 46 /* . */) {
    i++;
    const fractionStart = i;
    while (i < end) {
      const digit = (b[i] ?? 0) - 48;
      if (digit >>> 0 > 9) break;
      if (i - fractionStart < 3) millis = millis * 10 + digit;
      i++;
    }
    const digits = i - fractionStart;
    if (digits === 0) return NaN;
    if (digits === 1) millis *= 100;
    else if (digits === 2) millis *= 10;
  }

  let offsetMinutes = 0;
  const zone = i < end ? b[i] : -1;
  if (zone === 90 /* Z */) {
    if (i + 1 !== end) return NaN;
  } else if (zone === 43 /* + */ || zone === 45 /* - */) {
    if (i + 6 !== end || b[i + 3] !== 58) return NaN;
    const oh = twoDigitBytes(b, i + 1);
    const om = twoDigitBytes(b, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMinutes = zone === 43 ? oh * 60 + om : -(oh * 60 + om);
  } else {
    return NaN;
  }
  return base + second * 1000 + millis - offsetMinutes * 60_000;
}

function twoDigitBytes(b: Uint8Array, i: number): number {
  const x = (b[i] ?? 0) - 48;
  const y = (b[i + 1] ?? 0) - 48;
  return x >>> 0 > 9 || y >>> 0 > 9 ? -1 : x * 10 + y;
}
