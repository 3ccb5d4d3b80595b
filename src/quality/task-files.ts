/**
 * What a thread needs to read its share of local files itself: the file it
 * is on (ranges and slices of one file come one after another, so one is
 * kept open), and the whole read-classify-count step of an NDJSON range and
 * of a Parquet slice. The workers use them, and the main thread for the
 * ranges it reads while the workers boot.
 * (The main thread taking a file's last slice itself, so nine row groups
 * would not leave one to run alone on two workers, was measured slower:
 * three decoders on two cores, and a third group's memory.)
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import type { AccumulatorOptions, Classifier, QualityAccumulatorState, WorkerBatchResult } from './check/index.js';
import { QualityAccumulator } from './check/index.js';
import { accumulateLines } from './check/chunk.js';
import { accumulateParquetColumns } from './check/columns.js';
import { createSharedChunkMemory, useSharedChunkMemory, type SharedMemory } from './plan/dirty-simd.js';
import { fileAsyncBuffer } from './readers/parquet.js';
import { readParquetColumns } from './readers/parquet-columns.js';
import type { NdjsonRange, ParquetSlice } from './readers/types.js';

export class TaskFiles {
  private current: { readonly path: string; readonly handle: Promise<FileHandle>; parquet?: Promise<{ file: AsyncBuffer; metadata: FileMetaData }> } | undefined;

  handle(path: string): Promise<FileHandle> {
    if (this.current?.path !== path) {
      void this.close();
      this.current = { path, handle: open(path, 'r') };
    }
    return this.current.handle;
  }

  parquet(path: string): Promise<{ file: AsyncBuffer; metadata: FileMetaData }> {
    const handle = this.handle(path);
    const entry = this.current;
    if (entry === undefined) return Promise.reject(new Error('internal: no file'));
    entry.parquet ??= handle.then(async (h) => {
      const { size } = await h.stat();
      const buffer = fileAsyncBuffer(h, size);
      return { file: buffer, metadata: await parquetMetadataAsync(buffer) };
    });
    return entry.parquet;
  }

  async close(): Promise<void> {
    const last = this.current;
    this.current = undefined;
    if (last !== undefined) await (await last.handle.catch(() => undefined))?.close();
  }
}

/** A slice's counts on their own, or why it could not be read. */
export interface SliceAnswer {
  readonly records: number;
  readonly result?: { readonly state: QualityAccumulatorState; readonly batch: WorkerBatchResult };
  readonly error?: string;
}

/**
 * Reads, classifies and counts one Parquet slice. Its counts are kept apart
 * (a fresh accumulator): if a later slice of the group fails, the main
 * thread drops them, as readParquet would lose the group.
 */
export async function readParquetSlice(slice: ParquetSlice, files: TaskFiles, classifier: Classifier, accumulator: AccumulatorOptions): Promise<SliceAnswer> {
  try {
    const { file, metadata } = await files.parquet(slice.path);
    const columns = await readParquetColumns(file, metadata, slice);
    const acc = new QualityAccumulator({ ...accumulator, dedup: 'worker' });
    const records = accumulateParquetColumns(columns, slice.wanted, slice.mapping, classifier, acc);
    return { records, result: { state: acc.toState(), batch: acc.takeWorkerBatch() } };
  } catch (error) {
    // A file that cannot be read is closed: the next slice tries again, as readParquet would.
    await files.close();
    return { records: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Where ranges are read to: this thread's own shared memory, so the SIMD byte check reads it in place. */
let rangeMemory: { readonly memory: SharedMemory; readonly bytes: number } | undefined;

function rangeBuffer(bytes: number): Uint8Array {
  if (rangeMemory === undefined || rangeMemory.bytes < bytes) {
    const memory = createSharedChunkMemory(bytes);
    useSharedChunkMemory(memory);
    rangeMemory = { memory, bytes };
  }
  return new Uint8Array(rangeMemory.memory.buffer, 0, rangeMemory.bytes);
}

/** Reads `length` bytes at `position` into `buffer[offset…]`; fewer only at the end of the file. */
async function readAt(handle: FileHandle, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, offset + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

const NEWLINE = 10;
const TAIL_STEP = 64 * 1024;

/**
 * Reads, classifies and counts the lines that start in `[range.start,
 * range.end)`: read from the byte before the range (to tell whether a line
 * starts at its first byte), and past its end as far as its last line goes
 * (at most `maxLineBytes` + 1: a longer line is counted unread). Returns the
 * records counted.
 */
export async function readNdjsonRange(range: NdjsonRange, files: TaskFiles, classifier: Classifier, acc: QualityAccumulator): Promise<number> {
  const handle = await files.handle(range.path);
  const from = Math.max(range.start - 1, 0);
  const span = range.end - from;
  const buffer = rangeBuffer(span + range.maxLineBytes + 1 + TAIL_STEP);
  let used = await readAt(handle, buffer, 0, span, from);
  const ownedEnd = range.end - from;
  let first: number;
  if (range.start === 0) {
    first = range.contentStart;
  } else {
    const newline = buffer.subarray(0, used).indexOf(NEWLINE);
    if (newline === -1) return 0; // the range is inside a line that started before it
    first = newline + 1;
  }
  if (first >= ownedEnd || first >= used) return 0;
  if (used === span && range.end < range.size && buffer[used - 1] !== NEWLINE) {
    // The last line goes on past the range: read up to its end, or until it is too long to matter.
    const lastStart = buffer.subarray(first, used).lastIndexOf(NEWLINE) + 1 + first;
    const limit = lastStart + range.maxLineBytes + 1;
    while (used < limit) {
      const want = Math.min(TAIL_STEP, limit - used);
      const got = await readAt(handle, buffer, used, want, from + used);
      const newline = buffer.subarray(used, used + got).indexOf(NEWLINE);
      if (newline !== -1) {
        used += newline + 1;
        break;
      }
      used += got;
      if (got < want) break; // the end of the file
    }
  }
  return accumulateLines(buffer.subarray(first, used), classifier, acc, { maxLineBytes: range.maxLineBytes });
}

