/**
 * CloudWatch writes `2019-10-02T17:04:40.985+0000`: an offset without a colon,
 * which ECMAScript's date-time format does not define (V8 happens to accept
 * some variants, other engines and `z.iso.datetime` do not). Rewrite it to
 * `+00:00` before parsing so the result is exact to the millisecond.
 */
const ISO_LIKE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|z|[+-]\d{2}:?\d{2}|[+-]\d{2})?$/;

/**
 * ISO-8601 UTC with milliseconds for a CloudWatch / EventBridge / SNS
 * timestamp, or undefined when the string is not a timestamp.
 *
 * @example normalizeTimestamp('2019-10-02T17:04:40.985+0000') // '2019-10-02T17:04:40.985Z'
 */
export function normalizeTimestamp(value: string): string | undefined {
  const match = ISO_LIKE.exec(value.trim());
  if (match === null) return undefined;
  const [, date, time, fraction, zone] = match;
  // Sub-millisecond digits are dropped, never rounded, so the instant never moves forward.
  const ms = (fraction ?? '').padEnd(3, '0').slice(0, 3);
  const seconds = time !== undefined && time.length === 5 ? `${time}:00` : time;
  const offset = offsetOf(zone);
  const millis = Date.parse(`${date}T${seconds}.${ms}${offset}`);
  if (Number.isNaN(millis)) return undefined;
  return new Date(millis).toISOString();
}

function offsetOf(zone: string | undefined): string {
  // No zone at all: CloudWatch only ever means UTC.
  if (zone === undefined || zone === 'Z' || zone === 'z') return 'Z';
  const digits = zone.slice(1).replace(':', '');
  const hh = digits.slice(0, 2);
  const mm = digits.length > 2 ? digits.slice(2) : '00';
  return `${zone[0]}${hh}:${mm}`;
}
