/*
 * One Kinesis batch → the same quality metrics `tripline dq check` computes,
 * for the events in that batch.
 *
 * Records are handled in three steps, so that what is counted, what is
 * remembered for de-duplication and what Lambda will deliver again never
 * overlap:
 *
 * 1. classify: each record's data is decoded (base64, gzip when it starts
 *    with 1f 8b) and each NDJSON line in it classified. Data that cannot be
 *    decoded is an invalid event (`unparseable_json`), never a failure. A
 *    record whose handling throws stops the step there.
 * 2. quarantine: the first `sampleSize` invalid events are sent to the
 *    quarantine queue; a failure that may pass on retry marks its record.
 * 3. commit: the records before the first one that threw or was marked are
 *    counted, their valid events' keys checked against the dedup window, and
 *    the report computed. That record and every later one are returned as
 *    batch item failures. Lambda resumes a Kinesis shard from the lowest
 *    failed sequence number, so exactly those records come again, and none
 *    is counted twice. (Quarantined samples among them may be sent twice.)
 */
import type { Log } from '../../domain/log.js';
import type { QualityReport, RecordOutcome } from '../../domain/quality.js';
import { QualityAccumulator, type AccumulatorOptions, type Classifier, type QualityAccumulatorState, type SegmentKey } from '../check/index.js';
import type { DedupWindow } from './dedup-window.js';
import { decodeKinesisData, kinesisRecords, MAX_LINE_BYTES, recordLines, type KinesisRecordRef } from './kinesis-records.js';
import type { Quarantine, QuarantineFailure, QuarantineSample } from './quarantine.js';

/** Samples per batch when `TRIPLINE_QUARANTINE_SAMPLE` is unset. */
export const DEFAULT_QUARANTINE_SAMPLE = 10;

export interface KinesisBatchDeps {
  readonly classifier: Classifier;
  /** Lateness, skew correction and segment cap, as the config sets them. */
  readonly accumulator?: Pick<AccumulatorOptions, 'allowedLatenessMs' | 'correctSkewWithSentAt' | 'segmentCap' | 'segmentBy'>;
  /** Keys seen in earlier batches of this container. */
  readonly window: DedupWindow;
  readonly now: () => Date;
  readonly quarantine?: Quarantine;
  /** Invalid events sent to the quarantine per batch; default 10; 0 sends none. */
  readonly sampleSize?: number;
  readonly log?: Log;
  readonly signal?: AbortSignal;
}

export interface KinesisBatchResult {
  /** The metrics of the committed records' events. */
  readonly report: QualityReport;
  /** Records not counted, for Lambda to deliver again (`itemIdentifier` is the sequence number). */
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly records: {
    readonly received: number;
    readonly committed: number;
    /** Sequence number and error of the record whose handling threw, if one did. */
    readonly threw?: { readonly sequenceNumber: string; readonly error: string };
  };
  readonly quarantine: {
    readonly sampled: number;
    readonly sent: number;
    readonly retry: readonly QuarantineFailure[];
    readonly dropped: readonly QuarantineFailure[];
  };
}

interface ClassifiedRecord {
  readonly outcomes: RecordOutcome[];
}

const decoder = new TextDecoder('utf-8');

/**
 * Checks one Lambda Kinesis event against the tracking plan.
 *
 * @example
 * const { report, batchItemFailures } = await processKinesisBatch(event, { classifier, window, now: () => new Date() });
 * @throws InputError when `event` is not a Kinesis stream event.
 */
export async function processKinesisBatch(event: unknown, deps: KinesisBatchDeps): Promise<KinesisBatchResult> {
  const records = kinesisRecords(event);
  const sampleSize = Math.max(0, deps.quarantine === undefined ? 0 : (deps.sampleSize ?? DEFAULT_QUARANTINE_SAMPLE));

  // 1. Classify.
  const classified: ClassifiedRecord[] = [];
  let samples: QuarantineSample[] = [];
  let stop = records.length;
  let threw: { sequenceNumber: string; error: string } | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record === undefined) continue;
    try {
      classified.push(classifyRecord(record, i, deps.classifier, samples, sampleSize));
    } catch (error) {
      stop = i;
      threw = { sequenceNumber: record.sequenceNumber, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      samples = samples.filter((s) => s.recordIndex < i);
      deps.log?.error('a record could not be checked; it and the records after it go back to Lambda', {
        sequenceNumber: record.sequenceNumber,
        shardId: record.shardId,
        error: threw.error,
      });
      break;
    }
  }

  // 2. Quarantine.
  let sent = 0;
  let retry: readonly QuarantineFailure[] = [];
  let dropped: readonly QuarantineFailure[] = [];
  if (deps.quarantine !== undefined && samples.length > 0) {
    const outcome = await deps.quarantine.send(samples, deps.signal);
    ({ sent, retry, dropped } = outcome);
    for (const failure of retry) stop = Math.min(stop, failure.sample.recordIndex);
    if (retry.length > 0) {
      deps.log?.warn('quarantine failed and may pass on retry; the records from the first affected one go back to Lambda', {
        failures: summarize(retry),
      });
    }
    if (dropped.length > 0) {
      deps.log?.error('quarantine refused; these samples are dropped (retrying cannot help): check the queue URL, its policy and the role', {
        failures: summarize(dropped),
      });
    }
  }

  // 3. Commit.
  const acc = new QualityAccumulator({ ...deps.accumulator, dedup: 'worker' });
  for (let i = 0; i < stop; i++) {
    for (const outcome of classified[i]?.outcomes ?? []) acc.add(outcome);
  }
  countDuplicates(acc, deps.window);
  const first = records[0];
  const source = first === undefined ? 'kinesis' : `${first.streamArn ?? 'kinesis'}${first.shardId === undefined ? '' : `/${first.shardId}`}`;
  const report = acc.report({ now: deps.now(), inputs: [{ source, records: stop }] });

  return {
    report,
    batchItemFailures: records.slice(stop).map((r) => ({ itemIdentifier: r.sequenceNumber })),
    records: { received: records.length, committed: stop, ...(threw ? { threw } : {}) },
    quarantine: { sampled: samples.length, sent, retry, dropped },
  };
}

function classifyRecord(
  record: KinesisRecordRef,
  recordIndex: number,
  classifier: Classifier,
  samples: QuarantineSample[],
  sampleSize: number,
): ClassifiedRecord {
  const outcomes: RecordOutcome[] = [];
  const keep = (outcome: RecordOutcome, line: number, body: Uint8Array): void => {
    outcomes.push(outcome);
    if (!outcome.valid && samples.length < sampleSize) {
      samples.push({
        recordIndex,
        record,
        line,
        reason: outcome.reason,
        detail: outcome.detail,
        field: outcome.field,
        eventName: outcome.eventName,
        body,
      });
    }
  };

  const decoded = decodeKinesisData(record.data);
  if (!decoded.ok) {
    keep({ valid: false, reason: 'unparseable_json', detail: decoded.detail }, 0, decoded.raw);
    return { outcomes };
  }
  const lines = recordLines(decoded.bytes);
  if (lines.length === 0) {
    // A put with no event in it is a producer defect; as a record it counts.
    keep({ valid: false, reason: 'unparseable_json', detail: 'the record holds no event (its data is empty or blank)' }, 0, decoded.bytes);
    return { outcomes };
  }
  for (const { line, bytes } of lines) {
    if (bytes.length > MAX_LINE_BYTES) {
      keep(
        { valid: false, reason: 'unparseable_json', detail: `line ${line} of the record is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB` },
        line,
        bytes,
      );
      continue;
    }
    keep(classifier.line(decoder.decode(bytes)), line, bytes);
  }
  return { outcomes };
}

/**
 * Checks the batch's valid events, in order, against the window and adds the
 * extra copies to their segments. The accumulator (worker mode) collected
 * their fingerprints; the window plays the part of the main thread's set.
 */
function countDuplicates(acc: QualityAccumulator, window: DedupWindow): void {
  const batch = acc.takeWorkerBatch();
  const extra = new Map<number, number>();
  for (let i = 0; i < batch.count; i++) {
    if (!window.add(batch.fingerprints[2 * i] ?? 0, batch.fingerprints[2 * i + 1] ?? 0)) {
      const segment = batch.segmentIndex[i] ?? 0;
      extra.set(segment, (extra.get(segment) ?? 0) + 1);
    }
  }
  if (extra.size === 0) return;
  const settings = acc.toState().settings;
  const state: QualityAccumulatorState = {
    version: 1,
    settings,
    segments: [...extra].map(([index, duplicates]) => duplicatesOnly(batch.segments[index] ?? null, duplicates)),
  };
  acc.merge(state);
}

function duplicatesOnly(key: SegmentKey, duplicates: number): QualityAccumulatorState['segments'][number] {
  return {
    key,
    total: 0,
    valid: 0,
    invalidByReason: [],
    duplicates,
    late: 0,
    newestReceivedAtMs: null,
    lateness: { counts: new Float64Array(0), maxMs: 0 },
  };
}

function summarize(failures: readonly QuarantineFailure[]): { code: string; count: number; sequenceNumbers: string[]; message: string }[] {
  const byCode = new Map<string, { code: string; count: number; sequenceNumbers: string[]; message: string }>();
  for (const f of failures) {
    const entry = byCode.get(f.code) ?? { code: f.code, count: 0, sequenceNumbers: [], message: f.message };
    entry.count++;
    if (!entry.sequenceNumbers.includes(f.sample.record.sequenceNumber)) entry.sequenceNumbers.push(f.sample.record.sequenceNumber);
    byCode.set(f.code, entry);
  }
  return [...byCode.values()];
}
