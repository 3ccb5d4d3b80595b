/*
 * NDJSON files as a DuckDB source of raw lines (`line`, `ord`) for
 * renderQualitySql({ rawLines: true, orderBy: 'ord' }), split exactly where
 * the streaming reader splits them.
 */
import { sqlString } from './dialect.js';

/**
 * A DuckDB table expression with one row per line of the files: `line`
 * (without its `\n`; a `\r` before it stays, as JSON.parse ignores it) and
 * `ord` (input order: files by name, then line number). A UTF-8 BOM at the
 * start of a file is dropped, as the reader does.
 *
 * Plain files are read whole with `read_text` and split on `\n` only — the
 * reader's rule. Gzipped files (`.gz`) go through `read_csv`, which also
 * breaks lines at a lone `\r`, so a record holding a bare carriage return
 * would count as two there. Either way the files must be valid UTF-8
 * (DuckDB refuses the file otherwise; the checker reads bad bytes as U+FFFD).
 *
 * @example
 * renderQualitySql({ dialect: 'duckdb', table: duckdbNdjsonSource(['events.ndjson']), rawLines: true, orderBy: 'ord', … })
 */
export function duckdbNdjsonSource(files: readonly string[]): string {
  if (files.length === 0) throw new Error('duckdbNdjsonSource: name at least one file');
  const gz = files.filter((f) => f.endsWith('.gz'));
  const plain = files.filter((f) => !f.endsWith('.gz'));
  const parts: string[] = [];
  if (plain.length > 0) {
    const list = `[${plain.map(sqlString).join(', ')}]`;
    // The list is unnested in a projection, not a lateral join: a join would repeat the whole file per line.
    parts.push(
      `SELECT file, unnest(lines) AS line, generate_subscripts(lines, 1) AS line_no FROM (` +
        `SELECT filename AS file, string_split(CASE WHEN starts_with(content, chr(65279)) THEN substr(content, 2) ELSE content END, chr(10)) AS lines ` +
        `FROM read_text(${list}))`,
    );
  }
  for (const file of gz) {
    parts.push(
      `SELECT ${sqlString(file)} AS file, ordinality AS line_no, line FROM read_csv(${sqlString(file)}, columns = {'line': 'VARCHAR'}, ` +
        `delim = chr(1) || chr(2) || chr(3), quote = '', escape = '', header = false, auto_detect = false, new_line = '\\n', ` +
        `strict_mode = false, compression = 'gzip', max_line_size = 1073741824) WITH ORDINALITY`,
    );
  }
  return `(SELECT line, row_number() OVER (ORDER BY file, line_no) AS ord FROM (${parts.join(' UNION ALL ')}))`;
}
