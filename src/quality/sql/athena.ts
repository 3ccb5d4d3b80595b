/*
 * Runs the quality query in Athena and reads the report back: start, poll
 * with backoff until the query ends (or the time budget does — then it is
 * stopped, not left running and billing), read every result page, and turn
 * the rows into the QualityReport `tripline dq check` prints. The client is
 * injected; nothing here reads credentials.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import type { QualityReport } from '../../domain/quality.js';
import { explainAwsError } from '../../aws/errors.js';
import { AwsError, InputError } from '../../errors.js';
import type { TrackingPlan } from '../plan/types.js';
import { renderQualitySql, type RenderQualitySqlOptions } from './render.js';
import { qualityReportFromRows } from './result.js';

/** What is needed of an Athena client (an `AthenaClient` is one). */
export type AthenaLike = Pick<AthenaClient, 'send'>;

export interface AthenaQueryOptions {
  readonly client: AthenaLike;
  readonly sql: string;
  /** The Glue database the table is in (QueryExecutionContext.Database). */
  readonly database: string;
  /** Data catalog; default AwsDataCatalog. */
  readonly catalog?: string;
  readonly workgroup?: string;
  /** s3://bucket/prefix/ for results, when the workgroup does not set one. */
  readonly outputLocation?: string;
  /** Give up (and stop the query) after this long; default 10 minutes. */
  readonly timeoutMs?: number;
  /** First wait between polls (default 250 ms); it grows ×1.5 up to `maxPollMs` (default 5 s). */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  /** Called on every state seen while polling (progress on stderr). */
  readonly onState?: (state: string, elapsedMs: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly clock?: () => number;
}

export interface AthenaQueryResult {
  readonly queryExecutionId: string;
  /** One object per result row, keyed by column name; Athena gives every value as text (NULL → null). */
  readonly rows: Record<string, string | null>[];
  readonly dataScannedBytes?: number;
  readonly engineMs?: number;
}

export const DEFAULT_ATHENA_TIMEOUT_MS = 10 * 60_000;
/** Athena refuses query strings longer than this. */
export const ATHENA_MAX_QUERY_BYTES = 262_144;
const SERVICE = 'athena';

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new AwsError(`Athena ${operation} failed: ${explainAwsError(error, `athena:${operation}`)}${hintFor(error)}`, { service: SERVICE, operation }, { cause: error });
  }
}

function hintFor(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/output location/i.test(message)) return ' — pass --output s3://bucket/prefix/ or use a workgroup that sets a query result location';
  if (/workgroup/i.test(message) && /not (found|exist)/i.test(message)) return ' — check --workgroup';
  return '';
}

/**
 * Runs one query to the end and returns all its rows.
 *
 * @example
 * const { rows } = await runAthenaQuery({ client: new AthenaClient({}), sql, database: 'tracking', workgroup: 'oncall' });
 */
export async function runAthenaQuery(options: AthenaQueryOptions): Promise<AthenaQueryResult> {
  const { client } = options;
  const sleep = options.sleep ?? defaultSleep;
  const clock = options.clock ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ATHENA_TIMEOUT_MS;
  const bytes = Buffer.byteLength(options.sql, 'utf8');
  if (bytes > ATHENA_MAX_QUERY_BYTES) {
    throw new InputError(
      `the query is ${Math.ceil(bytes / 1024)} KB, over Athena's ${ATHENA_MAX_QUERY_BYTES / 1024} KB limit: ` +
        'check fewer events at a time (--schemas with a directory holding some of the events), or run the DuckDB rendering',
    );
  }
  const started = await call('StartQueryExecution', () =>
    client.send(
      new StartQueryExecutionCommand({
        QueryString: options.sql,
        QueryExecutionContext: { Database: options.database, ...(options.catalog ? { Catalog: options.catalog } : {}) },
        ...(options.workgroup ? { WorkGroup: options.workgroup } : {}),
        ...(options.outputLocation ? { ResultConfiguration: { OutputLocation: options.outputLocation } } : {}),
      }),
    ),
  );
  const id = started.QueryExecutionId;
  if (id === undefined || id === '') {
    throw new AwsError('Athena StartQueryExecution returned no QueryExecutionId; retry, and check the endpoint (AWS_ENDPOINT_URL_ATHENA)', {
      service: SERVICE,
      operation: 'StartQueryExecution',
    });
  }

  const begin = clock();
  let wait = Math.max(1, options.pollMs ?? 250);
  const maxWait = Math.max(wait, options.maxPollMs ?? 5000);
  let execution: QueryExecution | undefined;
  for (;;) {
    const polled = await call('GetQueryExecution', () => client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })));
    execution = polled.QueryExecution;
    const state = execution?.Status?.State ?? 'UNKNOWN';
    const elapsed = clock() - begin;
    options.onState?.(state, elapsed);
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED') throw endedError(id, state, execution);
    if (elapsed >= timeoutMs) {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
      throw new AwsError(
        `Athena query ${id} did not finish within ${Math.round(timeoutMs / 1000)} s (still ${state}); it was stopped — ` +
          'raise --timeout, or query fewer partitions (a view over the days you need)',
        { service: SERVICE, operation: 'GetQueryExecution' },
      );
    }
    await sleep(Math.min(wait, Math.max(1, timeoutMs - elapsed)));
    wait = Math.min(maxWait, Math.ceil(wait * 1.5));
  }

  const rows: Record<string, string | null>[] = [];
  let columns: string[] | undefined;
  let token: string | undefined;
  let first = true;
  do {
    const page = await call('GetQueryResults', () =>
      client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1000, ...(token ? { NextToken: token } : {}) })),
    );
    columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c, i) => c.Name ?? `_col${i}`);
    const data = page.ResultSet?.Rows ?? [];
    // A SELECT's first row is its header.
    for (const [i, row] of data.entries()) {
      if (first && i === 0) continue;
      const record: Record<string, string | null> = {};
      const cells = row.Data ?? [];
      columns.forEach((name, c) => {
        record[name] = cells[c]?.VarCharValue ?? null;
      });
      rows.push(record);
    }
    first = false;
    token = page.NextToken;
  } while (token);

  const stats = execution?.Statistics;
  return {
    queryExecutionId: id,
    rows,
    ...(stats?.DataScannedInBytes !== undefined ? { dataScannedBytes: stats.DataScannedInBytes } : {}),
    ...(stats?.EngineExecutionTimeInMillis !== undefined ? { engineMs: stats.EngineExecutionTimeInMillis } : {}),
  };
}

/** ErrorCategory: 1 system, 2 user, 3 other. */
function endedError(id: string, state: 'FAILED' | 'CANCELLED', execution: QueryExecution | undefined): AwsError {
  const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage ?? 'no reason given';
  const category = execution?.Status?.AthenaError?.ErrorCategory;
  let next: string;
  if (state === 'CANCELLED') {
    next = 'it was cancelled (by someone, or by a workgroup data-scan limit); run it again or raise the limit';
  } else if (/TABLE_NOT_FOUND|does not exist|SCHEMA_NOT_FOUND|DATABASE_NOT_FOUND/i.test(reason)) {
    next = 'check --database and --table (SHOW TABLES IN <database>)';
  } else if (/COLUMN_NOT_FOUND|cannot be resolved/i.test(reason)) {
    next = 'the table lacks a column the query reads: --raw needs one VARCHAR column "line"; without --raw the envelope columns (eventid, eventname, timestamp, receivedat, sentat, properties, context, userid, anonymousid)';
  } else if (/Access Denied|AccessDenied|not authorized/i.test(reason)) {
    next = 'grant the caller s3:GetObject on the table location and s3:PutObject on the result location';
  } else if (category === 1) {
    next = 'an Athena system error; retry later';
  } else {
    next = 'see the reason above; `tripline dq sql --dialect athena` prints the query to try in the console';
  }
  return new AwsError(`Athena query ${id} ${state}: ${reason} — ${next}`, { service: SERVICE, operation: 'GetQueryExecution' });
}

export interface AthenaQualityOptions extends Omit<AthenaQueryOptions, 'sql'> {
  readonly table: string;
  readonly plan: Pick<TrackingPlan, 'events'>;
  readonly quality: RenderQualitySqlOptions['quality'];
  readonly now: Date;
  readonly rawLines?: boolean;
  readonly orderBy?: string;
}

export interface AthenaQualityResult {
  readonly report: QualityReport;
  readonly queryExecutionId: string;
  readonly dataScannedBytes?: number;
}

/**
 * The quality report of an Athena table: renders the SQL for Athena, runs it,
 * and reads the rows into the same report `tripline dq check` makes.
 */
export async function runAthenaQuality(options: AthenaQualityOptions): Promise<AthenaQualityResult> {
  const sql = renderQualitySql({
    dialect: 'athena',
    table: options.table,
    plan: options.plan,
    quality: options.quality,
    now: options.now,
    comments: false,
    ...(options.rawLines !== undefined ? { rawLines: options.rawLines } : {}),
    ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
  });
  const result = await runAthenaQuery({ ...options, sql });
  const report = qualityReportFromRows(result.rows, { now: options.now, source: `athena:${options.database}.${options.table}` });
  return {
    report,
    queryExecutionId: result.queryExecutionId,
    ...(result.dataScannedBytes !== undefined ? { dataScannedBytes: result.dataScannedBytes } : {}),
  };
}

