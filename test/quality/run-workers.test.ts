import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/dq/generate.js';
import { QualitySectionSchema } from '../../src/config/quality.js';
import type { QualityReport } from '../../src/domain/quality.js';
import type { InputProblem } from '../../src/quality/readers/types.js';
import { runQualityCheck } from '../../src/quality/run.js';
import { writeFirehoseParquet } from './readers/parquet-files.js';

/**
 * On worker threads a local NDJSON file is read in byte ranges and a local
 * Parquet file in slices, by the workers themselves; on one thread both are
 * streamed and decoded here. The report and the problems must be the same
 * either way, whatever the file's shape (test/quality/dq-check.e2e.test.ts
 * checks the generator's truth through the CLI).
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PLAN = path.join(ROOT, 'tracking-plan');
const WORKER = pathToFileURL(path.join(ROOT, 'dist', 'cli', 'dq-worker.js'));
const quality = QualitySectionSchema.parse({});
const now = new Date('2026-11-22T02:00:00Z');
const dir = mkdtempSync(path.join(tmpdir(), 'tripline-workers-'));

async function both(
  inputs: string[],
  read: { chunkBytes?: number; maxLineBytes?: number } = {},
): Promise<{ workers: { report: QualityReport; problems: InputProblem[] }; one: { report: QualityReport; problems: InputProblem[] } }> {
  const run = async (workers: number): Promise<{ report: QualityReport; problems: InputProblem[] }> => {
    const problems: InputProblem[] = [];
    const report = await runQualityCheck({ inputs, quality, planDir: PLAN, now, workers, workerUrl: WORKER, read, onProblem: (p) => problems.push(p) });
    return { report, problems };
  };
  return { workers: await run(2), one: await run(0) };
}

let events: string;
let lines: string[];
beforeAll(async () => {
  events = path.join(dir, 'events.ndjson');
  await generate({ events: 6000, out: events, seed: 11, planDir: PLAN, invalid: 0.1 });
  lines = readFileSync(events, 'utf8').split('\n').filter((l) => l !== '');
}, 60_000);

describe('NDJSON files read in ranges by the workers', () => {
  it('gives the one-thread report, at any range size', async () => {
    for (const chunkBytes of [1000, 65_536, 1 << 20]) {
      const { workers, one } = await both([events], { chunkBytes });
      expect(workers.report).toEqual(one.report);
      expect(workers.report.total).toBe(lines.length);
      expect(workers.problems).toEqual(one.problems);
    }
  }, 60_000);

  it('cuts lines as the streaming reader does: BOM, CRLF, blank lines, over-long lines, no final line end', async () => {
    const file = path.join(dir, 'odd.ndjson');
    const body = [
      ...lines.slice(0, 300),
      '',
      '   ',
      '\t \r',
      `{"eventId":"${'x'.repeat(5000)}"}`,
      ...lines.slice(300, 600).map((l) => `${l}\r`),
      `\ufeff${lines[600] ?? ''}`,
      `  ${lines[601] ?? ''}  `,
      'not json at all',
      'é'.repeat(3000),
      ...lines.slice(602, 900),
    ].join('\n');
    writeFileSync(file, `\ufeff${body}`);
    for (const chunkBytes of [777, 4096, 1 << 20]) {
      for (const maxLineBytes of [4096, 1 << 20]) {
        const { workers, one } = await both([file], { chunkBytes, maxLineBytes });
        expect(workers.report).toEqual(one.report);
        expect(workers.problems).toEqual(one.problems);
      }
    }
  }, 60_000);

  it('reports a file of blank lines, an empty file and a gzip (streamed) the same way', async () => {
    const blank = path.join(dir, 'blank.ndjson');
    writeFileSync(blank, '\n  \n\t\n');
    const empty = path.join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const gz = path.join(dir, 'events.ndjson.gz');
    writeFileSync(gz, gzipSync(readFileSync(events)));
    const { workers, one } = await both([blank, empty, gz, events], { chunkBytes: 8192 });
    expect(workers.report).toEqual(one.report);
    expect(workers.problems).toEqual(one.problems);
    expect(workers.problems.map((p) => p.message)).toEqual(['no records: only blank lines; nothing to check', 'empty (0 bytes): nothing to check']);
  }, 60_000);
});

describe('Parquet files read in slices by the workers', () => {
  it('gives the one-thread report for Firehose-like files (struct context, epoch times), with and without offset indexes', async () => {
    const firehose = path.join(dir, 'firehose.parquet');
    writeFirehoseParquet(firehose, 2500, 700);
    const { workers, one } = await both([firehose, events]);
    expect(workers.report).toEqual(one.report);
    expect(workers.problems).toEqual(one.problems);
  }, 60_000);

  it('gives the one-thread report for string columns, plain and dictionary encoded, with nulls and several pages', async () => {
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return { eventId: l };
      }
    });
    const text = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));
    const columns = ['eventId', 'eventName', 'userId', 'anonymousId', 'timestamp', 'receivedAt', 'sentAt', 'properties', 'context'];
    for (const [k, options] of [
      [0, { codec: 'SNAPPY', encoding: undefined, offsetIndex: true }],
      [1, { codec: 'UNCOMPRESSED', encoding: 'PLAIN', offsetIndex: false }],
      [2, { codec: 'SNAPPY', encoding: 'RLE_DICTIONARY', offsetIndex: false }],
    ] as const) {
      const file = path.join(dir, `strings-${k}.parquet`);
      parquetWriteFile({
        filename: file,
        codec: options.codec,
        rowGroupSize: 2000,
        pageSize: 16_384,
        columnData: columns.map((name) => ({
          name,
          data: parsed.map((row) => text(row[name])),
          type: 'STRING' as const,
          offsetIndex: options.offsetIndex,
          ...(options.encoding ? { encoding: options.encoding } : {}),
        })),
      });
      const { workers, one } = await both([file]);
      expect(workers.report).toEqual(one.report);
      expect(workers.report.total).toBe(parsed.length);
      expect(workers.problems).toEqual(one.problems);
    }
  }, 60_000);

  it('loses the same rows, with the same problem, when a row group is damaged', async () => {
    const file = path.join(dir, 'damaged.parquet');
    writeFirehoseParquet(file, 3000, 1000);
    const bytes = readFileSync(file);
    // Scribble over the first page header of the second group's eventid column.
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const chunk = metadata.row_groups[1]?.columns.find((c) => c.meta_data?.path_in_schema[0] === 'eventid')?.meta_data;
    const at = Number(chunk?.dictionary_page_offset ?? chunk?.data_page_offset ?? 0n);
    expect(at).toBeGreaterThan(0);
    bytes.fill(0xff, at, at + 12);
    const damaged = path.join(dir, 'damaged-2.parquet');
    writeFileSync(damaged, bytes);
    const { workers, one } = await both([damaged, events]);
    expect(workers.report).toEqual(one.report);
    expect(workers.problems).toEqual(one.problems);
    expect(one.problems.length).toBeGreaterThan(0);
  }, 60_000);
});
