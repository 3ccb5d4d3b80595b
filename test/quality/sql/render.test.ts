import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDqSql } from '../../../cli/commands/dq-sql.js';
import { InputError } from '../../../src/errors.js';
import { buildTrackingPlan } from '../../../src/quality/plan/load.js';
import { sqlIdentifier, sqlString } from '../../../src/quality/sql/dialect.js';
import { duckdbNdjsonSource } from '../../../src/quality/sql/duckdb-source.js';
import { renderQualitySql, sourceSql } from '../../../src/quality/sql/render.js';
import { qualityReportFromRows } from '../../../src/quality/sql/result.js';
import { quality, queryDuckDb, writeLines } from './duckdb.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const HOSTILE = `it's "x"); DROP TABLE events; --`;

const plan = buildTrackingPlan([
  {
    event: HOSTILE,
    version: 1,
    file: 'hostile/1.avsc',
    text: JSON.stringify({ type: 'record', name: 'H', fields: [{ name: 'label', type: { type: 'enum', name: 'L', symbols: ['a_b', 'c'] } }] }),
  },
  { event: 'page_viewed', version: 1, file: 'p/1.avsc', text: JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'path', type: 'string' }] }) },
]);
const now = new Date('2026-11-22T12:00:00Z');

/** Parentheses balance and every literal / quoted identifier closes, outside of literals and comments. */
function balanced(sql: string): boolean {
  let depth = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const close = c;
      i++;
      while (i < sql.length && !(sql[i] === close && sql[i + 1] !== close)) i += sql[i] === close ? 2 : 1;
      if (i >= sql.length) return false;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

describe('renderQualitySql: quoting and escaping', () => {
  it('writes strings as SQL literals with doubled quotes, and identifiers in double quotes', () => {
    expect(sqlString(HOSTILE)).toBe(`'it''s "x"); DROP TABLE events; --'`);
    expect(sqlIdentifier('we"ird')).toBe('"we""ird"');
    expect(() => sqlString('nul\u0000')).toThrow(InputError);
  });

  it.each(['athena', 'duckdb'] as const)('%s: an event name with quotes stays inside its literal', (dialect) => {
    const sql = renderQualitySql({ dialect, table: 'lake.events', plan, quality: quality(), now, rawLines: true });

    expect(sql).toContain(`WHEN 'it''s "x"); DROP TABLE events; --' THEN`);
    expect(sql).toContain('FROM "lake"."events"');
    expect(balanced(sql)).toBe(true);
    // The header comment lists the events; a line break in a name could not end the comment early.
    expect(sql.split('\n').filter((l) => l.includes('DROP TABLE')).every((l) => l.startsWith('--') || l.includes("'it''s"))).toBe(true);
  });

  it('DuckDB runs it: the hostile event is classified, not executed', async () => {
    const file = writeLines('hostile.ndjson', [
      JSON.stringify({ eventId: 'a', eventName: HOSTILE, timestamp: '2026-11-22T10:00:00Z', receivedAt: '2026-11-22T10:00:01Z', properties: { label: 'a_b' } }),
      JSON.stringify({ eventId: 'b', eventName: HOSTILE, timestamp: '2026-11-22T10:00:00Z', receivedAt: '2026-11-22T10:00:01Z', properties: { label: 'zzz' } }),
    ]);
    const sql = renderQualitySql({ dialect: 'duckdb', table: duckdbNdjsonSource([file]), rawLines: true, orderBy: 'ord', plan, quality: quality(), now });

    const report = qualityReportFromRows(await queryDuckDb(sql), { now, source: file });

    expect(report.segments.map((s) => [s.segment, s.valid, s.invalidByReason.wrong_type])).toEqual([[{ eventName: HOSTILE, platform: 'unknown' }, 1, 1]]);
  });

  it('Athena takes table names only; DuckDB also takes a table expression; neither takes a second statement', () => {
    expect(sourceSql('events', 'athena')).toBe('"events"');
    expect(sourceSql('awsdatacatalog.lake.events', 'athena')).toBe('"awsdatacatalog"."lake"."events"');
    expect(sourceSql('"my-lake"."events"', 'athena')).toBe('"my-lake"."events"');
    expect(() => sourceSql('events; DROP TABLE x', 'athena')).toThrow(/name an Athena table/);
    expect(() => sourceSql("read_csv('x')", 'athena')).toThrow(InputError);
    expect(sourceSql("read_csv('x.csv')", 'duckdb')).toBe("read_csv('x.csv')");
    expect(() => sourceSql("read_csv('x'); DROP TABLE y", 'duckdb')).toThrow(/no ';'/);
  });

  it('renders for Athena with Trino functions only', () => {
    const sql = renderQualitySql({ dialect: 'athena', table: 'events_raw', plan, quality: quality({ dedupKey: ['context.source', 'eventId'] }), now, rawLines: true });

    expect(sql).toMatch(/try\(json_parse\(line\)\)/);
    expect(sql).toMatch(/try\(CAST\(j AS MAP\(VARCHAR, JSON\)\)\)/);
    expect(sql).toContain('GROUPING SETS');
    for (const duckdbOnly of ['json_valid', 'list_transform', 'lambda ', ' // ', 'strlen(', 'json_extract(', 'isfinite(']) expect(sql).not.toContain(duckdbOnly);
    expect(balanced(sql)).toBe(true);
  });

  it('renders the columns layout (one column per envelope field) for both engines', () => {
    for (const dialect of ['athena', 'duckdb'] as const) {
      const sql = renderQualitySql({ dialect, table: 'events', plan, quality: quality(), now });
      expect(sql).toContain('"eventid"');
      expect(sql).toContain('"receivedat"');
      expect(sql).not.toMatch(/\bline\b.*FROM "events"/);
      expect(balanced(sql)).toBe(true);
    }
  });
});

describe('qualityReportFromRows', () => {
  it('refuses rows that are not the query\'s, saying which column (exit 3: the engine answered something else)', () => {
    expect(() => qualityReportFromRows([], { now, source: 'x' })).toThrow(/returned 0 row\(s\) but no overall row/);
    const error = (() => {
      try {
        qualityReportFromRows([{ scope_id: '0', total: 'many' }], { now, source: 'x' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ exitCode: 3, message: expect.stringMatching(/returned "many" for total; expected a whole number/) });
  });
});

describe('tripline dq sql', () => {
  it('prints the DuckDB query for an NDJSON file, reading its raw lines in order', async () => {
    const result = await runDqSql({ dialect: 'duckdb', table: 'events.ndjson', schemas: path.join(ROOT, 'tracking-plan'), now: '2026-11-22T12:00:00Z' });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^-- tripline data quality \(duckdb\)/);
    expect(result.stdout).toContain(`read_text(['events.ndjson'])`);
    expect(result.stdout).toContain('now 2026-11-22T12:00:00.000Z');
  });

  it('says which option is wrong', async () => {
    await expect(runDqSql({ dialect: 'postgres', table: 'events' })).rejects.toThrow(/--dialect: must be athena or duckdb/);
    await expect(runDqSql({ dialect: 'athena', table: 'events', now: 'yesterday' })).rejects.toThrow(/--now: must be an ISO-8601 time/);
  });
});
