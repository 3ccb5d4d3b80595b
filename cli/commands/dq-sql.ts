import { existsSync, statSync } from 'node:fs';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { loadQualityConfig } from '../../src/config/index.js';
import type { QualitySection } from '../../src/config/quality.js';
import { InputError } from '../../src/errors.js';
import { loadTrackingPlan } from '../../src/quality/plan/index.js';
import type { TrackingPlan } from '../../src/quality/plan/types.js';
import { duckdbNdjsonSource } from '../../src/quality/sql/duckdb-source.js';
import { renderQualitySql } from '../../src/quality/sql/render.js';
import type { CommandResult } from './result.js';

const isoTime = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time such as 2026-11-22T03:00:00Z'));

/** Options every SQL-rendering command shares. */
export const SqlSourceOptionsSchema = z.object({
  table: z.string().check(z.minLength(1, 'name the table (or, for DuckDB, an NDJSON file)')),
  schemas: z.optional(z.string()),
  config: z.optional(z.string()),
  now: z.optional(isoTime),
  raw: z._default(z.boolean(), false),
  orderBy: z.optional(z.string().check(z.minLength(1))),
});

const OptionsSchema = z.extend(SqlSourceOptionsSchema, {
  dialect: z.enum(['athena', 'duckdb'], 'must be athena or duckdb'),
  records: z._default(z.boolean(), false),
});
export type DqSqlOptions = z.input<typeof OptionsSchema>;

/** Turns zod issues into one `--option: message` line each. */
export function optionProblems(issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): InputError {
  const flag = (key: PropertyKey): string => `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return new InputError(issues.map((i) => `${i.path.length > 0 ? flag(i.path[0] ?? '') : 'options'}: ${i.message}`).join('\n'));
}

/** The quality section and the tracking plan, as `tripline dq check` finds them. */
export async function loadQualityInputs(options: {
  readonly config?: string | undefined;
  readonly schemas?: string | undefined;
}): Promise<{ quality: QualitySection; plan: TrackingPlan }> {
  const quality = await loadQualityConfig({ env: process.env, cwd: process.cwd(), ...(options.config ? { file: options.config } : {}) });
  const plan = await loadTrackingPlan(options.schemas ?? quality.trackingPlan, { pii: { enabled: quality.pii.enabled } });
  return { quality, plan };
}

const NDJSON_FILE = /\.(ndjson|jsonl|json)(\.gz)?$/i;

/** For DuckDB, `--table events.ndjson` means the file's raw lines, in file order. */
function duckdbFile(table: string): boolean {
  if (NDJSON_FILE.test(table)) return true;
  try {
    return existsSync(table) && statSync(table).isFile();
  } catch {
    return false;
  }
}

/**
 * `tripline dq sql --dialect athena|duckdb --table <name>`: prints the query
 * that computes the `dq check` metrics in the engine (one row per scope).
 */
export async function runDqSql(rawOptions: Readonly<Record<string, unknown>>): Promise<CommandResult> {
  const parsed = OptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  const { quality, plan } = await loadQualityInputs(options);
  const file = options.dialect === 'duckdb' && duckdbFile(options.table);
  const sql = renderQualitySql({
    dialect: options.dialect,
    table: file ? duckdbNdjsonSource([options.table]) : options.table,
    ...(file ? { sourceLabel: `${options.table} (read_text, lines in file order)` } : {}),
    plan,
    quality,
    now: options.now ? new Date(options.now) : new Date(),
    rawLines: file || options.raw,
    ...(file ? { orderBy: 'ord' } : options.orderBy ? { orderBy: options.orderBy } : {}),
    output: options.records ? 'records' : 'metrics',
  });
  return { exitCode: 0, stdout: sql };
}
