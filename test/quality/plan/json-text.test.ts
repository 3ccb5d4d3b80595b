import { describe, expect, it } from 'vitest';
import { parseIsoTimestamp, parseIsoTimestampAt, parseIsoTimestampBytes } from '../../../src/quality/check/timestamp.js';
import { createSharedChunkMemory, dirtyFinderFor, findDirty, useSharedChunkMemory } from '../../../src/quality/plan/dirty-simd.js';
import { findDirtyBytes, isPlainAscii } from '../../../src/quality/plan/json-text.js';

/** A small deterministic generator (mulberry32). */
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

/** What findDirtyBytes promises, one byte at a time. */
function dirtyByHand(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k] ?? 0;
    if (b === 10 || (b === 13 && bytes[k + 1] === 10)) continue;
    if (b < 0x20 || b >= 0x7f || b === 92) out.push(k);
  }
  return out;
}

function noisyText(next: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const r = next();
    bytes[i] = r < 0.01 ? Math.floor(next() * 256) : r < 0.05 ? 10 : r < 0.06 ? 13 : 32 + Math.floor(next() * 95);
  }
  return bytes;
}

describe('finding the bytes that keep a line off the fast path', () => {
  it('finds exactly the controls (but line ends), backslashes and non-ASCII bytes, aligned or not', () => {
    const next = random(3);
    for (let t = 0; t < 2000; t++) {
      const whole = noisyText(next, 1 + Math.floor(next() * 700));
      const offset = Math.floor(next() * Math.min(7, whole.length));
      const bytes = whole.subarray(offset);
      expect(findDirtyBytes(bytes)).toEqual(dirtyByHand(bytes));
    }
  });

  it('finds the same with WebAssembly SIMD in a shared chunk memory', () => {
    const memory = createSharedChunkMemory(1 << 20);
    const finder = dirtyFinderFor(memory);
    expect(finder).toBeDefined();
    useSharedChunkMemory(memory);
    const next = random(4);
    for (let t = 0; t < 2000; t++) {
      const length = Math.floor(next() * 3000);
      const offset = Math.floor(next() * 5000);
      const view = new Uint8Array(memory.buffer, offset, length);
      view.set(noisyText(next, length));
      const expected = dirtyByHand(new Uint8Array(view));
      expect(finder?.(view)).toEqual(expected);
      expect(findDirty(view)).toEqual(expected);
    }
  });

  it('tells plain ASCII values (no controls, no backslash) at any offset', () => {
    const next = random(5);
    for (let t = 0; t < 2000; t++) {
      const bytes = noisyText(next, 1 + Math.floor(next() * 100));
      const start = Math.floor(next() * bytes.length);
      const end = start + Math.floor(next() * (bytes.length - start + 1));
      const text = { s: Buffer.from(bytes).toString('latin1'), b: bytes, d: new DataView(bytes.buffer) };
      const expected = Array.from(bytes.subarray(start, end)).every((b) => b >= 0x20 && b < 0x7f && b !== 92);
      expect(isPlainAscii(text, start, end)).toBe(expected);
    }
  });
});

describe('parsing timestamps in place', () => {
  const samples = [
    '2026-11-22T10:00:00Z',
    '2026-11-22T10:00:00.1Z',
    '2026-11-22T10:00:00.12Z',
    '2026-11-22T10:00:00.123Z',
    '2026-11-22T10:00:00.123456789Z',
    '2026-11-22T10:00:00+05:30',
    '2026-11-22T10:00:00.5-08:00',
    '2024-02-29T23:59:59Z',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-22 10:00:00Z',
    '2026-11-22T10:00:00',
    '2026-11-22T24:00:00Z',
    '2026-11-22T10:60:00Z',
    '2026-11-22T10:00:60Z',
    '2026-11-22T10:00:00.Z',
    '2026-11-22T10:00:00+5:30',
    '2026-11-22T10:00:00+24:00',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    'x026-11-22T10:00:00Z',
  ];

  it('gives parseIsoTimestamp’s answer for the bytes, at any offset, minute prefix cached or not', () => {
    const next = random(8);
    const all = [...samples];
    for (let i = 0; i < 5000; i++) {
      const base = samples[Math.floor(next() * samples.length)] ?? '';
      const at = Math.floor(next() * base.length);
      const chars = '0123456789-:TZ.+ x';
      const mutated = next() < 0.5 ? base : base.slice(0, at) + chars.charAt(Math.floor(next() * chars.length)) + base.slice(at + (next() < 0.7 ? 1 : 0));
      all.push(mutated);
    }
    for (const s of all) {
      const expected = parseIsoTimestamp(s);
      const padded = `"${s}"xyz`;
      const bytes = Buffer.from(padded, 'latin1');
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(parseIsoTimestampBytes(view, new DataView(view.buffer, view.byteOffset, view.byteLength), 1, 1 + s.length)).toBe(expected);
      expect(parseIsoTimestampAt(padded, 1, 1 + s.length)).toBe(expected);
    }
  });
});
