/*
 * Streaming quality metrics per segment. Every record lands in exactly one
 * segment; overall metrics are the sum of the segments, so nothing is
 * counted twice on the hot path.
 *
 * Worker threads: a worker runs `new QualityAccumulator({ dedup: 'worker' })`
 * (everything but duplicates), sends `takeWorkerBatch()` after each chunk and
 * `toState()` at the end; the main thread's accumulator (which owns the
 * fingerprint set) calls `mergeWorkerBatch()` and `merge()`. Merging batches
 * in input order attributes each extra copy to the same segment a single
 * accumulator would; in any order the counts overall are the same.
 */
import { countsByReason, INVALID_REASONS, rateOf as rate } from '../../domain/quality.js';
import type {
  InvalidReason,
  QualityMetrics,
  QualityReport,
  RecordOutcome,
  SegmentMetrics,
} from '../../domain/quality.js';
import { ToolkitError } from '../../errors.js';
import { NO_EVENT_NAME, UNKNOWN_PLATFORM } from './classify.js';
import { FingerprintSet, fingerprintKey } from './fingerprint-set.js';
import { LatenessCounts } from './lateness.js';
import type { LatenessState } from './lateness.js';

export type SegmentDimension = 'eventName' | 'platform';

export interface AccumulatorOptions {
  /** A valid event is late when its lateness exceeds this; default 10 minutes. */
  readonly allowedLatenessMs?: number;
  /**
   * Measure lateness from Snowplow's derived timestamp instead of the device
   * `timestamp`. Snowplow: derived_tstamp = collector_tstamp − (dvce_sent_tstamp
   * − dvce_created_tstamp), i.e. `receivedAt − (sentAt − timestamp)`, so
   * lateness = `receivedAt − derived` = `sentAt − timestamp`: the time the event
   * waited on the device, measured on one clock, so a device clock set wrong
   * cancels out. Events without `sentAt` keep `receivedAt − timestamp`.
   * Default false.
   */
  readonly correctSkewWithSentAt?: boolean;
  /** What a segment is; default `['eventName', 'platform']`; `[]` for overall only. */
  readonly segmentBy?: readonly SegmentDimension[];
  /** Segments in the report: the ones with the most records; the rest fold into `__other__`. Default 50. */
  readonly segmentCap?: number;
  /**
   * Segments tracked one by one while accumulating (default 1000, at least
   * `segmentCap`): records of segments first seen after that many go straight
   * to `__other__`, so garbage event names cannot grow memory. The report's
   * top segments are then chosen among the tracked ones.
   */
  readonly trackedSegmentLimit?: number;
  /**
   * `local` (default): this accumulator finds duplicates itself.
   * `worker`: it collects each valid event's fingerprint for
   * {@link QualityAccumulator.takeWorkerBatch} instead; duplicates stay 0 here.
   */
  readonly dedup?: 'local' | 'worker';
  /** Sizes the fingerprint set up front (it grows either way). */
  readonly expectedKeys?: number;
}

export const DEFAULT_ALLOWED_LATENESS_MS = 600_000;
export const DEFAULT_SEGMENT_CAP = 50;
export const DEFAULT_TRACKED_SEGMENT_LIMIT = 1000;
export const OTHER_SEGMENT = '__other__';
const DEFAULT_SEGMENT_BY: readonly SegmentDimension[] = Object.freeze(['eventName', 'platform']);

/** A segment's dimension values in `segmentBy` order; `null` is `__other__`. */
export type SegmentKey = readonly string[] | null;

export interface SegmentState {
  readonly key: SegmentKey;
  readonly total: number;
  readonly valid: number;
  /** In {@link INVALID_REASONS} order. */
  readonly invalidByReason: readonly number[];
  readonly duplicates: number;
  readonly late: number;
  /** Epoch ms, or null when the segment has no valid event. */
  readonly newestReceivedAtMs: number | null;
  readonly lateness: LatenessState;
}

/** Everything an accumulator knows but the fingerprints; structured-clone safe. */
export interface QualityAccumulatorState {
  readonly version: 1;
  readonly settings: {
    readonly allowedLatenessMs: number;
    readonly correctSkewWithSentAt: boolean;
    readonly segmentBy: readonly SegmentDimension[];
  };
  readonly segments: readonly SegmentState[];
}

/**
 * The fingerprints of the valid events a worker saw since its last batch.
 * Send with `postMessage(batch)`: copying its ~24 KiB was measured cheaper
 * than transferring (`workerBatchTransferList`), which blocked a worker for
 * ~0.5 ms a message.
 */
export interface WorkerBatchResult {
  /** Valid events in the batch. */
  readonly count: number;
  /** Two halves per event, `[hi0, lo0, hi1, lo1, …]` (see `fingerprintKey`). */
  readonly fingerprints: Uint32Array<ArrayBuffer>;
  /** Per event, its index into `segments`. */
  readonly segmentIndex: Uint32Array<ArrayBuffer>;
  /** The segments this batch refers to. */
  readonly segments: readonly SegmentKey[];
}

export function workerBatchTransferList(batch: WorkerBatchResult): ArrayBuffer[] {
  return [batch.fingerprints.buffer, batch.segmentIndex.buffer];
}

/** Position of each reason in {@link INVALID_REASONS} (the order of `invalidByReason` arrays). */
const REASON_INDEX = Object.fromEntries(INVALID_REASONS.map((reason, i) => [reason, i])) as Readonly<Record<InvalidReason, number>>;

class Segment {
  total = 0;
  valid = 0;
  readonly invalidByReason: number[] = INVALID_REASONS.map(() => 0);
  duplicates = 0;
  late = 0;
  newestReceivedAtMs = -Infinity;
  readonly lateness = new LatenessCounts();
  /** Which worker batch last referred to this segment, and at which index. */
  batchEpoch = -1;
  batchIndex = 0;

  constructor(readonly key: SegmentKey) {}

  get invalid(): number {
    return this.total - this.valid;
  }

  addState(s: SegmentState): void {
    this.total += s.total;
    this.valid += s.valid;
    for (let i = 0; i < this.invalidByReason.length; i++) {
      this.invalidByReason[i] = (this.invalidByReason[i] ?? 0) + (s.invalidByReason[i] ?? 0);
    }
    this.duplicates += s.duplicates;
    this.late += s.late;
    if (s.newestReceivedAtMs !== null && s.newestReceivedAtMs > this.newestReceivedAtMs) {
      this.newestReceivedAtMs = s.newestReceivedAtMs;
    }
    this.lateness.addState(s.lateness);
  }

  toState(): SegmentState {
    return {
      key: this.key,
      total: this.total,
      valid: this.valid,
      invalidByReason: [...this.invalidByReason],
      duplicates: this.duplicates,
      late: this.late,
      newestReceivedAtMs: Number.isFinite(this.newestReceivedAtMs) ? this.newestReceivedAtMs : null,
      lateness: this.lateness.toState(),
    };
  }
}

/**
 * Invalid / duplicate / late rates, lateness percentiles, freshness and
 * volume, overall and per segment, exactly as the README defines them.
 *
 * @example
 * const acc = new QualityAccumulator();
 * for (const line of lines) acc.add(classifier.line(line));
 * const report = acc.report({ now: new Date(), inputs: [{ source: 'events.ndjson', records: lines.length }] });
 */
export class QualityAccumulator {
  readonly allowedLatenessMs: number;
  readonly correctSkewWithSentAt: boolean;
  readonly segmentBy: readonly SegmentDimension[];
  readonly segmentCap: number;
  readonly trackedSegmentLimit: number;
  readonly dedup: 'local' | 'worker';

  /** Tracked segments by first and second dimension value ('' for an unused dimension). */
  private readonly segments = new Map<string, Map<string, Segment>>();
  private readonly tracked: Segment[] = [];
  private readonly other = new Segment(null);
  private readonly byEventName: boolean;
  private readonly byPlatform: boolean;
  private readonly eventNameFirst: boolean;

  private readonly fingerprints: FingerprintSet | undefined;
  private pendingFingerprints = new Uint32Array(2 * 4096);
  private pendingSegments = new Uint32Array(4096);
  private pendingCount = 0;
  private pendingKeys: SegmentKey[] = [];
  private batchEpoch = 0;

  constructor(options: AccumulatorOptions = {}) {
    this.allowedLatenessMs = options.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS;
    this.correctSkewWithSentAt = options.correctSkewWithSentAt ?? false;
    this.segmentBy = Object.freeze([...(options.segmentBy ?? DEFAULT_SEGMENT_BY)]);
    this.segmentCap = Math.max(0, options.segmentCap ?? DEFAULT_SEGMENT_CAP);
    this.trackedSegmentLimit = Math.max(this.segmentCap, options.trackedSegmentLimit ?? DEFAULT_TRACKED_SEGMENT_LIMIT);
    this.dedup = options.dedup ?? 'local';
    this.byEventName = this.segmentBy.includes('eventName');
    this.byPlatform = this.segmentBy.includes('platform');
    this.eventNameFirst = this.segmentBy[0] !== 'platform';
    const dims = new Set(this.segmentBy);
    if (dims.size !== this.segmentBy.length || [...dims].some((d) => d !== 'eventName' && d !== 'platform')) {
      throw new ToolkitError(
        `segmentBy must list eventName and/or platform, each once; got ${JSON.stringify(this.segmentBy)}`,
      );
    }
    this.fingerprints = this.dedup === 'local' ? new FingerprintSet(options.expectedKeys ?? 0) : undefined;
  }

  /** Counts one classified record. */
  add(outcome: RecordOutcome): void {
    if (!outcome.valid) {
      const segment = this.segmentOf(outcome.eventName ?? NO_EVENT_NAME, outcome.platform ?? UNKNOWN_PLATFORM);
      segment.total++;
      const i = REASON_INDEX[outcome.reason];
      segment.invalidByReason[i] = (segment.invalidByReason[i] ?? 0) + 1;
      return;
    }
    const segment = this.segmentOf(outcome.eventName, outcome.platform);
    segment.total++;
    segment.valid++;
    const sentAtMs = outcome.sentAtMs;
    const lateness =
      this.correctSkewWithSentAt && sentAtMs !== undefined
        ? sentAtMs - outcome.timestampMs
        : outcome.receivedAtMs - outcome.timestampMs;
    if (lateness > this.allowedLatenessMs) segment.late++;
    segment.lateness.record(lateness);
    if (outcome.receivedAtMs > segment.newestReceivedAtMs) segment.newestReceivedAtMs = outcome.receivedAtMs;

    if (this.fingerprints !== undefined) {
      if (!this.fingerprints.addKey(outcome.key)) segment.duplicates++;
    } else {
      this.pushFingerprint(outcome.key, segment);
    }
  }

  /**
   * Counts records found invalid before classification (a reader's over-long
   * lines). Without a segment they count under `__none__` / `unknown`.
   */
  addInvalid(reason: InvalidReason, count: number, segment?: { readonly eventName?: string; readonly platform?: string }): void {
    if (!(count > 0)) return;
    const s = this.segmentOf(segment?.eventName ?? NO_EVENT_NAME, segment?.platform ?? UNKNOWN_PLATFORM);
    s.total += count;
    const i = REASON_INDEX[reason];
    s.invalidByReason[i] = (s.invalidByReason[i] ?? 0) + count;
  }

  /** Everything counted so far but the fingerprint set (a copy). */
  toState(): QualityAccumulatorState {
    const segments = this.tracked.map((s) => s.toState());
    if (this.other.total > 0) segments.push(this.other.toState());
    return {
      version: 1,
      settings: {
        allowedLatenessMs: this.allowedLatenessMs,
        correctSkewWithSentAt: this.correctSkewWithSentAt,
        segmentBy: [...this.segmentBy],
      },
      segments,
    };
  }

  /** An accumulator holding a state; `options` may set the report and dedup options. */
  static fromState(
    state: QualityAccumulatorState,
    options: Omit<AccumulatorOptions, 'allowedLatenessMs' | 'correctSkewWithSentAt' | 'segmentBy'> = {},
  ): QualityAccumulator {
    const acc = new QualityAccumulator({ ...options, ...state.settings });
    acc.merge(state);
    return acc;
  }

  /**
   * Adds another accumulator's counts. Its duplicates add as counted there;
   * copies across the two are found only through worker batches.
   */
  merge(state: QualityAccumulatorState): void {
    const s = state.settings;
    const mismatch =
      s.allowedLatenessMs !== this.allowedLatenessMs
        ? `allowedLatenessMs ${s.allowedLatenessMs} vs ${this.allowedLatenessMs}`
        : s.correctSkewWithSentAt !== this.correctSkewWithSentAt
          ? `correctSkewWithSentAt ${s.correctSkewWithSentAt} vs ${this.correctSkewWithSentAt}`
          : s.segmentBy.join(',') !== this.segmentBy.join(',')
            ? `segmentBy ${s.segmentBy.join(',')} vs ${this.segmentBy.join(',')}`
            : undefined;
    if (state.version !== 1 || mismatch !== undefined) {
      throw new ToolkitError(
        `cannot merge quality states computed with different settings (${mismatch ?? `state version ${String(state.version)}`}); ` +
          'create every worker accumulator with the main one\'s options',
      );
    }
    for (const segmentState of state.segments) this.segmentForKey(segmentState.key).addState(segmentState);
  }

  /**
   * Worker mode: the fingerprints collected since the last call, and a fresh
   * buffer for the next ones.
   */
  takeWorkerBatch(): WorkerBatchResult {
    const n = this.pendingCount;
    const batch: WorkerBatchResult = {
      count: n,
      fingerprints: this.pendingFingerprints.slice(0, 2 * n),
      segmentIndex: this.pendingSegments.slice(0, n),
      segments: this.pendingKeys,
    };
    this.pendingCount = 0;
    this.pendingKeys = [];
    this.batchEpoch++;
    return batch;
  }

  /** Main thread: checks a worker's fingerprints against the set; extra copies count in their segment. */
  mergeWorkerBatch(batch: WorkerBatchResult): void {
    const set = this.fingerprints;
    if (set === undefined) {
      throw new ToolkitError('mergeWorkerBatch needs the accumulator that owns the fingerprint set (dedup: "local")');
    }
    const targets = batch.segments.map((key) => this.segmentForKey(key));
    const fp = batch.fingerprints;
    const idx = batch.segmentIndex;
    for (let i = 0; i < batch.count; i++) {
      if (!set.add(fp[2 * i] ?? 0, fp[2 * i + 1] ?? 0)) {
        const target = targets[idx[i] ?? 0];
        if (target !== undefined) target.duplicates++;
      }
    }
  }

  /**
   * Sizes the fingerprint set for about `expectedKeys` distinct keys now
   * (it grows past them either way); no-op in worker mode.
   */
  reserveKeys(expectedKeys: number): void {
    this.fingerprints?.reserve(expectedKeys);
  }

  /** Bytes held by the fingerprint set (0 in worker mode). */
  get fingerprintBytes(): number {
    return this.fingerprints?.byteLength ?? 0;
  }

  /**
   * The report. Segments are ordered by records (most first, then by their
   * values); past `segmentCap` they fold into `{ segment: '__other__' }`, last.
   */
  report(options: { readonly now: Date; readonly inputs?: QualityReport['inputs'] }): QualityReport {
    const nowMs = options.now.getTime();
    const ordered = [...this.tracked].sort(compareSegments);
    const kept = ordered.slice(0, this.segmentCap);
    const folded = new Segment(null);
    folded.addState(this.other.toState());
    for (const s of ordered.slice(this.segmentCap)) folded.addState(s.toState());

    const overall = new Segment(null);
    const segments: SegmentMetrics[] = [];
    for (const s of kept) {
      segments.push({ segment: this.segmentRecord(s.key), ...metricsOf(s, nowMs) });
      overall.addState(s.toState());
    }
    if (folded.total > 0) {
      segments.push({ segment: { segment: OTHER_SEGMENT }, ...metricsOf(folded, nowMs) });
      overall.addState(folded.toState());
    }
    return {
      now: options.now.toISOString(),
      ...metricsOf(overall, nowMs),
      segments,
      inputs: options.inputs ?? [],
    };
  }

  private segmentRecord(key: SegmentKey): Record<string, string> {
    if (key === null) return { segment: OTHER_SEGMENT };
    const record: Record<string, string> = {};
    this.segmentBy.forEach((dimension, i) => {
      record[dimension] = key[i] ?? '';
    });
    return record;
  }

  private segmentOf(eventName: string, platform: string): Segment {
    const name = this.byEventName ? eventName : '';
    const plat = this.byPlatform ? platform : '';
    const first = this.eventNameFirst ? name : plat;
    const second = this.eventNameFirst ? plat : name;
    const inner = this.segments.get(first);
    const found = inner?.get(second);
    if (found !== undefined) return found;
    return this.createSegment(first, second, inner);
  }

  private segmentForKey(key: SegmentKey): Segment {
    if (key === null) return this.other;
    const first = key[0] ?? '';
    const second = key[1] ?? '';
    const inner = this.segments.get(first);
    return inner?.get(second) ?? this.createSegment(first, second, inner);
  }

  private createSegment(first: string, second: string, inner: Map<string, Segment> | undefined): Segment {
    if (this.tracked.length >= this.trackedSegmentLimit) return this.other;
    const key = this.segmentBy.length === 0 ? [] : this.segmentBy.length === 1 ? [first] : [first, second];
    const segment = new Segment(Object.freeze(key));
    if (inner === undefined) {
      inner = new Map();
      this.segments.set(first, inner);
    }
    inner.set(second, segment);
    this.tracked.push(segment);
    return segment;
  }

  private pushFingerprint(key: string, segment: Segment): void {
    const n = this.pendingCount;
    if (n === this.pendingSegments.length) {
      const fingerprints = new Uint32Array(this.pendingFingerprints.length * 2);
      fingerprints.set(this.pendingFingerprints);
      this.pendingFingerprints = fingerprints;
      const segments = new Uint32Array(this.pendingSegments.length * 2);
      segments.set(this.pendingSegments);
      this.pendingSegments = segments;
    }
    if (segment.batchEpoch !== this.batchEpoch) {
      segment.batchEpoch = this.batchEpoch;
      segment.batchIndex = this.pendingKeys.length;
      this.pendingKeys.push(segment.key);
    }
    fingerprintKey(key, this.pendingFingerprints, 2 * n);
    this.pendingSegments[n] = segment.batchIndex;
    this.pendingCount = n + 1;
  }
}

function compareSegments(a: Segment, b: Segment): number {
  if (a.total !== b.total) return b.total - a.total;
  const ak = a.key ?? [];
  const bk = b.key ?? [];
  for (let i = 0; i < Math.max(ak.length, bk.length); i++) {
    const x = ak[i] ?? '';
    const y = bk[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function metricsOf(s: Segment, nowMs: number): QualityMetrics {
  const invalid = s.invalid;
  const invalidByReason = countsByReason((reason) => s.invalidByReason[REASON_INDEX[reason]] ?? 0);
  const newest = Number.isFinite(s.newestReceivedAtMs) ? s.newestReceivedAtMs : null;
  return {
    total: s.total,
    valid: s.valid,
    invalid,
    invalidRate: rate(invalid, s.total),
    invalidByReason,
    duplicates: s.duplicates,
    duplicateRate: rate(s.duplicates, s.valid),
    late: s.late,
    lateRate: rate(s.late, s.valid),
    lateness: s.lateness.percentiles(),
    newestReceivedAt: newest === null ? null : new Date(newest).toISOString(),
    freshnessSeconds: newest === null ? null : (nowMs - newest) / 1000,
  };
}
