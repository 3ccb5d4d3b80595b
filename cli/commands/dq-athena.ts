import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { renderQualityReport } from '../../src/quality/render.js';
import { runAthenaQuality, type AthenaLike } from '../../src/quality/sql/athena.js';
import { breaches } from '../../src/quality/thresholds.js';
import { loadQualityInputs, optionProblems, SqlSourceOptionsSchema } from './dq-sql.js';
import type { CommandResult } from './result.js';

const OptionsSchema = z.extend(SqlSourceOptionsSchema, {
  database: z.string().check(z.minLength(1, 'name the Glue database the table is in')),
  workgroup: z.optional(z.string().check(z.minLength(1))),
  output: z.optional(z.string().check(z.regex(/^s3:\/\/[^/]+/, 'must be an S3 location such as s3://bucket/athena-results/'))),
  catalog: z.optional(z.string().check(z.minLength(1))),
  region: z.optional(z.string().check(z.minLength(1))),
  timeout: z.optional(z.string().check(z.regex(/^\d+$/, 'must be a whole number of seconds'))),
  json: z._default(z.boolean(), false),
});
export type DqAthenaOptions = z.input<typeof OptionsSchema>;

export interface DqAthenaDeps {
  /** The Athena client; default `new AthenaClient({ region })` with the standard credential chain. */
  readonly client?: AthenaLike;
}

/**
 * `tripline dq athena --table <t> --database <db>`: the `dq check` report
 * computed by Athena over the data lake. Exit 1 when a configured threshold
 * is breached; an Athena failure is an AwsError (exit 3).
 */
export async function runDqAthena(rawOptions: Readonly<Record<string, unknown>>, deps: DqAthenaDeps = {}): Promise<CommandResult> {
  const parsed = OptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  const { quality, plan } = await loadQualityInputs(options);
  const client =
    deps.client ?? new (await import('@aws-sdk/client-athena')).AthenaClient(options.region ? { region: options.region } : {});
  const now = options.now ? new Date(options.now) : new Date();
  const progress = process.stderr.isTTY;
  const result = await runAthenaQuality({
    client,
    table: options.table,
    database: options.database,
    plan,
    quality,
    now,
    rawLines: options.raw,
    ...(options.orderBy ? { orderBy: options.orderBy } : {}),
    ...(options.workgroup ? { workgroup: options.workgroup } : {}),
    ...(options.output ? { outputLocation: options.output } : {}),
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(options.timeout ? { timeoutMs: Number(options.timeout) * 1000 } : {}),
    ...(progress ? { onState: (state: string, ms: number) => process.stderr.write(`\r\x1b[2Kathena: ${state.toLowerCase()} · ${Math.round(ms / 1000)} s`) } : {}),
  });
  if (progress) process.stderr.write('\r\x1b[2K');
  const scanned = result.dataScannedBytes === undefined ? '' : `, ${(result.dataScannedBytes / 1_048_576).toFixed(1)} MB scanned`;
  process.stderr.write(`athena query ${result.queryExecutionId}${scanned}\n`);

  const found = breaches(result.report, quality.thresholds);
  const athena = { queryExecutionId: result.queryExecutionId, ...(result.dataScannedBytes !== undefined ? { dataScannedBytes: result.dataScannedBytes } : {}) };
  const stdout = options.json ? JSON.stringify({ ...result.report, breaches: found, athena }, null, 2) : renderQualityReport(result.report, found);
  return { exitCode: found.length > 0 ? 1 : 0, stdout };
}
