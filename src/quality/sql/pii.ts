/*
 * The default PII patterns of src/quality/plan/pii.ts as SQL. DuckDB's RE2
 * and Athena's Java-style regular expressions have no look-around, so each
 * look-ahead of the JavaScript patterns becomes its own condition:
 *
 * - `^(?=(?:\D*\d){8,15}\D*$)` → the value holds 8–15 ASCII digits in all;
 * - `^(?!\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$)` → NOT a date-like match.
 *
 * JavaScript's `^` / `$` (no `m` flag) are the start / end of the whole value:
 * `\A` / `\z` here. `\d` is written `[0-9]`. The detector's gates are kept:
 * phone patterns only run on values of 8–40 characters (any value a phone
 * pattern matches is ASCII, so characters and UTF-16 units agree); the
 * e-mail pattern contains its own `@`.
 *
 * Custom patterns (`PiiOptions.patterns`) are not rendered: the config has no
 * way to set them, so the checker the CLI runs uses exactly these.
 */
import type { Dialect } from './dialect.js';

export const SQL_EMAIL =
  '[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\\.[A-Za-z]{2,}';
export const SQL_PHONE_INTERNATIONAL = '\\A\\+[1-9](?:[ .-]?(?:\\([0-9]{1,4}\\)|[0-9]))+\\z';
export const SQL_PHONE_NANP = '\\A(?:1[ .-])?(?:\\([2-9][0-9]{2}\\)|[2-9][0-9]{2})[ .-]?[0-9]{3}[ .-][0-9]{4}\\z';
export const SQL_PHONE_NATIONAL = '\\A(?:\\(0[0-9]{1,4}\\)[ ./-]?|0[0-9]{1,4}[ ./-])[0-9]{2,8}(?:[ .-][0-9]{2,8})*\\z';
export const SQL_DATE_LIKE = '\\A[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4}\\z';

/**
 * A boolean SQL expression: the VARCHAR `s` looks like personal data to the
 * default detector. `s` is evaluated several times; pass a column or a
 * lambda parameter, not an expensive expression.
 */
export function piiSql(d: Dialect, s: string): string {
  const digits = `length(${d.regexpReplaceAll(s, '[^0-9]', '')}) BETWEEN 8 AND 15`;
  // CASE runs each test only on the values still undecided, cheapest gates first.
  return (
    `(CASE WHEN strpos(${s}, '@') > 0 AND ${d.regexpLike(s, SQL_EMAIL)} THEN true` +
    ` WHEN NOT (length(${s}) BETWEEN 8 AND 40 AND substr(${s}, 1, 1) IN ('+', '(', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9')) THEN false` +
    ` WHEN ${d.regexpLike(s, SQL_PHONE_NANP)} THEN true` +
    ` WHEN ${d.regexpLike(s, SQL_PHONE_INTERNATIONAL)} OR (${d.regexpLike(s, SQL_PHONE_NATIONAL)} AND NOT ${d.regexpLike(s, SQL_DATE_LIKE)}) THEN ${digits}` +
    ' ELSE false END)'
  );
}
