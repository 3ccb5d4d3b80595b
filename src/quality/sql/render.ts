/*
 * The streaming checker's metrics as ONE SQL query, for DuckDB and for Athena.
 *
 * The query classifies every record exactly as src/quality/check/classify.ts
 * does (same checks, same order, so the same reason), with the tracking plan
 * compiled into SQL (./plan.ts), then computes what the accumulator computes:
 * counts per reason, duplicates, late events, lateness percentiles with
 * HdrHistogram's own buckets, newest receivedAt and freshness — overall, per
 * segment (event name × platform, the top `segmentCap` by records) and for
 * `__other__`. One row per scope; ./result.ts turns the rows into the same
 * QualityReport `tripline dq check --json` prints.
 *
 * Where SQL and the checker can still disagree is listed in
 * src/quality/sql/README.md.
 */
import type { QualitySection } from '../../config/quality.js';
import { InputError } from '../../errors.js';
import { DEFAULT_PLATFORM_PATHS, NO_EVENT_NAME, UNKNOWN_PLATFORM } from '../check/classify.js';
import { DEFAULT_TRACKED_SEGMENT_LIMIT } from '../check/accumulator.js';
import type { TrackingPlan } from '../plan/types.js';
import { DEFAULT_MAX_LINE_BYTES } from '../readers/ndjson.js';
import { Names, dialectFor, sqlDouble, sqlIdentifier, sqlString, type Dialect, type SqlDialectName } from './dialect.js';
import { PlanCompiler, recordKeys, scannedKeys, type Members } from './plan.js';
import { isoMillisSql } from './timestamp.js';

export interface RenderQualitySqlOptions {
  readonly dialect: SqlDialectName;
  /**
   * The source: a table name (`events`, `lake.events`), or for DuckDB any
   * table expression, inserted as written (`read_csv(…)`, a subquery).
   */
  readonly table: string;
  readonly plan: Pick<TrackingPlan, 'events'>;
  readonly quality: Pick<
    QualitySection,
    'dedupKey' | 'allowedLatenessSeconds' | 'clockSkewSeconds' | 'correctSkewWithSentAt' | 'segmentCap' | 'pii'
  >;
  /** Freshness is measured against it. */
  readonly now: Date;
  /**
   * true: the source has one VARCHAR column `line` per NDJSON line (the only
   * layout that can count unparseable lines). false (default): one column per
   * envelope field, see {@link TABLE_COLUMNS}.
   */
  readonly rawLines?: boolean;
  /**
   * A SQL expression over the source's columns giving input order (the first
   * copy of a key in this order is the original). Without it, copies are
   * ordered by receivedAt, then by their text.
   */
  readonly orderBy?: string;
  /** Leading `--` comments describing the query (default true). */
  readonly comments?: boolean;
  /** How the header comment names the source (default: `table` as given). */
  readonly sourceLabel?: string;
  /**
   * `metrics` (default): one row per scope. `records`: one row per record —
   * `ord`, `event_name`, `platform`, `reason` (NULL when valid), `dedup_key`,
   * `duplicate` (1 for an extra copy), `lateness_ms` — to look at what was
   * counted (e.g. `WHERE reason IS NOT NULL`).
   */
  readonly output?: 'metrics' | 'records';
}

/** Columns of the columns layout (the Glue / Firehose table, names lower-cased as Glue stores them). */
export const TABLE_COLUMNS: Readonly<Record<string, string>> = Object.freeze({
  eventId: 'eventid',
  eventName: 'eventname',
  userId: 'userid',
  anonymousId: 'anonymousid',
  timestamp: 'timestamp',
  receivedAt: 'receivedat',
  sentAt: 'sentat',
  properties: 'properties',
  context: 'context',
});

/** The envelope members the classifier reads. */
const ENVELOPE = ['eventId', 'eventName', 'timestamp', 'receivedAt', 'sentAt', 'properties', 'context', 'userId', 'anonymousId'] as const;
type EnvelopeField = (typeof ENVELOPE)[number];
const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(ENVELOPE);
const isEnvelopeField = (name: string): name is EnvelopeField => ENVELOPE_FIELDS.has(name);
const SHORT: Readonly<Record<EnvelopeField, string>> = {
  eventId: 'id',
  eventName: 'name',
  timestamp: 'ts',
  receivedAt: 'recv',
  sentAt: 'sent',
  properties: 'props',
  context: 'ctx',
  userId: 'uid',
  anonymousId: 'aid',
};

/** The `scope_id` of the `__other__` row (kept segments are 1…segmentCap, overall 0). */
export const OTHER_SCOPE_ID = 1_000_001;
/** Lateness values are clamped below 2^52 ms, as the checker's histogram does. */
const MAX_LATENESS_MS = 2 ** 52 - 1;
/** Percentiles reported, as the checker's `LatenessCounts.percentiles()`. */
export const LATENESS_PERCENTILES = [50, 95, 99] as const;

const IDENTIFIER_CHAIN = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/;
const QUOTED_CHAIN = /^"(?:[^"]|"")+"(?:\."(?:[^"]|"")+"){0,2}$/;

/** The FROM item for `table`: identifiers quoted part by part; DuckDB table expressions as written. */
export function sourceSql(table: string, dialect: SqlDialectName): string {
  const t = table.trim();
  if (IDENTIFIER_CHAIN.test(t)) return t.split('.').map(sqlIdentifier).join('.');
  if (QUOTED_CHAIN.test(t)) return t;
  if (dialect === 'duckdb' && t !== '' && !t.includes(';')) return t;
  throw new InputError(
    dialect === 'athena'
      ? `--table ${JSON.stringify(table)}: name an Athena table (events, or database.events; "quoted" parts for other characters)`
      : `--table ${JSON.stringify(table)}: name a table, or give a DuckDB table expression such as read_csv('events.ndjson', …) (no ';')`,
  );
}

/**
 * Renders the quality metrics as one query returning one row per scope:
 * `scope` ('overall' | 'segment' | 'other'), `scope_id` (0 overall, 1… the
 * segments by rank, {@link OTHER_SCOPE_ID} `__other__`), `event_name`,
 * `platform`, `total`, `valid`, `invalid`, one count per invalid reason,
 * `duplicates`, `late`, the three rates, `lateness_p50_ms` / `_p95_ms` /
 * `_p99_ms` / `_max_ms` (and the same in seconds), `newest_received_at_ms`
 * and `freshness_seconds`.
 *
 * @example
 * renderQualitySql({ dialect: 'duckdb', table: duckdbNdjsonSource(['events.ndjson']), rawLines: true,
 *   orderBy: 'ord', plan, quality, now: new Date() })
 */
export function renderQualitySql(options: RenderQualitySqlOptions): string {
  const names = new Names();
  const d = dialectFor(options.dialect, names);
  const q = options.quality;
  const notes: string[] = [];
  const planSql = new PlanCompiler(d, { pii: q.pii.enabled, notes });
  const raw = options.rawLines === true;
  const source = sourceSql(options.table, options.dialect);
  const order = options.orderBy?.trim() ? options.orderBy.trim() : undefined;
  if (order !== undefined && order.includes(';')) throw new InputError(`--order-by ${JSON.stringify(order)}: one SQL expression, no ';'`);
  const skewMs = Math.round(q.clockSkewSeconds * 1000);
  const allowedMs = Math.round(q.allowedLatenessSeconds * 1000);
  const nowMs = options.now.getTime();
  if (!Number.isFinite(nowMs)) throw new InputError('--now: not a valid time');
  const cap = q.segmentCap;

  const col = (field: EnvelopeField): string => `e_${SHORT[field]}`;
  const str = (field: EnvelopeField): string => `s_${SHORT[field]}`;
  const absentOrNull = (x: string): string => `(${x} IS NULL OR ${d.isKind(x, 'null')})`;
  const isString = (x: string): string => `COALESCE(${d.isKind(x, 'string')}, false)`;

  // 1. Source rows: ord, and the record as JSON (NULL: unparseable).
  const ordExpr = order ?? 'CAST(NULL AS BIGINT)';
  let recordStages: string[];
  if (raw) {
    const parse = `CASE WHEN ${d.byteLength('line')} > ${DEFAULT_MAX_LINE_BYTES} THEN NULL ELSE ${d.parseStrict('line')} END`;
    recordStages = [
      `src AS (SELECT CAST(line AS VARCHAR) AS line, ${ordExpr} AS ord FROM ${source})`,
      // Blank lines are not records; an over-long one is, unparseable (the reader's rule).
      `rec AS (SELECT ord, ${parse} AS j FROM src WHERE line IS NOT NULL AND (${d.byteLength('line')} > ${DEFAULT_MAX_LINE_BYTES} OR NOT ${d.regexpLike('line', '\\A[ \\t\\r]*\\z')}))`,
    ];
  } else {
    const column = (field: EnvelopeField): string => sqlIdentifier(TABLE_COLUMNS[field] ?? field);
    const entries = ENVELOPE.map((field): readonly [string, string] => {
      const c = `CAST(${column(field)} AS VARCHAR)`;
      // JSON text in properties / context is parsed (the Parquet reader's rule); other text stays a string.
      const value = field === 'properties' || field === 'context' ? `COALESCE(${d.parseStrict(c)}, ${d.jsonString(c)})` : d.jsonString(c);
      return [field, value];
    });
    recordStages = [`rec AS (SELECT ${ordExpr} AS ord, ${d.jsonObject(entries)} AS j FROM ${source})`];
  }

  // 2. Envelope members, their kinds and string values.
  const envMembers = `env0 AS (SELECT ord, j, ${d.isKind('j', 'object')} AS is_obj, ${d.membersColumn('j', ENVELOPE)} AS m FROM rec)`;
  const envColumns = ENVELOPE.map((f) => `${d.memberOf('m', ENVELOPE, f)} AS ${col(f)}`).join(', ');
  const env = `env AS (SELECT ord, j, is_obj, ${envColumns} FROM env0)`;
  const strings = ENVELOPE.filter((f) => f !== 'properties' && f !== 'context')
    .map((f) => `CASE WHEN ${d.isKind(col(f), 'string')} THEN ${d.str(col(f))} END AS ${str(f)}`)
    .join(', ');
  const platform = `COALESCE(${DEFAULT_PLATFORM_PATHS.map((path) => {
    const v = pathValue(d, path.split('.'));
    return `CASE WHEN ${d.isKind(v, 'string')} THEN NULLIF(${d.str(v)}, '') END`;
  }).join(', ')}, ${sqlString(UNKNOWN_PLATFORM)})`;
  const fields = `fld AS (SELECT env.*, ${strings}, ${platform} AS platform, ${dedupKeySql(d, q.dedupKey)} AS dedup_key FROM env)`;
  // What every event's checks need of the top-level properties, computed once per record:
  // the members (one parse), their kinds, whether each string looks like personal data (one
  // PII expression for all events), and whether a member the event does not declare holds
  // personal data anywhere inside.
  const definitions = [...options.plan.events.values()];
  const propertyKeys = [...new Set(definitions.flatMap((def) => recordKeys(def.latest.root)))];
  const piiKeys = q.pii.enabled ? [...new Set(definitions.flatMap((def) => scannedKeys(def.latest.root)))] : [];
  const member = (key: string): string => d.memberOf('pm', propertyKeys, key);
  const code = (key: string): string => d.at('pk', propertyKeys.indexOf(key) + 1);
  const times =
    `tms AS (SELECT fld.*, ${isoMillisSql(d, str('timestamp'))} AS ts_ms, ${isoMillisSql(d, str('receivedAt'))} AS recv_ms, ` +
    `${isoMillisSql(d, str('sentAt'))} AS sent_ms, ${propertyKeys.length > 0 ? d.membersColumn(col('properties'), propertyKeys) : 'NULL'} AS pm FROM fld)`;
  const declaredByEvent =
    definitions.length === 0
      ? d.stringList([])
      : `CASE ${str('eventName')} ${definitions.map((def) => `WHEN ${sqlString(def.name)} THEN ${d.stringList(recordKeys(def.latest.root))}`).join(' ')} END`;
  const kinds = propertyKeys.length > 0 ? d.transform(d.listOf(propertyKeys.map(member)), (v) => d.kindCode(v)) : 'NULL';
  const flags = piiKeys.length > 0 ? planSql.piiFlags(piiKeys, member, (key) => d.kindCode(member(key))) : 'NULL';
  const undeclaredPii = q.pii.enabled
    ? `COALESCE(${d.anyMatch(d.undeclaredValues(col('properties'), declaredByEvent), (v) => planSql.deepPii(v))}, false)`
    : 'false';
  const known = `pfl AS (SELECT tms.*, ${kinds} AS pk, ${flags} AS pf, CASE WHEN ${d.isKind(col('properties'), 'object')} THEN ${undeclaredPii} END AS upii FROM tms)`;
  const members: Members = {
    value: member,
    code,
    pii: (key) => (piiKeys.includes(key) ? d.at('pf', piiKeys.indexOf(key) + 1) : 'false'),
    undeclaredPii: 'upii',
  };

  // 3. The reason, in the checker's order.
  const shape = (field: EnvelopeField): string =>
    `CASE WHEN ${absentOrNull(col(field))} OR ${str(field)} = '' THEN 'missing_field' ELSE 'wrong_type' END`;
  const eventNames = [...options.plan.events.keys()];
  const planCase =
    eventNames.length === 0
      ? `'unknown_event'`
      : `CASE ${str('eventName')} ${eventNames
          .map((name) => {
            const def = options.plan.events.get(name);
            return def === undefined ? '' : `WHEN ${sqlString(name)} THEN ${planSql.event(def, col('properties'), members)}`;
          })
          .join(' ')} ELSE 'unknown_event' END`;
  const reason = [
    'CASE',
    `WHEN j IS NULL THEN 'unparseable_json'`,
    `WHEN NOT COALESCE(is_obj, false) THEN 'wrong_type'`,
    `WHEN ${str('eventId')} IS NULL OR ${str('eventId')} = '' THEN ${shape('eventId')}`,
    `WHEN ${str('eventName')} IS NULL OR ${str('eventName')} = '' THEN ${shape('eventName')}`,
    `WHEN ${str('timestamp')} IS NULL THEN ${shape('timestamp')}`,
    `WHEN ${str('receivedAt')} IS NULL THEN ${shape('receivedAt')}`,
    `WHEN NOT ${absentOrNull(col('sentAt'))} AND ${str('sentAt')} IS NULL THEN 'wrong_type'`,
    `WHEN NOT COALESCE(${d.isKind(col('properties'), 'object')}, false) THEN CASE WHEN ${absentOrNull(col('properties'))} OR (${isString(col('properties'))} AND ${d.str(col('properties'))} = '') THEN 'missing_field' ELSE 'wrong_type' END`,
    `WHEN NOT (${absentOrNull(col('context'))} OR COALESCE(${d.isKind(col('context'), 'object')}, false)) THEN CASE WHEN ${isString(col('context'))} AND ${d.str(col('context'))} = '' THEN 'missing_field' ELSE 'wrong_type' END`,
    `WHEN NOT ${absentOrNull(col('userId'))} AND NOT ${isString(col('userId'))} THEN 'wrong_type'`,
    `WHEN NOT ${absentOrNull(col('anonymousId'))} AND NOT ${isString(col('anonymousId'))} THEN 'wrong_type'`,
    `WHEN ts_ms IS NULL OR recv_ms IS NULL OR (${str('sentAt')} IS NOT NULL AND sent_ms IS NULL) THEN 'bad_timestamp'`,
    `WHEN ts_ms > recv_ms + ${skewMs} THEN 'future_timestamp'`,
    `ELSE ${planCase}`,
    'END',
  ].join('\n    ');
  const noSegment = `j IS NULL OR NOT COALESCE(is_obj, false)`;
  const lateness = q.correctSkewWithSentAt ? 'CASE WHEN sent_ms IS NOT NULL THEN sent_ms - ts_ms ELSE recv_ms - ts_ms END' : 'recv_ms - ts_ms';
  const classified =
    `cls AS (SELECT ord, ${order === undefined ? d.text('j') : 'CAST(NULL AS VARCHAR)'} AS jtext, dedup_key, recv_ms,\n` +
    `    CASE WHEN ${noSegment} THEN ${sqlString(NO_EVENT_NAME)} ELSE COALESCE(NULLIF(${str('eventName')}, ''), ${sqlString(NO_EVENT_NAME)}) END AS seg_event,\n` +
    `    CASE WHEN ${noSegment} THEN ${sqlString(UNKNOWN_PLATFORM)} ELSE platform END AS seg_platform,\n` +
    `    ${lateness} AS lateness_ms,\n` +
    `    ${reason} AS reason\n  FROM pfl)`;

  // 4. Duplicates (the first copy in input order is the original), lateness buckets.
  // Without an input order, the first received copy is the original (ties: the record's text).
  const copyOrder = order === undefined ? 'recv_ms, jtext' : 'ord, recv_ms';
  const clamped = `LEAST(GREATEST(lateness_ms, 0), ${MAX_LATENESS_MS})`;
  const valued =
    `val AS (SELECT cls.*, CASE WHEN reason IS NULL THEN ${clamped} END AS late_v,\n` +
    `    CASE WHEN reason IS NULL AND row_number() OVER (PARTITION BY CASE WHEN reason IS NULL THEN dedup_key END ORDER BY ${copyOrder}) > 1 THEN 1 ELSE 0 END AS dup\n  FROM cls)`;
  const pow2 = (e: string): string => `CAST(power(2, ${e}) AS BIGINT)`;
  // HdrHistogram (2 significant digits, unit 1 ms): values below 256 are exact; above, a bucket
  // spans 2^(magnitude-7) values, magnitude = floor(log2(v)) (log2 corrected to the exact integer).
  // `hev`, the bucket's highest equivalent value, identifies it.
  const log = `lg AS (SELECT val.*, CAST(floor(log2(GREATEST(late_v, 1))) AS BIGINT) AS m0 FROM val)`;
  const unit = `un AS (SELECT lg.*, ${pow2(`m0 - CASE WHEN ${pow2('m0')} > late_v THEN 1 ELSE 0 END + CASE WHEN ${pow2('m0 + 1')} <= late_v THEN 1 ELSE 0 END - 7`)} AS unit FROM lg)`;
  const bucket = `bkt AS (SELECT un.*, CASE WHEN late_v IS NULL THEN NULL WHEN late_v < 256 THEN late_v ELSE (${d.idiv('late_v', 'unit')} + 1) * unit - 1 END AS hev FROM un)`;

  // 5. Segments: the first DEFAULT_TRACKED_SEGMENT_LIMIT seen are tracked; the top `cap` by records are kept.
  const segs = `segs AS (SELECT seg_event, seg_platform, count(*) AS n, min(ord) AS first_ord FROM bkt GROUP BY seg_event, seg_platform)`;
  const seen = `seen AS (SELECT segs.*, row_number() OVER (ORDER BY first_ord, seg_event, seg_platform) AS seen_rank FROM segs)`;
  const kept = `kept AS (SELECT seg_event, seg_platform, row_number() OVER (ORDER BY n DESC, seg_event, seg_platform) AS seg_rank FROM seen WHERE seen_rank <= ${DEFAULT_TRACKED_SEGMENT_LIMIT})`;
  const scoped =
    `scoped AS (SELECT b.*, CASE WHEN k.seg_rank IS NULL THEN ${OTHER_SCOPE_ID} ELSE k.seg_rank END AS scope_id,\n` +
    `    CASE WHEN k.seg_rank IS NULL THEN '' ELSE b.seg_event END AS scope_event, CASE WHEN k.seg_rank IS NULL THEN '' ELSE b.seg_platform END AS scope_platform\n` +
    `  FROM bkt b LEFT JOIN kept k ON k.seg_event = b.seg_event AND k.seg_platform = b.seg_platform AND k.seg_rank <= ${cap})`;

  // 6. Metrics per scope, and the histogram per scope.
  const count = (condition: string): string => `CAST(COALESCE(sum(CASE WHEN ${condition} THEN 1 ELSE 0 END), 0) AS BIGINT)`;
  const reasons = ['unparseable_json', 'missing_field', 'wrong_type', 'unknown_event', 'bad_timestamp', 'future_timestamp', 'pii_in_properties'];
  const scopeKey = `CASE WHEN GROUPING(scope_id) = 1 THEN 0 ELSE scope_id END AS sid, COALESCE(scope_event, '') AS event_name, COALESCE(scope_platform, '') AS platform`;
  const metrics =
    `met AS (SELECT ${scopeKey},\n` +
    `    CAST(count(*) AS BIGINT) AS total, ${count('reason IS NULL')} AS valid,\n` +
    `    ${reasons.map((r) => `${count(`reason = ${sqlString(r)}`)} AS ${r}`).join(',\n    ')},\n` +
    `    CAST(COALESCE(sum(dup), 0) AS BIGINT) AS duplicates, ${count(`reason IS NULL AND lateness_ms > ${allowedMs}`)} AS late,\n` +
    `    max(late_v) AS max_ms, max(CASE WHEN reason IS NULL THEN recv_ms END) AS newest_ms\n` +
    `  FROM scoped GROUP BY GROUPING SETS ((scope_id, scope_event, scope_platform), ()))`;
  const histogram =
    `hist AS (SELECT CASE WHEN GROUPING(scope_id) = 1 THEN 0 ELSE scope_id END AS sid, hev, count(*) AS cnt\n` +
    `  FROM scoped WHERE reason IS NULL GROUP BY GROUPING SETS ((scope_id, hev), (hev)))`;
  const cumulative = `cum AS (SELECT sid, hev, sum(cnt) OVER (PARTITION BY sid ORDER BY hev ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM hist)`;
  // hdr-histogram-js getValueAtPercentile: the first bucket whose running count reaches
  // max(ceil(fp − ulp(fp)), 1), fp = p/100 × count.
  const target = (p: number): string => {
    const fp = `(${sqlDouble(p / 100)} * met.valid)`;
    return `GREATEST(ceil(${fp} - power(2, floor(log2(${fp})) - 52)), 1)`;
  };
  const percentiles =
    `pct AS (SELECT met.sid, ${LATENESS_PERCENTILES.map((p) => `min(CASE WHEN cum.running >= ${target(p)} THEN cum.hev END) AS hev_p${p}`).join(', ')}\n` +
    `  FROM met JOIN cum ON cum.sid = met.sid WHERE met.valid > 0 GROUP BY met.sid, met.valid)`;

  const seconds = (ms: string): string => `CAST(${ms} AS DOUBLE) / 1000`;
  const rate = (part: string, whole: string): string => `CASE WHEN ${whole} = 0 THEN CAST(0 AS DOUBLE) ELSE CAST(${part} AS DOUBLE) / ${whole} END`;
  const pctMs = (p: number): string => `CASE WHEN met.valid = 0 THEN 0 ELSE LEAST(pct.hev_p${p}, met.max_ms) END`;
  const select = [
    `SELECT CASE WHEN met.sid = 0 THEN 'overall' WHEN met.sid = ${OTHER_SCOPE_ID} THEN 'other' ELSE 'segment' END AS scope,`,
    `  met.sid AS scope_id, CASE WHEN met.sid = ${OTHER_SCOPE_ID} THEN '__other__' ELSE met.event_name END AS event_name, met.platform,`,
    `  met.total, met.valid, met.total - met.valid AS invalid, ${reasons.map((r) => `met.${r}`).join(', ')},`,
    `  met.duplicates, met.late,`,
    `  ${rate('met.total - met.valid', 'met.total')} AS invalid_rate, ${rate('met.duplicates', 'met.valid')} AS duplicate_rate, ${rate('met.late', 'met.valid')} AS late_rate,`,
    `  ${LATENESS_PERCENTILES.map((p) => `${pctMs(p)} AS lateness_p${p}_ms`).join(', ')}, COALESCE(met.max_ms, 0) AS lateness_max_ms,`,
    `  ${LATENESS_PERCENTILES.map((p) => `${seconds(pctMs(p))} AS lateness_p${p}_seconds`).join(', ')}, ${seconds('COALESCE(met.max_ms, 0)')} AS lateness_max_seconds,`,
    `  met.newest_ms AS newest_received_at_ms, CASE WHEN met.newest_ms IS NULL THEN NULL ELSE ${seconds(`${nowMs} - met.newest_ms`)} END AS freshness_seconds`,
    'FROM met LEFT JOIN pct ON pct.sid = met.sid',
    'ORDER BY met.sid',
  ].join('\n');

  if (options.output === 'records') {
    const records = [...recordStages, envMembers, env, fields, times, known, classified, valued];
    const select =
      'SELECT ord, seg_event AS event_name, seg_platform AS platform, reason, dedup_key, dup AS duplicate, ' +
      `CASE WHEN reason IS NULL THEN lateness_ms END AS lateness_ms\nFROM val${order === undefined ? '' : '\nORDER BY ord'}`;
    const sql = `WITH\n${records.join(',\n')}\n${select}\n`;
    return options.comments === false ? sql : `${header(options, notes)}${sql}`;
  }

  const stages = [
    ...recordStages,
    envMembers,
    env,
    fields,
    times,
    known,
    classified,
    valued,
    log,
    unit,
    bucket,
    segs,
    seen,
    kept,
    scoped,
    metrics,
    histogram,
    cumulative,
    percentiles,
  ];
  const sql = `WITH\n${stages.map((s) => `${s}`).join(',\n')}\n${select}\n`;
  if (options.comments === false) return sql;
  return `${header(options, notes)}${sql}`;
}

/** The value at a dotted envelope path, as the checker's readPath walks it (objects only). */
function pathValue(d: Dialect, path: readonly string[]): string {
  const [first, ...rest] = path;
  const root = first !== undefined && isEnvelopeField(first) ? `e_${SHORT[first]}` : d.member('j', first ?? '');
  return rest.reduce((x, key) => d.member(x, key), root);
}

/**
 * The de-duplication key, as the checker's `keyOf`: the eventId by default;
 * otherwise each path's value (missing or null → '', a string as is, a number
 * or boolean as its text, anything else as JSON) joined with U+001F.
 */
function dedupKeySql(d: Dialect, paths: readonly string[]): string {
  if (paths.length === 1 && paths[0] === 'eventId') return `CASE WHEN ${d.isKind('e_id', 'string')} THEN ${d.str('e_id')} END`;
  const parts = paths.map((path) => {
    const v = pathValue(d, path.split('.'));
    const n = d.num(v);
    const number = `CASE WHEN ${n} = floor(${n}) AND abs(${n}) < ${sqlDouble(1e21)} THEN CAST(CAST(${n} AS DECIMAL(38, 0)) AS VARCHAR) ELSE CAST(${n} AS VARCHAR) END`;
    return (
      `CASE WHEN ${v} IS NULL OR ${d.isKind(v, 'null')} THEN '' WHEN ${d.isKind(v, 'string')} THEN ${d.str(v)}` +
      ` WHEN ${d.isKind(v, 'number')} THEN ${number} ELSE ${d.text(v)} END`
    );
  });
  return parts.join(` || chr(31) || `);
}

function header(options: RenderQualitySqlOptions, notes: readonly string[]): string {
  const q = options.quality;
  const line = (text: string): string => `-- ${text.replace(/[\r\n]+/g, ' ')}\n`;
  const out = [
    line(`tripline data quality (${options.dialect}): one row per scope — overall, each segment (event name × platform), __other__`),
    line(`source ${options.sourceLabel ?? options.table}, ${options.rawLines === true ? 'raw NDJSON lines (column line)' : 'one column per envelope field'}`),
    line(
      `events in the plan: ${[...options.plan.events.keys()].join(', ')}; dedup key ${q.dedupKey.join(' + ')}; ` +
        `allowed lateness ${q.allowedLatenessSeconds} s; clock skew ${q.clockSkewSeconds} s; sentAt correction ${q.correctSkewWithSentAt ? 'on' : 'off'}; ` +
        `PII ${q.pii.enabled ? 'on' : 'off'}; top ${q.segmentCap} segments; now ${options.now.toISOString()}`,
    ),
    line('lateness percentiles: HdrHistogram buckets (2 significant digits) computed in SQL, as the streaming checker reports them'),
    ...notes.map((n) => line(`note: ${n}`)),
  ];
  return out.join('');
}
