/*
 * A Parquet slice read as columns, for the checker's worker threads.
 * Reading rows as objects (parquetReadObjects, then JSON.parse of the
 * `properties` and `context` texts) cost a worker ~7.7 µs a row, a quarter of
 * it in garbage collection: every value of a 123k-row group became a string
 * that outlived many scavenges. Here string columns stay bytes: each value
 * is a byte range of its decompressed page (an integer in the column), read
 * in place by the fast path and decoded only when a record goes the slow way.
 */
import { parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData, type ParquetParsers, type SchemaTree } from 'hyparquet';
import type { JsonText } from '../plan/json-text.js';
import { COMPRESSORS, PARSERS, readParquetRows } from './parquet.js';
import { decodeStringChunk } from './parquet-pages.js';
import type { ParquetSlice } from './types.js';

const utf8 = new TextDecoder();

function isAscii(t: JsonText, start: number, end: number): boolean {
  const d = t.d;
  let i = start;
  for (; i + 4 <= end; i += 4) if ((d.getUint32(i, true) & 0x80808080) !== 0) return false;
  const b = t.b;
  for (; i < end; i++) if ((b[i] ?? 0) >= 0x80) return false;
  return true;
}

/**
 * The rows of one slice, column by column, in the slice's order. A value of
 * a string column is a {@link ParquetColumns.isRef reference}: its bytes are
 * `bytesOf(ref)`, its text (what parquetReadObjects would have given) is
 * `stringOf(ref)`. Any other value is what parquetReadObjects gives.
 */
export class ParquetColumns {
  /** Per file column read (in `slice.wanted` order), its values for rows `rowStart…rowEnd`. */
  readonly values: readonly (readonly unknown[])[];
  /** Whether a file column's values are references. */
  readonly refColumns: readonly boolean[];
  readonly rows: number;

  private readonly buffers: ArrayBuffer[];
  private readonly texts: (JsonText | undefined)[];
  private readonly refBuffer: Int32Array;
  private readonly refStart: Int32Array;
  private readonly refEnd: Int32Array;

  /** Whether a file column is dictionary encoded (its references repeat a few values). */
  readonly dictionaryColumns: readonly boolean[];

  constructor(
    values: readonly (readonly unknown[])[],
    refColumns: readonly boolean[],
    dictionaryColumns: readonly boolean[],
    rows: number,
    refs: { readonly buffers: ArrayBuffer[]; readonly buffer: Int32Array; readonly start: Int32Array; readonly end: Int32Array },
  ) {
    this.values = values;
    this.refColumns = refColumns;
    this.dictionaryColumns = dictionaryColumns;
    this.rows = rows;
    this.buffers = refs.buffers;
    this.texts = refs.buffers.map(() => undefined);
    this.refBuffer = refs.buffer;
    this.refStart = refs.start;
    this.refEnd = refs.end;
  }

  /** How many references there are (0 … refCount − 1). */
  get refCount(): number {
    return this.refBuffer.length;
  }

  /** The page a reference points into, as the JSON-text readers take it (made once per page). */
  textOf(ref: number): JsonText {
    const index = this.refBuffer[ref] ?? 0;
    let text = this.texts[index];
    if (text === undefined) {
      const buffer = this.buffers[index] ?? new ArrayBuffer(0);
      text = { s: Buffer.from(buffer).toString('latin1'), b: new Uint8Array(buffer), d: new DataView(buffer) };
      this.texts[index] = text;
    }
    return text;
  }

  start(ref: number): number {
    return this.refStart[ref] ?? 0;
  }

  end(ref: number): number {
    return this.refEnd[ref] ?? 0;
  }

  /** The value as text, exactly as hyparquet's default string parser decodes it. */
  stringOf(ref: number): string {
    const t = this.textOf(ref);
    const start = this.start(ref);
    const end = this.end(ref);
    // ASCII is its own Latin-1 slice; anything else is UTF-8 decoding's (with its BOM and error handling).
    return isAscii(t, start, end) ? t.s.slice(start, end) : utf8.decode(t.b.subarray(start, end));
  }

  /** A value of file column `column` as parquetReadObjects gives it. */
  plain(column: number, row: number): unknown {
    const value = this.values[column]?.[row];
    return this.refColumns[column] === true && typeof value === 'number' ? this.stringOf(value) : value;
  }
}

/**
 * Reads rows `[slice.rowStart, slice.rowEnd)` of the slice's columns. String
 * columns come as references; the others as readParquetRows gives them.
 * When anything fails, the slice is read once more the ordinary way, so
 * the error is the one readParquet would report.
 */
export async function readParquetColumns(file: AsyncBuffer, metadata: FileMetaData, slice: ParquetSlice): Promise<ParquetColumns> {
  const schema = parquetSchema(metadata);
  const refColumns = slice.wanted.map((name) => isStringColumn(schema.children.find((c) => c.element.name === name)));
  const refNames = slice.wanted.filter((_, k) => refColumns[k]);
  const otherNames = slice.wanted.filter((_, k) => !refColumns[k]);
  const rows = slice.rowEnd - slice.rowStart;

  // References: three integers a string value, growing as values come.
  const buffers: ArrayBuffer[] = [];
  let refBuffer = new Int32Array(1024);
  let refStart = new Int32Array(1024);
  let refEnd = new Int32Array(1024);
  let refCount = 0;
  let lastBuffer: ArrayBufferLike | undefined;
  let lastIndex = -1;
  const addRef = (buffer: ArrayBuffer, start: number, end: number): number => {
    if (buffer !== lastBuffer) {
      lastBuffer = buffer;
      lastIndex = buffers.push(buffer) - 1;
    }
    if (refCount === refBuffer.length) {
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      refBuffer = grow(refBuffer);
      refStart = grow(refStart);
      refEnd = grow(refEnd);
    }
    refBuffer[refCount] = lastIndex;
    refStart[refCount] = start;
    refEnd[refCount] = end;
    return refCount++;
  };
  const toRef = (bytes: Uint8Array): number => addRef(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteOffset + bytes.byteLength);

  // A whole row group's string columns are decoded here when they are the usual kind (parquet-pages.ts);
  // whatever is left goes through hyparquet.
  const decoded = new Map<string, (number | undefined)[]>();
  const dictionaryColumns = new Set<string>();
  const group = metadata.row_groups[slice.group];
  if (group !== undefined && slice.rowStart === slice.groupStart && slice.rowEnd === slice.groupStart + slice.groupRows) {
    const sink = { add: addRef };
    await Promise.all(
      refNames.map(async (name) => {
        const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name);
        const meta = chunk?.meta_data;
        const element = schema.children.find((c) => c.element.name === name)?.element;
        if (chunk === undefined || meta === undefined || element === undefined || chunk.file_path !== undefined) return;
        const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
        const end = start + Number(meta.total_compressed_size);
        let bytes: ArrayBuffer;
        try {
          bytes = await file.slice(start, end);
        } catch {
          return; // hyparquet reads it and reports the error
        }
        const values = decodeStringChunk(
          new Uint8Array(bytes),
          { codec: meta.codec, compressors: COMPRESSORS, rows: slice.groupRows, optional: element.repetition_type !== 'REQUIRED' },
          sink,
        );
        if (values !== undefined) {
          decoded.set(name, values.values);
          if (values.dictionary) dictionaryColumns.add(name);
        }
      }),
    );
  }
  const hyparquetRefNames = refNames.filter((name) => !decoded.has(name));
  const refParsers: Partial<ParquetParsers> = {
    ...PARSERS,
    // hyparquet types this parser as returning a string; the references are read back by ParquetColumns.
    stringFromBytes: ((bytes: Uint8Array | undefined) => (bytes ? toRef(bytes) : bytes)) as unknown as ParquetParsers['stringFromBytes'],
  };

  const chunks = new Map<string, { readonly start: number; readonly data: ArrayLike<unknown> }[]>();
  const onChunk = ({ columnName, columnData, rowStart }: { columnName: string; columnData: ArrayLike<unknown>; rowStart: number }): void => {
    const list = chunks.get(columnName) ?? [];
    list.push({ start: rowStart, data: columnData });
    chunks.set(columnName, list);
  };
  const common = { file, metadata, rowStart: slice.rowStart, rowEnd: slice.rowEnd, compressors: COMPRESSORS, useOffsetIndex: slice.useOffsetIndex, onChunk };
  const reads = await Promise.allSettled([
    hyparquetRefNames.length > 0 ? parquetRead({ ...common, columns: hyparquetRefNames, parsers: refParsers }) : Promise.resolve(),
    otherNames.length > 0 ? parquetRead({ ...common, columns: otherNames, parsers: PARSERS }) : Promise.resolve(),
  ]);
  if (reads.some((r) => r.status === 'rejected')) {
    // The ordinary read gives the error readParquet would have reported; if it somehow succeeds, so be it.
    await readParquetRows(file, metadata, slice.wanted, slice.rowStart, slice.rowEnd, slice.useOffsetIndex);
    const failed = reads.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw failed?.reason instanceof Error ? failed.reason : new Error(String(failed?.reason));
  }

  const values = slice.wanted.map((name): readonly unknown[] => {
    const own = decoded.get(name);
    if (own !== undefined) return own;
    const column: unknown[] = new Array<unknown>(rows);
    for (const chunk of chunks.get(name) ?? []) {
      const from = Math.max(chunk.start, slice.rowStart);
      const to = Math.min(chunk.start + chunk.data.length, slice.rowEnd);
      for (let row = from; row < to; row++) column[row - slice.rowStart] = chunk.data[row - chunk.start];
    }
    return column;
  });
  return new ParquetColumns(values, refColumns, slice.wanted.map((name) => dictionaryColumns.has(name)), rows, {
    buffers,
    buffer: refBuffer.subarray(0, refCount),
    start: refStart.subarray(0, refCount),
    end: refEnd.subarray(0, refCount),
  });
}

/**
 * A top-level column whose values hyparquet turns into text with
 * `stringFromBytes` and nothing else: BYTE_ARRAY, UTF8 / STRING or no
 * annotation at all (hyparquet reads those as UTF-8 too).
 */
function isStringColumn(node: SchemaTree | undefined): boolean {
  if (node === undefined || node.children.length > 0) return false;
  const e = node.element;
  if (e.type !== 'BYTE_ARRAY' || e.repetition_type === 'REPEATED') return false;
  if (e.converted_type === 'UTF8') return e.logical_type === undefined || e.logical_type.type === 'STRING';
  return e.converted_type === undefined && (e.logical_type === undefined || e.logical_type.type === 'STRING');
}
