import { writeFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generate, type GroundTruth } from '../../../bench/dq/generate.js';
import { runDqAthena } from '../../../cli/commands/dq-athena.js';
import { AwsError } from '../../../src/errors.js';
import { runQualityCheck } from '../../../src/quality/run.js';
import { runAthenaQuery } from '../../../src/quality/sql/athena.js';
import { duckdbNdjsonSource } from '../../../src/quality/sql/duckdb-source.js';
import { loadTrackingPlan } from '../../../src/quality/plan/index.js';
import { renderQualitySql } from '../../../src/quality/sql/render.js';
import type { QualityReport } from '../../../src/domain/quality.js';
import { startAthenaServer, type FakeAthena } from './athena-server.js';
import { quality, queryDuckDb, scratch } from './duckdb.js';

/**
 * `tripline dq athena` against a loopback Athena (AWS JSON 1.1) driven by the
 * real AthenaClient. The stand-in cannot run Trino SQL, so it answers with the
 * rows the DuckDB rendering of the same metrics gives on the same file, every
 * value turned to text as Athena sends it: the report that comes back must be
 * exactly the streaming checker's.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const PLAN_DIR = path.join(ROOT, 'tracking-plan');
let athena: FakeAthena;
let truth: GroundTruth;
let checker: QualityReport;
let columns: string[];
let rows: (string | null)[][];

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  athena = await startAthenaServer({ pageSize: 4 });
  const file = path.join(scratch, 'athena-events.ndjson');
  truth = await generate({ events: 3000, out: file, seed: 11, planDir: PLAN_DIR });
  const q = quality({ segmentCap: 8 });
  const now = new Date(truth.now);
  checker = await runQualityCheck({ inputs: [file], quality: q, planDir: PLAN_DIR, now, workers: 0 });
  const plan = await loadTrackingPlan(PLAN_DIR);
  const result = await queryDuckDb(renderQualitySql({ dialect: 'duckdb', table: duckdbNdjsonSource([file]), rawLines: true, orderBy: 'ord', plan, quality: q, now }));
  columns = Object.keys(result[0] ?? {});
  rows = result.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? null : String(r[c]))));
}, 60_000);
afterAll(async () => {
  await athena.close();
  nock.enableNetConnect();
});
beforeEach(() => {
  athena.started.length = 0;
  athena.stopped.length = 0;
  athena.operations.length = 0;
  delete athena.startError;
});

const withoutInputs = ({ inputs: _inputs, ...rest }: QualityReport): Omit<QualityReport, 'inputs'> => rest;
const config = (dir: string, extra: string[] = []): string => {
  const file = path.join(scratch, `athena-${dir}.yaml`);
  // A config file needs a receiver to be valid; only its quality section matters here.
  writeLines(file, [
    'version: 1',
    'paging:',
    '  receivers: [{ name: chat, slack: { channel: "#x" } }]',
    '  route: { receiver: chat }',
    'quality:',
    `  trackingPlan: ${JSON.stringify(PLAN_DIR)}`,
    '  segmentCap: 8',
    ...extra,
  ]);
  return file;
};
function writeLines(file: string, lines: readonly string[]): void {
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('tripline dq athena', () => {
  it('runs the Athena rendering, polls until it succeeds, reads every page and reports what dq check reports', async () => {
    athena.next = { states: ['QUEUED', 'RUNNING', 'SUCCEEDED'], columns, rows };

    const result = await runDqAthena(
      { table: 'events_raw', database: 'tracking', workgroup: 'oncall', output: 's3://results/tripline/', raw: true, config: config('ok'), now: truth.now, json: true },
      { client: athena.client() },
    );

    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout ?? '') as QualityReport & { breaches: unknown[]; athena: { queryExecutionId: string; dataScannedBytes: number } };
    const { breaches, athena: meta, ...rest } = report;
    expect(withoutInputs(rest)).toEqual(withoutInputs(checker));
    expect(report.inputs).toEqual([{ source: 'athena:tracking.events_raw', records: 3000 }]);
    expect(breaches).toEqual([]);
    expect(meta).toEqual({ queryExecutionId: athena.started[0]?.id, dataScannedBytes: 7_340_032 });
    // What Athena was asked: the Trino rendering, in the database, workgroup and result location given.
    const started = athena.started[0];
    expect(started).toMatchObject({ database: 'tracking', workGroup: 'oncall', outputLocation: 's3://results/tripline/' });
    expect(started?.queryString).toMatch(/try\(json_parse\(line\)\)/);
    expect(started?.queryString).toMatch(/FROM "events_raw"/);
    expect(started?.queryString).not.toMatch(/json_valid|list_transform|lambda /);
    expect(athena.operations.filter((o) => o === 'GetQueryResults').length).toBeGreaterThan(1);
  });

  it('exits 1 when a configured threshold is breached, as dq check does', async () => {
    athena.next = { states: ['SUCCEEDED'], columns, rows };

    const result = await runDqAthena(
      { table: 'events_raw', database: 'tracking', raw: true, config: config('gate', ['  thresholds: { invalidRate: 0.001 }']), now: truth.now },
      { client: athena.client() },
    );

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^scope\s+records\s+invalid/m);
    expect(result.stdout).toMatch(/BREACH invalidRate/);
  });

  it('a FAILED query is an AWS failure (exit 3) that says why and what to check', async () => {
    athena.next = {
      states: ['RUNNING', 'FAILED'],
      reason: "TABLE_NOT_FOUND: line 3:127: Table 'awsdatacatalog.tracking.nope' does not exist",
      errorCategory: 2,
    };

    const run = runDqAthena({ table: 'nope', database: 'tracking', raw: true, config: config('failed'), now: truth.now }, { client: athena.client() });

    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ exitCode: 3, service: 'athena' });
    expect(error).toMatchObject({ message: expect.stringMatching(/^Athena query [0-9a-f-]+ FAILED: TABLE_NOT_FOUND: .*Table 'awsdatacatalog\.tracking\.nope' does not exist — check --database and --table/) });
  });

  it('a rejected StartQueryExecution is explained (exit 3)', async () => {
    athena.startError = { status: 400, type: 'AccessDeniedException', message: 'User is not authorized to perform: athena:StartQueryExecution' };

    const error = await runDqAthena({ table: 'events_raw', database: 'tracking', raw: true, config: config('denied'), now: truth.now }, { client: athena.client() }).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ exitCode: 3, operation: 'StartQueryExecution' });
    expect(error).toMatchObject({ message: expect.stringMatching(/access denied \(AccessDeniedException\): grant athena:StartQueryExecution/) });
  });

  it('asks for a result location when neither --output nor the workgroup has one', async () => {
    athena.startError = { status: 400, type: 'InvalidRequestException', message: 'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.' };

    const error = await runDqAthena({ table: 'events_raw', database: 'tracking', config: config('nooutput'), now: truth.now }, { client: athena.client() }).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ message: expect.stringMatching(/pass --output s3:\/\/bucket\/prefix\//) });
  });

  it('stops a query that outlives its time budget instead of leaving it running', async () => {
    athena.next = { states: ['RUNNING'] };
    let t = 0;

    const error = await runAthenaQuery({
      client: athena.client(),
      sql: 'SELECT 1',
      database: 'tracking',
      timeoutMs: 60_000,
      clock: () => t,
      sleep: async (ms) => {
        t += ms;
      },
    }).catch((e: unknown) => e);

    expect(error).toMatchObject({ exitCode: 3 });
    expect(error).toMatchObject({ message: expect.stringMatching(/did not finish within 60 s \(still RUNNING\); it was stopped/) });
    expect(athena.stopped).toEqual([athena.started[0]?.id]);
  });

  it('rejects a --table that is not a table name before calling Athena', async () => {
    const error = await runDqAthena({ table: 'events; DROP TABLE x', database: 'tracking', config: config('bad'), now: truth.now }, { client: athena.client() }).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ exitCode: 2 });
    expect(athena.operations).toEqual([]);
  });
});
