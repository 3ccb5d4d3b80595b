import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { QualitySectionSchema, type QualitySection } from '../../../src/config/quality.js';
import type { TrackingPlan } from '../../../src/quality/plan/types.js';
import { duckdbNdjsonSource } from '../../../src/quality/sql/duckdb-source.js';
import { renderQualitySql } from '../../../src/quality/sql/render.js';

/** Runs SQL on a fresh in-memory DuckDB and returns the rows as objects (BIGINT → bigint, DOUBLE → number). */
export async function queryDuckDb(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjects();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export const scratch = mkdtempSync(path.join(tmpdir(), 'tripline-sql-'));

/** Writes lines to a fresh NDJSON file in the scratch directory. */
export function writeLines(name: string, lines: readonly string[]): string {
  const file = path.join(scratch, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export function quality(overrides: Record<string, unknown> = {}): QualitySection {
  return QualitySectionSchema.parse(overrides);
}

/** One row per record, as the SQL classifies them (see renderQualitySql's `records` output). */
export async function sqlRecords(
  file: string,
  plan: Pick<TrackingPlan, 'events'>,
  q: QualitySection,
  now = new Date('2026-11-22T12:00:00Z'),
): Promise<Record<string, unknown>[]> {
  const sql = renderQualitySql({ dialect: 'duckdb', table: duckdbNdjsonSource([file]), rawLines: true, orderBy: 'ord', plan, quality: q, now, output: 'records' });
  return queryDuckDb(sql);
}
