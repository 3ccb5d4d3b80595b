/*
 * `parseIsoTimestamp` (src/quality/check/timestamp.ts) as one SQL expression:
 * the same accepted shape, the same calendar checks, the same arithmetic.
 * Neither engine's own timestamp parser is used: both accept forms the
 * checker rejects (a space for `T`, no offset) and handle year 0 their own
 * way. Years 0000–9999, proleptic Gregorian, milliseconds truncated.
 */
import type { Dialect } from './dialect.js';

const SHAPE = '\\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})\\z';

/**
 * Epoch milliseconds (BIGINT) of the VARCHAR `s`, or NULL where the checker's
 * parser gives NaN. `s` is repeated many times: pass a column.
 */
export function isoMillisSql(d: Dialect, s: string): string {
  const part = (start: number, length: number): string => `TRY_CAST(substr(${s}, ${start}, ${length}) AS BIGINT)`;
  const year = part(1, 4);
  const month = part(6, 2);
  const day = part(9, 2);
  const hour = part(12, 2);
  const minute = part(15, 2);
  const second = part(18, 2);
  const leap = `((${year} % 4 = 0 AND ${year} % 100 <> 0) OR ${year} % 400 = 0)`;
  const daysInMonth = `CASE WHEN ${month} = 2 THEN CASE WHEN ${leap} THEN 29 ELSE 28 END WHEN ${month} IN (4, 6, 9, 11) THEN 30 ELSE 31 END`;
  // H. Hinnant's days_from_civil, shifted by one 400-year era so every division is of non-negative numbers.
  const y = `(${year} - CASE WHEN ${month} <= 2 THEN 1 ELSE 0 END + 400)`;
  const era = d.idiv(y, '400');
  const yoe = `(${y} - ${era} * 400)`;
  const mp = `(CASE WHEN ${month} > 2 THEN ${month} - 3 ELSE ${month} + 9 END)`;
  const doy = `(${d.idiv(`153 * ${mp} + 2`, '5')} + ${day} - 1)`;
  const doe = `(${yoe} * 365 + ${d.idiv(yoe, '4')} - ${d.idiv(yoe, '100')} + ${doy})`;
  const days = `(${era} * 146097 + ${doe} - 719468 - 146097)`;
  const millis = `CASE WHEN substr(${s}, 20, 1) = '.' THEN TRY_CAST(rpad(regexp_extract(${s}, '\\.([0-9]{1,3})', 1), 3, '0') AS BIGINT) ELSE 0 END`;
  const zulu = `substr(${s}, length(${s}), 1) = 'Z'`;
  const offsetHours = `TRY_CAST(substr(${s}, length(${s}) - 4, 2) AS BIGINT)`;
  const offsetMinutes = `TRY_CAST(substr(${s}, length(${s}) - 1, 2) AS BIGINT)`;
  const offset = `CASE WHEN ${zulu} THEN 0 WHEN substr(${s}, length(${s}) - 5, 1) = '+' THEN ${offsetHours} * 60 + ${offsetMinutes} ELSE -(${offsetHours} * 60 + ${offsetMinutes}) END`;
  const valid =
    `length(${s}) BETWEEN 20 AND 64 AND ${d.regexpLike(s, SHAPE)}` +
    ` AND ${month} BETWEEN 1 AND 12 AND ${day} >= 1 AND ${day} <= ${daysInMonth}` +
    ` AND ${hour} <= 23 AND ${minute} <= 59 AND ${second} <= 59` +
    ` AND (${zulu} OR (${offsetHours} <= 23 AND ${offsetMinutes} <= 59))`;
  return (
    `CASE WHEN ${valid} THEN ` +
    `${days} * 86400000 + ${hour} * 3600000 + ${minute} * 60000 + ${second} * 1000 + ${millis} - (${offset}) * 60000 END`
  );
}
