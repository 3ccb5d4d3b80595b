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
  const n = s.length;
  // Shortest: 2026-11-22T10:00:00Z (20); allow long fractions.
  if (n < 20 || n > 64) return NaN;
  const century = twoDigits(s, 0);
  const yearInCentury = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (
    (century | yearInCentury) < 0 ||
    s.charCodeAt(4) !== 45 /* - */ ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 /* T */ ||
    s.charCodeAt(13) !== 58 /* : */ ||
    s.charCodeAt(16) !== 58 ||
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

  let i = 19;
  let millis = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    const start = i;
    while (i < n) {
      const d = s.charCodeAt(i) - 48;
      if (d >>> 0 > 9) break;
      if (i - start < 3) millis = millis * 10 + d;
      i++;
    }
    const digits = i - start;
    if (digits === 0) return NaN;
    if (digits === 1) millis *= 100;
    else if (digits === 2) millis *= 10;
  }

  let offsetMinutes = 0;
  const zone = s.charCodeAt(i);
  if (zone === 90 /* Z */) {
    if (i + 1 !== n) return NaN;
  } else if (zone === 43 /* + */ || zone === 45 /* - */) {
    if (i + 6 !== n || s.charCodeAt(i + 3) !== 58) return NaN;
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
