/*
 * The two SQL engines the quality checks render for. Everything that differs
 * between DuckDB (1.5) and Athena (engine v3, Trino) lives here: how a JSON
 * value's kind is read, how members / items / values are reached, lambdas,
 * regular expressions, integer division. The renderer above only combines
 * these pieces, so one classification is written once for both engines.
 *
 * JSON values are the engine's JSON type; an absent member is SQL NULL and a
 * JSON `null` is a (non-NULL) JSON value, so "absent" and "null" stay apart as
 * they do for the streaming checker.
 */
import { InputError } from '../../errors.js';

export type SqlDialectName = 'athena' | 'duckdb';
export const SQL_DIALECTS: readonly SqlDialectName[] = Object.freeze(['athena', 'duckdb']);

/** A JSON value's kind, as `typeof` / `Array.isArray` tell them apart after `JSON.parse`. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** A lambda's body, given the SQL name of its parameter. */
export type Body = (param: string) => string;

export interface Dialect {
  readonly name: SqlDialectName;
  /** True when `x` holds a JSON value of this kind; false or NULL (never true) when `x` is SQL NULL. */
  isKind(x: string, kind: JsonKind): string;
  /** The engine's kind code of a JSON value (DuckDB: json_type; Athena: the first character of its text). */
  kindCode(x: string): string;
  /** True when a {@link Dialect.kindCode} is this kind. */
  codeIs(code: string, kind: JsonKind): string;
  /** Strict `JSON.parse` of a VARCHAR: the JSON value, or NULL when `JSON.parse` would throw. */
  parseStrict(text: string): string;
  /** A member of a JSON value, NULL when absent or when `x` is not an object. */
  member(x: string, key: string): string;
  /**
   * Binds the members `keys` of an object value once (one parse in DuckDB,
   * one map in Athena) and renders `body` with a getter per key.
   */
  withMembers(x: string, keys: readonly string[], body: (get: (key: string) => string) => string): string;
  /** An expression holding the members `keys` of `x`, to store in a column (see {@link Dialect.memberOf}). */
  membersColumn(x: string, keys: readonly string[]): string;
  /** One member out of a {@link Dialect.membersColumn} column. */
  memberOf(column: string, keys: readonly string[], key: string): string;
  /** Bytes of a VARCHAR in UTF-8. */
  byteLength(s: string): string;
  /** Values of an object's members whose keys are not in `declared` (an SQL list of VARCHAR, see {@link Dialect.stringList}), as a list of JSON. */
  undeclaredValues(x: string, declared: string): string;
  /** A typed list of VARCHAR literals (possibly empty). */
  stringList(values: readonly string[]): string;
  /** All member values of an object, in document order (Athena: map order), as a list of JSON. */
  values(x: string): string;
  /** The items of a JSON array, as a list of JSON. */
  items(x: string): string;
  /** A JSON string's text (only meaningful when it is a string). */
  str(x: string): string;
  /** A JSON number as DOUBLE (NULL for other kinds). */
  num(x: string): string;
  /** The text of a JSON string token (`"a\\u0040b"` → `a@b`), given as VARCHAR. */
  tokenString(token: string): string;
  /** Minified JSON text of a value. */
  text(x: string): string;
  /** Binds `value` to a lambda parameter once and renders `body` with it (a "let"). */
  bind(value: string, body: Body): string;
  transform(list: string, body: Body): string;
  filter(list: string, predicate: Body): string;
  anyMatch(list: string, predicate: Body): string;
  /** The first element of a list, NULL when empty. */
  first(list: string): string;
  /** The element at a 1-based position. */
  at(list: string, position: number): string;
  listOf(items: readonly string[]): string;
  listContains(list: string, value: string): string;
  /** Unanchored RE2/Java regular expression match (use `\A` / `\z` to anchor). */
  regexpLike(s: string, re: string): string;
  regexpReplaceAll(s: string, re: string, replacement: string): string;
  regexpExtractAll(s: string, re: string): string;
  /** Integer division of non-negative BIGINTs (floor). */
  idiv(a: string, b: string): string;
  isFinite(x: string): string;
  /** VARCHAR → JSON string value (columns layout). */
  jsonString(s: string): string;
  /** Builds a JSON object from key/value pairs whose values are JSON (NULL → JSON null). */
  jsonObject(entries: readonly (readonly [string, string])[]): string;
}

/** A SQL string literal; quotes are doubled. NUL cannot be written in either engine's literals. */
export function sqlString(value: string): string {
  if (value.includes('\u0000')) {
    throw new InputError(`cannot put ${JSON.stringify(value)} into SQL: it contains a NUL character`);
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/** A double-quoted SQL identifier; embedded double quotes are doubled. */
export function sqlIdentifier(name: string): string {
  if (name === '' || name.includes('\u0000')) throw new InputError(`not a usable SQL identifier: ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** A DOUBLE literal both engines read as DOUBLE (not DECIMAL). */
export function sqlDouble(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`internal: ${value} is not a finite number`);
  return `CAST(${sqlString(String(value))} AS DOUBLE)`;
}

/** Regular expression text inside a SQL string literal. */
function re(pattern: string): string {
  return sqlString(pattern);
}

/** RFC 6901 pointer to one member (DuckDB's `json_extract(x, '/key')`). */
function pointer(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Lambda parameter names: unique per rendering so nested lambdas never shadow each other. */
export class Names {
  private n = 0;
  next(prefix = 'qv'): string {
    this.n++;
    return `${prefix}${this.n}`;
  }
}

/** DuckDB's `json_type` names per kind. */
const DUCKDB_KINDS: Readonly<Record<JsonKind, readonly string[]>> = {
  object: ['OBJECT'],
  array: ['ARRAY'],
  string: ['VARCHAR'],
  number: ['BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT'],
  boolean: ['BOOLEAN'],
  null: ['NULL'],
};

/** The first character of a canonical JSON text, per kind (Athena reads kinds from `json_format`). */
const ATHENA_FIRST_CHARS: Readonly<Record<JsonKind, readonly string[]>> = {
  object: ['{'],
  array: ['['],
  string: ['"'],
  number: ['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  boolean: ['t', 'f'],
  null: ['n'],
};

const inList = (values: readonly string[]): string => values.map(sqlString).join(', ');

/** A JSON string token (escapes respected), then `:` when it is an object key. */
export const JSON_STRING_TOKEN = String.raw`"(?:[^"\\]|\\.)*":?`;

export function duckdb(names: Names): Dialect {
  const d: Dialect = {
    name: 'duckdb',
    isKind: (x, kind) => d.codeIs(d.kindCode(x), kind),
    kindCode: (x) => `json_type(${x})`,
    codeIs: (code, kind) => {
      const kinds = DUCKDB_KINDS[kind];
      return kinds.length === 1 ? `${code} = ${sqlString(kinds[0] ?? '')}` : `${code} IN (${inList(kinds)})`;
    },
    parseStrict: (text) => {
      // DuckDB's reader (yyjson) also accepts trailing commas and NaN / Infinity, which
      // JSON.parse rejects. Two cheap scans find lines that may hold one; only those get
      // the exact check, outside string tokens. CASE evaluates each branch on the rows left.
      const outside = `regexp_replace(${text}, ${re(String.raw`"(?:[^"\\]|\\.)*"`)}, '""', 'g')`;
      const trailingComma = String.raw`,[ \t\n\r]*[\]}]`;
      const nonFinite = String.raw`(?:^|[:\[,])[ \t\n\r]*[-+]?(?i:nan|inf|infinity)[ \t\n\r]*(?:[,\]}]|$)`;
      return (
        `CASE WHEN NOT json_valid(${text}) THEN NULL` +
        ` WHEN NOT (regexp_matches(${text}, ${re(trailingComma)}) OR regexp_matches(${text}, ${re(nonFinite)})) THEN json(${text})` +
        ` WHEN regexp_matches(${outside}, ${re(trailingComma)})` +
        ` OR regexp_matches(regexp_replace(${outside}, 'true|false|null', '', 'g'), ${re('[A-DF-Za-df-z]')}) THEN NULL` +
        ` ELSE json(${text}) END`
      );
    },
    member: (x, key) => `CASE WHEN json_type(${x}) = 'OBJECT' THEN json_extract(${x}, ${sqlString(pointer(key))}) END`,
    withMembers: (x, keys, body) => {
      if (keys.length === 0) return body(() => 'NULL');
      return d.bind(d.membersColumn(x, keys), (list) => body((key) => d.memberOf(list, keys, key)));
    },
    membersColumn: (x, keys) => `json_extract(${x}, [${keys.map((k) => sqlString(pointer(k))).join(', ')}])`,
    memberOf: (column, keys, key) => `${column}[${keys.indexOf(key) + 1}]`,
    byteLength: (s) => `strlen(${s})`,
    undeclaredValues: (x, declared) => {
      const k = names.next();
      const value = names.next();
      return (
        `list_transform(list_filter(json_keys(${x}), lambda ${k}: NOT list_contains(${declared}, ${k})), ` +
        `lambda ${value}: json_extract(${x}, '/' || replace(replace(${value}, '~', '~0'), '/', '~1')))`
      );
    },
    stringList: (values) => `CAST([${inList(values)}] AS VARCHAR[])`,
    values: (x) => `json_extract(${x}, '$.*')`,
    items: (x) => `json_extract(${x}, '$[*]')`,
    str: (x) => `json_extract_string(${x}, '$')`,
    num: (x) => `TRY_CAST(${x} AS DOUBLE)`,
    tokenString: (token) => `json_extract_string(${token}, '$')`,
    text: (x) => `CAST(${x} AS VARCHAR)`,
    bind: (value, body) => {
      const p = names.next();
      return `list_transform([${value}], lambda ${p}: ${body(p)})[1]`;
    },
    transform: (list, body) => {
      const p = names.next();
      return `list_transform(${list}, lambda ${p}: ${body(p)})`;
    },
    filter: (list, predicate) => {
      const p = names.next();
      return `list_filter(${list}, lambda ${p}: ${predicate(p)})`;
    },
    anyMatch: (list, predicate) => `(len(${d.filter(list, predicate)}) > 0)`,
    first: (list) => `(${list})[1]`,
    at: (list, position) => `${list}[${position}]`,
    listOf: (items) => `[${items.join(', ')}]`,
    listContains: (list, value) => `list_contains(${list}, ${value})`,
    regexpLike: (s, pattern) => `regexp_matches(${s}, ${re(pattern)})`,
    regexpReplaceAll: (s, pattern, replacement) => `regexp_replace(${s}, ${re(pattern)}, ${sqlString(replacement)}, 'g')`,
    regexpExtractAll: (s, pattern) => `regexp_extract_all(${s}, ${re(pattern)})`,
    idiv: (a, b) => `((${a}) // (${b}))`,
    isFinite: (x) => `isfinite(${x})`,
    jsonString: (s) => `to_json(CAST(${s} AS VARCHAR))`,
    jsonObject: (entries) => `json_object(${entries.map(([k, v]) => `${sqlString(k)}, ${v}`).join(', ')})`,
  };
  return d;
}

export function athena(names: Names): Dialect {
  const asMap = (x: string): string => `try(CAST(${x} AS MAP(VARCHAR, JSON)))`;
  const d: Dialect = {
    name: 'athena',
    isKind: (x, kind) => d.codeIs(d.kindCode(x), kind),
    kindCode: (x) => `substr(json_format(${x}), 1, 1)`,
    codeIs: (code, kind) => {
      const chars = ATHENA_FIRST_CHARS[kind];
      return chars.length === 1 ? `${code} = ${sqlString(chars[0] ?? '')}` : `${code} IN (${inList(chars)})`;
    },
    // json_parse reads RFC 7159 JSON (Jackson): no trailing commas, NaN or comments, no trailing tokens.
    parseStrict: (text) => `try(json_parse(${text}))`,
    member: (x, key) => `element_at(${asMap(x)}, ${sqlString(key)})`,
    withMembers: (x, keys, body) => {
      if (keys.length === 0) return body(() => 'NULL');
      return d.bind(asMap(x), (m) => body((key) => d.memberOf(m, keys, key)));
    },
    membersColumn: (x) => asMap(x),
    memberOf: (column, _keys, key) => `element_at(${column}, ${sqlString(key)})`,
    byteLength: (s) => `length(to_utf8(${s}))`,
    undeclaredValues: (x, declared) => {
      const k = names.next();
      const v = names.next();
      return `map_values(map_filter(${asMap(x)}, (${k}, ${v}) -> NOT contains(${declared}, ${k})))`;
    },
    stringList: (values) => `CAST(ARRAY[${inList(values)}] AS ARRAY(VARCHAR))`,
    values: (x) => `map_values(${asMap(x)})`,
    items: (x) => `try(CAST(${x} AS ARRAY(JSON)))`,
    str: (x) => `TRY_CAST(${x} AS VARCHAR)`,
    num: (x) => `TRY_CAST(${x} AS DOUBLE)`,
    tokenString: (token) => `json_extract_scalar(${token}, '$')`,
    text: (x) => `json_format(${x})`,
    bind: (value, body) => {
      const p = names.next();
      return `element_at(transform(ARRAY[${value}], ${p} -> ${body(p)}), 1)`;
    },
    transform: (list, body) => {
      const p = names.next();
      return `transform(${list}, ${p} -> ${body(p)})`;
    },
    filter: (list, predicate) => {
      const p = names.next();
      return `filter(${list}, ${p} -> ${predicate(p)})`;
    },
    anyMatch: (list, predicate) => {
      const p = names.next();
      return `any_match(${list}, ${p} -> ${predicate(p)})`;
    },
    first: (list) => `element_at(${list}, 1)`,
    at: (list, position) => `element_at(${list}, ${position})`,
    listOf: (items) => `ARRAY[${items.join(', ')}]`,
    listContains: (list, value) => `contains(${list}, ${value})`,
    regexpLike: (s, pattern) => `regexp_like(${s}, ${re(pattern)})`,
    regexpReplaceAll: (s, pattern, replacement) => `regexp_replace(${s}, ${re(pattern)}, ${sqlString(replacement)})`,
    regexpExtractAll: (s, pattern) => `regexp_extract_all(${s}, ${re(pattern)})`,
    idiv: (a, b) => `(CAST(${a} AS BIGINT) / CAST(${b} AS BIGINT))`,
    isFinite: (x) => `is_finite(${x})`,
    jsonString: (s) => `CAST(CAST(${s} AS VARCHAR) AS JSON)`,
    jsonObject: (entries) =>
      `CAST(MAP(ARRAY[${entries.map(([k]) => sqlString(k)).join(', ')}], ARRAY[${entries.map(([, v]) => v).join(', ')}]) AS JSON)`,
  };
  return d;
}

export function dialectFor(name: SqlDialectName, names: Names = new Names()): Dialect {
  return name === 'duckdb' ? duckdb(names) : athena(names);
}
