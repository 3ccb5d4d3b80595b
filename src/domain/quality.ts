/**
 * The data-quality domain: what one tracked event is, why a record can be
 * invalid, and the report the checker produces. Shared by the tracking plan
 * (src/quality/plan), the record classifier and accumulators
 * (src/quality/check), the readers (src/quality/readers), the CLI and the
 * quality-monitor Lambda.
 */

/** The tracking envelope every SDK sends (web, iOS, Android). */
export interface TrackedEvent {
  readonly eventId: string;
  readonly eventName: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  /** Client event time, ISO-8601. */
  readonly timestamp: string;
  /** Server (collector) receive time, ISO-8601. */
  readonly receivedAt: string;
  /** Client send time, ISO-8601 (for device clock-skew correction). */
  readonly sentAt?: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly context: {
    readonly platform?: string;
    readonly device?: unknown;
    readonly appVersion?: string;
    readonly [key: string]: unknown;
  };
}

/** Why a record is invalid; each is counted separately. */
export const INVALID_REASONS = [
  'unparseable_json',
  'missing_field',
  'wrong_type',
  'unknown_event',
  'bad_timestamp',
  'future_timestamp',
  'pii_in_properties',
] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

/** Every reason with its count, in {@link INVALID_REASONS} order. */
export function countsByReason(count: (reason: InvalidReason) => number): Record<InvalidReason, number> {
  return Object.fromEntries(INVALID_REASONS.map((reason) => [reason, count(reason)])) as Record<InvalidReason, number>;
}

/** `part / whole`, 0 when there is no whole (a rate over no events). */
export function rateOf(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** What the tracking plan says about one event's properties. */
export type PropertiesVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'missing_field' | 'wrong_type' | 'unknown_event' | 'pii_in_properties';
      /** Dotted path of the offending property, e.g. `properties.price`. */
      readonly field?: string;
      readonly detail: string;
    };

/** One record, classified. Valid records carry what the metrics need. */
export type RecordOutcome =
  | {
      readonly valid: true;
      readonly eventName: string;
      readonly platform: string;
      /** The de-duplication key (eventId by default; configurable). */
      readonly key: string;
      readonly timestampMs: number;
      readonly receivedAtMs: number;
      readonly sentAtMs?: number;
    }
  | {
      readonly valid: false;
      readonly reason: InvalidReason;
      /** Known when the record parsed far enough. */
      readonly eventName?: string;
      readonly platform?: string;
      readonly field?: string;
      readonly detail: string;
    };

export interface LatenessSummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** The metrics of one scope (overall, or one segment). Rates are 0–1; seconds are seconds. */
export interface QualityMetrics {
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
  readonly invalidRate: number;
  readonly invalidByReason: Readonly<Record<InvalidReason, number>>;
  readonly duplicates: number;
  readonly duplicateRate: number;
  readonly late: number;
  readonly lateRate: number;
  /** Seconds of `receivedAt − timestamp` (skew-corrected when configured), valid events. */
  readonly lateness: LatenessSummary;
  readonly newestReceivedAt: string | null;
  readonly freshnessSeconds: number | null;
}

export interface SegmentMetrics extends QualityMetrics {
  /** e.g. `{ eventName: 'page_viewed', platform: 'web' }`, or `{ segment: '__other__' }`. */
  readonly segment: Readonly<Record<string, string>>;
}

export interface QualityReport extends QualityMetrics {
  /** The "now" freshness was measured against. */
  readonly now: string;
  readonly segments: readonly SegmentMetrics[];
  /** Inputs read, with what went wrong reading them (a bad file never aborts the run). */
  readonly inputs: readonly { readonly source: string; readonly records: number; readonly error?: string }[];
}
