/**
 * The `dq check` metrics as SQL, for DuckDB and Athena; see README.md here
 * for the layouts and where SQL and the streaming checker can differ.
 */
export { renderQualitySql, sourceSql, TABLE_COLUMNS, OTHER_SCOPE_ID, LATENESS_PERCENTILES } from './render.js';
export type { RenderQualitySqlOptions } from './render.js';
export { qualityReportFromRows, QualityResultError, QualityRowSchema } from './result.js';
export type { QualityRow } from './result.js';
export { runAthenaQuery, runAthenaQuality, ATHENA_MAX_QUERY_BYTES, DEFAULT_ATHENA_TIMEOUT_MS } from './athena.js';
export type { AthenaLike, AthenaQueryOptions, AthenaQueryResult, AthenaQualityOptions, AthenaQualityResult } from './athena.js';
export { duckdbNdjsonSource } from './duckdb-source.js';
export { SQL_DIALECTS, sqlIdentifier, sqlString } from './dialect.js';
export type { SqlDialectName } from './dialect.js';
