/*
 * A sample of each batch's invalid events, forwarded to an SQS "quarantine"
 * queue with why they are invalid and where they are in the stream, so the
 * oncall can look at real bad events without reading the shard.
 *
 * Which failures hold the batch back (see processKinesisBatch): a failure
 * that may pass on retry — SQS throttling or a server error, a network error
 * or timeout, an entry SQS failed on its side (`SenderFault: false`) — makes
 * the records from the first affected one onward batch item failures, so
 * Lambda delivers them again and the sample is not lost. A failure that
 * cannot pass on retry — access denied, no such queue, a KMS key the role may
 * not use, an entry SQS rejects (`SenderFault: true`) — drops those samples
 * with an error log instead: retrying would stall the shard, and with it the
 * metrics the alarms watch, for the sake of a sample; and the events stay in
 * the stream for its retention anyway.
 */
import { SendMessageBatchCommand, type MessageAttributeValue, type SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { InvalidReason } from '../../domain/quality.js';
import type { KinesisRecordRef } from './kinesis-records.js';

/** One invalid event picked for the quarantine queue. */
export interface QuarantineSample {
  /** Index of its Kinesis record in the batch. */
  readonly recordIndex: number;
  readonly record: Pick<KinesisRecordRef, 'sequenceNumber' | 'partitionKey' | 'shardId' | 'streamArn'>;
  /** 1-based line within the record's data; 0 when the record itself could not be decoded. */
  readonly line: number;
  readonly reason: InvalidReason;
  readonly detail: string;
  readonly field?: string | undefined;
  readonly eventName?: string | undefined;
  /** The line as received (or the record's raw bytes). */
  readonly body: Uint8Array;
}

export interface QuarantineFailure {
  readonly sample: QuarantineSample;
  /** SQS error code or error name, e.g. `AccessDenied`, `RequestThrottled`, `TimeoutError`. */
  readonly code: string;
  readonly message: string;
}

export interface QuarantineOutcome {
  readonly sent: number;
  /** Failures that may pass on retry: their records go back to Lambda. */
  readonly retry: readonly QuarantineFailure[];
  /** Failures that cannot: logged and dropped. */
  readonly dropped: readonly QuarantineFailure[];
}

/** Sends samples somewhere; never throws (every failure is in the outcome). */
export interface Quarantine {
  send(samples: readonly QuarantineSample[], signal?: AbortSignal): Promise<QuarantineOutcome>;
}

/** SQS: at most 10 entries a SendMessageBatch call, 256 KiB a message and 256 KiB all entries together. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_MESSAGE_BYTES = 262_144;
export const MAX_BATCH_BYTES = 262_144;
/** Detail text is cut here; the body is what matters. */
const MAX_ATTRIBUTE_CHARS = 1024;
/** Room kept for the `note` attribute when a body has to be cut. */
const NOTE_RESERVE_BYTES = 160;

/** Characters SQS accepts in a body or attribute (XML 1.0's): anything else is refused with InvalidMessageContents. */
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NOT_SQS_TEXT_GLOBAL = new RegExp(NOT_SQS_TEXT.source, 'gu');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface QuarantineMessage {
  readonly sample: QuarantineSample;
  readonly entry: SendMessageBatchRequestEntry;
  /** Body plus attributes, as SQS counts a message's size. */
  readonly bytes: number;
}

/**
 * The SQS message for a sample. Body: the line as text, or base64 when it
 * is not valid UTF-8 or holds characters SQS refuses; cut to fit 256 KiB.
 * Attributes: `reason`, `detail`, `field`, `eventName`, `partitionKey`,
 * `sequenceNumber`, `shardId`, `streamArn`, `line`, and `note` saying when
 * the body is base64 or was cut.
 */
export function quarantineMessage(sample: QuarantineSample, id: string): QuarantineMessage {
  const attributes: Record<string, MessageAttributeValue> = {};
  const put = (name: string, value: string | undefined): void => {
    if (value === undefined || value === '') return;
    const clean = value.replace(NOT_SQS_TEXT_GLOBAL, '\uFFFD');
    attributes[name] = { DataType: 'String', StringValue: clean.length > MAX_ATTRIBUTE_CHARS ? `${clean.slice(0, MAX_ATTRIBUTE_CHARS - 1)}…` : clean };
  };
  put('reason', sample.reason);
  put('detail', sample.detail);
  put('field', sample.field);
  put('eventName', sample.eventName);
  put('partitionKey', sample.record.partitionKey);
  put('sequenceNumber', sample.record.sequenceNumber);
  put('shardId', sample.record.shardId);
  put('streamArn', sample.record.streamArn);
  attributes['line'] = { DataType: 'Number', StringValue: String(sample.line) };

  const text = asSqsText(sample.body);
  const encoding = text === undefined ? 'base64' : 'text';
  const room = MAX_MESSAGE_BYTES - attributeBytes(attributes) - NOTE_RESERVE_BYTES;
  let body: string;
  let cut = false;
  if (text !== undefined) {
    const bytes = Buffer.byteLength(text);
    cut = bytes > room;
    body = cut ? utf8Prefix(text, room) : text;
  } else {
    // base64 is 4 characters for every 3 bytes.
    const keep = Math.min(sample.body.length, Math.floor(room / 4) * 3);
    cut = keep < sample.body.length;
    body = Buffer.from(sample.body.buffer, sample.body.byteOffset, keep).toString('base64');
  }
  const notes: string[] = [];
  if (encoding === 'base64') notes.push('body is base64: the data is not valid UTF-8 text');
  if (cut) notes.push(`body cut to fit 256 KiB: ${Buffer.byteLength(body).toLocaleString('en-US')} of ${encodedSize(sample.body, encoding).toLocaleString('en-US')} bytes`);
  if (notes.length > 0) put('note', notes.join('; '));
  if (body === '') {
    // SQS refuses an empty body; an empty record is still worth seeing.
    body = '(empty)';
    put('note', [...notes, 'the record is empty'].join('; '));
  }
  return {
    sample,
    entry: { Id: id, MessageBody: body, MessageAttributes: attributes },
    bytes: Buffer.byteLength(body) + attributeBytes(attributes),
  };
}

/** Messages grouped into SendMessageBatch calls: ≤ 10 entries and ≤ 256 KiB each, in order. */
export function quarantineBatches(samples: readonly QuarantineSample[]): QuarantineMessage[][] {
  const batches: QuarantineMessage[][] = [];
  let batch: QuarantineMessage[] = [];
  let bytes = 0;
  samples.forEach((sample, i) => {
    const message = quarantineMessage(sample, `q${i}`);
    if (batch.length === MAX_BATCH_ENTRIES || (batch.length > 0 && bytes + message.bytes > MAX_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += message.bytes;
  });
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * The quarantine queue over SQS SendMessageBatch. Calls go one after the
 * other; after a call fails outright the rest are not attempted (their
 * samples share the failure's disposition), so a retried batch does not
 * resend samples past the point Lambda will deliver again.
 */
export class SqsQuarantine implements Quarantine {
  constructor(private readonly options: { readonly client: SQSClient; readonly queueUrl: string }) {}

  async send(samples: readonly QuarantineSample[], signal?: AbortSignal): Promise<QuarantineOutcome> {
    let sent = 0;
    const retry: QuarantineFailure[] = [];
    const dropped: QuarantineFailure[] = [];
    const batches = quarantineBatches(samples);
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b] ?? [];
      try {
        const out = await this.options.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: batch.map((m) => m.entry) }),
          signal ? { abortSignal: signal } : {},
        );
        const byId = new Map(batch.map((m) => [m.entry.Id, m.sample]));
        for (const failed of out.Failed ?? []) {
          const sample = byId.get(failed.Id);
          if (sample === undefined) continue;
          const failure = { sample, code: failed.Code ?? 'Failed', message: failed.Message ?? 'SQS did not take the message' };
          (failed.SenderFault === true ? dropped : retry).push(failure);
        }
        sent += out.Successful?.length ?? 0;
      } catch (error) {
        const code = errorCode(error);
        const message = error instanceof Error ? error.message : String(error);
        const rest = batches.slice(b).flat();
        const into = isRetryable(error) ? retry : dropped;
        for (const m of rest) into.push({ sample: m.sample, code, message });
        break;
      }
    }
    return { sent, retry, dropped };
  }
}

/**
 * Whether an SDK error may pass on retry: throttling, a server-side fault,
 * or no HTTP response at all (network error, timeout, abort).
 */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  if (Reflect.get(error, '$retryable') !== undefined) return true;
  if (Reflect.get(error, '$fault') === 'server') return true;
  const code = errorCode(error);
  if (/throttl|toomanyrequests|requestlimitexceeded|slowdown/i.test(code)) return true;
  const metadata: unknown = Reflect.get(error, '$metadata');
  const status = typeof metadata === 'object' && metadata !== null ? Reflect.get(metadata, 'httpStatusCode') : undefined;
  return typeof status !== 'number' || status >= 500 || status === 429;
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  const code: unknown = Reflect.get(error, 'Code') ?? Reflect.get(error, 'code') ?? Reflect.get(error, 'name');
  return typeof code === 'string' && code !== '' ? code : 'Error';
}

/** The bytes as text SQS accepts, or undefined. */
function asSqsText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
  return NOT_SQS_TEXT.test(text) ? undefined : text;
}

function attributeBytes(attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let n = 0;
  for (const [name, value] of Object.entries(attributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return n;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes, cut between characters. */
function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  let end = Math.max(0, Math.min(maxBytes, bytes.length));
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function encodedSize(body: Uint8Array, encoding: 'text' | 'base64'): number {
  return encoding === 'text' ? body.length : Math.ceil(body.length / 3) * 4;
}
