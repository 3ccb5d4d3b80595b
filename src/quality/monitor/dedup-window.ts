/*
 * Duplicates across Kinesis batches ("a configured window in stream mode").
 *
 * A warm Lambda container sees batch after batch of the shards it is given;
 * an extra copy usually arrives soon after the first (an SDK retry, a replayed
 * offline queue), and on the same shard (the partition key is the user or
 * device). So the window is a count of recent distinct keys, per container,
 * held as two generations of `FingerprintSet` (which has no eviction): keys go
 * into the current generation; when it holds `keysPerGeneration` keys it
 * becomes the previous one and the old previous one is dropped. A key is
 * found while it is in either, so every key is remembered for at least the
 * next `keysPerGeneration` distinct keys and at most twice that. Memory:
 * two tables of 8-byte slots at most 0.7 full — 2 × 16 MiB at 1,000,000 keys.
 *
 * What it cannot see: copies on another shard (another container), copies
 * older than the window, and copies across a cold start. Batch mode
 * (`tripline dq check`) compares against the whole input instead.
 */
import { ToolkitError } from '../../errors.js';
import { FingerprintSet } from '../check/index.js';

/** `TRIPLINE_DEDUP_WINDOW_KEYS` when unset. */
export const DEFAULT_DEDUP_WINDOW_KEYS = 1_000_000;
/** Beyond this the two generations would outgrow a Lambda's memory. */
export const MAX_DEDUP_WINDOW_KEYS = 50_000_000;

/**
 * A set of 64-bit key fingerprints that forgets the oldest generation.
 *
 * @example
 * const window = new DedupWindow(1_000_000);
 * window.add(hi, lo); // true: new
 * window.add(hi, lo); // false: an extra copy
 */
export class DedupWindow {
  private current: FingerprintSet;
  private previous: FingerprintSet | undefined;
  private rotations = 0;

  constructor(readonly keysPerGeneration: number = DEFAULT_DEDUP_WINDOW_KEYS) {
    if (!Number.isSafeInteger(keysPerGeneration) || keysPerGeneration < 1 || keysPerGeneration > MAX_DEDUP_WINDOW_KEYS) {
      throw new ToolkitError(
        `dedup window of ${String(keysPerGeneration)} keys: use a whole number from 1 to ${MAX_DEDUP_WINDOW_KEYS.toLocaleString('en-US')}`,
      );
    }
    this.current = new FingerprintSet(keysPerGeneration);
  }

  /** Adds a fingerprint (two 32-bit halves, see `fingerprintKey`); true when it was in neither generation. */
  add(hi: number, lo: number): boolean {
    if (this.previous?.has(hi, lo) === true) return false;
    if (!this.current.add(hi, lo)) return false;
    if (this.current.size >= this.keysPerGeneration) {
      this.previous = this.current;
      this.current = new FingerprintSet(this.keysPerGeneration);
      this.rotations++;
    }
    return true;
  }

  /** Distinct keys remembered now (both generations). */
  get size(): number {
    return this.current.size + (this.previous?.size ?? 0);
  }

  /** How many times a generation was dropped (0 until `keysPerGeneration` keys were seen). */
  get generationsDropped(): number {
    return Math.max(0, this.rotations - 1);
  }

  get byteLength(): number {
    return this.current.byteLength + (this.previous?.byteLength ?? 0);
  }
}
