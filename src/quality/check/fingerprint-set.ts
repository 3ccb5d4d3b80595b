/*
 * Exact-enough duplicate detection over tens of millions of keys. A `Set` of
 * strings costs ~100–150 bytes a key; this stores a 64-bit fingerprint of each
 * key in an open-addressing table of `Uint32Array` pairs: 8 bytes a slot, at
 * most 0.7 full, so 11.5–23 bytes a key (13.4 at 10M keys: a 2^24-slot table
 * of 128 MiB, 192 MiB while it doubles).
 *
 * Two different keys are taken for the same one only when both 32-bit halves
 * of their fingerprints collide. The halves come from two unrelated hash
 * functions (a MurmurHash3-style and an xxHash32-style mix over the key's
 * UTF-16 code units), so for n distinct keys the chance of any false
 * duplicate is about n² / 2^65: ~2.7·10⁻⁶ for 10M keys, ~2.7·10⁻⁴ for 100M.
 */

import { ToolkitError } from '../../errors.js';

const MAX_LOAD = 0.7;
/** 2^30 slots (8 GiB, ~750M keys) is far beyond what one process should de-duplicate. */
const MAX_CAPACITY = 2 ** 30;

/**
 * A set of 64-bit fingerprints, given as two unsigned 32-bit halves.
 *
 * @example
 * const seen = new FingerprintSet();
 * seen.addKey('0b7c…'); // true: new
 * seen.addKey('0b7c…'); // false: a duplicate
 */
export class FingerprintSet {
  private table: Uint32Array;
  private mask: number;
  private count = 0;
  private growAt: number;

  /** @param expectedKeys sizes the first table; it doubles as needed either way. */
  constructor(expectedKeys = 0) {
    let capacity = 1 << 12;
    while (capacity < MAX_CAPACITY && capacity * MAX_LOAD < expectedKeys) capacity *= 2;
    this.table = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
    this.growAt = Math.floor(capacity * MAX_LOAD);
  }

  /** Distinct fingerprints held. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the table (what the set costs; the object itself is negligible). */
  get byteLength(): number {
    return this.table.byteLength;
  }

  /**
   * Adds the fingerprint `(hi, lo)`; true when it was not there yet.
   * `(0, 0)` is stored as `(0, 1)`, the empty-slot marker being `(0, 0)`.
   */
  add(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if ((hi | lo) === 0) lo = 1;
    const table = this.table;
    const mask = this.mask;
    // Both halves are full-avalanche hashes; the low one picks the slot.
    let slot = lo & mask;
    for (;;) {
      const at = slot << 1;
      const h = table[at];
      const l = table[at + 1];
      if (h === 0 && l === 0) {
        table[at] = hi;
        table[at + 1] = lo;
        if (++this.count > this.growAt) this.grow();
        return true;
      }
      if (h === hi && l === lo) return false;
      slot = (slot + 1) & mask;
    }
  }

  /** Adds the fingerprint of `key` (see {@link fingerprintKey}); true when new. */
  addKey(key: string): boolean {
    fingerprintKey(key, scratch, 0);
    return this.add(scratch[0] ?? 0, scratch[1] ?? 0);
  }

  /** Whether the fingerprint is present (same normalization as {@link add}). */
  has(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if ((hi | lo) === 0) lo = 1;
    const table = this.table;
    let slot = lo & this.mask;
    for (;;) {
      const at = slot << 1;
      const h = table[at];
      const l = table[at + 1];
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  /**
   * Makes room for `expectedKeys` keys now, while the table is small: growing
   * holds the old table and the new one at once, so growing to the final size
   * early (from an estimate) spares the largest step's extra half.
   */
  reserve(expectedKeys: number): void {
    let capacity = this.mask + 1;
    while (capacity < MAX_CAPACITY && capacity * MAX_LOAD < expectedKeys) capacity *= 2;
    if (capacity > this.mask + 1) this.rehash(capacity);
  }

  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    if (capacity > MAX_CAPACITY) {
      throw new ToolkitError(
        `more than ${this.growAt.toLocaleString('en-US')} distinct event keys: too many to de-duplicate in one process; ` +
          'check a smaller input or run the checks in Athena (tripline dq sql)',
      );
    }
    this.rehash(capacity);
  }

  private rehash(capacity: number): void {
    const old = this.table;
    const table = new Uint32Array(capacity * 2);
    const mask = capacity - 1;
    for (let at = 0; at < old.length; at += 2) {
      const hi = old[at] ?? 0;
      const lo = old[at + 1] ?? 0;
      if (hi === 0 && lo === 0) continue;
      let slot = lo & mask;
      while ((table[slot << 1] ?? 0) !== 0 || (table[(slot << 1) + 1] ?? 0) !== 0) slot = (slot + 1) & mask;
      table[slot << 1] = hi;
      table[(slot << 1) + 1] = lo;
    }
    this.table = table;
    this.mask = mask;
    this.growAt = Math.floor(capacity * MAX_LOAD);
  }
}

const scratch = new Uint32Array(2);

/**
 * Writes the 64-bit fingerprint of `key` into `out[offset]` (high half) and
 * `out[offset + 1]` (low half). Workers call this and send the halves; the
 * thread that owns the {@link FingerprintSet} adds them.
 */
export function fingerprintKey(key: string, out: Uint32Array, offset: number): void {
  const n = key.length;
  // h1: MurmurHash3 x86_32 block mixing; h2: xxHash32 lane rounds. Blocks are two UTF-16 code units.
  let h1 = 0x9747b28c;
  let h2 = 0x165667b1 + n;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const block = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16);
    let k = Math.imul(block, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;

    h2 = (h2 + Math.imul(block, 0x85ebca77)) | 0;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = Math.imul(h2, 0x9e3779b1);
  }
  if (i < n) {
    const tail = key.charCodeAt(i);
    let k = Math.imul(tail, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;

    h2 = (h2 + Math.imul(tail, 0x165667b1)) | 0;
    h2 = Math.imul((h2 << 17) | (h2 >>> 15), 0x27d4eb2f);
  }
  // Finalizers: murmur3's fmix32 and xxHash32's avalanche.
  h1 ^= n * 2;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;

  h2 ^= h2 >>> 15;
  h2 = Math.imul(h2, 0x85ebca77);
  h2 ^= h2 >>> 13;
  h2 = Math.imul(h2, 0xc2b2ae3d);
  h2 ^= h2 >>> 16;

  out[offset] = h1;
  out[offset + 1] = h2;
}
