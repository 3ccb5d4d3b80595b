/*
 * Rows of the rendered quality query → the QualityReport `tripline dq check
 * --json` prints. Engines hand numbers back differently (DuckDB: numbers and
 * bigints; Athena: every value as a string), so rows are validated here and
 * rates and seconds are recomputed from the integer columns with the
 * checker's own arithmetic: the report does not depend on how an engine
 * formats a DOUBLE.
 */
import * as z from 'zod/mini';
import '../../zod-config.js';
import { countsByReason, rateOf as rate, type QualityMetrics, type QualityReport, type SegmentMetrics } from '../../domain/quality.js';
import { ToolkitError } from '../../errors.js';
import { OTHER_SEGMENT } from '../check/accumulator.js';
import { LATENESS_PERCENTILES, OTHER_SCOPE_ID } from './render.js';

const CellSchema = z.union([z.string(), z.number(), z.bigint(), z.null(), z.undefined()]);
export const QualityRowSchema = z.record(z.string(), CellSchema);
export type QualityRow = z.infer<typeof QualityRowSchema>;

/** Result rows did not have the shape the query produces (the engine answered something else): exit 3. */
export class QualityResultError extends ToolkitError {
  override readonly exitCode = 3;
}

function integer(row: QualityRow, column: string): number {
  const value = row[column];
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new QualityResultError(
      `the quality query returned ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)} for ${column}; expected a whole number — was the SQL edited?`,
    );
  }
  return n;
}

function optionalInteger(row: QualityRow, column: string): number | null {
  const value = row[column];
  return value === null || value === undefined || value === '' ? null : integer(row, column);
}

function text(row: QualityRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new QualityResultError(`the quality query returned no text for ${column}; was the SQL edited?`);
  return value;
}

function metricsOf(row: QualityRow, nowMs: number): QualityMetrics {
  const total = integer(row, 'total');
  const valid = integer(row, 'valid');
  const invalidByReason = countsByReason((reason) => integer(row, reason));
  const invalid = total - valid;
  const duplicates = integer(row, 'duplicates');
  const late = integer(row, 'late');
  const newest = optionalInteger(row, 'newest_received_at_ms');
  const [p50, p95, p99] = LATENESS_PERCENTILES.map((p) => integer(row, `lateness_p${p}_ms`) / 1000);
  return {
    total,
    valid,
    invalid,
    invalidRate: rate(invalid, total),
    invalidByReason,
    duplicates,
    duplicateRate: rate(duplicates, valid),
    late,
    lateRate: rate(late, valid),
    lateness: { p50: p50 ?? 0, p95: p95 ?? 0, p99: p99 ?? 0, max: integer(row, 'lateness_max_ms') / 1000 },
    newestReceivedAt: newest === null ? null : new Date(newest).toISOString(),
    freshnessSeconds: newest === null ? null : (nowMs - newest) / 1000,
  };
}

/**
 * The report from the query's rows (any order). `source` names what was
 * queried, for `inputs`.
 *
 * @example
 * const report = qualityReportFromRows(rows, { now, source: 'athena:lake.events' });
 */
export function qualityReportFromRows(rows: readonly unknown[], options: { readonly now: Date; readonly source: string }): QualityReport {
  const nowMs = options.now.getTime();
  const parsed = rows.map((raw, i) => {
    const result = QualityRowSchema.safeParse(raw);
    if (!result.success) throw new QualityResultError(`row ${i + 1} of the quality query is not a row of values: ${result.error.issues[0]?.message ?? ''}`);
    return result.data;
  });
  const byId = [...parsed].sort((a, b) => integer(a, 'scope_id') - integer(b, 'scope_id'));
  const overall = byId.find((r) => integer(r, 'scope_id') === 0);
  if (overall === undefined) {
    throw new QualityResultError(`the quality query returned ${rows.length} row(s) but no overall row (scope_id 0); was the SQL edited?`);
  }
  const segments: SegmentMetrics[] = byId
    .filter((r) => integer(r, 'scope_id') !== 0)
    .map((r) => {
      const segment: Record<string, string> =
        integer(r, 'scope_id') === OTHER_SCOPE_ID ? { segment: OTHER_SEGMENT } : { eventName: text(r, 'event_name'), platform: text(r, 'platform') };
      return { segment, ...metricsOf(r, nowMs) };
    });
  const metrics = metricsOf(overall, nowMs);
  return { now: options.now.toISOString(), ...metrics, segments, inputs: [{ source: options.source, records: metrics.total }] };
}
