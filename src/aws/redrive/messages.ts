import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueRef } from '../../domain/health.js';
import { AwsError, InputError } from '../../errors.js';
import { explainAwsError } from '../errors.js';

/** SQS batch calls take at most 10 entries. */
export const BATCH = 10;

/** A message as received, with what the engine needs. */
export interface Received {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  /** System attributes (SentTimestamp, ApproximateReceiveCount, MessageGroupId, DeadLetterQueueSourceArn, …). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Epoch ms when this copy was received. */
  readonly receivedAt: number;
}

/** One NDJSON line of a backup or export: enough to replay the message by hand. */
export interface MessageRecord {
  readonly messageId: string;
  readonly body: string;
  /** As SQS returns them; binary values base64. */
  readonly messageAttributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  readonly attributes: Readonly<Record<string, string>>;
  readonly receivedAt: string;
  /** The queue it was read from (ARN). */
  readonly queue: string;
}

export function toRecord(message: Received, queue: QueueRef): MessageRecord {
  const attrs: MessageRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    attrs[name] = {
      DataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    };
  }
  return {
    messageId: message.messageId,
    body: message.body,
    messageAttributes: attrs,
    attributes: message.attributes,
    receivedAt: new Date(message.receivedAt).toISOString(),
    queue: queue.arn,
  };
}

function fromSdk(message: Message, receivedAt: number): Received | undefined {
  if (!message.MessageId || !message.ReceiptHandle) return undefined;
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.Attributes ?? {})) if (typeof v === 'string') attributes[k] = v;
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    messageAttributes: message.MessageAttributes ?? {},
    attributes,
    receivedAt,
  };
}

/** How a loop that works a queue through receives (export, selective redrive); each sets its own defaults. */
export interface DrainOptions {
  /** Receive VisibilityTimeout; messages in hand are extended before it runs out. */
  readonly visibilitySeconds?: number | undefined;
  /** Long-poll wait per receive. */
  readonly waitSeconds?: number | undefined;
  /**
   * Consecutive empty receives tolerated while the queue still reports
   * messages (visible, or in flight elsewhere) before giving up. Default 3.
   */
  readonly maxEmptyReceives?: number | undefined;
  /** Stops at the next safe point: the batch in hand is finished or released, never left half-done. */
  readonly signal?: AbortSignal | undefined;
}

export interface ReceiveOptions {
  readonly max: number;
  readonly visibilitySeconds: number;
  readonly waitSeconds: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * One ReceiveMessage call with every attribute. Both `AttributeNames` and
 * `MessageSystemAttributeNames` are asked for: AWS reads the second, the
 * local-aws-sqs emulator only the first.
 */
export async function receive(sqs: SQSClient, queue: QueueRef, options: ReceiveOptions): Promise<Received[]> {
  try {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: Math.max(1, Math.min(BATCH, options.max)),
        VisibilityTimeout: options.visibilitySeconds,
        WaitTimeSeconds: options.waitSeconds,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
    const now = Date.now();
    return (out.Messages ?? []).flatMap((m) => {
      const r = fromSdk(m, now);
      return r ? [r] : [];
    });
  } catch (error) {
    if (options.signal?.aborted) return [];
    throw sqsError(error, 'ReceiveMessage', queue);
  }
}

/** Live counts: visible (AWS semantics) and in flight. */
export async function queueCounts(sqs: SQSClient, queue: QueueRef): Promise<{ visible: number; inFlight: number }> {
  try {
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return {
      visible: Number(out.Attributes?.['ApproximateNumberOfMessages'] ?? 0) || 0,
      inFlight: Number(out.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0) || 0,
    };
  } catch (error) {
    throw sqsError(error, 'GetQueueAttributes', queue);
  }
}

/**
 * After an empty receive: is there nothing left for this run? SQS reports
 * visible messages apart from in-flight ones, so it is `visible == 0` and
 * every in-flight message is one we hold. The local-aws-sqs emulator counts
 * in-flight messages as visible too, so `visible == inFlight == held` means
 * the same there; on SQS that reading (exactly as many visible as we hold,
 * right after an empty long poll) would at worst end a run early, leaving
 * messages in the DLQ for the next one.
 */
export function nothingLeft(counts: { readonly visible: number; readonly inFlight: number }, held: number): boolean {
  if (counts.visible === 0 && counts.inFlight <= held) return true;
  return held > 0 && counts.visible === held && counts.inFlight === held;
}

/**
 * Sets the visibility timeout of messages in hand, 10 per call. Entries
 * SQS refuses (the message was deleted, the handle expired) are returned,
 * not thrown: the caller decides what that means.
 */
export async function changeVisibility(
  sqs: SQSClient,
  queue: QueueRef,
  messages: readonly Pick<Received, 'messageId' | 'receiptHandle'>[],
  seconds: number,
): Promise<{ failed: string[] }> {
  const failed: string[] = [];
  for (let i = 0; i < messages.length; i += BATCH) {
    const chunk = messages.slice(i, i + BATCH);
    try {
      const out = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queue.url,
          Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.receiptHandle, VisibilityTimeout: seconds })),
        }),
      );
      for (const f of out.Failed ?? []) {
        const m = chunk[Number(f.Id)];
        if (m) failed.push(m.messageId);
      }
    } catch (error) {
      throw sqsError(error, 'ChangeMessageVisibilityBatch', queue);
    }
  }
  return { failed };
}

/** AwsError for an SQS call on a queue already resolved. */
export function sqsError(error: unknown, operation: string, queue: Pick<QueueRef, 'name'>): AwsError {
  if (error instanceof AwsError) return error;
  return new AwsError(`SQS ${operation} failed for queue "${queue.name}": ${explainAwsError(error, `sqs:${operation}`)}`, { service: 'sqs', operation }, { cause: error });
}

/**
 * Messages in hand and their visibility deadlines. `extendDue` extends only
 * those whose remaining visibility fell under half the timeout, so a run that
 * moves each batch within seconds never pays for a heartbeat; a slow batch
 * (rate limit, retries) or messages held to the end (skipped, dry run) are
 * kept invisible until released.
 */
export class InHand {
  readonly #sqs: SQSClient;
  readonly #queue: QueueRef;
  readonly #visibilityMs: number;
  readonly #held = new Map<string, { receiptHandle: string; deadline: number }>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** Heartbeat calls made (ChangeMessageVisibilityBatch). */
  heartbeats = 0;
  /** The last heartbeat failure, if any (the run goes on; those messages may reappear). */
  lastError: unknown;

  constructor(sqs: SQSClient, queue: QueueRef, visibilitySeconds: number) {
    this.#sqs = sqs;
    this.#queue = queue;
    this.#visibilityMs = visibilitySeconds * 1000;
  }

  get size(): number {
    return this.#held.size;
  }

  has(messageId: string): boolean {
    return this.#held.has(messageId);
  }

  add(message: Received): void {
    this.#held.set(message.messageId, { receiptHandle: message.receiptHandle, deadline: message.receivedAt + this.#visibilityMs });
  }

  delete(messageId: string): void {
    this.#held.delete(messageId);
  }

  /** Checks every second in the background; `stop()` ends it. */
  start(): void {
    this.#timer ??= setInterval(() => {
      this.#running ??= this.extendDue()
        .catch((error: unknown) => {
          this.lastError = error;
        })
        .finally(() => {
          this.#running = undefined;
        });
    }, 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async extendDue(now = Date.now()): Promise<void> {
    const due = [...this.#held].filter(([, h]) => h.deadline - now < this.#visibilityMs / 2);
    if (due.length === 0) return;
    const seconds = Math.ceil(this.#visibilityMs / 1000);
    this.heartbeats += Math.ceil(due.length / BATCH);
    const { failed } = await changeVisibility(
      this.#sqs,
      this.#queue,
      due.map(([messageId, h]) => ({ messageId, receiptHandle: h.receiptHandle })),
      seconds,
    );
    const failedSet = new Set(failed);
    for (const [id, h] of due) {
      if (!failedSet.has(id) && this.#held.get(id) === h) h.deadline = now + this.#visibilityMs;
    }
  }

  /** Makes these held messages visible again at once (visibility 0) and forgets them. */
  async release(ids?: readonly string[]): Promise<void> {
    const which = ids ?? [...this.#held.keys()];
    const entries = which.flatMap((id) => {
      const h = this.#held.get(id);
      return h ? [{ messageId: id, receiptHandle: h.receiptHandle }] : [];
    });
    for (const id of which) this.#held.delete(id);
    if (entries.length > 0) await changeVisibility(this.#sqs, this.#queue, entries, 0);
  }
}

/**
 * Appends NDJSON lines and fsyncs each write, so a line on disk is a
 * message the run had in hand before it did anything with it.
 */
export class NdjsonAppender {
  readonly file: string;
  #handle: FileHandle | undefined;
  lines = 0;

  private constructor(file: string, handle: FileHandle) {
    this.file = file;
    this.#handle = handle;
  }

  static async open(file: string): Promise<NdjsonAppender> {
    const resolved = path.resolve(file);
    try {
      await mkdir(path.dirname(resolved), { recursive: true });
      return new NdjsonAppender(resolved, await open(resolved, 'a', 0o600));
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
      throw new InputError(`cannot write ${file} (${code}); choose a writable path`, { cause: error });
    }
  }

  async append(records: readonly unknown[]): Promise<void> {
    if (records.length === 0) return;
    const handle = this.#handle;
    if (!handle) throw new Error(`${this.file} is closed`);
    await handle.appendFile(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
    await handle.sync();
    this.lines += records.length;
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
