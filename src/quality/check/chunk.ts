import type { RecordChunk } from '../readers/types.js';
import type { QualityAccumulator } from './accumulator.js';
import type { RecordOutcome } from '../../domain/quality.js';
import { findDirty } from '../plan/dirty-simd.js';
import { classifierInternals, type Classifier } from './classify.js';
import { jsonText, type LineScan } from './scan-line.js';

/** Keeps a BOM as U+FEFF: the readers drop the one that starts an input, any other is data. */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Classifies and counts one reader chunk: each NDJSON line, each decoded
 * row, or a reader-level invalid count. Invalid UTF-8 decodes to U+FFFD (and
 * usually fails JSON parsing). Returns the records counted.
 *
 * @example
 * for await (const chunk of read(inputs)) records += accumulateChunk(chunk, classifier, acc);
 */
export function accumulateChunk(chunk: RecordChunk, classifier: Classifier, acc: QualityAccumulator): number {
  switch (chunk.kind) {
    case 'ndjson': {
      const fast = classifierInternals(classifier);
      if (fast !== undefined) return scanLines(chunk.data, fast.scan, fast.parseLine, acc, Number.POSITIVE_INFINITY);
      const text = decoder.decode(chunk.data);
      let records = 0;
      let start = 0;
      const n = text.length;
      while (start < n) {
        let end = text.indexOf('\n', start);
        if (end === -1) end = n;
        if (end > start && !isBlank(text, start, end)) {
          acc.add(classifier.line(text.slice(start, end)));
          records++;
        }
        start = end + 1;
      }
      return records;
    }
    case 'rows': {
      for (const row of chunk.rows) acc.add(classifier.object(row));
      return chunk.rows.length;
    }
    case 'invalid': {
      acc.addInvalid(chunk.reason, chunk.count);
      return chunk.count;
    }
  }
}

/**
 * Classifies and counts the lines of `bytes` (whole lines, cut as
 * NdjsonChunker cuts them; the last may lack its line end) from a range of
 * a file a worker read itself (see NdjsonRange): blank lines are skipped
 * and a line over `maxLineBytes` counts unparseable unread, as the chunker
 * would have it. Returns the records counted.
 */
export function accumulateLines(bytes: Uint8Array, classifier: Classifier, acc: QualityAccumulator, options: { readonly maxLineBytes: number }): number {
  const fast = classifierInternals(classifier);
  const parseLine = fast?.parseLine ?? ((text: string): RecordOutcome => classifier.line(text));
  return scanLines(bytes, fast?.scan, parseLine, acc, options.maxLineBytes);
}

/**
 * The lines of NDJSON bytes through the fast path, those it cannot accept
 * through JSON.parse. The bytes are read as Latin-1 (one copy, several times
 * faster than decoding UTF-8) and in place; the bytes that keep a line off
 * the fast path (controls, backslashes, anything not ASCII) are found for
 * all lines at once, and such a line is decoded as UTF-8 on its own — the
 * same text as decoding the whole chunk, since a line break is never part of
 * a UTF-8 sequence. A BOM is kept as U+FEFF: the reader dropped the one that
 * starts the input, and any other is data (a line starting with one is not
 * JSON), wherever the chunks happen to be cut.
 */
function scanLines(
  bytes: Uint8Array,
  scan: LineScan | undefined,
  parseLine: (text: string) => RecordOutcome,
  acc: QualityAccumulator,
  maxLineBytes: number,
): number {
  let records = 0;
  for (let from = 0; from < bytes.length; ) {
    const newline = from + BLOCK_BYTES >= bytes.length ? -1 : bytes.indexOf(10, from + BLOCK_BYTES - 1);
    const to = newline === -1 ? bytes.length : newline + 1;
    records += scanBlock(bytes.subarray(from, to), scan, parseLine, acc, maxLineBytes);
    from = to;
  }
  return records;
}

/**
 * Lines are read a block of about 32 KiB at a time: a block's text is an
 * ordinary young string, dead before the next scavenge most of the time. A
 * chunk-sized text (~1 MB) lived through scavenges, was promoted, and piled
 * up in the old generation until a full GC: ~75 MB of RSS a worker.
 */
const BLOCK_BYTES = 32 * 1024;

function scanBlock(
  bytes: Uint8Array,
  scan: LineScan | undefined,
  parseLine: (text: string) => RecordOutcome,
  acc: QualityAccumulator,
  maxLineBytes: number,
): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const t = jsonText(text, bytes);
  const dirty = findDirty(bytes);
  let nextDirty = 0;
  let records = 0;
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    if (end - start > maxLineBytes) {
      // Counted, never read: as the reader counts a line over its limit.
      acc.addInvalid('unparseable_json', 1);
      records++;
    } else if (end > start) {
      // JSON.parse reads a trailing '\r' as whitespace; the scanner reads the line without it.
      const stop = text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      while (nextDirty < dirty.length && (dirty[nextDirty] ?? n) < start) nextDirty++;
      if (nextDirty >= dirty.length || (dirty[nextDirty] ?? n) >= stop) {
        if (!isBlank(text, start, end)) {
          acc.add((scan === undefined ? undefined : scan(t, start, stop)) ?? parseLine(text.slice(start, end)));
          records++;
        }
      } else {
        const line = decoder.decode(bytes.subarray(start, end));
        if (!isBlank(line, 0, line.length)) {
          acc.add(parseLine(line));
          records++;
        }
      }
    }
    start = end + 1;
  }
  return records;
}

/** Whitespace-only lines are not records (readers drop them; this guards direct callers). */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
