// The reference of bench/dq: DuckDB computing the same four metrics on the
// same file, with explicit column types.
//   node duckdb-metrics.mjs <file.ndjson|file.parquet> <nowIso>   → one JSON line
//   node duckdb-metrics.mjs --to-parquet <in.ndjson> <out.parquet>
import { DuckDBInstance } from '@duckdb/node-api';

const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await db.connect();
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const COLUMNS = `{eventId: 'VARCHAR', eventName: 'VARCHAR', userId: 'VARCHAR', anonymousId: 'VARCHAR', timestamp: 'VARCHAR', receivedAt: 'VARCHAR', sentAt: 'VARCHAR', properties: 'JSON', context: 'JSON'}`;
const ndjson = (file) => `read_json(${quote(file)}, format = 'newline_delimited', columns = ${COLUMNS}, ignore_errors = true)`;

if (process.argv[2] === '--to-parquet') {
  const [, , , from, to] = process.argv;
  await c.run(
    `COPY (SELECT eventId, eventName, userId, anonymousId, timestamp, receivedAt, sentAt,
                  CAST(properties AS VARCHAR) AS properties, CAST(context AS VARCHAR) AS context
           FROM ${ndjson(from)}) TO ${quote(to)} (FORMAT PARQUET, COMPRESSION SNAPPY)`,
  );
  process.exit(0);
}

const [, , file, now] = process.argv;
const source = file.endsWith('.parquet') ? `read_parquet(${quote(file)})` : ndjson(file);
const result = await c.runAndReadAll(`
  WITH e AS (
    SELECT eventId,
           TRY_CAST(timestamp AS TIMESTAMPTZ) AS ts,
           TRY_CAST(receivedAt AS TIMESTAMPTZ) AS received
    FROM ${source}
  )
  SELECT count(*) AS total,
         count(eventId) - count(DISTINCT eventId) AS duplicates,
         count(*) FILTER (WHERE received - ts > INTERVAL 10 MINUTE) AS late,
         max(received) AS newest,
         date_diff('second', max(received), ${quote(now)}::TIMESTAMPTZ) AS freshness
  FROM e`);
const [row] = result.getRowObjectsJson();
process.stdout.write(`${JSON.stringify(row)}\n`);
