/**
 * One interface for every input of `tripline dq check`: NDJSON files (plain
 * or .gz), stdin, directories and globs, Parquet files, s3://bucket/prefix.
 * Readers stream; none holds a whole input in memory.
 */

/** A piece of input, in the order read. */
export type RecordChunk =
  /**
   * Whole NDJSON lines, undecoded: workers parse them. Every line ends with
   * `\n` (the last one too); no BOM, no blank or whitespace-only lines; a line
   * may end `\r\n` (JSON.parse ignores the `\r`). `data` owns its
   * ArrayBuffer (byteOffset 0), so it can be transferred to a worker.
   */
  | { readonly kind: 'ndjson'; readonly source: string; readonly data: Uint8Array }
  /** Rows already decoded (Parquet), one object per record, only the columns asked for. */
  | { readonly kind: 'rows'; readonly source: string; readonly rows: readonly unknown[] }
  /**
   * Records that are invalid before parsing: a line over the size limit
   * counts as `unparseable_json` without being parsed.
   */
  | { readonly kind: 'invalid'; readonly source: string; readonly reason: 'unparseable_json'; readonly count: number; readonly detail: string };

export interface InputProblem {
  readonly source: string;
  /** What was wrong and what to do, e.g. `truncated gzip: 1,204 lines read before the stream ended; re-copy the file`. */
  readonly message: string;
  /** The input was read in part (its records so far count) or not at all. */
  readonly partial: boolean;
}

export interface ReadOptions {
  /** Lines longer than this are counted invalid without parsing; default 1 MiB. */
  readonly maxLineBytes?: number;
  /** Target size of an ndjson chunk; default 1 MiB. */
  readonly chunkBytes?: number;
  /** Parquet: the columns to read (top-level names); default the envelope's. */
  readonly columns?: readonly string[];
  /** For s3:// inputs; created from the default credential chain when absent. */
  readonly s3?: import('@aws-sdk/client-s3').S3Client;
  /** Called as bytes are consumed, for a progress line. */
  readonly onProgress?: (progress: { readonly source: string; readonly bytesRead: number; readonly bytesTotal?: number }) => void;
  /** A problem with one input; reading goes on with the next. */
  readonly onProblem?: (problem: InputProblem) => void;
  readonly stdin?: NodeJS.ReadableStream;
  readonly signal?: AbortSignal;
}
