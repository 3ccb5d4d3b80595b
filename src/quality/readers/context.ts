import type { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_CHUNK_BYTES, DEFAULT_MAX_LINE_BYTES } from './ndjson.js';
import type { ReadOptions } from './types.js';

/** The envelope fields read from Parquet when no columns are asked for. */
export const ENVELOPE_COLUMNS: readonly string[] = [
  'eventId',
  'eventName',
  'userId',
  'anonymousId',
  'timestamp',
  'receivedAt',
  'sentAt',
  'properties',
  'context',
];

/** A progress line redrawn more often than this is noise (and costs time). */
const PROGRESS_INTERVAL_MS = 100;

/** Read size for local files: few syscalls, and about one chunk per read. */
export const FILE_READ_BYTES = 1024 * 1024;

/** What the checker's worker threads ask of the readers beyond ReadOptions (see openInputTasks). */
export interface ReadInternals {
  readonly parquetSlices?: boolean;
  /** Plain local NDJSON files become byte ranges the workers read themselves. */
  readonly ndjsonRanges?: boolean;
  readonly allocateChunk?: (bytes: number) => Uint8Array;
}

/** Options resolved once, plus what every reader shares while one `openInputs` runs. */
export class ReadContext {
  readonly chunkBytes: number;
  readonly maxLineBytes: number;
  readonly columns: readonly string[];
  readonly signal: AbortSignal | undefined;
  readonly stdin: NodeJS.ReadableStream | undefined;
  /** Inputs already read (real paths, s3://bucket/key): one named twice is read once. */
  readonly seen = new Set<string>();
  /** Local Parquet files become slices for worker threads instead of decoded rows (see openInputTasks). */
  readonly parquetSlices: boolean;
  /** Plain local NDJSON files become ranges for worker threads instead of chunks (see openInputTasks). */
  readonly ndjsonRanges: boolean;
  /** Storage for NDJSON chunks (see NdjsonChunker); by default each chunk owns a fresh ArrayBuffer. */
  readonly allocateChunk: ((bytes: number) => Uint8Array) | undefined;
  private readonly options: ReadOptions;
  private lastProgress = Number.NEGATIVE_INFINITY;
  private s3Client: S3Client | undefined;

  constructor(options: ReadOptions, internal: ReadInternals = {}) {
    this.options = options;
    this.parquetSlices = internal.parquetSlices ?? false;
    this.allocateChunk = internal.allocateChunk;
    this.ndjsonRanges = internal.ndjsonRanges ?? false;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.columns = options.columns ?? ENVELOPE_COLUMNS;
    this.signal = options.signal;
    this.stdin = options.stdin;
    this.s3Client = options.s3;
  }

  problem(source: string, message: string, partial: boolean): void {
    this.options.onProblem?.({ source, message, partial });
  }

  /** Reports progress at most every ~100 ms, whichever input it comes from. */
  progress(source: string, bytesRead: number, bytesTotal: number | undefined): void {
    const onProgress = this.options.onProgress;
    if (onProgress === undefined) return;
    const now = performance.now();
    if (now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    onProgress(bytesTotal === undefined ? { source, bytesRead } : { source, bytesRead, bytesTotal });
  }

  /** The injected client, or one `create` makes (once) from the default credential chain. */
  s3(create: () => S3Client): S3Client {
    this.s3Client ??= create();
    return this.s3Client;
  }

  throwIfAborted(): void {
    this.signal?.throwIfAborted();
  }

  isAbort(error: unknown): boolean {
    return this.signal?.aborted === true && (error === this.signal.reason || isAbortError(error));
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'ABORT_ERR');
}
