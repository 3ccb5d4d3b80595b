/*
 * Record → RecordOutcome, for millions of records a second. The valid path
 * throws nothing, allocates only the outcome, and reads each envelope field
 * once; only invalid records build messages.
 */
import type { InvalidReason, PropertiesVerdict, RecordOutcome } from '../../domain/quality.js';
import { textCheckerOf, type PropertiesTextChecker } from '../plan/validate-text.js';
import { createLineScanner, scanLineText, type LineScan } from './scan-line.js';
import { parseIsoTimestamp } from './timestamp.js';

/** What the classifier needs from the tracking plan (`TrackingPlan` satisfies it). */
export interface PropertiesChecker {
  check(eventName: string, properties: unknown): PropertiesVerdict;
}

export interface ClassifierOptions {
  readonly plan: PropertiesChecker;
  /**
   * Envelope field paths whose values form the de-duplication key, e.g.
   * `['context.source', 'eventId']`; default `['eventId']`. Values are joined
   * with U+001F; a missing or null value counts as the empty string, a
   * string, number or boolean as its text, anything else as its JSON.
   */
  readonly dedupKey?: readonly string[];
  /** A `timestamp` later than `receivedAt` plus this is `future_timestamp`; default 5 minutes. */
  readonly clockSkewMs?: number;
  /**
   * Envelope paths tried in order for the platform segment; the first
   * non-empty string wins, used as written (no case folding); otherwise
   * `unknown`. Default {@link DEFAULT_PLATFORM_PATHS}.
   */
  readonly platformFrom?: readonly string[];
}

export interface Classifier {
  /** One NDJSON line (without its line end; a trailing `\r` is fine). */
  line(text: string): RecordOutcome;
  /** One decoded record (a Parquet row, a Kinesis record already parsed). */
  object(value: unknown): RecordOutcome;
}

export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;
export const DEFAULT_DEDUP_KEY: readonly string[] = Object.freeze(['eventId']);
export const DEFAULT_PLATFORM_PATHS: readonly string[] = Object.freeze([
  'context.platform',
  'context.device.platform',
  'context.os.name',
]);
/** The platform of a record that names none. */
export const UNKNOWN_PLATFORM = 'unknown';
/** The event name of an invalid record that has no usable one (unparseable, missing or not a string). */
export const NO_EVENT_NAME = '__none__';

const KEY_SEPARATOR = '\u001f';

/**
 * Builds a classifier. The checks, in order (the first failure is the reason):
 *
 * 1. JSON parse (`line` only) → `unparseable_json`.
 * 2. Envelope shape: the record is a JSON object; `eventId`, `eventName`,
 *    `timestamp`, `receivedAt` and `properties` are present (absent, `null`
 *    and `""` count as missing) → `missing_field`; `eventId` / `eventName` are
 *    strings, `timestamp` / `receivedAt` / `sentAt` strings (or `Date`s, as
 *    decoded Parquet gives them), `properties` an object, `context` an object
 *    when present (absent or `null` reads as `{}`), `userId` / `anonymousId`
 *    strings when present → `wrong_type`.
 * 3. `timestamp`, `receivedAt` and, when present, `sentAt` are RFC 3339
 *    date-times with an offset (see {@link parseIsoTimestamp}) → `bad_timestamp`.
 * 4. `timestamp` > `receivedAt` + clock skew → `future_timestamp`.
 * 5. The tracking plan's verdict on `properties` → `unknown_event`,
 *    `missing_field`, `wrong_type` or `pii_in_properties`.
 *
 * @example
 * const classify = createClassifier({ plan });
 * classify.line('{"eventId":"e1","eventName":"page_viewed",…}') // { valid: true, key: 'e1', … }
 */
export function createClassifier(options: ClassifierOptions): Classifier {
  const plan = options.plan;
  const skewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const dedupPaths = (options.dedupKey ?? DEFAULT_DEDUP_KEY).map(splitPath);
  const keyIsEventId = dedupPaths.length === 1 && dedupPaths[0]?.length === 1 && dedupPaths[0][0] === 'eventId';
  const platformPaths = (options.platformFrom ?? DEFAULT_PLATFORM_PATHS).map(splitPath);

  function keyOf(record: Record<string, unknown>, eventId: string): string {
    if (keyIsEventId) return eventId;
    let key = '';
    for (let i = 0; i < dedupPaths.length; i++) {
      if (i > 0) key += KEY_SEPARATOR;
      key += keyPart(readPath(record, dedupPaths[i] ?? []));
    }
    return key;
  }

  function platformOf(record: Record<string, unknown>): string {
    for (let i = 0; i < platformPaths.length; i++) {
      const v = readPath(record, platformPaths[i] ?? []);
      if (typeof v === 'string' && v !== '') return v;
    }
    return UNKNOWN_PLATFORM;
  }

  /**
   * `propertiesChecked`: the plan already accepted these properties (the
   * fast path validated their JSON text), so its check is skipped; every
   * other check runs as always, in the same order.
   */
  function object(value: unknown, propertiesChecked = false): RecordOutcome {
    if (!isRecord(value)) {
      return invalid('wrong_type', undefined, undefined, undefined, `the record is ${describe(value)}, expected a JSON object`);
    }
    const eventIdValue = value['eventId'];
    const eventNameValue = value['eventName'];
    const eventName = typeof eventNameValue === 'string' && eventNameValue !== '' ? eventNameValue : undefined;
    const context = value['context'];
    const contextOk = context === undefined || context === null || isRecord(context);
    const platform = contextOk ? platformOf(value) : UNKNOWN_PLATFORM;

    // 2. Envelope shape.
    if (typeof eventIdValue !== 'string' || eventIdValue === '') {
      return shapeProblem('eventId', eventIdValue, 'a non-empty string', eventName, platform);
    }
    if (eventName === undefined) {
      return shapeProblem('eventName', eventNameValue, 'a non-empty string', undefined, platform);
    }
    const timestampValue = value['timestamp'];
    if (typeof timestampValue !== 'string' && !(timestampValue instanceof Date)) {
      return shapeProblem('timestamp', timestampValue, 'an ISO-8601 string', eventName, platform);
    }
    const receivedAtValue = value['receivedAt'];
    if (typeof receivedAtValue !== 'string' && !(receivedAtValue instanceof Date)) {
      return shapeProblem('receivedAt', receivedAtValue, 'an ISO-8601 string', eventName, platform);
    }
    const sentAtValue = value['sentAt'];
    const hasSentAt = sentAtValue !== undefined && sentAtValue !== null;
    if (hasSentAt && typeof sentAtValue !== 'string' && !(sentAtValue instanceof Date)) {
      return shapeProblem('sentAt', sentAtValue, 'an ISO-8601 string', eventName, platform);
    }
    const properties = value['properties'];
    if (!isRecord(properties)) {
      return shapeProblem('properties', properties, 'an object', eventName, platform);
    }
    if (!contextOk) {
      return shapeProblem('context', context, 'an object', eventName, platform);
    }
    const userId = value['userId'];
    if (userId !== undefined && userId !== null && typeof userId !== 'string') {
      return shapeProblem('userId', userId, 'a string', eventName, platform);
    }
    const anonymousId = value['anonymousId'];
    if (anonymousId !== undefined && anonymousId !== null && typeof anonymousId !== 'string') {
      return shapeProblem('anonymousId', anonymousId, 'a string', eventName, platform);
    }

    // 3. Timestamps.
    const timestampMs = toMillis(timestampValue);
    if (Number.isNaN(timestampMs)) return badTimestamp('timestamp', timestampValue, eventName, platform);
    const receivedAtMs = toMillis(receivedAtValue);
    if (Number.isNaN(receivedAtMs)) return badTimestamp('receivedAt', receivedAtValue, eventName, platform);
    let sentAtMs: number | undefined;
    if (hasSentAt) {
      sentAtMs = toMillis(sentAtValue);
      if (Number.isNaN(sentAtMs)) return badTimestamp('sentAt', sentAtValue, eventName, platform);
    }

    // 4. Clock skew.
    if (timestampMs > receivedAtMs + skewMs) {
      return invalid(
        'future_timestamp',
        eventName,
        platform,
        'timestamp',
        `timestamp is ${formatDuration(timestampMs - receivedAtMs)} after receivedAt (allowed clock skew ${formatDuration(skewMs)})`,
      );
    }

    // 5. The tracking plan.
    if (!propertiesChecked) {
      const verdict = plan.check(eventName, properties);
      if (!verdict.ok) return invalid(verdict.reason, eventName, platform, verdict.field, verdict.detail);
    }

    return {
      valid: true,
      eventName,
      platform,
      key: keyOf(value, eventIdValue),
      timestampMs,
      receivedAtMs,
      sentAtMs,
    };
  }

  // The fast path: a line of a valid event classified from its text (scan-line.ts).
  const scan = createLineScanner({
    plan,
    dedupPaths,
    keyIsEventId,
    platformPaths,
    skewMs,
    keySeparator: KEY_SEPARATOR,
    unknownPlatform: UNKNOWN_PLATFORM,
  });

  function line(text: string): RecordOutcome {
    if (scan !== undefined) {
      const fast = scanLineText(scan, text);
      if (fast !== undefined) return fast;
    }
    return parseLine(text);
  }

  function parseLine(text: string): RecordOutcome {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return invalid(
        'unparseable_json',
        undefined,
        undefined,
        undefined,
        error instanceof Error ? error.message : 'not valid JSON',
      );
    }
    return object(value);
  }

  const classifier: Classifier = { line, object: (value) => object(value) };
  internals.set(classifier, {
    scan,
    parseLine,
    objectChecked: (value) => object(value, true),
    textChecker: textCheckerOf(plan),
    readsProperties: [...dedupPaths, ...platformPaths].some((path) => path[0] === 'properties'),
    envelope:
      keyIsEventId && platformPaths.every((path) => path[0] === 'context')
        ? { skewMs, platformOfContext: (context: unknown) => platformOf({ context }) }
        : undefined,
  });
  return classifier;
}

/** What the chunk and Parquet loops use beyond the Classifier interface: the fast paths' entries, and the slow path alone. */
interface ClassifierInternals {
  readonly scan: LineScan | undefined;
  readonly parseLine: (text: string) => RecordOutcome;
  /** `object` for a record whose properties the plan's text checker already accepted. */
  readonly objectChecked: (value: unknown) => RecordOutcome;
  /** The plan's checks on JSON text, when the plan has them. */
  readonly textChecker: PropertiesTextChecker | undefined;
  /** A dedup key or platform path reads inside `properties` (then a record needs its real properties). */
  readonly readsProperties: boolean;
  /**
   * When the key is `eventId` and the platform is read from `context` only
   * (the defaults): the clock skew, and the platform of a record whose
   * context is `context` — all the Parquet fast path needs to classify a row
   * from its fields.
   */
  readonly envelope: { readonly skewMs: number; readonly platformOfContext: (context: unknown) => string } | undefined;
}

const internals = new WeakMap<Classifier, ClassifierInternals>();

/** The internals of a classifier made by {@link createClassifier}; undefined for any other. */
export function classifierInternals(classifier: Classifier): ClassifierInternals | undefined {
  return internals.get(classifier);
}

function invalid(
  reason: InvalidReason,
  eventName: string | undefined,
  platform: string | undefined,
  field: string | undefined,
  detail: string,
): RecordOutcome {
  return { valid: false, reason, eventName, platform, field, detail };
}

function shapeProblem(
  field: string,
  value: unknown,
  expected: string,
  eventName: string | undefined,
  platform: string,
): RecordOutcome {
  if (value === undefined || value === null || value === '') {
    return invalid('missing_field', eventName, platform, field, `${field} is ${value === '' ? 'empty' : 'missing'}`);
  }
  return invalid('wrong_type', eventName, platform, field, `${field} is ${describe(value)}, expected ${expected}`);
}

function badTimestamp(field: string, value: string | Date, eventName: string, platform: string): RecordOutcome {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : 'an invalid Date';
  return invalid(
    'bad_timestamp',
    eventName,
    platform,
    field,
    `${field} ${shown} is not an ISO-8601 date-time like 2026-11-22T10:00:00.000Z or …+01:00`,
  );
}

function toMillis(value: string | Date): number {
  return typeof value === 'string' ? parseIsoTimestamp(value) : value.getTime();
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function splitPath(path: string): readonly string[] {
  return path.split('.');
}

function readPath(record: Record<string, unknown>, path: readonly string[]): unknown {
  let at: unknown = record;
  for (let i = 0; i < path.length; i++) {
    if (!isRecord(at)) return undefined;
    at = at[path[i] ?? ''];
  }
  return at;
}

function keyPart(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  const t = typeof value;
  return t === 'object' ? 'an object' : `a ${t}`;
}

/** `3h 2m`, `45s`, `1.5s`: enough to read a skew at a glance. */
function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const totalMinutes = Math.floor(ms / 60_000);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m`;
}
