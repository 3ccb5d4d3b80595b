import type { FileHandle } from 'node:fs/promises';
import { brotliDecompressSync, unzipSync } from 'node:zlib';
import {
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type Compressors,
  type FileMetaData,
  type ParquetParsers,
} from 'hyparquet';
import type { ReadContext } from './context.js';
import { snappyDecompress } from './snappy-wasm.js';
import { formatCount } from './ndjson.js';
import { plural } from './stream.js';
import type { ParquetSlice, RecordChunk } from './types.js';

/**
 * Rows per `rows` chunk. A row group larger than this is read in slices when
 * the file has offset indexes (only the pages of a slice are fetched), so a
 * Firehose file with one 128 MiB row group is not decoded all at once.
 */
export const PARQUET_SLICE_ROWS = 32_768;

/** Envelope fields that hold a time: Parquet dates and epoch numbers become ISO strings. */
const TIME_FIELDS = new Set(['timestamp', 'receivedAt', 'sentAt']);
/** Envelope fields that are objects: Firehose writes them as structs or maps, other writers as JSON text. */
const OBJECT_FIELDS = new Set(['properties', 'context']);

/**
 * Codecs hyparquet decodes itself, plus the two Node's zlib adds; SNAPPY in
 * WebAssembly (hyparquet's own decoder when that fails, for its error).
 */
export const COMPRESSORS: Compressors = {
  GZIP: (input) => unzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
  SNAPPY: (input, outputLength) => snappyDecompress(input, outputLength),
};
const READABLE_CODECS = new Set(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI']);

/**
 * Parquet timestamps (TIMESTAMP_MILLIS/MICROS/NANOS, INT96) decode straight
 * to ISO-8601 text, as they are in NDJSON: no Date per value (profiling
 * showed Date creation and toISOString as the largest costs after decoding).
 */
export const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis) => isoFromMillis(Number(millis)),
  timestampFromMicroseconds: (micros) => isoFromMillis(Number(micros / 1000n)),
  timestampFromNanoseconds: (nanos) => isoFromMillis(Number(nanos / 1_000_000n)),
};

/**
 * Reads a Parquet file row group by row group, only the columns asked for,
 * through an AsyncBuffer: only the footer and the needed column chunks are
 * fetched. Rows come out as plain objects keyed by the names asked for (a
 * Glue schema's `eventid` or `event_id` column answers for `eventId`);
 * absent columns are left out for the classifier to report.
 */
export async function* readParquet(
  source: string,
  file: AsyncBuffer,
  ctx: ReadContext,
  options: { readonly footerFetchBytes?: number } = {},
): AsyncGenerator<RecordChunk> {
  const opened = await openParquet(source, file, ctx, options);
  if (opened === undefined) return;
  const { metadata, mapping, wanted, totalRows } = opened;
  const groups = metadata.row_groups;
  let groupStart = 0;
  let rowsRead = 0;
  const failures: string[] = [];
  for (const [index, group] of groups.entries()) {
    const groupRows = Number(group.num_rows);
    const start = groupStart;
    groupStart += groupRows;
    if (groupRows === 0) continue;
    const sliceRows = hasOffsetIndexes(group.columns, wanted) ? PARQUET_SLICE_ROWS : groupRows;
    let rowStart = start;
    try {
      while (rowStart < start + groupRows) {
        ctx.throwIfAborted();
        const rowEnd = Math.min(rowStart + sliceRows, start + groupRows);
        const raw = await readParquetRows(file, metadata, wanted, rowStart, rowEnd, sliceRows < groupRows);
        rowsRead += raw.length;
        for (let i = 0; i < raw.length; i += PARQUET_SLICE_ROWS) {
          const rows = raw.slice(i, i + PARQUET_SLICE_ROWS).map((row) => toRecord(row, mapping));
          yield { kind: 'rows', source, rows };
          ctx.throwIfAborted();
        }
        ctx.progress(source, Math.round((file.byteLength * (rowStart + raw.length)) / totalRows), file.byteLength);
        rowStart = rowEnd;
      }
    } catch (error) {
      if (ctx.isAbort(error)) throw error;
      failures.push(rowGroupFailure(index, groups.length, error, start + groupRows - rowStart));
    }
  }
  // Reported once the other groups are read, so `partial` says whether any rows counted.
  for (const failure of failures) ctx.problem(source, damagedFileMessage(failure), rowsRead > 0);
}

/** What a Parquet file is read with, once its footer checks out. */
interface OpenedParquet {
  readonly metadata: FileMetaData;
  /** [file column, output name] pairs. */
  readonly mapping: [string, string][];
  /** The file columns read. */
  readonly wanted: string[];
  readonly totalRows: number;
}

/**
 * Reads and checks a Parquet file's footer: readable, has some of the
 * columns asked for, only codecs tripline decodes, some rows. Each failure
 * is reported as a problem (undefined then).
 */
async function openParquet(
  source: string,
  file: AsyncBuffer,
  ctx: ReadContext,
  options: { readonly footerFetchBytes?: number },
): Promise<OpenedParquet | undefined> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file, options.footerFetchBytes === undefined ? {} : { initialFetchSize: options.footerFetchBytes });
  } catch (error) {
    if (ctx.isAbort(error)) throw error;
    ctx.problem(
      source,
      error instanceof SliceReadError
        ? `cannot read: ${error.message}`
        : `not a readable Parquet file (${messageOf(error)}); it may be cut short or still being written — copy it again`,
      false,
    );
    return undefined;
  }
  const fileColumns = parquetSchema(metadata).children.map((child) => child.element.name);
  const mapping = matchColumns(ctx.columns, fileColumns);
  if (mapping.length === 0) {
    ctx.problem(
      source,
      `has none of the columns read (${ctx.columns.join(', ')}); its columns are ${fileColumns.join(', ') || '(none)'} — is it an event export?`,
      false,
    );
    return undefined;
  }
  const wanted = mapping.map(([fileName]) => fileName);
  const codecs = unreadableCodecs(metadata, wanted);
  if (codecs.length > 0) {
    ctx.problem(
      source,
      `Parquet pages compressed with ${codecs.join(', ')}, which tripline cannot read; rewrite it with SNAPPY or GZIP (Firehose's Parquet conversion offers both)`,
      false,
    );
    return undefined;
  }

  const totalRows = Number(metadata.num_rows);
  if (totalRows === 0) {
    ctx.problem(source, 'no records: the Parquet file has 0 rows; nothing to check', false);
    return undefined;
  }
  return { metadata, mapping, wanted, totalRows };
}

/** Rows `[rowStart, rowEnd)` of a Parquet file, the columns `wanted`, as hyparquet objects keyed by file column. */
export function readParquetRows(
  file: AsyncBuffer,
  metadata: FileMetaData,
  wanted: readonly string[],
  rowStart: number,
  rowEnd: number,
  useOffsetIndex: boolean,
): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({
    file,
    metadata,
    columns: [...wanted],
    rowStart,
    rowEnd,
    compressors: COMPRESSORS,
    parsers: PARSERS,
    useOffsetIndex,
  });
}

/** `row group 3 of 9 could not be read (…): 1,204 rows not counted`. */
export function rowGroupFailure(index: number, groups: number, error: unknown, lost: number): string {
  return `row group ${index + 1} of ${groups} could not be read (${messageOf(error)}): ${formatCount(lost)} ${plural(lost, 'row')} not counted`;
}

/** The problem a row-group failure makes, once the file's other groups are read. */
export function damagedFileMessage(failure: string): string {
  return `${failure}; the other row groups are — the file may be damaged, copy it again`;
}

/**
 * A local Parquet file as slices for worker threads: the footer is read and
 * checked here (its problems are reported here), the rows are not. Groups
 * are cut in slices of at most {@link PARQUET_SLICE_ROWS} rows, so both
 * cores share a file and a worker never holds more than a slice's rows.
 */
export async function* parquetSlices(source: string, path: string, file: AsyncBuffer, ctx: ReadContext): AsyncGenerator<ParquetSlice> {
  const opened = await openParquet(source, file, ctx, {});
  if (opened === undefined) return;
  const { metadata, mapping, wanted, totalRows } = opened;
  const groups = metadata.row_groups;
  const slices: ParquetSlice[] = [];
  let groupStart = 0;
  for (const [index, group] of groups.entries()) {
    const groupRows = Number(group.num_rows);
    const start = groupStart;
    groupStart += groupRows;
    if (groupRows === 0) continue;
    // With offset indexes, the slices readParquet reads (only their pages are fetched; a failure
    // loses the rest of the group from the same row). Without, the group whole: a slice would
    // fetch and decode every page up to its end anyway (DuckDB and others write one page per
    // column chunk), and the group stands or falls as one.
    const wholeGroup = !hasOffsetIndexes(group.columns, wanted);
    const count = wholeGroup ? 1 : Math.ceil(groupRows / PARQUET_SLICE_ROWS);
    const cut = (k: number): number => (wholeGroup ? k * groupRows : Math.min(groupRows, k * PARQUET_SLICE_ROWS));
    for (let k = 0; k < count; k++) {
      slices.push({
        kind: 'parquet-slice',
        source,
        path,
        group: index,
        groups: groups.length,
        groupStart: start,
        groupRows,
        rowStart: start + cut(k),
        rowEnd: start + cut(k + 1),
        wholeGroup,
        useOffsetIndex: !wholeGroup && groupRows > PARQUET_SLICE_ROWS,
        wanted,
        mapping,
        last: false,
        fileRows: totalRows,
      });
    }
  }
  for (const [k, slice] of slices.entries()) {
    ctx.throwIfAborted();
    yield k === slices.length - 1 ? { ...slice, last: true } : slice;
    ctx.progress(source, Math.round((file.byteLength * slice.rowEnd) / totalRows), file.byteLength);
  }
}

/** Reading the bytes failed (I/O, S3), as opposed to the bytes not being Parquet. */
export class SliceReadError extends Error {
  override readonly name = 'SliceReadError';
}

/** An AsyncBuffer over an open file: each slice is one positioned read. */
export function fileAsyncBuffer(handle: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const length = Math.max(0, end - start);
      const bytes = new Uint8Array(length);
      let offset = 0;
      while (offset < length) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(bytes, offset, length - offset, start + offset));
        } catch (error) {
          throw new SliceReadError(`${messageOf(error)}; copy the file elsewhere and retry`, { cause: error });
        }
        if (bytesRead === 0) throw new Error(`the file ended at byte ${formatCount(start + offset)}, before its footer said`);
        offset += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

/**
 * Pairs each asked-for name with the file's column: exact, else ignoring case
 * and underscores (Glue lower-cases column names, some schemas snake_case them).
 * @returns [file column, output name] pairs
 */
export function matchColumns(wanted: readonly string[], fileColumns: readonly string[]): [string, string][] {
  const byKey = new Map<string, string>();
  for (const name of fileColumns) {
    const key = looseKey(name);
    if (!byKey.has(key)) byKey.set(key, name);
  }
  const pairs: [string, string][] = [];
  for (const name of wanted) {
    const match = fileColumns.includes(name) ? name : byKey.get(looseKey(name));
    if (match !== undefined) pairs.push([match, name]);
  }
  return pairs;
}

function looseKey(name: string): string {
  return name.toLowerCase().replaceAll('_', '');
}

function unreadableCodecs(metadata: FileMetaData, wanted: readonly string[]): string[] {
  const codecs = new Set<string>();
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (meta === undefined || !wanted.includes(meta.path_in_schema[0] ?? '')) continue;
      if (!READABLE_CODECS.has(meta.codec)) codecs.add(meta.codec);
    }
  }
  return [...codecs];
}

export function hasOffsetIndexes(chunks: FileMetaData['row_groups'][number]['columns'], wanted: readonly string[]): boolean {
  return chunks.every(
    (chunk) => chunk.meta_data === undefined || !wanted.includes(chunk.meta_data.path_in_schema[0] ?? '') || chunk.offset_index_offset !== undefined,
  );
}

/** One Parquet row as the classifier expects an NDJSON event to look. */
export function toRecord(row: Readonly<Record<string, unknown>>, mapping: readonly (readonly [string, string])[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [fileName, name] of mapping) {
    const value: unknown = row[fileName];
    // Parquet has no "absent": Firehose writes a missing field as null.
    if (value === null || value === undefined) continue;
    record[name] = toField(name, value);
  }
  return record;
}

/** One field of {@link toRecord}: the non-null `value` of the column mapped to envelope `name`. */
export function toField(name: string, value: unknown): unknown {
  if (TIME_FIELDS.has(name)) return toTime(value);
  if (OBJECT_FIELDS.has(name) && typeof value === 'string') return parseObject(value);
  return plain(value);
}

/** Dates, INT96 and epoch numbers (s, ms, µs or ns, told by size) to ISO-8601. */
function toTime(value: unknown): unknown {
  if (value instanceof Date) return isoOf(value);
  if (typeof value === 'bigint') {
    const abs = value < 0n ? -value : value;
    if (abs < 100_000_000_000n) return isoOf(new Date(Number(value) * 1000));
    if (abs < 100_000_000_000_000n) return isoOf(new Date(Number(value)));
    if (abs < 100_000_000_000_000_000n) return isoOf(new Date(Number(value / 1000n)));
    return isoOf(new Date(Number(value / 1_000_000n)));
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    const abs = Math.abs(value);
    if (abs < 1e11) return isoOf(new Date(value * 1000));
    if (abs < 1e14) return isoOf(new Date(value));
    if (abs < 1e17) return isoOf(new Date(value / 1000));
    return isoOf(new Date(value / 1e6));
  }
  return plain(value);
}

function isoOf(date: Date): string {
  return isoFromMillis(date.getTime());
}

/** Years 0000–9999: the range where an ISO string is `YYYY-MM-DDTHH:MM:SS.sssZ`. */
const MIN_FAST_MS = -62_167_219_200_000;
const MAX_FAST_MS = 253_402_300_799_999;
let cachedMinute = Number.NaN;
let cachedPrefix = '';

/**
 * `new Date(ms).toISOString()`, faster: events in a file come minutes apart,
 * so the `YYYY-MM-DDTHH:MM:` part is reused and only seconds are formatted.
 */
export function isoFromMillis(ms: number): string {
  // An out-of-range date stays visibly wrong for the timestamp check.
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return 'Invalid Date';
  if (ms < MIN_FAST_MS || ms > MAX_FAST_MS || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const minute = Math.floor(ms / 60_000);
  if (minute !== cachedMinute) {
    cachedMinute = minute;
    cachedPrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
  }
  const rest = ms - minute * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${cachedPrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

function parseObject(text: string): unknown {
  try {
    // JSON text keeps its nulls: there, null and absent differ.
    return JSON.parse(text);
  } catch {
    // Not JSON: the classifier reports the wrong type.
    return text;
  }
}

/** Makes a decoded value JSON-like: ISO dates, numbers for safe bigints, no null fields. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value !== 'bigint') return value;
    const n = Number(value);
    // A bigint past 2^53 would lose digits as a number; keep them as text.
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date) return isoOf(value);
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(plain);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null || field === undefined) continue;
    out[key] = plain(field);
  }
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
