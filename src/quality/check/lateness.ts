/*
 * Lateness distribution of one segment. Recording is on the hot path, so it
 * is a plain count per HdrHistogram bucket in a Float64Array (a few
 * nanoseconds; `recordValue` of hdr-histogram-js costs ~100 ns); the bucket
 * layout is exactly HdrHistogram's for 2 significant digits and a lowest
 * discernible value of 1 ms, and at report time the counts are loaded into an
 * hdr-histogram-js histogram, which computes the percentiles. The result is
 * identical to having recorded every value into that histogram.
 *
 * Precision: 2 significant digits (sub-buckets of 1/128: values are exact
 * below 256 ms, within 0.8% above). A percentile is HdrHistogram's "value at
 * percentile" (the highest value equivalent to the smallest recorded value
 * that at least that share of values is at or below), capped at the exact
 * maximum, which is tracked separately. A segment whose lateness reaches
 * 3 days uses ~2.5k buckets (20 KiB); a year, ~3.4k.
 */
import * as hdr from 'hdr-histogram-js';

export const LATENESS_SIGNIFICANT_DIGITS = 2;
/** log2 of half the sub-bucket count (256 sub-buckets for 2 significant digits). */
const HALF_MAGNITUDE = 7;
const SUB_BUCKETS = 256;
const HALF = 128;
/** Values are clamped below 2^52 ms (~140,000 years): past that doubles stop being integers. */
const MAX_VALUE = 2 ** 52 - 1;

/** The bucket index of a non-negative integer value (HdrHistogram's `countsArrayIndex`). */
export function latenessBucket(value: number): number {
  if (value < SUB_BUCKETS) return value;
  const magnitude = value < 4_294_967_296 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value));
  const shift = magnitude - HALF_MAGNITUDE;
  const sub = value < 4_294_967_296 ? value >>> shift : Math.floor(value / 2 ** shift);
  return SUB_BUCKETS + (shift - 1) * HALF + (sub - HALF);
}

/** The lowest value of a bucket. */
export function latenessBucketValue(index: number): number {
  if (index < SUB_BUCKETS) return index;
  const shift = ((index - SUB_BUCKETS) >> HALF_MAGNITUDE) + 1;
  const sub = ((index - SUB_BUCKETS) & (HALF - 1)) + HALF;
  return sub * 2 ** shift;
}

/** Serializable form: counts per bucket (trailing empty buckets may be cut), exact max. */
export interface LatenessState {
  readonly counts: Float64Array;
  readonly maxMs: number;
}

export interface LatenessPercentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export class LatenessCounts {
  private counts: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Highest bucket used + 1. */
  private used = 0;
  private total = 0;
  maxMs = 0;

  get count(): number {
    return this.total;
  }

  /** Records one lateness in ms; negative (an early clock) counts as 0. */
  record(ms: number): void {
    let v = ms > 0 ? Math.floor(ms) : 0;
    if (v > MAX_VALUE) v = MAX_VALUE;
    const index = latenessBucket(v);
    if (index >= this.counts.length) this.grow(index);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    if (index >= this.used) this.used = index + 1;
    this.total++;
    if (v > this.maxMs) this.maxMs = v;
  }

  addState(state: LatenessState): void {
    const n = state.counts.length;
    if (n > this.counts.length) this.grow(n - 1);
    for (let i = 0; i < n; i++) {
      const c = state.counts[i] ?? 0;
      if (c === 0) continue;
      this.counts[i] = (this.counts[i] ?? 0) + c;
      this.total += c;
      if (i >= this.used) this.used = i + 1;
    }
    if (state.maxMs > this.maxMs) this.maxMs = state.maxMs;
  }

  add(other: LatenessCounts): void {
    this.addState(other.toState());
  }

  /** A copy, trimmed to the buckets in use. */
  toState(): LatenessState {
    return { counts: this.counts.slice(0, this.used), maxMs: this.maxMs };
  }

  /** p50 / p95 / p99 / max in seconds; all 0 when nothing was recorded. */
  percentiles(): LatenessPercentiles {
    if (this.total === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
    const histogram = hdr.build({
      bitBucketSize: 64,
      numberOfSignificantValueDigits: LATENESS_SIGNIFICANT_DIGITS,
      lowestDiscernibleValue: 1,
      highestTrackableValue: Math.max(2, latenessBucketValue(this.used) * 2),
      autoResize: true,
    });
    for (let i = 0; i < this.used; i++) {
      const c = this.counts[i] ?? 0;
      if (c > 0) histogram.recordValueWithCount(latenessBucketValue(i), c);
    }
    const at = (p: number): number => Math.min(histogram.getValueAtPercentile(p), this.maxMs) / 1000;
    const result = { p50: at(50), p95: at(95), p99: at(99), max: this.maxMs / 1000 };
    histogram.destroy();
    return result;
  }

  private grow(index: number): void {
    let size = Math.max(SUB_BUCKETS, this.counts.length);
    while (size <= index) size *= 2;
    const counts = new Float64Array(size);
    counts.set(this.counts);
    this.counts = counts;
  }
}
