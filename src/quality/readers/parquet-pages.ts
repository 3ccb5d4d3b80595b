/*
 * A decoder for the one kind of Parquet column chunk the checker reads most:
 * a top-level string column (BYTE_ARRAY), REQUIRED or OPTIONAL, PLAIN or
 * dictionary encoded, in v1 or v2 data pages, uncompressed, SNAPPY or GZIP.
 * hyparquet makes a Uint8Array for every value before its string parser
 * sees it; for a 123k-row group that is ~10 MB of short-lived objects per
 * column, which made scavenges a quarter of a worker's time. Here a value
 * is a byte range of its decompressed page, pushed into a reference sink,
 * and no object is made per value.
 *
 * It reads strictly: anything it does not know or that does not add up (an
 * encoding, a page type, a length past the page, a dictionary index out of
 * range, a row count that is not the group's) makes it return undefined,
 * and the column is read by hyparquet instead, which decides what the bytes
 * mean or which error they are. What it does decode is what hyparquet
 * decodes: test/quality/readers/parquet-pages.test.ts compares them.
 */
import { snappyUncompress, type Compressors } from 'hyparquet';

/** Where values go: one reference per value, `[start, end)` of `buffer`. */
export interface RefSink {
  add(buffer: ArrayBuffer, start: number, end: number): number;
}

export interface StringChunkOptions {
  readonly codec: string;
  readonly compressors: Compressors;
  /** Rows in the row group: the chunk must hold exactly as many values. */
  readonly rows: number;
  /** OPTIONAL (definition levels of width 1), or REQUIRED (none). */
  readonly optional: boolean;
}

class Unsupported extends Error {}

/**
 * The values of a string column chunk, one per row: a reference, or
 * undefined for a null; undefined when the chunk is not one this reads.
 */
export function decodeStringChunk(
  chunk: Uint8Array,
  options: StringChunkOptions,
  refs: RefSink,
): { readonly values: (number | undefined)[]; readonly dictionary: boolean } | undefined {
  try {
    return decode(chunk, options, refs);
  } catch {
    // Unsupported, or bytes that do not add up: hyparquet decides.
    return undefined;
  }
}

const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;
const PAGE_DATA_V2 = 3;
const ENCODING_PLAIN = 0;
const ENCODING_PLAIN_DICTIONARY = 2;
const ENCODING_RLE = 3;
const ENCODING_RLE_DICTIONARY = 8;

function decode(chunk: Uint8Array, options: StringChunkOptions, refs: RefSink): { values: (number | undefined)[]; dictionary: boolean } {
  const out = new Array<number | undefined>(options.rows);
  let plainPages = 0;
  let rows = 0;
  let dictionary: number[] | undefined;
  let offset = 0;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  while (rows < options.rows) {
    if (offset >= chunk.byteLength - 1) throw new Unsupported('the chunk ends before its rows');
    const header = readPageHeader(view, offset);
    offset = header.end;
    const body = chunk.subarray(offset, offset + header.compressedSize);
    if (body.byteLength !== header.compressedSize) throw new Unsupported('page past the chunk');
    offset += header.compressedSize;

    if (header.type === PAGE_DICTIONARY) {
      const d = header.dictionary;
      if (d === undefined || (d.encoding !== ENCODING_PLAIN && d.encoding !== ENCODING_PLAIN_DICTIONARY)) throw new Unsupported('dictionary');
      const page = decompress(body, header.uncompressedSize, options);
      dictionary = readPlain(page, 0, page.byteLength, d.numValues, refs);
    } else if (header.type === PAGE_DATA) {
      const d = header.data;
      if (d === undefined) throw new Unsupported('data page');
      const page = decompress(body, header.uncompressedSize, options);
      const pv = new DataView(page.buffer, page.byteOffset, page.byteLength);
      let at = 0;
      let levels: Uint8Array | undefined;
      let nulls = 0;
      if (options.optional) {
        if (d.definitionLevelEncoding !== ENCODING_RLE) throw new Unsupported('level encoding');
        const length = pv.getUint32(at, true);
        at += 4;
        levels = new Uint8Array(d.numValues);
        readHybrid(pv, at, at + length, 1, levels);
        at += length;
        for (let i = 0; i < levels.length; i++) if (levels[i] !== 1) nulls++;
      }
      if (d.encoding === ENCODING_PLAIN) plainPages++;
      rows = emit(out, rows, d.numValues, levels, values(d.encoding, page, pv, at, page.byteLength, d.numValues - nulls, dictionary, refs), options.rows);
    } else if (header.type === PAGE_DATA_V2) {
      const d = header.dataV2;
      if (d === undefined || d.repetitionLevelsLength !== 0) throw new Unsupported('data page v2');
      const bv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      let levels: Uint8Array | undefined;
      if (options.optional) {
        levels = new Uint8Array(d.numValues);
        readHybrid(bv, 0, d.definitionLevelsLength, 1, levels);
      } else if (d.definitionLevelsLength !== 0) {
        throw new Unsupported('levels on a required column');
      }
      const rest = body.subarray(d.definitionLevelsLength);
      const size = header.uncompressedSize - d.definitionLevelsLength;
      const page = d.compressed ? decompress(rest, size, options) : rest;
      const pv = new DataView(page.buffer, page.byteOffset, page.byteLength);
      const end = d.compressed ? page.byteLength : Math.min(page.byteLength, size);
      if (d.encoding === ENCODING_PLAIN) plainPages++;
      rows = emit(out, rows, d.numValues, levels, values(d.encoding, page, pv, 0, end, d.numValues - d.numNulls, dictionary, refs), options.rows);
    } else {
      throw new Unsupported('page type');
    }
  }
  if (rows !== options.rows) throw new Unsupported('rows');
  return { values: out, dictionary: dictionary !== undefined && plainPages === 0 };
}

/** Places a page's values (nulls where the level says so) after `rows`; a page past the group's rows is not read. */
function emit(
  out: (number | undefined)[],
  rows: number,
  count: number,
  levels: Uint8Array | undefined,
  values: readonly number[],
  total: number,
): number {
  if (rows + count > total) throw new Unsupported('more values than rows');
  if (levels === undefined) {
    if (values.length !== count) throw new Unsupported('values');
    for (let i = 0; i < count; i++) out[rows + i] = values[i];
    return rows + count;
  }
  let v = 0;
  for (let i = 0; i < count; i++) out[rows + i] = levels[i] === 1 ? values[v++] : undefined;
  if (v !== values.length) throw new Unsupported('values');
  return rows + count;
}

function values(
  encoding: number,
  page: Uint8Array,
  view: DataView,
  at: number,
  end: number,
  count: number,
  dictionary: number[] | undefined,
  refs: RefSink,
): number[] {
  if (encoding === ENCODING_PLAIN) return readPlain(page, at, end, count, refs);
  if (encoding !== ENCODING_PLAIN_DICTIONARY && encoding !== ENCODING_RLE_DICTIONARY) throw new Unsupported('encoding');
  if (dictionary === undefined) throw new Unsupported('no dictionary');
  const width = view.getUint8(at);
  if (width > 32) throw new Unsupported('index width');
  const indexes = new Uint32Array(count);
  if (width > 0) readHybrid(view, at + 1, end, width, indexes);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const ref = dictionary[indexes[i] ?? 0];
    if (ref === undefined) throw new Unsupported('dictionary index');
    out[i] = ref;
  }
  return out;
}

/** PLAIN BYTE_ARRAY: a little-endian length and the bytes, `count` times, inside `[at, end)`. */
function readPlain(page: Uint8Array, at: number, end: number, count: number, refs: RefSink): number[] {
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const out = new Array<number>(count);
  const buffer = page.buffer;
  if (!(buffer instanceof ArrayBuffer)) throw new Unsupported('shared page');
  const base = page.byteOffset;
  for (let i = 0; i < count; i++) {
    if (at + 4 > end) throw new Unsupported('value past the page');
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > end) throw new Unsupported('value past the page');
    out[i] = refs.add(buffer, base + at, base + at + length);
    at += length;
  }
  return out;
}

/**
 * The RLE / bit-packed hybrid in `[at, end)`, `width` bits a value, into
 * `out` (exactly its length; a bit-packed run's padding is dropped).
 */
function readHybrid(view: DataView, at: number, end: number, width: number, out: Uint8Array | Uint32Array): void {
  if (end > view.byteLength) throw new Unsupported('levels past the page');
  const bytesPerValue = (width + 7) >> 3;
  const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
  let seen = 0;
  while (seen < out.length) {
    if (at >= end) throw new Unsupported('hybrid ends early');
    let header = 0;
    let shift = 0;
    for (;;) {
      const b = view.getUint8(at++);
      header |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28 || at >= end) throw new Unsupported('varint');
    }
    if ((header & 1) === 0) {
      const count = header >>> 1;
      if (at + bytesPerValue > end) throw new Unsupported('rle past the data');
      let value = 0;
      for (let k = 0; k < bytesPerValue; k++) value += view.getUint8(at + k) * 2 ** (8 * k);
      at += bytesPerValue;
      // hyparquet neither masks a run's value nor stops a run at the end: leave those to it.
      if (value > mask || seen + count > out.length) throw new Unsupported('rle run');
      out.fill(value, seen, seen + count);
      seen += count;
    } else {
      const groups = header >>> 1;
      const bytes = groups * width;
      if (at + bytes > end) throw new Unsupported('bit-packed past the data');
      const count = groups * 8;
      for (let k = 0; k < count && seen < out.length; k++) {
        // Value k: bits [k * width, (k + 1) * width) of the run, least significant first.
        const bit = k * width;
        let value = 0;
        for (let b = 0; b < width; b += 8 - ((bit + b) & 7)) {
          const byte = view.getUint8(at + ((bit + b) >> 3));
          const from = (bit + b) & 7;
          const take = Math.min(8 - from, width - b);
          value += ((byte >> from) & ((1 << take) - 1)) * 2 ** b;
        }
        out[seen++] = value;
      }
      at += bytes;
    }
  }
}

function decompress(body: Uint8Array, size: number, options: StringChunkOptions): Uint8Array {
  let page: Uint8Array;
  const custom = options.compressors[options.codec as keyof Compressors];
  if (options.codec === 'UNCOMPRESSED') page = body;
  else if (custom !== undefined) page = custom(body, size);
  else if (options.codec === 'SNAPPY') {
    page = new Uint8Array(size);
    snappyUncompress(body, page);
  } else throw new Unsupported('codec');
  if (page.length !== size) throw new Unsupported('page size');
  return page;
}

interface PageHeader {
  readonly type: number;
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  readonly data?: { numValues: number; encoding: number; definitionLevelEncoding: number };
  readonly dictionary?: { numValues: number; encoding: number };
  readonly dataV2?: {
    numValues: number;
    numNulls: number;
    encoding: number;
    definitionLevelsLength: number;
    repetitionLevelsLength: number;
    compressed: boolean;
  };
  /** Where the page's bytes start. */
  readonly end: number;
}

/** A Thrift compact-protocol PageHeader at `at`. */
function readPageHeader(view: DataView, at: number): PageHeader {
  const r = { view, at };
  let type = -1;
  let uncompressedSize = -1;
  let compressedSize = -1;
  let data: PageHeader['data'];
  let dictionary: PageHeader['dictionary'];
  let dataV2: PageHeader['dataV2'];
  readStruct(r, (id, t) => {
    if (id === 1 && t === T_I32) type = readZigzag(r);
    else if (id === 2 && t === T_I32) uncompressedSize = readZigzag(r);
    else if (id === 3 && t === T_I32) compressedSize = readZigzag(r);
    else if (id === 5 && t === T_STRUCT) {
      const d = { numValues: -1, encoding: -1, definitionLevelEncoding: -1 };
      readStruct(r, (fid, ft) => {
        if (fid === 1 && ft === T_I32) d.numValues = readZigzag(r);
        else if (fid === 2 && ft === T_I32) d.encoding = readZigzag(r);
        else if (fid === 3 && ft === T_I32) d.definitionLevelEncoding = readZigzag(r);
        else skip(r, ft);
      });
      data = d;
    } else if (id === 7 && t === T_STRUCT) {
      const d = { numValues: -1, encoding: -1 };
      readStruct(r, (fid, ft) => {
        if (fid === 1 && ft === T_I32) d.numValues = readZigzag(r);
        else if (fid === 2 && ft === T_I32) d.encoding = readZigzag(r);
        else skip(r, ft);
      });
      dictionary = d;
    } else if (id === 8 && t === T_STRUCT) {
      const d = { numValues: -1, numNulls: -1, encoding: -1, definitionLevelsLength: -1, repetitionLevelsLength: -1, compressed: true };
      readStruct(r, (fid, ft) => {
        if (fid === 1 && ft === T_I32) d.numValues = readZigzag(r);
        else if (fid === 2 && ft === T_I32) d.numNulls = readZigzag(r);
        else if (fid === 4 && ft === T_I32) d.encoding = readZigzag(r);
        else if (fid === 5 && ft === T_I32) d.definitionLevelsLength = readZigzag(r);
        else if (fid === 6 && ft === T_I32) d.repetitionLevelsLength = readZigzag(r);
        else if (fid === 7 && (ft === T_TRUE || ft === T_FALSE)) d.compressed = ft === T_TRUE;
        else skip(r, ft);
      });
      dataV2 = d;
    } else skip(r, t);
  });
  if (type < 0 || uncompressedSize < 0 || compressedSize < 0) throw new Unsupported('page header');
  for (const d of [data, dictionary, dataV2]) {
    if (d !== undefined && Object.values(d).some((v) => typeof v === 'number' && v < 0)) throw new Unsupported('page header');
  }
  return { type, uncompressedSize, compressedSize, ...(data ? { data } : {}), ...(dictionary ? { dictionary } : {}), ...(dataV2 ? { dataV2 } : {}), end: r.at };
}

const T_TRUE = 1;
const T_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

interface Reader {
  readonly view: DataView;
  at: number;
}

function readStruct(r: Reader, field: (id: number, type: number) => void): void {
  let id = 0;
  for (;;) {
    const b = r.view.getUint8(r.at++);
    const type = b & 0x0f;
    if (type === 0) return;
    const delta = b >> 4;
    id = delta === 0 ? readZigzag(r) : id + delta;
    field(id, type);
  }
}

function readVarint(r: Reader): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = r.view.getUint8(r.at++);
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return value;
    shift += 7;
    if (shift > 63) throw new Unsupported('varint');
  }
}

function readZigzag(r: Reader): number {
  const n = readVarint(r);
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function skip(r: Reader, type: number): void {
  switch (type) {
    case T_TRUE:
    case T_FALSE:
      return;
    case T_BYTE:
      r.at++;
      return;
    case T_I16:
    case T_I32:
    case T_I64:
      readVarint(r);
      return;
    case T_DOUBLE:
      r.at += 8;
      return;
    case T_BINARY:
      r.at += readVarint(r);
      return;
    case T_LIST:
    case T_SET: {
      const b = r.view.getUint8(r.at++);
      const size = b >> 4 === 15 ? readVarint(r) : b >> 4;
      const element = b & 0x0f;
      for (let i = 0; i < size; i++) skip(r, element === T_TRUE || element === T_FALSE ? T_BYTE : element);
      return;
    }
    case T_MAP: {
      const size = readVarint(r);
      if (size === 0) return;
      const kinds = r.view.getUint8(r.at++);
      for (let i = 0; i < size; i++) {
        skip(r, kinds >> 4);
        skip(r, kinds & 0x0f);
      }
      return;
    }
    case T_STRUCT:
      readStruct(r, (_, t) => skip(r, t));
      return;
    default:
      throw new Unsupported('thrift type');
  }
}
