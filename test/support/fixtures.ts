import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real AWS payloads, stored under test/fixtures/aws/<service>/<case>.json
 * (provenance in test/fixtures/aws/SOURCES.md), and wrappers that put any
 * payload inside the envelopes AWS would deliver it in. The envelopes are
 * built from real fixtures too, so their fields are what Lambda really sends.
 */

export const FIXTURES_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'aws');

export type FixtureService = 'eventbridge' | 'sns' | 'lambda-action' | 'sqs';

/** Reads and parses a fixture, e.g. `loadFixture('eventbridge/single-metric-alarm.json')`. */
export function loadFixture(relPath: string): unknown {
  const value: unknown = JSON.parse(readFileSync(join(FIXTURES_ROOT, relPath), 'utf8'));
  return value;
}

/** Fixture paths relative to test/fixtures/aws, sorted; only one service's when given. */
export function listFixtures(service?: FixtureService): string[] {
  const base = service === undefined ? FIXTURES_ROOT : join(FIXTURES_ROOT, service);
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) found.push(relative(FIXTURES_ROOT, full).split(sep).join('/'));
    }
  };
  walk(base);
  return found.sort();
}

/** The decoded `Sns.Message` of the first record of an SNS fixture (its alarm body). */
export function snsMessageOf(relPath: string): unknown {
  const message = firstRecord(loadFixture(relPath), 'Sns', 'Message');
  if (typeof message !== 'string') throw new Error(`${relPath} has no Records[0].Sns.Message string`);
  const value: unknown = JSON.parse(message);
  return value;
}

export interface SnsWrapOptions {
  readonly messageId?: string;
  readonly topicArn?: string;
  readonly subject?: string | null;
}

/**
 * A Lambda SNS event carrying `message` (an object is JSON-encoded, as SNS
 * delivers it), built on aws-lambda-go's sns-event.json.
 */
export function wrapInSns(message: unknown, options: SnsWrapOptions = {}): { Records: unknown[] } {
  const template = recordTemplate('sns/non-alarm-message.json');
  const sns = { ...objectAt(template, 'Sns') };
  sns['Message'] = asMessage(message);
  sns['MessageAttributes'] = {};
  if (options.messageId !== undefined) sns['MessageId'] = options.messageId;
  if (options.topicArn !== undefined) sns['TopicArn'] = options.topicArn;
  if (options.subject !== undefined) sns['Subject'] = options.subject;
  return { Records: [{ ...template, Sns: sns }] };
}

export interface SqsWrapOptions {
  /** One per body; defaults to `sqs-message-<n>`. */
  readonly messageIds?: readonly string[];
  readonly queueArn?: string;
}

/**
 * A Lambda SQS event with one record per body (objects are JSON-encoded),
 * built on aws-lambda-go's sqs-event.json; `md5OfBody` is recomputed.
 */
export function wrapInSqs(bodies: readonly unknown[], options: SqsWrapOptions = {}): { Records: unknown[] } {
  const template = recordTemplate('sqs/non-alarm-body.json');
  return {
    Records: bodies.map((body, index) => {
      const text = asMessage(body);
      return {
        ...template,
        messageId: options.messageIds?.[index] ?? `sqs-message-${index + 1}`,
        body: text,
        md5OfBody: createHash('md5').update(text).digest('hex'),
        messageAttributes: {},
        ...(options.queueArn !== undefined ? { eventSourceARN: options.queueArn } : {}),
      };
    }),
  };
}

/**
 * The JSON document SNS delivers to an SQS queue without raw message delivery
 * (`{"Type":"Notification","MessageId":…,"Message":"<string>"}`), built on
 * the SNS notification inside Powertools' sqs/sns-body.json. Pass the result
 * (or its JSON) as an SQS body.
 */
export function snsNotificationEnvelope(message: unknown, options: SnsWrapOptions = {}): Record<string, unknown> {
  const body = firstRecord(loadFixture('sqs/sns-notification-non-alarm.json'), 'body');
  if (typeof body !== 'string') throw new Error('sqs/sns-notification-non-alarm.json has no body string');
  const parsed: unknown = JSON.parse(body);
  const envelope = { ...asRecord(parsed, 'SNS notification') };
  envelope['Message'] = asMessage(message);
  if (options.messageId !== undefined) envelope['MessageId'] = options.messageId;
  if (options.topicArn !== undefined) envelope['TopicArn'] = options.topicArn;
  if (options.subject !== undefined) envelope['Subject'] = options.subject;
  return envelope;
}

function asMessage(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function recordTemplate(relPath: string): Record<string, unknown> {
  const records = asRecord(loadFixture(relPath), relPath)['Records'];
  if (!Array.isArray(records)) throw new Error(`${relPath} has no Records`);
  const first: unknown = records[0];
  return asRecord(first, `${relPath} Records[0]`);
}

function firstRecord(event: unknown, ...path: string[]): unknown {
  const records = asRecord(event, 'fixture')['Records'];
  let current: unknown = Array.isArray(records) ? records[0] : undefined;
  for (const key of path) current = current !== null && typeof current === 'object' ? Reflect.get(current, key) : undefined;
  return current;
}

function objectAt(record: Record<string, unknown>, key: string): Record<string, unknown> {
  return asRecord(record[key], key);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not an object`);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = Reflect.get(value, key);
  return copy;
}

/** Marks a field for removal in `patched`. */
export const REMOVE: unique symbol = Symbol('remove');

/**
 * A deep copy of `value` with the field at `path` replaced (or removed with
 * REMOVE), for damaging a real payload in one place:
 * `patched(event, ['detail', 'state', 'value'], 'BROKEN')`.
 */
export function patched(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  const copy: unknown = structuredClone(value);
  const parent = fieldOf(copy, ...path.slice(0, -1));
  const last = path[path.length - 1];
  if (parent === null || typeof parent !== 'object' || last === undefined) {
    throw new Error(`no object at ${path.slice(0, -1).join('.')}`);
  }
  if (replacement === REMOVE) Reflect.deleteProperty(parent, last);
  else Reflect.set(parent, last, replacement);
  return copy;
}

/** The value at `path` inside `value`, or undefined. */
export function fieldOf(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    const next: unknown = current !== null && typeof current === 'object' ? Reflect.get(current, key) : undefined;
    current = next;
  }
  return current;
}

/** The `Records` of a Lambda event (a fixture or a wrapper's result). */
export function recordsOf(event: unknown): unknown[] {
  const records = fieldOf(event, 'Records');
  if (!Array.isArray(records)) throw new Error('the event has no Records');
  return records;
}
