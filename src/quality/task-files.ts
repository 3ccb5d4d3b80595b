/**
 * What a thread needs to read its share of local files itself: the file it
 * is on (ranges and slices of one file come one after another, so one is
 * kept open) and, for a Parquet slice, the whole read-classify-count step.
 * (The main thread taking a file's last slice itself, so nine row groups
 * would not leave one to run alone on two workers, was measured slower:
 * three decoders on two cores, and a third group's memory.)
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import type { AccumulatorOptions, Classifier, QualityAccumulatorState, WorkerBatchResult } from './check/index.js';
import { QualityAccumulator } from './check/index.js';
import { accumulateParquetColumns } from './check/columns.js';
import { fileAsyncBuffer } from './readers/parquet.js';
import { readParquetColumns } from './readers/parquet-columns.js';
import type { ParquetSlice } from './readers/types.js';

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
