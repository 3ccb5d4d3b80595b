import { snappyUncompress } from 'hyparquet';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { describe, expect, it } from 'vitest';
import { snappyDecompress, snappyWasmAvailable } from '../../../src/quality/readers/snappy-wasm.js';

/** hyparquet's decoder: the page, or its error. */
function reference(input: Uint8Array, size: number): Uint8Array | string {
  try {
    const out = new Uint8Array(size);
    snappyUncompress(input, out);
    return out;
  } catch (error) {
    return String(error);
  }
}

function ours(input: Uint8Array, size: number): Uint8Array | string {
  try {
    return snappyDecompress(input, size);
  } catch (error) {
    return String(error);
  }
}

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Text-like bytes with repeats near and far, so every element kind and length shows up. */
function sample(next: () => number, n: number): Uint8Array {
  const data = new Uint8Array(n);
  const alphabet = 1 + Math.floor(next() * 30);
  for (let i = 0; i < n; i++) {
    const r = next();
    data[i] = r < 0.4 && i > 70_000 ? (data[i - 65_000 - Math.floor(next() * 5000)] ?? 0) : r < 0.6 && i > 2 ? (data[i - 1 - Math.floor(next() * Math.min(i - 1, 300))] ?? 0) : 97 + Math.floor(next() * alphabet);
  }
  return data;
}

describe('snappy in WebAssembly', () => {
  it('runs here', () => {
    expect(snappyWasmAvailable()).toBe(true);
  });

  it('decompresses exactly what was compressed, as hyparquet does', () => {
    const next = random(1);
    for (let t = 0; t < 200; t++) {
      const n = t < 5 ? t : Math.floor(next() * (t % 50 === 0 ? 200_000 : 5000));
      const data = sample(next, n);
      const compressed = snappyCompress(data);
      expect(ours(compressed, n)).toEqual(data);
    }
  });

  it('gives hyparquet’s page or hyparquet’s error for damaged input and wrong sizes', () => {
    const next = random(2);
    for (let t = 0; t < 1500; t++) {
      const n = Math.floor(next() * 3000);
      const compressed = snappyCompress(sample(next, n));
      const damaged = compressed.slice();
      for (let k = 0; k < 1 + Math.floor(next() * 3); k++) damaged[Math.floor(next() * damaged.length)] = Math.floor(next() * 256);
      const size = next() < 0.6 ? n : Math.floor(next() * 4000);
      const input = next() < 0.2 ? damaged.subarray(0, Math.floor(next() * damaged.length)) : damaged;
      expect(ours(input, size)).toEqual(reference(input, size));
    }
  });
});
