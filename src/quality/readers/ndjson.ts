import type { RecordChunk } from './types.js';

export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Cuts a byte stream into `ndjson` chunks of about `chunkBytes` that hold
 * whole lines only. Lines over `maxLineBytes` are never held: their bytes are
 * dropped as they arrive and one `invalid` chunk stands for each.
 *
 * What a chunk holds: every line ends with `\n` (the chunker adds one after a
 * last line without it); no BOM; no blank or whitespace-only lines; a line
 * may still end with `\r\n` (JSON.parse treats the `\r` as whitespace). The
 * chunk owns its ArrayBuffer (byteOffset 0), so it can be transferred to a
 * worker.
 *
 * Lines in the middle of a read are sliced, not copied; the only copy is the
 * one that assembles a chunk.
 *
 * @example
 * const chunker = new NdjsonChunker('events.ndjson');
 * const out: RecordChunk[] = [];
 * for await (const bytes of stream) chunker.push(bytes, out);
 * chunker.end(out);
 */
export class NdjsonChunker {
  /** Physical lines seen so far, blank ones included (for `line N` messages). */
  lineNumber = 0;
  /** Non-blank lines passed on: kept lines plus over-long ones. */
  records = 0;

  private readonly chunkBytes: number;
  private readonly maxLineBytes: number;
  /** Whole lines waiting to be emitted. */
  private ready: Uint8Array[] = [];
  private readyBytes = 0;
  /** The start of a line whose end has not arrived yet. */
  private carry: Uint8Array[] = [];
  private carryBytes = 0;
  /** Inside a line already known to be over the limit. */
  private skipping = false;
  /** Bytes before the BOM check could be made (a stream may start with 1-byte reads). */
  private head: Uint8Array | undefined = new Uint8Array(0);

  /** Where a chunk's bytes go (by default a fresh ArrayBuffer of its own). */
  private readonly allocate: (bytes: number) => Uint8Array;

  constructor(
    readonly source: string,
    options: {
      readonly chunkBytes?: number;
      readonly maxLineBytes?: number;
      /**
       * Storage for a chunk of `bytes` (exactly that long), e.g. a reused
       * slot of a SharedArrayBuffer; the chunk then does not own its buffer.
       */
      readonly allocate?: (bytes: number) => Uint8Array;
    } = {},
  ) {
    this.chunkBytes = Math.max(1, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    this.maxLineBytes = Math.max(1, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.allocate = options.allocate ?? ((bytes) => new Uint8Array(bytes));
  }

  /** Bytes held back: whole lines not yet emitted plus the start of the current line. */
  get bufferedBytes(): number {
    return this.readyBytes + this.carryBytes;
  }

  /** Feeds the next bytes; completed chunks are appended to `out`. */
  push(bytes: Uint8Array, out: RecordChunk[]): void {
    if (this.head !== undefined) {
      const joined = concat([this.head, bytes], this.head.length + bytes.length);
      if (joined.length < 3) {
        this.head = joined;
        return;
      }
      this.head = undefined;
      bytes = hasBom(joined) ? joined.subarray(3) : joined;
    }
    this.scan(bytes, out);
  }

  /**
   * Ends the input. `dropPartial` discards an unfinished last line (the
   * stream broke off mid-line, so the line is cut, not complete).
   * @returns whether a partial line was dropped
   */
  end(out: RecordChunk[], options: { readonly dropPartial?: boolean } = {}): boolean {
    if (this.head !== undefined) {
      const head = this.head;
      this.head = undefined;
      if (head.length > 0) this.scan(head, out);
    }
    let dropped = false;
    if (this.skipping) {
      this.skipping = false;
      this.lineNumber += 1;
      this.records += 1;
      out.push(this.overLong(this.lineNumber));
    } else if (this.carryBytes > 0) {
      const pieces = this.carry;
      this.carry = [];
      const bytes = this.carryBytes;
      this.carryBytes = 0;
      this.lineNumber += 1;
      if (options.dropPartial === true) {
        dropped = !isBlank(pieces, undefined, 0, 0);
      } else if (!isBlank(pieces, undefined, 0, 0)) {
        this.records += 1;
        this.ready.push(...pieces, NEWLINE);
        this.readyBytes += bytes + 1;
      }
    }
    this.flush(out);
    return dropped;
  }

  private scan(buf: Uint8Array, out: RecordChunk[]): void {
    /** Start of the run of kept lines in `buf` not yet moved to `ready`. */
    let runStart = 0;
    let lineStart = 0;
    for (;;) {
      const nl = buf.indexOf(NL, lineStart);
      if (nl === -1) break;
      this.lineNumber += 1;
      if (this.skipping) {
        // The rest of an over-long line: drop it.
        this.skipping = false;
        this.records += 1;
        out.push(this.overLong(this.lineNumber));
        runStart = nl + 1;
      } else if (this.carryBytes + (nl - lineStart) > this.maxLineBytes) {
        this.keep(buf, runStart, lineStart);
        this.dropCarry();
        this.records += 1;
        out.push(this.overLong(this.lineNumber));
        runStart = nl + 1;
      } else if (isBlank(this.carry, buf, lineStart, nl)) {
        this.keep(buf, runStart, lineStart);
        this.dropCarry();
        runStart = nl + 1;
      } else {
        this.records += 1;
        if (this.carryBytes > 0) {
          // Only the first line of a read can continue a carried line, and
          // then runStart === lineStart === 0: the carry goes first.
          this.ready.push(...this.carry);
          this.readyBytes += this.carryBytes;
          this.carry = [];
          this.carryBytes = 0;
        }
        if (this.readyBytes + (nl + 1 - runStart) >= this.chunkBytes) {
          this.keep(buf, runStart, nl + 1);
          runStart = nl + 1;
          this.flush(out);
        }
      }
      lineStart = nl + 1;
    }
    this.keep(buf, runStart, lineStart);
    // What follows the last newline is the start of a line.
    const tail = buf.length - lineStart;
    if (this.skipping || tail === 0) return;
    if (this.carryBytes + tail > this.maxLineBytes) {
      this.dropCarry();
      this.skipping = true;
      return;
    }
    // Copy small tails: a slice would pin the whole read buffer until the line ends.
    this.carry.push(tail < 4096 ? new Uint8Array(buf.subarray(lineStart)) : buf.subarray(lineStart));
    this.carryBytes += tail;
  }

  private keep(buf: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    this.ready.push(buf.subarray(start, end));
    this.readyBytes += end - start;
  }

  private dropCarry(): void {
    this.carry = [];
    this.carryBytes = 0;
  }

  private flush(out: RecordChunk[]): void {
    if (this.readyBytes === 0) return;
    out.push({ kind: 'ndjson', source: this.source, data: concat(this.ready, this.readyBytes, this.allocate(this.readyBytes)) });
    this.ready = [];
    this.readyBytes = 0;
  }

  private overLong(line: number): RecordChunk {
    return {
      kind: 'invalid',
      source: this.source,
      reason: 'unparseable_json',
      count: 1,
      detail: `line ${line} of ${this.source} is longer than ${formatBytes(this.maxLineBytes)}`,
    };
  }
}

const NEWLINE = new Uint8Array([NL]);

function hasBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** True when the carried pieces plus `buf[start, end)` hold only spaces, tabs and CRs. */
function isBlank(carry: readonly Uint8Array[], buf: Uint8Array | undefined, start: number, end: number): boolean {
  for (const piece of carry) {
    if (!blankRange(piece, 0, piece.length)) return false;
  }
  return buf === undefined || blankRange(buf, start, end);
}

function blankRange(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b !== SPACE && b !== TAB && b !== CR) return false;
  }
  return true;
}

/** A fresh array with its own ArrayBuffer (never Node's shared pool). */
function concat(pieces: readonly Uint8Array[], total: number, out: Uint8Array = new Uint8Array(total)): Uint8Array {
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/** `1 MiB`, `64 KiB`, `1,000 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${formatCount(bytes)} bytes`;
}

/** `1,204`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
