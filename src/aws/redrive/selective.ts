import { createHash } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  SendMessageBatchCommand,
  type MessageSystemAttributeValue,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueRef } from '../../domain/health.js';
import { isTransientAwsError } from '../errors.js';
import type { MessageFilter } from './filter.js';
import { BATCH, InHand, NdjsonAppender, nothingLeft, queueCounts, receive, sleep, sqsError, toRecord, type DrainOptions, type Received } from './messages.js';

/** Selective redrive: visibility 30 s and a 20 s long poll unless given. */
export interface SelectiveRedriveInput extends DrainOptions {
  readonly sqs: SQSClient;
  /** The dead-letter queue to move from. */
  readonly source: QueueRef;
  /** Where matching messages go (by default the DLQ's source queue; the caller decides). */
  readonly destination: QueueRef;
  /** Only matching messages move; the others are released untouched at the end. */
  readonly filter?: MessageFilter | undefined;
  /** Messages per second (sends are paced); default unlimited. */
  readonly ratePerSecond?: number | undefined;
  /** Stop after this many moved (or, in a dry run, would-move) messages. */
  readonly max?: number | undefined;
  /** NDJSON file each matching message is appended to (and fsynced) before it is sent. */
  readonly backupFile?: string | undefined;
  /** Receive, filter and count, then release everything; nothing moves. */
  readonly dryRun?: boolean | undefined;
  /** Attempts per SendMessageBatch entry (first try included). Default 4. */
  readonly sendAttempts?: number | undefined;
  readonly onProgress?: ((progress: SelectiveProgress) => void) | undefined;
}

export interface SelectiveProgress {
  /** Distinct messages received. */
  readonly examined: number;
  readonly moved: number;
  /** Did not match the filter (released untouched). */
  readonly skipped: number;
  /** Could not be sent after retries (released, never deleted). */
  readonly failed: number;
  /** Sent but not deleted from the DLQ (delete failed): these may now be in both queues. */
  readonly duplicatesPossible: number;
  /** Dry run: would have moved. */
  readonly wouldMove: number;
}

export type StopReason = 'drained' | 'max' | 'aborted' | 'still-reported' | 'in-flight-limit' | 'error';

export interface SelectiveSummary extends SelectiveProgress {
  readonly mode: 'selective';
  readonly dryRun: boolean;
  readonly source: string;
  readonly destination: string;
  readonly filter?: string;
  readonly stoppedBy: StopReason;
  /** What the queue still reported when the run gave up waiting (stoppedBy still-reported). */
  readonly remaining?: { readonly visible: number; readonly inFlight: number };
  readonly backup?: { readonly file: string; readonly lines: number };
  /** The first failures, with SQS's reason. */
  readonly failures: readonly { readonly messageId: string; readonly reason: string }[];
  /** Set when an AWS failure stopped the run (stoppedBy error). */
  readonly error?: string;
  readonly notes: readonly string[];
  readonly elapsedMs: number;
}

const DEFAULT_VISIBILITY_SECONDS = 30;
const DEFAULT_WAIT_SECONDS = 20;
/** SQS allows 120,000 messages in flight on a queue (FIFO: 20,000 on older queues); stay well below. */
const MAX_HELD = { standard: 100_000, fifo: 18_000 };
const MAX_FAILURES_LISTED = 20;

/**
 * The deduplication id a message gets when sent to a FIFO queue: derived
 * from its original MessageId, so a resend after a crash (sent, not yet
 * deleted) is dropped by SQS within its 5-minute deduplication window.
 */
export function redriveDeduplicationId(messageId: string): string {
  return createHash('sha256').update(`tripline-redrive:${messageId}`).digest('hex');
}

/**
 * Moves messages from a DLQ to a queue client-side, one batch of 10 at a
 * time: receive (long poll, visibility extended while in hand) → filter →
 * append to the backup and fsync → SendMessageBatch (message attributes,
 * AWSTraceHeader, and for FIFO the MessageGroupId and a deterministic
 * deduplication id) → DeleteMessageBatch of exactly the entries whose send
 * succeeded. Entries SQS fails are retried with backoff, then counted failed
 * and released. Killed at any point, every message is in the DLQ, the
 * destination, or both (a duplicate): never lost.
 *
 * Requests: 3 per 10 moved messages (receive, send, delete), plus one
 * GetQueueAttributes per empty receive; heartbeats only for slow batches.
 *
 * @example
 * const summary = await selectiveRedrive({ sqs, source: dlq, destination: queue, filter: parseFilter('attr.errorType=Timeout') });
 */
export async function selectiveRedrive(input: SelectiveRedriveInput): Promise<SelectiveSummary> {
  const started = Date.now();
  const { sqs, source, destination, filter, signal } = input;
  const dryRun = input.dryRun === true;
  const visibilitySeconds = input.visibilitySeconds ?? DEFAULT_VISIBILITY_SECONDS;
  const waitSeconds = input.waitSeconds ?? DEFAULT_WAIT_SECONDS;
  const maxEmpty = input.maxEmptyReceives ?? 3;
  const attempts = Math.max(1, input.sendAttempts ?? 4);
  const max = input.max ?? Number.POSITIVE_INFINITY;
  const heldLimit = source.fifo ? MAX_HELD.fifo : MAX_HELD.standard;

  const inHand = new InHand(sqs, source, visibilitySeconds);
  /** Messages held until the end (skipped, failed, dry run), released then. */
  const keep = new Set<string>();
  /** Sent this run: a redelivered copy is deleted, never sent twice. */
  const sent = new Set<string>();
  /** Sent whose delete failed: duplicates unless a later delete succeeds. */
  const undeleted = new Set<string>();
  const seen = new Set<string>();
  const failures: { messageId: string; reason: string }[] = [];
  const notes: string[] = [];
  let moved = 0;
  let skipped = 0;
  let failed = 0;
  let wouldMove = 0;
  let stoppedBy: StopReason = 'drained';
  let remaining: SelectiveSummary['remaining'];
  let error: string | undefined;
  let backup: NdjsonAppender | undefined;
  const pace = pacer(input.ratePerSecond);

  const progress = (): SelectiveProgress => ({
    examined: seen.size,
    moved,
    skipped,
    failed,
    duplicatesPossible: undeleted.size,
    wouldMove,
  });

  if (input.backupFile !== undefined && !dryRun) backup = await NdjsonAppender.open(input.backupFile);
  inHand.start();
  try {
    let empties = 0;
    for (;;) {
      if (signal?.aborted) {
        stoppedBy = 'aborted';
        break;
      }
      const target = dryRun ? wouldMove : moved;
      if (target >= max) {
        stoppedBy = 'max';
        break;
      }
      if (inHand.size >= heldLimit) {
        stoppedBy = 'in-flight-limit';
        notes.push(`stopped with ${inHand.size} messages held (skipped or failed): SQS limits messages in flight; run again after this one released them, or narrow the filter`);
        break;
      }
      const batch = await receive(sqs, source, { max: Math.min(BATCH, max - target), visibilitySeconds, waitSeconds, signal });
      if (batch.length === 0) {
        if (signal?.aborted) continue;
        empties++;
        // SQS counts are approximate and an empty long poll is not proof the
        // queue is empty: go on while it still reports messages we do not hold.
        const counts = await queueCounts(sqs, source);
        if (nothingLeft(counts, inHand.size)) break;
        if (empties >= maxEmpty) {
          stoppedBy = 'still-reported';
          remaining = counts;
          notes.push(
            `the DLQ still reports ${counts.visible} visible and ${counts.inFlight} in-flight messages after ${empties} empty receives ` +
              '(held by another consumer or not yet visible again); run again later',
          );
          break;
        }
        continue;
      }
      empties = 0;

      const fresh: Received[] = [];
      const redelivered: Received[] = [];
      for (const m of batch) {
        if (sent.has(m.messageId)) redelivered.push(m);
        else if (keep.has(m.messageId)) inHand.add(m); // came back despite the heartbeat: keep the new handle
        else fresh.push(m);
        seen.add(m.messageId);
      }
      if (redelivered.length > 0) await deleteSent(redelivered);

      const matched: Received[] = [];
      for (const m of fresh) {
        inHand.add(m);
        if (filter && !filter.matches(m)) {
          skipped++;
          keep.add(m.messageId);
        } else {
          matched.push(m);
        }
      }
      if (dryRun) {
        for (const m of matched) keep.add(m.messageId);
        wouldMove += matched.length;
      } else if (matched.length > 0) {
        await backup?.append(matched.map((m) => toRecord(m, source)));
        await pace(matched.length, signal);
        if (signal?.aborted) {
          for (const m of matched) keep.add(m.messageId);
          stoppedBy = 'aborted';
          break;
        }
        const { ok, bad } = await sendWithRetries(matched);
        for (const { message, reason } of bad) {
          failed++;
          keep.add(message.messageId);
          if (failures.length < MAX_FAILURES_LISTED) failures.push({ messageId: message.messageId, reason });
        }
        for (const m of ok) sent.add(m.messageId);
        moved += ok.length;
        await deleteSent(ok);
      }
      input.onProgress?.(progress());
    }
  } catch (err) {
    stoppedBy = 'error';
    error = err instanceof Error ? err.message : String(err);
  } finally {
    await inHand.stop();
    await backup?.close();
  }

  // Release what is still in hand (skipped, failed, dry run; after an error also what was not sent)
  // so it is visible again at once. Sent messages are never in hand by now.
  try {
    await inHand.release();
  } catch (err) {
    notes.push(
      `could not release ${keep.size} held messages (${err instanceof Error ? err.message : String(err)}); they become visible again after ${visibilitySeconds} s`,
    );
  }
  if (inHand.lastError !== undefined) {
    notes.push('a visibility heartbeat failed; some messages may have been received twice (moved messages are never sent twice in one run)');
  }
  if (source.fifo && filter) {
    notes.push('FIFO: a message that does not match holds back the rest of its message group (SQS delivers a group in order); those stay in the DLQ');
  }
  const duplicatesPossible = undeleted.size;
  if (duplicatesPossible > 0) {
    notes.push(
      `${duplicatesPossible} messages were sent but could not be deleted from the DLQ; they are in both queues` +
        (destination.fifo ? ' (a resend within 5 minutes is de-duplicated by SQS)' : ''),
    );
  }
  input.onProgress?.(progress());
  return {
    mode: 'selective',
    dryRun,
    source: source.name,
    destination: destination.name,
    ...(filter ? { filter: filter.text } : {}),
    examined: seen.size,
    moved,
    skipped,
    failed,
    duplicatesPossible,
    wouldMove,
    stoppedBy,
    ...(remaining ? { remaining } : {}),
    ...(backup ? { backup: { file: backup.file, lines: backup.lines } } : {}),
    failures,
    ...(error !== undefined ? { error } : {}),
    notes,
    elapsedMs: Date.now() - started,
  };

  async function sendWithRetries(messages: Received[]): Promise<{ ok: Received[]; bad: { message: Received; reason: string }[] }> {
    const ok: Received[] = [];
    const bad: { message: Received; reason: string }[] = [];
    let pending = messages;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let out;
      try {
        out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: destination.url, Entries: pending.map((m, i) => entryFor(m, i)) }));
      } catch (err) {
        if (attempt < attempts && isTransientAwsError(err)) {
          await sleep(backoffMs(attempt));
          continue;
        }
        throw sqsError(err, 'SendMessageBatch', destination);
      }
      const retry: Received[] = [];
      for (const s of out.Successful ?? []) {
        const m = pending[Number(s.Id)];
        if (m) ok.push(m);
      }
      for (const f of out.Failed ?? []) {
        const m = pending[Number(f.Id)];
        if (!m) continue;
        const reason = `${f.Code ?? 'Failed'}: ${f.Message ?? ''}`.trim();
        // A SenderFault (bad attribute, too large) fails the same way every time.
        if (attempt < attempts && !(f.SenderFault === true && !/throttl/i.test(f.Code ?? ''))) retry.push(m);
        else bad.push({ message: m, reason });
      }
      pending = retry;
      if (pending.length > 0) await sleep(backoffMs(attempt));
    }
    return { ok, bad };
  }

  async function deleteSent(messages: readonly Received[]): Promise<void> {
    let pending = [...messages];
    for (let attempt = 1; pending.length > 0 && attempt <= 3; attempt++) {
      let out;
      try {
        out = await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: source.url, Entries: pending.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })) }),
        );
      } catch (err) {
        if (attempt < 3 && isTransientAwsError(err)) {
          await sleep(backoffMs(attempt));
          continue;
        }
        // Sent but not deleted: the copies in the DLQ reappear after the visibility timeout.
        for (const m of pending) {
          undeleted.add(m.messageId);
          inHand.delete(m.messageId);
        }
        throw sqsError(err, 'DeleteMessageBatch', source);
      }
      for (const s of out.Successful ?? []) {
        const m = pending[Number(s.Id)];
        if (!m) continue;
        undeleted.delete(m.messageId);
        inHand.delete(m.messageId);
      }
      const failedIds = new Set((out.Failed ?? []).map((f) => Number(f.Id)));
      pending = pending.filter((_, i) => failedIds.has(i));
      if (pending.length > 0 && attempt < 3) await sleep(backoffMs(attempt));
    }
    for (const m of pending) {
      undeleted.add(m.messageId);
      inHand.delete(m.messageId);
    }
  }

  function entryFor(m: Received, i: number): SendMessageBatchRequestEntry {
    const trace = m.attributes['AWSTraceHeader'];
    const system: Record<string, MessageSystemAttributeValue> | undefined = trace ? { AWSTraceHeader: { DataType: 'String', StringValue: trace } } : undefined;
    return {
      Id: String(i),
      MessageBody: m.body,
      ...(Object.keys(m.messageAttributes).length > 0 ? { MessageAttributes: { ...m.messageAttributes } } : {}),
      ...(system ? { MessageSystemAttributes: system } : {}),
      ...(destination.fifo
        ? {
            // A standard DLQ has no groups: each message its own group (no ordering to keep).
            MessageGroupId: m.attributes['MessageGroupId'] ?? m.messageId,
            MessageDeduplicationId: redriveDeduplicationId(m.messageId),
          }
        : {}),
    };
  }
}

function backoffMs(attempt: number): number {
  return Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}

/** Paces sends to `rate` messages per second (one batch may go at once). */
function pacer(rate: number | undefined): (count: number, signal?: AbortSignal) => Promise<void> {
  if (rate === undefined || !Number.isFinite(rate) || rate <= 0) return async () => {};
  let nextAt = 0;
  return async (count, signal) => {
    const now = Date.now();
    const at = Math.max(now, nextAt);
    nextAt = at + (count * 1000) / rate;
    await sleep(at - now, signal);
  };
}
