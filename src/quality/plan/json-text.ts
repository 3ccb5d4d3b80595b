/*
 * JSON read in place, for the checker's fast path: a line of a chunk is
 * validated from its bytes, without JSON.parse building the record
 * (JSON.parse was ~55% of a worker's time). Each reader takes the index of
 * a value's first byte and returns the index just past the value, or -1
 * when the text is not provably that value. -1 never means "invalid": the
 * line then goes to JSON.parse and the ordinary checks, which decide. So
 * these readers only have to be right when they accept.
 *
 * Precondition, checked by the caller (see {@link findDirtyBytes}): the line
 * [start, end) holds only bytes 0x20–0x7E other than the backslash, and
 * byte `end` (if any) is '\n' or '\r'. So the line is ASCII and its Latin-1
 * string `s` is its UTF-8 text, byte and character indexes agree, a JSON
 * string is '"', characters, '"' with no escapes (its value is exactly
 * `s.slice(i + 1, j)`), the only whitespace is ' ', and no token can run
 * on past `end` (the byte there belongs to no token).
 *
 * Keys and names are compared as 32-bit words through a DataView: on the
 * machines measured, `startsWith` of a 12-character key costs ~30 ns and a
 * three-word compare ~5 ns.
 */

/** A chunk being read: the same bytes as a Latin-1 string (for indexOf and slices), bytes and words. */
export interface JsonText {
  readonly s: string;
  readonly b: Uint8Array;
  readonly d: DataView;
}

/** Deeper than this, the fast path gives up (the slow path's limit, MAX_DEPTH, is higher). */
export const MAX_TEXT_DEPTH = 64;

export const SPACE = 32;
export const QUOTE = 34;
export const COMMA = 44;
export const MINUS = 45;
export const DOT = 46;
export const ZERO = 48;
export const NINE = 57;
export const COLON = 58;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;

/** The value of the number {@link numberEnd} read last. */
export let lastNumber = 0;

/** Past the spaces at `i`. */
export function skipSpaces(b: Uint8Array, i: number): number {
  while (b[i] === SPACE) i++;
  return i;
}

/** Past the string starting at `i` (b[i] is '"'); its value is `s.slice(i + 1, result - 1)`. */
export function stringEnd(t: JsonText, i: number, end: number): number {
  const j = t.s.indexOf('"', i + 1);
  return j === -1 || j >= end ? -1 : j + 1;
}

/**
 * Past the JSON number at `i` (RFC 8259: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`),
 * its value in {@link lastNumber}; -1 when there is none. What follows is
 * the caller's to check (`01` reads as `0`, then `1` is no delimiter).
 */
export function numberEnd(t: JsonText, i: number): number {
  const b = t.b;
  let j = i;
  let c = b[j] ?? 0;
  const negative = c === MINUS;
  if (negative) c = b[++j] ?? 0;
  const digitsStart = j;
  let value = 0;
  if (c === ZERO) {
    c = b[++j] ?? 0;
  } else if (c > ZERO && c <= NINE) {
    do {
      value = value * 10 + (c - ZERO);
      c = b[++j] ?? 0;
    } while (c >= ZERO && c <= NINE);
  } else {
    return -1;
  }
  let simple = j - digitsStart <= 15;
  if (c === DOT) {
    simple = false;
    c = b[++j] ?? 0;
    if (!(c >= ZERO && c <= NINE)) return -1;
    do c = b[++j] ?? 0;
    while (c >= ZERO && c <= NINE);
  }
  if (c === 101 /* e */ || c === 69 /* E */) {
    simple = false;
    c = b[++j] ?? 0;
    if (c === 43 /* + */ || c === MINUS) c = b[++j] ?? 0;
    if (!(c >= ZERO && c <= NINE)) return -1;
    do c = b[++j] ?? 0;
    while (c >= ZERO && c <= NINE);
  }
  // Up to 15 digits an integer is exact as accumulated; otherwise Number()
  // reads the same grammar with the same correctly rounded result as JSON.parse.
  lastNumber = simple ? (negative ? -value : value) : Number(t.s.slice(i, j));
  return j;
}

const TRUE = 0x65757274; // 'true' as a little-endian word
const FALS = 0x736c6166; // 'fals'
const NULL = 0x6c6c756e; // 'null'

/** Past `true`, `false` or `null` at `i`, or -1. */
export function literalEnd(t: JsonText, i: number, end: number): number {
  if (i + 4 > end) return -1;
  const w = t.d.getUint32(i, true);
  if (w === TRUE || w === NULL) return i + 4;
  return w === FALS && t.b[i + 4] === 101 ? i + 5 : -1;
}

/** Past `true` or `false` at `i`, or -1. */
export function booleanEnd(t: JsonText, i: number, end: number): number {
  if (i + 4 > end) return -1;
  const w = t.d.getUint32(i, true);
  if (w === TRUE) return i + 4;
  return w === FALS && t.b[i + 4] === 101 ? i + 5 : -1;
}

/** Past `null` at `i`, or -1. */
export function nullEnd(t: JsonText, i: number, end: number): number {
  return i + 4 <= end && t.d.getUint32(i, true) === NULL ? i + 4 : -1;
}

/** Past any JSON value at `i`, checking its syntax only; -1 when not valid (or nested deeper than {@link MAX_TEXT_DEPTH}). */
export function valueEnd(t: JsonText, i: number, end: number, depth: number): number {
  const c = t.b[i] ?? 0;
  if (c === QUOTE) return stringEnd(t, i, end);
  if (c === OPEN_BRACE) return objectEnd(t, i, end, depth);
  if (c === OPEN_BRACKET) return arrayEnd(t, i, end, depth);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return numberEnd(t, i);
  return literalEnd(t, i, end);
}

function objectEnd(t: JsonText, i: number, end: number, depth: number): number {
  if (depth >= MAX_TEXT_DEPTH) return -1;
  const b = t.b;
  i = skipSpaces(b, i + 1);
  if (b[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    i = stringEnd(t, i, end);
    if (i < 0) return -1;
    i = skipSpaces(b, i);
    if (b[i] !== COLON) return -1;
    i = valueEnd(t, skipSpaces(b, i + 1), end, depth + 1);
    if (i < 0) return -1;
    i = skipSpaces(b, i);
    const c = b[i];
    if (c === CLOSE_BRACE) return i + 1;
    if (c !== COMMA) return -1;
    i = skipSpaces(b, i + 1);
  }
}

function arrayEnd(t: JsonText, i: number, end: number, depth: number): number {
  if (depth >= MAX_TEXT_DEPTH) return -1;
  const b = t.b;
  i = skipSpaces(b, i + 1);
  if (b[i] === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = valueEnd(t, i, end, depth + 1);
    if (i < 0) return -1;
    i = skipSpaces(b, i);
    const c = b[i];
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) return -1;
    i = skipSpaces(b, i + 1);
  }
}

/**
 * An ASCII text compared as 32-bit words, overlapping at the end (`"eventId":`
 * is three). One function reads every pattern, so the comparison is inlined
 * where it is used, not a call to a function made per text.
 */
export interface BytesPattern {
  readonly length: number;
  /** Pairs of (offset, little-endian word); empty for a text under 4 bytes. */
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
}

export function bytesPattern(text: string): BytesPattern {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length !== text.length || !/^[\x20-\x7e]*$/.test(text)) throw new Error(`internal: not an ASCII key: ${JSON.stringify(text)}`);
  const n = bytes.length;
  const words: number[] = [];
  if (n >= 4) {
    for (let o = 0; o + 4 <= n; o += 4) words.push(o, bytes.readInt32LE(o));
    if (n % 4 !== 0) words.push(n - 4, bytes.readInt32LE(n - 4));
  }
  return { length: n, words: Int32Array.from(words), bytes: new Uint8Array(bytes) };
}

/** Whether the bytes at `i` are the pattern's; the caller makes sure `i + p.length` is inside the line. */
export function matchesAt(t: JsonText, i: number, p: BytesPattern): boolean {
  const w = p.words;
  if (w.length === 0) {
    const bytes = p.bytes;
    for (let k = 0; k < bytes.length; k++) if (t.b[i + k] !== bytes[k]) return false;
    return true;
  }
  const d = t.d;
  for (let k = 0; k < w.length; k += 2) if (d.getInt32(i + (w[k] ?? 0), true) !== w[k + 1]) return false;
  return true;
}

/** Texts of a few lengths, found by length and then compared as words. */
export class BytesTable<T> {
  private readonly byLength: { readonly pattern: BytesPattern; readonly value: T }[][] = [];

  add(text: string, value: T): void {
    (this.byLength[text.length] ??= []).push({ pattern: bytesPattern(text), value });
  }

  /** The value of the text `[start, end)`, or undefined. */
  get(t: JsonText, start: number, end: number): T | undefined {
    const bucket = this.byLength[end - start];
    if (bucket === undefined) return undefined;
    for (let k = 0; k < bucket.length; k++) {
      const entry = bucket[k];
      if (entry !== undefined && matchesAt(t, start, entry.pattern)) return entry.value;
    }
    return undefined;
  }
}

/**
 * Whether `[start, end)` holds only bytes 0x20–0x7E other than the
 * backslash (the precondition above, for one value rather than a chunk),
 * four bytes at a time.
 */
export function isPlainAscii(t: JsonText, start: number, end: number): boolean {
  const d = t.d;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const x = d.getUint32(i, true);
    const y = x ^ 0x5c5c5c5c;
    if (((((x - 0x20202020) & ~x) | ((y - 0x01010101) & ~y) | x | (x + 0x01010101)) & 0x80808080) !== 0) return false;
  }
  const b = t.b;
  for (; i < end; i++) {
    const c = b[i] ?? 0;
    if (c < 0x20 || c >= 0x7f || c === 92) return false;
  }
  return true;
}

/**
 * Sorted indexes of the bytes no fast-path line may hold: controls (but
 * '\n', which ends lines, and a '\r' just before it: the line is read without
 * it), the backslash (escapes) and anything from 0x7F up (not ASCII). Four
 * bytes are tested at a time; lines holding one go to the slow path.
 */
export function findDirtyBytes(bytes: Uint8Array): number[] {
  const found: number[] = [];
  const n = bytes.length;
  let i = 0;
  if ((bytes.byteOffset & 3) === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n >>> 2);
    for (let w = 0; w < words.length; w++) {
      const x = words[w] ?? 0;
      const y = x ^ 0x5c5c5c5c;
      const z = x + 0x01010101;
      // Per byte: below 0x20, a backslash (a zero byte of y), 0x7F (0x80 after +1) or from 0x80 up.
      // The first such byte of a word is always flagged; what follows it may be flagged falsely,
      // and every byte of a flagged word is looked at one by one.
      if (((((x - 0x20202020) & ~x) | ((y - 0x01010101) & ~y) | x | z) & 0x80808080) !== 0) {
        const base = w << 2;
        for (let k = base; k < base + 4; k++) dirtyByte(bytes, k, found);
      }
    }
    i = words.length << 2;
  }
  for (; i < n; i++) dirtyByte(bytes, i, found);
  return found;
}

function dirtyByte(bytes: Uint8Array, k: number, found: number[]): void {
  const b = bytes[k] ?? 0;
  if (b >= 0x20 && b < 0x7f && b !== 92) return;
  if (b === 10 || (b === 13 && bytes[k + 1] === 10)) return;
  found.push(k);
}
