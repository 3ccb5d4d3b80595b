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

/**
 * What the readers yield inside: chunks, and — only when asked for, by the
 * checker's worker threads — slices of local Parquet files left for the
 * workers to read.
 */
export type ReaderOutput = RecordChunk | ParquetSlice | NdjsonRange;

/**
 * A byte range of a local NDJSON file for a worker thread to read and
 * classify itself: the lines that start in `[start, end)`, cut exactly as
 * NdjsonChunker cuts them (a BOM at the file's start dropped, blank lines
 * skipped, a line over `maxLineBytes` counted invalid unread; the last line
 * may lack its line end). Ranges of a file come in order and cover it.
 */
export interface NdjsonRange {
  readonly kind: 'ndjson-range';
  readonly source: string;
  readonly path: string;
  /** The file's size when it was opened. */
  readonly size: number;
  readonly start: number;
  readonly end: number;
  /** Where the file's first line starts: 3 after a UTF-8 BOM, else 0. */
  readonly contentStart: number;
  readonly maxLineBytes: number;
  /** The last range of the file. */
  readonly last: boolean;
}

/**
 * A piece of a local Parquet file for a worker thread to read, classify and
 * count itself (the main thread only reads the footer). Slices of one file
 * come in order; `wholeGroup` slices stand or fall together, as the rows
 * of a group read in one go would (the file has no offset index, so a slice
 * reads the group's column chunks whole anyway).
 */
export interface ParquetSlice {
  readonly kind: 'parquet-slice';
  readonly source: string;
  /** The local file. */
  readonly path: string;
  readonly group: number;
  readonly groups: number;
  readonly groupStart: number;
  readonly groupRows: number;
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly wholeGroup: boolean;
  /** Read only the slice's pages through the offset index (as readParquet does for the same slice). */
  readonly useOffsetIndex: boolean;
  /** File columns read, and how they map to envelope names. */
  readonly wanted: readonly string[];
  readonly mapping: readonly (readonly [string, string])[];
  /** The last slice of the file. */
  readonly last: boolean;
  /** Rows in the whole file. */
  readonly fileRows: number;
}

