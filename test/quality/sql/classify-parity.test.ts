import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QualityReport } from '../../../src/domain/quality.js';
import { createClassifier } from '../../../src/quality/check/classify.js';
import { buildTrackingPlan } from '../../../src/quality/plan/load.js';
import type { SchemaSource, TrackingPlan } from '../../../src/quality/plan/types.js';
import { runQualityCheck } from '../../../src/quality/run.js';
import { duckdbNdjsonSource } from '../../../src/quality/sql/duckdb-source.js';
import { renderQualitySql } from '../../../src/quality/sql/render.js';
import { qualityReportFromRows } from '../../../src/quality/sql/result.js';
import { quality, queryDuckDb, scratch, sqlRecords, writeLines } from './duckdb.js';

/**
 * The SQL classification record by record against the streaming classifier:
 * every envelope rule in its order, the RFC 3339 timestamp rule, the clock
 * skew, every Avro type the plan compiles, unions, aliases, recursion, PII
 * (declared, undeclared, nested) — the same reason, segment and lateness for
 * each line.
 */

const EVERYTHING = {
  type: 'record',
  name: 'Everything',
  fields: [
    { name: 'req', type: 'string' },
    { name: 'i', type: 'int', default: 0 },
    { name: 'l', type: 'long', default: 0 },
    { name: 'f', type: 'float', default: 0 },
    { name: 'd', type: 'double', default: 0 },
    { name: 'b', type: 'boolean', default: false },
    { name: 'n', type: 'null', default: null },
    { name: 'by', type: 'bytes', default: '' },
    { name: 'fx', type: { type: 'fixed', name: 'Three', size: 3 }, default: 'abc' },
    { name: 'e', type: { type: 'enum', name: 'Color', symbols: ['red', 'green'] }, default: 'red' },
    { name: 'eo', type: { type: 'enum', name: 'Open', symbols: ['a', 'b'], default: 'a' }, default: 'a' },
    {
      name: 'items',
      type: {
        type: 'array',
        items: { type: 'record', name: 'Item', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int', default: 1 }] },
      },
      default: [],
    },
    { name: 'attrs', type: { type: 'map', values: 'string' }, default: {} },
    { name: 'opt', type: ['null', 'string'], default: null },
    { name: 'either', type: ['int', 'string', { type: 'array', items: 'string' }], default: 0 },
    {
      name: 'nested',
      type: ['null', { type: 'record', name: 'Nested', fields: [{ name: 'x', type: 'string' }, { name: 'y', type: ['null', 'int'], default: null }] }],
      default: null,
    },
    { name: 'secret', type: ['null', 'string'], default: null, pii: true },
    { name: 'renamed', aliases: ['old_name'], type: 'string', default: '' },
    { name: 'next', type: ['null', 'Everything'], default: null },
    { name: 'grid', type: { type: 'array', items: { type: 'array', items: 'int' } }, default: [] },
  ],
};

const SOURCES: readonly SchemaSource[] = [
  { event: 'everything', version: 1, file: 'everything/1.avsc', text: JSON.stringify({ ...EVERYTHING, fields: EVERYTHING.fields.slice(0, 3) }) },
  { event: 'everything', version: 2, file: 'everything/2.avsc', text: JSON.stringify(EVERYTHING) },
  {
    event: `it's "quoted"`,
    version: 1,
    file: 'q/1.avsc',
    text: JSON.stringify({ type: 'record', name: 'Q', fields: [{ name: 'x', type: 'string' }] }),
  },
];

function plan(pii = true): TrackingPlan {
  return buildTrackingPlan(SOURCES, { pii: { enabled: pii } });
}

/** The same plan on disk, for runQualityCheck. */
function planDir(): string {
  const dir = path.join(scratch, 'parity-plan');
  for (const source of SOURCES) {
    mkdirSync(path.join(dir, source.event), { recursive: true });
    writeFileSync(path.join(dir, source.event, `${source.version}.avsc`), source.text);
  }
  return dir;
}

const base = {
  eventId: 'e1',
  eventName: 'everything',
  timestamp: '2026-11-22T10:00:00.000Z',
  receivedAt: '2026-11-22T10:00:05.000Z',
  properties: { req: 'x' },
  context: { platform: 'web' },
};
const withProps = (props: Record<string, unknown>): string => JSON.stringify({ ...base, properties: { req: 'x', ...props } });
const withEnvelope = (overrides: Record<string, unknown>, drop: readonly string[] = []): string => {
  const record: Record<string, unknown> = { ...base, ...overrides };
  for (const key of drop) delete record[key];
  return JSON.stringify(record);
};

const ENVELOPE_LINES = [
  JSON.stringify(base),
  // Not JSON as JSON.parse reads it (DuckDB's own reader accepts the first five).
  '[1,]',
  '{"eventId":"e1",}',
  'NaN',
  '{"a":Infinity}',
  '{"a":-inf}',
  "{'eventId': 'e1'}",
  '{"eventId": ',
  '<html>502</html>',
  'undefined',
  `${JSON.stringify(base).slice(0, 40)}`,
  // Whitespace JSON.parse allows; a line ending in CR.
  ` \t${JSON.stringify(base)} \r`,
  // Not an object.
  '[]',
  '"just a string"',
  '42',
  'null',
  'true',
  // eventId: absent, null, empty, wrong types.
  withEnvelope({}, ['eventId']),
  withEnvelope({ eventId: null }),
  withEnvelope({ eventId: '' }),
  withEnvelope({ eventId: 7 }),
  withEnvelope({ eventId: { id: 1 } }),
  withEnvelope({ eventId: ['e1'] }),
  withEnvelope({ eventId: false }),
  // eventName (the segment keeps a usable name even when eventId is bad).
  withEnvelope({ eventId: null, eventName: 'page_viewed' }),
  withEnvelope({}, ['eventName']),
  withEnvelope({ eventName: '' }),
  withEnvelope({ eventName: 12 }),
  withEnvelope({ eventName: null }),
  // timestamp / receivedAt / sentAt shapes.
  withEnvelope({}, ['timestamp']),
  withEnvelope({ timestamp: null }),
  withEnvelope({ timestamp: '' }),
  withEnvelope({ timestamp: 1795311600000 }),
  withEnvelope({}, ['receivedAt']),
  withEnvelope({ receivedAt: '' }),
  withEnvelope({ receivedAt: { t: 1 } }),
  withEnvelope({ sentAt: null }),
  withEnvelope({ sentAt: '' }),
  withEnvelope({ sentAt: 5 }),
  withEnvelope({ sentAt: 'yesterday' }),
  withEnvelope({ sentAt: '2026-11-22T10:00:04Z' }),
  // properties.
  withEnvelope({}, ['properties']),
  withEnvelope({ properties: null }),
  withEnvelope({ properties: '' }),
  withEnvelope({ properties: 'oops' }),
  withEnvelope({ properties: [] }),
  withEnvelope({ properties: 3 }),
  // context: null and absent read as {}; '' is missing; other kinds are wrong.
  withEnvelope({ context: null }),
  withEnvelope({}, ['context']),
  withEnvelope({ context: '' }),
  withEnvelope({ context: 'web' }),
  withEnvelope({ context: [] }),
  withEnvelope({ context: {} }),
  withEnvelope({ context: { platform: '' } }),
  withEnvelope({ context: { platform: 3, device: { platform: 'ios' } } }),
  withEnvelope({ context: { os: { name: 'Android' } } }),
  withEnvelope({ context: { device: 'x', os: { name: 'tvOS' } } }),
  withEnvelope({ context: { platform: 'Web ' } }),
  // userId / anonymousId.
  withEnvelope({ userId: null, anonymousId: null }),
  withEnvelope({ userId: '' }),
  withEnvelope({ userId: 5 }),
  withEnvelope({ anonymousId: {} }),
  // Order of checks: the first failure wins.
  withEnvelope({ eventId: 5, timestamp: 'bad', properties: 'x' }),
  withEnvelope({ timestamp: 'bad', properties: 'x' }),
  withEnvelope({ timestamp: 'bad', userId: 4 }),
  withEnvelope({ timestamp: '2026-11-22T11:00:00Z', properties: { req: 5 } }),
  // Clock skew: 5 minutes allowed, exactly, then 1 ms more.
  withEnvelope({ timestamp: '2026-11-22T10:05:05.000Z' }),
  withEnvelope({ timestamp: '2026-11-22T10:05:05.001Z' }),
  withEnvelope({ timestamp: '2026-11-22T09:00:00Z' }),
  // Unknown events, and an event name that needs quoting.
  withEnvelope({ eventName: 'unplanned' }),
  withEnvelope({ eventName: `it's "quoted"`, properties: { x: 'y' } }),
  withEnvelope({ eventName: `it's "quoted"`, properties: { x: 1 } }),
  withEnvelope({ eventName: `it's` }),
];

const TIMESTAMPS = [
  '2026-11-22T10:00:00Z',
  '2026-11-22T10:00:00.1Z',
  '2026-11-22T10:00:00.12Z',
  '2026-11-22T10:00:00.123456789Z',
  '2026-11-22T11:00:00+01:00',
  '2026-11-22T04:30:00-05:30',
  '2026-11-22T10:00:00.5-00:00',
  '2024-02-29T10:00:00Z',
  '2023-02-29T10:00:00Z',
  '2026-04-31T10:00:00Z',
  '2000-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '0000-02-29T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999+23:59',
  '2026-11-22T24:00:00Z',
  '2026-11-22T10:60:00Z',
  '2026-11-22T10:00:60Z',
  '2026-13-22T10:00:00Z',
  '2026-00-22T10:00:00Z',
  '2026-11-00T10:00:00Z',
  '2026-11-22T10:00:00+24:00',
  '2026-11-22T10:00:00+01:60',
  '2026-11-22T10:00:00+0100',
  '2026-11-22t10:00:00z',
  '2026-11-22 10:00:00Z',
  '2026-11-22T10:00:00',
  '2026-11-22T10:00:00.Z',
  '2026-11-22T10:00Z',
  '2026-11-22T10:00:00ZZ',
  '2026-11-22T10:00:00.000Z ',
  ' 2026-11-22T10:00:00Z',
  '+2026-11-22T10:00:00Z',
  '2026-11-22T10:00:00.0000000000000000000000000000000000000000000001Z',
  '2026-11-22T10:00:00.00000000000000000000000000000000000000000000001Z',
  '２026-11-22T10:00:00Z',
  'Sun Nov 22 2026 10:00:00 GMT+0000',
  '1795311600000',
];

const PROPERTY_LINES = [
  withProps({}),
  JSON.stringify({ ...base, properties: {} }),
  // int: integral doubles in range; 1.0 is an integer once parsed.
  withProps({ i: 1.0 }),
  withProps({ i: -2147483648 }),
  withProps({ i: 2147483647 }),
  '{"eventId":"e1","eventName":"everything","timestamp":"2026-11-22T10:00:00Z","receivedAt":"2026-11-22T10:00:05Z","properties":{"req":"x","i":2147483648}}',
  '{"eventId":"e1","eventName":"everything","timestamp":"2026-11-22T10:00:00Z","receivedAt":"2026-11-22T10:00:05Z","properties":{"req":"x","i":1e2}}',
  '{"eventId":"e1","eventName":"everything","timestamp":"2026-11-22T10:00:00Z","receivedAt":"2026-11-22T10:00:05Z","properties":{"req":"x","i":-0}}',
  '{"eventId":"e1","eventName":"everything","timestamp":"2026-11-22T10:00:00Z","receivedAt":"2026-11-22T10:00:05Z","properties":{"req":"x","d":1e400}}',
  '{"eventId":"e1","eventName":"everything","timestamp":"2026-11-22T10:00:00Z","receivedAt":"2026-11-22T10:00:05Z","properties":{"req":"x","l":9223372036854775807}}',
  '{"eventId":"e1","eventName":"everything","timestamp":"2026-11-22T10:00:00Z","receivedAt":"2026-11-22T10:00:05Z","properties":{"req":"x","l":9223372036854777856}}',
  '{"eventId":"e1","eventName":"everything","timestamp":"2026-11-22T10:00:00Z","receivedAt":"2026-11-22T10:00:05Z","properties":{"req":"x","f":3.5e38}}',
  withProps({ i: 1.5 }),
  withProps({ i: '1' }),
  withProps({ l: 2 ** 53 }),
  withProps({ l: 0.5 }),
  withProps({ f: 3.4e38 }),
  withProps({ d: -1.5e300 }),
  withProps({ d: 'NaN' }),
  withProps({ b: 0 }),
  withProps({ b: true }),
  withProps({ n: null }),
  withProps({ n: 0 }),
  withProps({ by: 'anything' }),
  withProps({ by: 1 }),
  // fixed: UTF-16 length.
  withProps({ fx: 'xyz' }),
  withProps({ fx: 'xy' }),
  withProps({ fx: 'a😀' }),
  withProps({ fx: '😀😀' }),
  withProps({ fx: 'éèê' }),
  // enums: closed and open.
  withProps({ e: 'green' }),
  withProps({ e: 'blue' }),
  withProps({ e: 1 }),
  withProps({ eo: 'zzz' }),
  withProps({ eo: 2 }),
  // required field: absent, null, wrong.
  JSON.stringify({ ...base, properties: { i: 1 } }),
  withProps({ req: null }),
  withProps({ req: 5 }),
  // arrays of records: the first failing item decides.
  withProps({ items: [{ sku: 'a' }, { sku: 'b', qty: 2 }] }),
  withProps({ items: [{ sku: 'a', qty: 1.5 }, { qty: 2 }] }),
  withProps({ items: [{ qty: 2 }, { sku: 'a', qty: 1.5 }] }),
  withProps({ items: [{ sku: 'a', note: 'mail me: a@b.co' }] }),
  withProps({ items: [null] }),
  withProps({ items: {} }),
  withProps({ grid: [[1, 2], [3]] }),
  withProps({ grid: [[1, 2.5]] }),
  withProps({ grid: [1] }),
  // maps.
  withProps({ attrs: { a: 'x', b: 'y' } }),
  withProps({ attrs: { a: 1 } }),
  withProps({ attrs: { a: 'x', b: 'jane@example.com' } }),
  withProps({ attrs: [] }),
  // unions.
  withProps({ opt: null }),
  withProps({ opt: 'x' }),
  withProps({ opt: 3 }),
  withProps({ opt: '+1 415 555 0100' }),
  withProps({ either: 3 }),
  withProps({ either: 'x' }),
  withProps({ either: ['a', 'b'] }),
  withProps({ either: [1] }),
  withProps({ either: 1.5 }),
  withProps({ either: null }),
  withProps({ either: {} }),
  withProps({ either: ['jane@example.com'] }),
  withProps({ nested: { x: 'a', y: 2 } }),
  withProps({ nested: { y: 2 } }),
  withProps({ nested: { x: 'a', y: 'b' } }),
  withProps({ nested: { x: 'a', extra: { deep: ['+44 20 7946 0958'] } } }),
  withProps({ nested: 'x' }),
  // PII: declared fields are exempt, everything else is scanned.
  withProps({ secret: 'jane@example.com' }),
  withProps({ req: 'jane@example.com' }),
  withProps({ req: 'Contact me at john.smith@example.org' }),
  withProps({ req: '(415) 555-0100' }),
  withProps({ req: '415-555-0100' }),
  withProps({ req: '06 12 34 56 78' }),
  withProps({ req: '01-02-2026' }),
  withProps({ req: '0612345678' }),
  withProps({ req: '4.2.0' }),
  withProps({ undeclared: 'jane@example.com' }),
  withProps({ undeclared: { 'jane@example.com': 'key, not value' } }),
  withProps({ undeclared: { a: [1, { b: 'x', c: 'jane\u0040example.com' }] } }),
  withProps({ undeclared: 'a "quoted" \\ value', other: 'fine' }),
  withProps({ 'key/with~odd"chars': 'jane@example.com' }),
  withProps({ req: 'jane@example.com', i: 'wrong first?' }),
  withProps({ i: 'wrong', undeclared: 'jane@example.com' }),
  // aliases: an old name counts as present.
  withProps({ old_name: 'x' }),
  withProps({ old_name: 5 }),
  withProps({ renamed: 'a', old_name: 5 }),
  // recursion (three levels are rendered).
  withProps({ next: { req: 'y', next: { req: 'z' } } }),
  withProps({ next: { req: 'y', next: { i: 1 } } }),
  withProps({ next: { next: { req: 'z', e: 'blue' }, req: 'y' } }),
  // keys that shadow Object.prototype.
  withProps({ constructor: 'x', toString: 'jane@example.com' }),
];

const PII_SAMPLES = [
  '+14155550100',
  '+1 (415) 555-0100',
  '+1 415 555 0100',
  '+44 20 7946 0958',
  '+0 415 555 0100',
  '+123',
  '+1234567890123456',
  '+1 (2) (3) (4) (5) (6) (7) (8) (9) (0) (1) (2)',
  '(415) 555-0100',
  '415.555.0100',
  '1-415-555-0100',
  '1 415 555 0100',
  '4155550100',
  '(020) 7946 0958',
  '030 1234567',
  '07911-123456',
  '01/02/2026',
  '1.2.2026',
  '06.12.34.56.78',
  'a@b.co',
  'a@b.c',
  'x.y+tag@sub-domain.example.museum',
  'not an email @ all',
  'john@localhost',
  '2026-11-22T10:00:00Z',
  '550e8400-e29b-41d4-a716-446655440000',
  '12.99',
  '1795311600000',
  '+1 415 555 0100\n',
  '＋1 415 555 0100',
  '415 555 0100 ext',
];

/** A small seeded PRNG (mulberry32): the same fuzz every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Timestamps near the accepted shape: digits, separators, fractions and zones varied at random. */
function fuzzTimestamps(n: number): string[] {
  const r = random(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const two = (max: number): string => String(Math.floor(r() * max)).padStart(2, '0');
  return Array.from({ length: n }, () => {
    const year = pick(['2026', '2024', '2000', '1900', '0000', '9999', '1970', '20x6']);
    const date = `${year}-${two(14)}-${two(33)}`;
    const time = `${two(26)}:${two(62)}:${two(62)}`;
    const fraction = pick(['', '', '.', '.5', '.25', '.123', '.1234567', `.${'9'.repeat(50)}`]);
    const zone = pick(['Z', 'Z', 'z', '', '+01:00', '-05:30', '+23:59', '+24:00', '-00:60', '+0100', 'ZZ']);
    const sep = pick(['T', 'T', 'T', ' ', 't']);
    return `${date}${sep}${time}${fraction}${zone}`;
  });
}

/** Strings around the PII patterns: digits, separators, parentheses, plus signs, at signs, letters. */
function fuzzStrings(n: number): string[] {
  const r = random(11);
  const alphabet = ['0', '1', '2', '4', '5', '7', '9', ' ', '-', '.', '/', '(', ')', '+', '@', 'a', 'Z', 'é', '😀'];
  const starts = ['+1 ', '(', '0', '1-', '+44 ', '4', 'x@', 'jane.', ''];
  return Array.from({ length: n }, () => {
    let s = starts[Math.floor(r() * starts.length)] ?? '';
    const len = 4 + Math.floor(r() * 36);
    for (let i = 0; i < len; i++) s += r() < 0.6 ? String(Math.floor(r() * 10)) : (alphabet[Math.floor(r() * alphabet.length)] ?? '');
    if (r() < 0.15) s += `@ex${Math.floor(r() * 9)}.co${r() < 0.5 ? 'm' : ''}`;
    return s;
  });
}

const withoutInputs = ({ inputs: _inputs, ...rest }: QualityReport): Omit<QualityReport, 'inputs'> => rest;

describe('the SQL classification (DuckDB) equals the streaming classifier, record by record', () => {
  const q = quality();
  const cases: [string, readonly string[]][] = [
    ['envelope rules and their order', ENVELOPE_LINES],
    ['RFC 3339 timestamps', TIMESTAMPS.flatMap((t) => [withEnvelope({ timestamp: t, receivedAt: '2026-11-22T10:00:05.000Z' }), withEnvelope({ receivedAt: t, timestamp: '2000-01-01T00:00:00Z' }), withEnvelope({ sentAt: t })])],
    ['every Avro type, unions, aliases, recursion, PII', PROPERTY_LINES],
    ['the PII patterns', PII_SAMPLES.map((s) => withProps({ opt: s }))],
    ['fuzzed timestamps', fuzzTimestamps(600).flatMap((t) => [withEnvelope({ timestamp: t, receivedAt: '2026-11-22T10:00:05.000Z' }), withEnvelope({ receivedAt: t, timestamp: '1900-01-01T00:00:00Z' })])],
    ['fuzzed PII-like strings', fuzzStrings(1500).map((s) => withProps({ opt: s, attrs: { k: s } }))],
  ];

  it.each(cases)('%s', async (name, lines) => {
    const p = plan();
    const classifier = createClassifier({ plan: p, clockSkewMs: q.clockSkewSeconds * 1000 });
    const file = writeLines(`${name.replace(/\W+/g, '-')}.ndjson`, lines);

    const rows = await sqlRecords(file, p, q);

    const expected = lines.map((line) => {
      const o = classifier.line(line);
      return {
        line,
        event_name: o.eventName ?? '__none__',
        platform: o.platform ?? 'unknown',
        reason: o.valid ? null : o.reason,
        lateness_ms: o.valid ? BigInt(o.receivedAtMs - o.timestampMs) : null,
      };
    });
    const actual = rows.map((r, i) => ({ line: lines[i], event_name: r['event_name'], platform: r['platform'], reason: r['reason'], lateness_ms: r['lateness_ms'] }));
    expect(actual).toEqual(expected);

    // And the whole report, against the checker's reading of the file (its fast path included).
    const now = new Date('2026-11-22T12:00:00Z');
    const sqlReport = qualityReportFromRows(
      await queryDuckDb(renderQualitySql({ dialect: 'duckdb', table: duckdbNdjsonSource([file]), rawLines: true, orderBy: 'ord', plan: p, quality: q, now })),
      { now, source: file },
    );
    const checker = await runQualityCheck({ inputs: [file], quality: q, planDir: planDir(), now, workers: 0 });
    expect(withoutInputs(sqlReport)).toEqual(withoutInputs(checker));
  });

  it('with PII detection off, nothing is pii_in_properties', async () => {
    const p = plan(false);
    const classifier = createClassifier({ plan: p });
    const lines = [...PROPERTY_LINES, ...PII_SAMPLES.map((s) => withProps({ opt: s }))];
    const file = writeLines('pii-off.ndjson', lines);

    const rows = await sqlRecords(file, p, quality({ pii: { enabled: false } }));

    expect(rows.map((r) => r['reason'])).toEqual(lines.map((line) => {
      const o = classifier.line(line);
      return o.valid ? null : o.reason;
    }));
    expect(rows.some((r) => r['reason'] === 'pii_in_properties')).toBe(false);
  });
});
