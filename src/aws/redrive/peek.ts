import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueRef } from '../../domain/health.js';
import { BATCH, InHand, NdjsonAppender, nothingLeft, queueCounts, receive, toRecord, type DrainOptions, type Received } from './messages.js';
import { redactBody, redactText } from './redact.js';

/** Message attributes that say why a message failed, tried in this order. */
export const ERROR_ATTRIBUTES: readonly string[] = ['errorType', 'ErrorType', 'ErrorCode', 'errorCode', 'ErrorMessage', 'errorMessage', 'error'];
export const NO_GROUP = '(none)';

export interface PeekedMessage {
  readonly messageId: string;
  /** Redacted for display. */
  readonly body: string;
  /** The error group: `<attribute>: <value>` or "(none)". */
  readonly group: string;
  /** ApproximateReceiveCount after this peek (it rises by one each peek). */
  readonly receiveCount: number;
  readonly sentAt?: string;
  /** The queue it failed out of (DeadLetterQueueSourceArn), when SQS says. */
  readonly deadLetterSource?: string;
  /** Message attributes' string values, redacted. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface PeekResult {
  readonly queue: string;
  readonly messages: readonly PeekedMessage[];
  /** Largest group first. */
  readonly groups: readonly { readonly group: string; readonly count: number }[];
  readonly notes: readonly string[];
}

export interface PeekOptions {
  /** How many messages to look at (default 10). */
  readonly max?: number;
  /** Attributes to group by, first present wins (default {@link ERROR_ATTRIBUTES}). */
  readonly groupBy?: readonly string[];
  readonly visibilitySeconds?: number;
  readonly waitSeconds?: number;
  readonly signal?: AbortSignal;
}

/** The error group of a message: the first error attribute present, redacted and shortened. */
export function errorGroupOf(message: Pick<Received, 'messageAttributes'>, names: readonly string[] = ERROR_ATTRIBUTES): string {
  for (const name of names) {
    const v = message.messageAttributes[name]?.StringValue;
    if (v !== undefined && v.trim() !== '') {
      const text = redactText(v.trim().replace(/\s+/g, ' '));
      return `${name}: ${text.length > 100 ? `${text.slice(0, 99)}…` : text}`;
    }
  }
  return NO_GROUP;
}

/**
 * Looks at up to `max` messages without consuming them: they are received
 * (invisible for a moment), then all made visible again at once with
 * ChangeMessageVisibility 0. Each peek raises their ApproximateReceiveCount
 * by one (the result says so). Bodies are redacted; messages are grouped by
 * their error attribute.
 */
export async function peekMessages(sqs: SQSClient, queue: QueueRef, options: PeekOptions = {}): Promise<PeekResult> {
  const max = Math.max(1, options.max ?? 10);
  const inHand = new InHand(sqs, queue, options.visibilitySeconds ?? 30);
  const found = new Map<string, Received>();
  const notes: string[] = [];
  try {
    for (let attempts = 0; found.size < max && attempts < Math.ceil(max / BATCH) + 3; attempts++) {
      if (options.signal?.aborted) break;
      const batch = await receive(sqs, queue, {
        max: Math.min(BATCH, max - found.size),
        visibilitySeconds: options.visibilitySeconds ?? 30,
        waitSeconds: options.waitSeconds ?? 1,
        signal: options.signal,
      });
      if (batch.length === 0) break;
      for (const m of batch) {
        inHand.add(m);
        found.set(m.messageId, m);
      }
    }
  } finally {
    await inHand.release().catch((error: unknown) => {
      notes.push(`could not make the peeked messages visible again (${error instanceof Error ? error.message : String(error)}); they reappear within ${options.visibilitySeconds ?? 30} s`);
    });
  }
  const groupBy = options.groupBy ?? ERROR_ATTRIBUTES;
  const messages = [...found.values()].slice(0, max).map((m): PeekedMessage => {
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.messageAttributes)) attributes[k] = v.StringValue !== undefined ? redactText(v.StringValue) : `(${v.DataType ?? 'Binary'})`;
    const sent = Number(m.attributes['SentTimestamp']);
    const source = m.attributes['DeadLetterQueueSourceArn'];
    return {
      messageId: m.messageId,
      body: redactBody(m.body),
      group: errorGroupOf(m, groupBy),
      receiveCount: Number(m.attributes['ApproximateReceiveCount'] ?? 0) || 0,
      ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
      ...(source ? { deadLetterSource: source } : {}),
      attributes,
    };
  });
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.group, (counts.get(m.group) ?? 0) + 1);
  const groups = [...counts].map(([group, count]) => ({ group, count })).sort((a, b) => b.count - a.count || a.group.localeCompare(b.group));
  notes.push('peek does not consume messages, but each peek raises their receive count (ApproximateReceiveCount) by one');
  if (queue.fifo) notes.push('FIFO: a peek sees at most the first messages of each message group');
  return { queue: queue.name, messages, groups, notes };
}

/** Export: visibility 60 s and a 20 s long poll unless given. */
export interface ExportOptions extends DrainOptions {
  readonly file: string;
  /** Stop after this many messages. */
  readonly max?: number | undefined;
  readonly onProgress?: ((exported: number) => void) | undefined;
}

export interface ExportSummary {
  readonly queue: string;
  readonly file: string;
  readonly exported: number;
  readonly stoppedBy: 'drained' | 'max' | 'aborted' | 'still-reported' | 'in-flight-limit';
  readonly notes: readonly string[];
}

/**
 * Writes every message of a queue (or the first `max`) to an NDJSON file,
 * one line each (messageId, body, messageAttributes, attributes,
 * receivedAt, queue), without deleting anything: messages are held
 * invisible while the export runs (visibility extended as needed) and all
 * released at the end.
 */
export async function exportMessages(sqs: SQSClient, queue: QueueRef, options: ExportOptions): Promise<ExportSummary> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const visibilitySeconds = options.visibilitySeconds ?? 60;
  const waitSeconds = options.waitSeconds ?? 20;
  const maxEmpty = options.maxEmptyReceives ?? 3;
  const inHand = new InHand(sqs, queue, visibilitySeconds);
  const out = await NdjsonAppender.open(options.file);
  const notes: string[] = [];
  let stoppedBy: ExportSummary['stoppedBy'] = 'drained';
  const heldLimit = queue.fifo ? 18_000 : 100_000;
  inHand.start();
  try {
    let empties = 0;
    for (;;) {
      if (options.signal?.aborted) {
        stoppedBy = 'aborted';
        break;
      }
      if (out.lines >= max) {
        stoppedBy = 'max';
        break;
      }
      if (inHand.size >= heldLimit) {
        stoppedBy = 'in-flight-limit';
        notes.push(`stopped at ${inHand.size} messages: SQS limits messages in flight; export the rest with another run after this one`);
        break;
      }
      const batch = await receive(sqs, queue, { max: Math.min(BATCH, max - out.lines), visibilitySeconds, waitSeconds, signal: options.signal });
      const fresh = batch.filter((m) => !inHand.has(m.messageId));
      for (const m of batch) inHand.add(m);
      if (batch.length === 0) {
        if (options.signal?.aborted) continue;
        empties++;
        const counts = await queueCounts(sqs, queue);
        if (nothingLeft(counts, inHand.size)) break;
        if (empties >= maxEmpty) {
          stoppedBy = 'still-reported';
          notes.push(`the queue still reports ${counts.visible} visible and ${counts.inFlight} in-flight messages; the export may be incomplete — run it again later`);
          break;
        }
        continue;
      }
      empties = 0;
      await out.append(fresh.map((m) => toRecord(m, queue)));
      options.onProgress?.(out.lines);
    }
  } finally {
    await inHand.stop();
    await out.close();
    await inHand.release().catch((error: unknown) => {
      notes.push(`could not make the exported messages visible again (${error instanceof Error ? error.message : String(error)}); they reappear within ${visibilitySeconds} s`);
    });
  }
  notes.push('exported messages stay in the queue; their receive count (ApproximateReceiveCount) rose by one');
  return { queue: queue.name, file: out.file, exported: out.lines, stoppedBy, notes };
}
