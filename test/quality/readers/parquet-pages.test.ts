import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { COMPRESSORS } from '../../../src/quality/readers/parquet.js';
import { decodeStringChunk } from '../../../src/quality/readers/parquet-pages.js';

/**
 * The checker's own decoder for string column chunks must read what hyparquet
 * reads, value for value, or step aside (undefined) — also on damaged bytes.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'tripline-pages-'));
const utf8 = new TextDecoder();

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Column values as the checker's decoder gives them, decoded to text; undefined when it steps aside. */
function ours(bytes: Uint8Array, metadata: FileMetaData, group: number, column: string): (string | undefined)[] | undefined {
  const chunk = metadata.row_groups[group]?.columns.find((c) => c.meta_data?.path_in_schema[0] === column)?.meta_data;
  if (chunk === undefined) throw new Error('no such column');
  const element = metadata.schema.find((e) => e.name === column);
  const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
  const end = start + Number(chunk.total_compressed_size);
  const refs: { buffer: ArrayBuffer; start: number; end: number }[] = [];
  const decoded = decodeStringChunk(
    bytes.slice(start, end),
    { codec: chunk.codec, compressors: COMPRESSORS, rows: Number(metadata.row_groups[group]?.num_rows), optional: element?.repetition_type !== 'REQUIRED' },
    { add: (buffer, s, e) => refs.push({ buffer, start: s, end: e }) - 1 },
  );
  return decoded?.values.map((ref) => {
    if (ref === undefined) return undefined;
    const r = refs[ref];
    return r === undefined ? 'MISSING' : utf8.decode(new Uint8Array(r.buffer, r.start, r.end - r.start));
  });
}

async function theirs(bytes: Uint8Array, metadata: FileMetaData, group: number, column: string): Promise<(string | undefined)[]> {
  let start = 0;
  for (let g = 0; g < group; g++) start += Number(metadata.row_groups[g]?.num_rows);
  const rows = await parquetReadObjects({
    file: { byteLength: bytes.byteLength, slice: async (s, e) => bytes.slice(s, e).buffer },
    metadata,
    columns: [column],
    rowStart: start,
    rowEnd: start + Number(metadata.row_groups[group]?.num_rows),
    compressors: COMPRESSORS,
  });
  return rows.map((row) => {
    const value: unknown = row[column];
    return value === null || value === undefined ? undefined : String(value);
  });
}

const words = ['home', 'pricing', '{"a":1}', 'é', '日本', '', ' ', 'x'.repeat(300)];

describe('decoding string column chunks without hyparquet', () => {
  it('reads what hyparquet reads: plain and dictionary pages, nulls, required columns, every codec, many pages', async () => {
    const next = random(1);
    const n = 5000;
    const columns = [
      { name: 'plain', data: Array.from({ length: n }, (_, i) => `id-${i}-${words[i % words.length] ?? ''}`), type: 'STRING' as const, encoding: 'PLAIN' as const },
      { name: 'dict', data: Array.from({ length: n }, () => words[Math.floor(next() * words.length)] ?? null), type: 'STRING' as const, encoding: 'RLE_DICTIONARY' as const },
      { name: 'nulls', data: Array.from({ length: n }, (_, i) => (next() < 0.3 ? null : `v${i % 50}`)), type: 'STRING' as const },
      { name: 'required', data: Array.from({ length: n }, (_, i) => `r${i}`), type: 'STRING' as const, nullable: false },
      { name: 'allnull', data: Array.from({ length: n }, () => null), type: 'STRING' as const },
    ];
    for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP'] as const) {
      for (const pageSize of [1000, 1 << 20]) {
        const file = path.join(dir, `strings-${codec}-${pageSize}.parquet`);
        parquetWriteFile({ filename: file, codec, compressors: { GZIP: (b: Uint8Array) => gzipSync(b) }, rowGroupSize: 2000, pageSize, columnData: columns });
        const bytes = new Uint8Array(readFileSync(file));
        const metadata = parquetMetadata(bytes.slice().buffer);
        for (let group = 0; group < metadata.row_groups.length; group++) {
          for (const { name } of columns) {
            const mine = ours(bytes, metadata, group, name);
            expect(mine, `${codec} ${pageSize} ${name}`).toBeDefined();
            expect(mine).toEqual(await theirs(bytes, metadata, group, name));
          }
        }
      }
    }
  });

  it('reads what hyparquet reads in a file DuckDB wrote (v1 pages, dictionaries, one page per chunk)', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const file = path.join(dir, 'duckdb.parquet');
    await connection.run(`
      COPY (SELECT 'id-' || i AS plain,
                   CASE WHEN i % 7 = 0 THEN NULL ELSE ['web', 'ios', 'android', 'é'][1 + i % 4] END AS dict,
                   CASE WHEN i % 3 = 0 THEN NULL ELSE repeat('x', i % 40) END AS nulls
            FROM range(30000) t(i))
      TO '${file}' (FORMAT PARQUET, COMPRESSION SNAPPY, ROW_GROUP_SIZE 12000)`);
    connection.closeSync();
    const bytes = new Uint8Array(readFileSync(file));
    const metadata = parquetMetadata(bytes.slice().buffer);
    expect(metadata.row_groups.length).toBeGreaterThan(1);
    for (let group = 0; group < metadata.row_groups.length; group++) {
      for (const name of ['plain', 'dict', 'nulls']) {
        const mine = ours(bytes, metadata, group, name);
        expect(mine, name).toBeDefined();
        expect(mine).toEqual(await theirs(bytes, metadata, group, name));
      }
    }
  });

  it('steps aside or agrees on damaged chunks, never reads them differently', async () => {
    const n = 3000;
    const next = random(2);
    const file = path.join(dir, 'to-damage.parquet');
    parquetWriteFile({
      filename: file,
      codec: 'SNAPPY',
      rowGroupSize: n,
      pageSize: 4000,
      columnData: [
        { name: 'dict', data: Array.from({ length: n }, () => (next() < 0.2 ? null : (words[Math.floor(next() * 5)] ?? ''))), type: 'STRING', encoding: 'RLE_DICTIONARY' },
        { name: 'plain', data: Array.from({ length: n }, (_, i) => (next() < 0.2 ? null : `p-${i}`)), type: 'STRING', encoding: 'PLAIN' },
      ],
    });
    const clean = new Uint8Array(readFileSync(file));
    const metadata = parquetMetadata(clean.slice().buffer);
    let agreed = 0;
    for (let t = 0; t < 600; t++) {
      const bytes = clean.slice();
      const column = t % 2 === 0 ? 'dict' : 'plain';
      const chunk = metadata.row_groups[0]?.columns.find((c) => c.meta_data?.path_in_schema[0] === column)?.meta_data;
      const start = Number(chunk?.dictionary_page_offset || chunk?.data_page_offset);
      const size = Number(chunk?.total_compressed_size);
      for (let k = 0; k < 1 + Math.floor(next() * 3); k++) bytes[start + Math.floor(next() * size)] = Math.floor(next() * 256);
      const mine = ours(bytes, metadata, 0, column);
      if (mine === undefined) continue;
      // Where this decoder reads the bytes, hyparquet reads them the same way.
      const reference = await theirs(bytes, metadata, 0, column).catch((error: unknown) => error);
      expect(reference).toEqual(mine);
      agreed++;
    }
    expect(agreed).toBeGreaterThan(0);
  });
});
