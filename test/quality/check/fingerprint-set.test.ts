import { describe, expect, it } from 'vitest';
import { FingerprintSet, fingerprintKey } from '../../../src/quality/check/index.js';

/** Deterministic 32-bit generator (xorshift32), so a failure reproduces. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

const uuidLike = (next: () => number): string => {
  const h = (n: number): string => n.toString(16).padStart(8, '0');
  const a = h(next());
  const b = h(next());
  const c = h(next());
  const d = h(next());
  return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`;
};

describe('FingerprintSet', () => {
  it('counts exactly the repeats among 2M random keys (10% repeats), at under 24 bytes a key', () => {
    const next = xorshift(2026);
    const distinct: string[] = [];
    const set = new FingerprintSet();
    let repeats = 0;
    let duplicatesSeen = 0;
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 2_000_000; i++) {
      let key: string;
      if (distinct.length > 0 && next() % 10 === 0) {
        key = distinct[next() % distinct.length] ?? '';
        repeats++;
      } else {
        key = uuidLike(next);
        distinct.push(key);
      }
      if (!set.addKey(key)) duplicatesSeen++;
    }
    const grownBy = process.memoryUsage().arrayBuffers - before;

    expect(duplicatesSeen).toBe(repeats);
    expect(set.size).toBe(distinct.length);
    expect(set.byteLength / set.size).toBeLessThan(24);
    // The table is the set's memory (plus, until collected, the half-size table it outgrew).
    expect(grownBy).toBeLessThan(set.byteLength * 1.6);
  });

  it('tells keys apart that differ in one character, in length, or only in order', () => {
    const set = new FingerprintSet();
    const keys = ['', 'a', 'b', 'ab', 'ba', 'abc', 'acb', 'e-1', 'e-2', 'e-10', 'web\u001fe-1', 'ios\u001fe-1', '\u00e9', '\ud83d\ude00'];

    expect(keys.map((k) => set.addKey(k))).toEqual(keys.map(() => true));
    expect(keys.map((k) => set.addKey(k))).toEqual(keys.map(() => false));
  });

  it('takes fingerprints computed elsewhere (a worker) the same as keys', () => {
    const out = new Uint32Array(4);
    fingerprintKey('0b7c3f2e-1d4a-4c8e-9f00-5a6b7c8d9e0f', out, 2);
    const set = new FingerprintSet();

    expect(set.add(out[2] ?? 0, out[3] ?? 0)).toBe(true);
    expect(set.addKey('0b7c3f2e-1d4a-4c8e-9f00-5a6b7c8d9e0f')).toBe(false);
    expect(set.has(out[2] ?? 0, out[3] ?? 0)).toBe(true);
  });

  it('stores the fingerprint (0, 0) too, even though it marks empty slots', () => {
    const set = new FingerprintSet();

    expect(set.add(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
    expect(set.size).toBe(1);
  });

  it('keeps every fingerprint across growth', () => {
    const next = xorshift(7);
    const pairs: [number, number][] = Array.from({ length: 50_000 }, () => [next(), next()]);
    const set = new FingerprintSet();
    for (const [hi, lo] of pairs) set.add(hi, lo);

    expect(pairs.every(([hi, lo]) => set.has(hi, lo))).toBe(true);
    expect(set.byteLength).toBe(2 ** 17 * 8); // 50,000 / 0.7 → 2^17 slots of 8 bytes
  });
});
