import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoFromMillis, PARQUET_SLICE_ROWS } from '../../../src/quality/readers/parquet.js';
import { read } from './helpers.js';
import { writeFirehoseParquet } from './parquet-files.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tripline-parquet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openInputs: Parquet', () => {
  it('reads every row group, only the envelope columns, as plain events', async () => {
    const file = join(dir, 'events.parquet');
    writeFirehoseParquet(file, 350, 100);

    const result = await read([file]);

    // 4 row groups (100, 100, 100, 50), one chunk each.
    expect(result.chunks.map((c) => (c.kind === 'rows' ? c.rows.length : -1))).toEqual([100, 100, 100, 50]);
    expect(result.rows).toHaveLength(350);
    expect(result.rows.map((row) => (row as { eventId: string }).eventId)).toEqual(Array.from({ length: 350 }, (_, i) => `e-${i}`));
    expect(result.rows[0]).toEqual({
      eventId: 'e-0',
      eventName: 'page_viewed',
      userId: 'u-0',
      timestamp: '2026-11-01T10:00:00.000Z',
      receivedAt: '2026-11-01T10:01:00.000Z',
      properties: { n: 0, path: '/home' },
      context: { platform: 'ios' },
    });
    // A null in Parquet is an absent field, as it was in the JSON Firehose converted.
    expect(result.rows[1]).toEqual({
      eventId: 'e-1',
      eventName: 'page_viewed',
      timestamp: '2026-11-01T10:00:00.001Z',
      receivedAt: '2026-11-01T10:01:00.001Z',
      properties: { n: 1, path: '/home' },
      context: { platform: 'ios', appversion: '4.2.0' },
    });
    // The column nobody asked for is not there.
    expect(result.rows.some((row) => typeof row === 'object' && row !== null && 'ip' in row)).toBe(false);
    expect(result.problems).toEqual([]);
  });

  it('reads only the columns asked for', async () => {
    const file = join(dir, 'columns.parquet');
    writeFirehoseParquet(file, 20, 10);

    const result = await read([file], { columns: ['eventId', 'ip'] });

    expect(result.rows).toHaveLength(20);
    expect(Object.keys(result.rows[0] ?? {})).toEqual(['eventId', 'ip']);
  });

  it('tells Parquet by its PAR1 magic when the name does not say', async () => {
    const file = join(dir, 'part-00000');
    writeFirehoseParquet(file, 5, 5);

    const result = await read([file]);

    expect(result.rows).toHaveLength(5);
    expect(result.problems).toEqual([]);
  });

  it('reads a row group larger than a slice in slices, losing no row', async () => {
    const file = join(dir, 'big-group.parquet');
    const n = PARQUET_SLICE_ROWS + 1000;
    parquetWriteFile({
      filename: file,
      rowGroupSize: n,
      columnData: [
        { name: 'eventId', data: Array.from({ length: n }, (_, i) => `e-${i}`), type: 'STRING' },
        { name: 'receivedAt', data: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 10, 1) + i)), type: 'TIMESTAMP' },
      ],
    });

    const result = await read([file]);

    expect(result.chunks.map((c) => (c.kind === 'rows' ? c.rows.length : -1))).toEqual([PARQUET_SLICE_ROWS, 1000]);
    const ids = result.rows.map((row) => (row as { eventId: string }).eventId);
    expect(new Set(ids).size).toBe(n);
    expect(ids[n - 1]).toBe(`e-${n - 1}`);
  });

  it('a file with none of the envelope columns gets one problem, not rows of nothing', async () => {
    const file = join(dir, 'other.parquet');
    parquetWriteFile({ filename: file, columnData: [{ name: 'price', data: [1, 2], type: 'INT32' }] });

    const result = await read([file]);

    expect(result.rows).toEqual([]);
    expect(result.problems).toEqual([
      {
        source: file,
        message:
          'has none of the columns read (eventId, eventName, userId, anonymousId, timestamp, receivedAt, sentAt, properties, context); its columns are price — is it an event export?',
        partial: false,
      },
    ]);
  });

  it('a cut-off Parquet file is a clear problem and the next input is read', async () => {
    const whole = join(dir, 'whole.parquet');
    writeFirehoseParquet(whole, 50, 10);
    const bytes = await readFile(whole);
    const cut = join(dir, 'cut.parquet');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const next = join(dir, 'next.parquet');
    await copyFile(whole, next);

    const result = await read([cut, next]);

    expect(result.rows).toHaveLength(50);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.source).toBe(cut);
    expect(result.problems[0]?.message).toMatch(/^not a readable Parquet file \(.+\); it may be cut short or still being written — copy it again$/);
  });
});

describe('isoFromMillis', () => {
  it('formats exactly as Date#toISOString, across minutes, years and the epoch', () => {
    const samples = [0, -1, 999, 59_999, 60_000, -60_001, Date.UTC(2026, 10, 1, 23, 59, 59, 999), Date.UTC(1969, 11, 31, 23, 59, 59, 5), 253_402_300_799_999, -62_167_219_200_000];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor((Math.random() - 0.3) * 4e12));
    for (const ms of samples) expect(isoFromMillis(ms)).toBe(new Date(ms).toISOString());
  });

  it('keeps impossible times visibly wrong', () => {
    expect(isoFromMillis(Number.NaN)).toBe('Invalid Date');
    expect(isoFromMillis(9e15)).toBe('Invalid Date');
    expect(isoFromMillis(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
  });
});
