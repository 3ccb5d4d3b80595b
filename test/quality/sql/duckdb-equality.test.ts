import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate, type GroundTruth } from '../../../bench/dq/generate.js';
import type { QualitySection } from '../../../src/config/quality.js';
import type { QualityReport } from '../../../src/domain/quality.js';
import { loadTrackingPlan } from '../../../src/quality/plan/index.js';
import type { TrackingPlan } from '../../../src/quality/plan/types.js';
import { runQualityCheck } from '../../../src/quality/run.js';
import { duckdbNdjsonSource } from '../../../src/quality/sql/duckdb-source.js';
import { renderQualitySql } from '../../../src/quality/sql/render.js';
import { qualityReportFromRows } from '../../../src/quality/sql/result.js';
import { quality, queryDuckDb, scratch } from './duckdb.js';

/**
 * THE equality test: the DuckDB rendering of the quality metrics, run on a
 * generated file, reports exactly what the streaming checker reports on the
 * same file — every count, rate, duplicate, late count, newest receivedAt and
 * freshness, overall and per segment (and `__other__`).
 *
 * Lateness percentiles: the checker reports HdrHistogram's value at each
 * percentile (2 significant digits, so within 0.8% of the true value above
 * 256 ms). The SQL does not approximate with quantile_cont / approx_percentile:
 * it computes HdrHistogram's own bucket of every lateness and walks the
 * cumulative counts the way hdr-histogram-js does, so the percentiles are
 * asserted EXACTLY equal too. (A SQL percentile without the buckets would
 * only agree within the histogram's precision.)
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const PLAN_DIR = path.join(ROOT, 'tracking-plan');
let plan: TrackingPlan;

beforeAll(async () => {
  plan = await loadTrackingPlan(PLAN_DIR);
});

async function both(file: string, q: QualitySection, now: Date, p: TrackingPlan = plan): Promise<{ sql: QualityReport; checker: QualityReport }> {
  const rows = await queryDuckDb(renderQualitySql({ dialect: 'duckdb', table: duckdbNdjsonSource([file]), rawLines: true, orderBy: 'ord', plan: p, quality: q, now }));
  const sql = qualityReportFromRows(rows, { now, source: file });
  const checker = await runQualityCheck({ inputs: [file], quality: q, planDir: PLAN_DIR, now, workers: 0 });
  return { sql, checker };
}

const withoutInputs = ({ inputs: _inputs, ...rest }: QualityReport): Omit<QualityReport, 'inputs'> => rest;
const withoutGenerator = ({ generator: _generator, ...rest }: GroundTruth): Omit<GroundTruth, 'generator'> => rest;

describe('DuckDB rendering vs the streaming checker on a generated file', () => {
  const file = path.join(scratch, 'generated.ndjson');
  let truth: GroundTruth;
  beforeAll(async () => {
    truth = await generate({ events: 20_000, out: file, seed: 42, planDir: PLAN_DIR });
  }, 60_000);

  it('20,000 events with every defect: the same report, overall and per segment', async () => {
    const { sql, checker } = await both(file, quality(), new Date(truth.now));

    expect(withoutInputs(sql)).toEqual(withoutInputs(checker));
    // …which is the generator's ground truth, so nothing here agrees on a wrong answer.
    expect(withoutInputs(sql)).toEqual(withoutGenerator(truth));
    expect(sql.segments.length).toBeGreaterThan(20);
    expect(Object.values(sql.invalidByReason).every((n) => n > 0)).toBe(true);
    expect(sql.duplicates).toBeGreaterThan(0);
    expect(sql.inputs).toEqual([{ source: file, records: 20_000 }]);
  }, 60_000);

  it('with other settings: a small segment cap, sentAt skew correction, a composite dedup key, PII off', async () => {
    const q = quality({
      segmentCap: 5,
      correctSkewWithSentAt: true,
      allowedLatenessSeconds: 30,
      clockSkewSeconds: 60,
      dedupKey: ['context.platform', 'eventId'],
      pii: { enabled: false },
    });
    const noPii = await loadTrackingPlan(PLAN_DIR, { pii: { enabled: false } });

    const { sql, checker } = await both(file, q, new Date('2026-11-23T00:00:00Z'), noPii);

    expect(withoutInputs(sql)).toEqual(withoutInputs(checker));
    expect(sql.segments.at(-1)?.segment).toEqual({ segment: '__other__' });
  }, 60_000);
});

describe('DuckDB rendering vs the streaming checker on awkward files', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  const event = (id: string, name: string, platform: string, receivedAt = '2026-11-22T10:00:05Z'): string =>
    JSON.stringify({
      eventId: id,
      eventName: name,
      timestamp: '2026-11-22T07:00:00Z',
      receivedAt,
      properties: name === 'screen_viewed' ? { screen_name: 'Home' } : { path: '/' },
      context: { platform },
    });

  it('BOM, CRLF, blank and whitespace lines, an over-long line, no final newline', async () => {
    const file = path.join(scratch, 'awkward.ndjson');
    const long = JSON.stringify({ eventId: 'big', eventName: 'page_viewed', pad: 'x'.repeat(1024 * 1024) });
    writeFileSync(
      file,
      `\ufeff${event('a', 'page_viewed', 'web')}\r\n\r\n   \n\t\r\n${event('b', 'page_viewed', 'ios')}\n${long}\n{"broken"\n${event('c', 'page_viewed', 'web', '2026-11-22T11:00:00.250Z')}`,
    );

    const { sql, checker } = await both(file, quality(), now);

    expect(withoutInputs(sql)).toEqual(withoutInputs(checker));
    expect(sql.total).toBe(5);
    expect(sql.invalidByReason.unparseable_json).toBe(2);
  });

  it('an extra copy counts in its own segment; the first copy in the file is the original', async () => {
    const file = path.join(scratch, 'copies.ndjson');
    writeFileSync(
      file,
      [
        event('x', 'page_viewed', 'web'),
        event('x', 'screen_viewed', 'ios'),
        event('x', 'page_viewed', 'web'),
        event('y', 'screen_viewed', 'ios', '2026-11-22T09:00:00Z'),
        event('y', 'page_viewed', 'web', '2026-11-22T08:00:00Z'),
        // An invalid record with a known key is never an original or a copy.
        JSON.stringify({ eventId: 'z', eventName: 'page_viewed', timestamp: 'bad', receivedAt: '2026-11-22T10:00:00Z', properties: {} }),
        event('z', 'page_viewed', 'web'),
      ].join('\n'),
    );

    const { sql, checker } = await both(file, quality(), now);

    expect(withoutInputs(sql)).toEqual(withoutInputs(checker));
    expect(sql.duplicates).toBe(3);
    const dups = Object.fromEntries(sql.segments.map((s) => [`${s.segment['eventName']}/${s.segment['platform']}`, s.duplicates]));
    expect(dups).toEqual({ 'page_viewed/web': 2, 'screen_viewed/ios': 1, 'page_viewed/unknown': 0 });
  });

  it('past 1,000 segments, those first seen later fold into __other__ even when large (the checker tracks the first 1,000)', async () => {
    const file = path.join(scratch, 'many-segments.ndjson');
    const lines = Array.from({ length: 1100 }, (_, i) => event(`id-${i}`, `event_${String(i).padStart(4, '0')}`, 'web'));
    for (let i = 0; i < 5; i++) lines.push(event(`late-${i}`, 'event_1050', 'web'));
    writeFileSync(file, lines.join('\n'));

    const { sql, checker } = await both(file, quality({ segmentCap: 3 }), now);

    expect(withoutInputs(sql)).toEqual(withoutInputs(checker));
    expect(sql.segments.map((s) => s.segment)).not.toContainEqual({ eventName: 'event_1050', platform: 'web' });
  });

  it('an empty file: zero counts, no segments, no freshness', async () => {
    const file = path.join(scratch, 'empty.ndjson');
    writeFileSync(file, '\n\n');

    const { sql, checker } = await both(file, quality(), now);

    expect(withoutInputs(sql)).toEqual(withoutInputs(checker));
    expect(sql).toMatchObject({ total: 0, segments: [], freshnessSeconds: null, lateness: { p50: 0, p95: 0, p99: 0, max: 0 } });
  });
});

describe('the columns layout (one VARCHAR column per envelope field, JSON text for properties and context)', () => {
  it('reports what the checker reports for the same events as NDJSON', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    const rows: (string | null)[][] = [
      // eventid, eventname, userid, anonymousid, timestamp, receivedat, sentat, properties, context
      ['a', 'page_viewed', 'u1', null, '2026-11-22T10:00:00Z', '2026-11-22T10:00:02Z', null, '{"path":"/"}', '{"platform":"web"}'],
      ['a', 'page_viewed', null, 'anon', '2026-11-22T10:00:00Z', '2026-11-22T10:00:09Z', '2026-11-22T10:00:01Z', '{"path":"/"}', '{"platform":"web"}'],
      ['b', 'page_viewed', null, null, '2026-11-22T09:00:00+01:00', '2026-11-22T10:00:02Z', null, '{"title":"no path"}', null],
      ['c', 'screen_viewed', null, null, 'yesterday', '2026-11-22T10:00:02Z', null, '{"screen_name":"Home"}', '{"device":{"platform":"ios"}}'],
      ['d', 'signed_up', null, null, '2026-11-22T10:00:00Z', '2026-11-22T10:00:02Z', null, '{"method":"email","plan":"pro","referral_code":"jane@example.com"}', '{"platform":"android"}'],
      ['e', 'page_viewed', null, null, '2026-11-22T10:00:00Z', '2026-11-22T10:00:02Z', null, 'not json', '{"platform":"web"}'],
      [null, 'page_viewed', null, null, '2026-11-22T10:00:00Z', '2026-11-22T10:00:02Z', null, '{"path":"/"}', '{"platform":"web"}'],
      ['f', 'nope', null, null, '2026-11-22T10:00:00Z', '2026-11-22T10:00:02Z', null, '{}', '{"platform":"web"}'],
    ];
    const names = ['eventId', 'eventName', 'userId', 'anonymousId', 'timestamp', 'receivedAt', 'sentAt', 'properties', 'context'];
    const lines = rows.map((row) => {
      const record: Record<string, unknown> = {};
      row.forEach((value, i) => {
        if (value === null) return;
        const name = names[i] ?? '';
        record[name] = name === 'properties' || name === 'context' ? (value.startsWith('{') ? JSON.parse(value) : value) : value;
      });
      return JSON.stringify(record);
    });
    const file = path.join(scratch, 'columns.ndjson');
    writeFileSync(file, lines.join('\n'));
    const literal = (v: string | null): string => (v === null ? 'CAST(NULL AS VARCHAR)' : `'${v.replace(/'/g, "''")}'`);
    const table =
      `(SELECT * FROM (VALUES ${rows.map((r, i) => `(${i + 1}, ${r.map(literal).join(', ')})`).join(', ')}) ` +
      `AS t(n, eventid, eventname, userid, anonymousid, "timestamp", receivedat, sentat, properties, context))`;

    const sqlRows = await queryDuckDb(renderQualitySql({ dialect: 'duckdb', table, orderBy: 'n', plan, quality: quality(), now }));
    const report = qualityReportFromRows(sqlRows, { now, source: 'table' });
    const checker = await runQualityCheck({ inputs: [file], quality: quality(), planDir: PLAN_DIR, now, workers: 0 });

    expect(withoutInputs(report)).toEqual(withoutInputs(checker));
    expect(report.invalidByReason).toMatchObject({ missing_field: 2, bad_timestamp: 1, pii_in_properties: 1, wrong_type: 1, unknown_event: 1 });
  });
});
