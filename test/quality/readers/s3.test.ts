import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { events, read } from './helpers.js';
import { firehoseParquetBuffer } from './parquet-files.js';
import { startS3Server, type FakeS3 } from './s3-server.js';

let s3: FakeS3;
const parquet = firehoseParquetBuffer(300, 100, { prefix: 'pq' });

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  s3 = await startS3Server({ pageSize: 2 });
});
afterAll(async () => {
  await s3.close();
  nock.enableNetConnect();
});
beforeEach(() => {
  s3.requests.length = 0;
  s3.denied.clear();
  s3.buckets.clear();
  const text = (s: string) => Buffer.from(s, 'utf8');
  s3.buckets.set(
    'lake',
    new Map<string, Uint8Array>([
      ['events/2026/11/01/10/a.ndjson', text(events(2, 'a'))],
      ['events/2026/11/01/10/b.ndjson.gz', gzipSync(events(3, 'b'))],
      ['events/2026/11/01/11/c', gzipSync(events(1, 'c'))],
      ['events/2026/11/01/11/d.jsonl', text(events(1, 'd'))],
      ['events/2026/11/01/_SUCCESS', new Uint8Array()],
      ['events/2026/11/01/_temporary/0/part.ndjson', text(events(1, 'tmp'))],
      ['events/2026/11/01/11/', new Uint8Array()],
      ['events/2026/11/010/not-this-day.ndjson', text(events(1, 'wrong'))],
      ['parquet/2026/11/01/part-0000.parquet', parquet],
      ['parquet/2026/11/01/part-0001', parquet],
    ]),
  );
});

const ids = (lines: readonly string[]) => lines.map((line) => (JSON.parse(line) as { eventId: string }).eventId);
const objectGets = () => s3.requests.filter((r) => r.key !== undefined);

describe('openInputs: s3://', () => {
  it('lists a prefix page by page and streams each object (NDJSON and gzip), in key order', async () => {
    const progress: { source: string; bytesTotal?: number }[] = [];

    const result = await read(['s3://lake/events/2026/11/01'], { s3: s3.client(), onProgress: (p) => progress.push(p) });

    expect(ids(result.lines)).toEqual(['a-0', 'a-1', 'b-0', 'b-1', 'b-2', 'c-0', 'd-0']);
    expect([...new Set(result.chunks.map((c) => c.source))]).toEqual([
      's3://lake/events/2026/11/01/10/a.ndjson',
      's3://lake/events/2026/11/01/10/b.ndjson.gz',
      's3://lake/events/2026/11/01/11/c',
      's3://lake/events/2026/11/01/11/d.jsonl',
    ]);
    expect(result.problems).toEqual([]);
    // Several list pages were needed (two keys a page here).
    expect(s3.requests.filter((r) => r.key === undefined).length).toBeGreaterThan(2);
    expect(progress[0]).toEqual({ source: 's3://lake/events/2026/11/01/10/a.ndjson', bytesRead: expect.any(Number), bytesTotal: expect.any(Number) });
  });

  it('matches a glob over keys', async () => {
    const result = await read(['s3://lake/events/**/*.gz'], { s3: s3.client() });

    expect(ids(result.lines)).toEqual(['b-0', 'b-1', 'b-2']);
  });

  it('reads a Parquet object with ranged GETs, fetching only the columns it needs', async () => {
    const result = await read(['s3://lake/parquet/2026/11/01/part-0000.parquet'], { s3: s3.client() });

    expect(result.rows).toHaveLength(300);
    expect((result.rows[299] as { eventId: string }).eventId).toBe('pq-299');
    const gets = objectGets();
    expect(gets.length).toBeGreaterThan(1);
    expect(gets.every((r) => r.range !== undefined)).toBe(true);
    const fetched = gets.reduce((sum, r) => sum + r.bytesSent, 0);
    // The big `ip` column stays in S3.
    expect(fetched).toBeLessThan(parquet.length / 2);
  });

  it('tells a Parquet object by its magic bytes when the key has no extension', async () => {
    const result = await read(['s3://lake/parquet/2026/11/01/part-0001'], { s3: s3.client() });

    expect(result.rows).toHaveLength(300);
    expect(result.problems).toEqual([]);
  });

  it('a missing bucket is a clear problem, and the next input is still read', async () => {
    const result = await read(['s3://no-such-lake/events/', 's3://lake/events/2026/11/01/10/a.ndjson'], { s3: s3.client() });

    expect(ids(result.lines)).toEqual(['a-0', 'a-1']);
    expect(result.problems).toEqual([
      {
        source: 's3://no-such-lake/events/',
        message: 'cannot list: bucket no-such-lake does not exist (NoSuchBucket); check the bucket name and the account in use (AWS_PROFILE)',
        partial: false,
      },
    ]);
  });

  it('an object the caller may not read is a problem naming the permission; the others are read', async () => {
    s3.denied.add('lake/events/2026/11/01/10/b.ndjson.gz');

    const result = await read(['s3://lake/events/2026/11/01/10/'], { s3: s3.client() });

    expect(ids(result.lines)).toEqual(['a-0', 'a-1']);
    expect(result.problems).toEqual([
      {
        source: 's3://lake/events/2026/11/01/10/b.ndjson.gz',
        message:
          "cannot read: access denied (AccessDenied): grant s3:GetObject on arn:aws:s3:::lake/events/2026/11/01/10/b.ndjson.gz to the caller's IAM role (and kms:Decrypt if the bucket uses SSE-KMS)",
        partial: false,
      },
    ]);
  });

  it('a Parquet object the caller may not read: the same clear problem', async () => {
    s3.denied.add('lake/parquet/2026/11/01/part-0000.parquet');

    const result = await read(['s3://lake/parquet/2026/11/01/part-0000.parquet'], { s3: s3.client() });

    expect(result.rows).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual([
      "cannot read: access denied (AccessDenied): grant s3:GetObject on arn:aws:s3:::lake/parquet/2026/11/01/part-0000.parquet to the caller's IAM role (and kms:Decrypt if the bucket uses SSE-KMS)",
    ]);
  });

  it('a listing the caller may not make names s3:ListBucket', async () => {
    s3.denied.add('lake');

    const result = await read(['s3://lake/events/'], { s3: s3.client() });

    expect(result.problems.map((p) => p.message)).toEqual([
      "cannot list: access denied (AccessDenied): grant s3:ListBucket on arn:aws:s3:::lake to the caller's IAM role",
    ]);
  });

  it('a prefix with nothing under it says how to match a key prefix instead', async () => {
    const result = await read(['s3://lake/events/2026/11/01/10/a'], { s3: s3.client() });

    expect(result.problems).toEqual([
      {
        source: 's3://lake/events/2026/11/01/10/a',
        message: 'no objects at or under this location; check it, or to match every key that starts with it add *: s3://lake/events/2026/11/01/10/a*',
        partial: false,
      },
    ]);
  });
});
