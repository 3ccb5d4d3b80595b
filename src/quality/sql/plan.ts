/*
 * The tracking plan's `check()` (src/quality/plan/validate.ts) compiled into
 * one SQL expression per event: NULL when the properties are valid, else the
 * reason the checker would give — the FIRST failure in the same order:
 *
 * - a record's fields in schema order: an absent field without a default is
 *   `missing_field` (a field sent under an alias counts as present); a present
 *   field fails with its type's verdict; then, with PII detection on, any
 *   string anywhere inside an undeclared property that looks like personal
 *   data is `pii_in_properties`;
 * - int / long / float / double / boolean / null / bytes / fixed / enum as the
 *   validator decides them for parsed JSON (every number is a double there);
 * - string: `wrong_type` unless a string; `pii_in_properties` when PII
 *   detection applies to it (not below a `"pii": true` field);
 * - array items and map values in order, the first failing one decides;
 * - a union: valid when a branch accepting that kind of value validates it,
 *   else the first such branch's failure, else `wrong_type`.
 *
 * Query size matters (Athena accepts 256 KB of SQL), so what every event
 * needs of the top-level properties — each member's value, kind and whether
 * its string looks like personal data, and which members hold personal data
 * anywhere inside — is computed once per record (see render.ts) and the
 * per-event checks only refer to it.
 */
import type { EventDefinition, FieldNode, SchemaNode } from '../plan/types.js';
import { JSON_STRING_TOKEN, sqlDouble, sqlString, type Dialect, type JsonKind } from './dialect.js';
import { piiSql } from './pii.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** As a double, like the checker's LONG_LIMIT (9223372036854775807 reads as 2^63). */
const LONG_LIMIT = 9223372036854775807;
const FLOAT_MAX = 3.4028234663852886e38;

/** How often a named record may appear inside itself before the rendering stops descending. */
export const RECURSION_LIMIT = 3;

const WRONG = sqlString('wrong_type');
const MISSING = sqlString('missing_field');
const PII = sqlString('pii_in_properties');
const NO_REASON = 'CAST(NULL AS VARCHAR)';

export interface PlanSqlOptions {
  readonly pii: boolean;
  /** Collects what the SQL cannot reproduce for this plan (recursive types). */
  readonly notes: string[];
}

/** A present JSON value, and what is already known about it. */
interface Value {
  readonly json: string;
  /** Its kind code (Dialect.kindCode), when already computed. */
  readonly code?: string;
  /** Whether its string looks like personal data, when already computed. */
  readonly pii?: string;
}

/** The members of a record value, bound once. */
export interface Members {
  /** The member's JSON value, NULL when absent. */
  value(key: string): string;
  /** Its kind code, when precomputed. */
  code?(key: string): string;
  /** Whether its string looks like personal data, when precomputed (keys of {@link scannedKeys}). */
  pii?(key: string): string;
  /** True when a member the record does not declare holds a personal-data string anywhere inside, when precomputed. */
  readonly undeclaredPii?: string;
}

/** The kinds of JSON value a schema node could accept (the validator's `accepts`). */
function kindsOf(node: SchemaNode): readonly JsonKind[] {
  switch (node.kind) {
    case 'null':
      return ['null'];
    case 'boolean':
      return ['boolean'];
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return ['number'];
    case 'string':
    case 'bytes':
    case 'fixed':
    case 'enum':
      return ['string'];
    case 'array':
      return ['array'];
    case 'map':
    case 'record':
      return ['object'];
    case 'union':
      return [...new Set(node.branches.flatMap(kindsOf))];
  }
}

/** A string directly in this node (not inside an array, map or record) is scanned for PII. */
function holdsString(node: SchemaNode): boolean {
  return node.kind === 'string' || (node.kind === 'union' && node.branches.some((b) => b.kind === 'string'));
}

/** The member names a record reads: its fields and their aliases. */
export function recordKeys(node: SchemaNode & { readonly kind: 'record' }): string[] {
  return [...new Set(node.fields.flatMap((f) => [f.name, ...f.aliases]))];
}

/** The member names whose string values a record scans for PII (fields not declared `"pii": true`, with aliases). */
export function scannedKeys(node: SchemaNode & { readonly kind: 'record' }): string[] {
  return [...new Set(node.fields.filter((f) => !f.pii && holdsString(f.type)).flatMap((f) => [f.name, ...f.aliases]))];
}

export class PlanCompiler {
  private readonly stack: SchemaNode[] = [];

  constructor(
    private readonly d: Dialect,
    private readonly options: PlanSqlOptions,
  ) {}

  /**
   * Verdict of an event's properties (a JSON object value `x`) against its
   * latest version, with the top-level members already bound.
   */
  event(def: EventDefinition, x: string, members: Members): string {
    const root = def.latest.root;
    this.stack.push(root);
    try {
      return this.recordChecks(root, x, this.options.pii, members);
    } finally {
      this.stack.pop();
    }
  }

  /** Per key, whether the member is a string that looks like personal data (a list of booleans). */
  piiFlags(keys: readonly string[], value: (key: string) => string, code?: (key: string) => string): string {
    const d = this.d;
    const isString = (k: string): string => (code ? d.codeIs(code(k), 'string') : d.isKind(value(k), 'string'));
    const strings = d.listOf(keys.map((k) => `CASE WHEN ${isString(k)} THEN ${d.str(value(k))} END`));
    return d.transform(strings, (s) => `COALESCE(${piiSql(d, s)}, false)`);
  }

  /** True when a string anywhere inside the JSON value `x` looks like personal data (object keys aside). */
  deepPii(x: string): string {
    const d = this.d;
    // A token ending in ':' is an object key (the text is minified); keys are not scanned.
    const strings = d.filter(d.regexpExtractAll(d.text(x), JSON_STRING_TOKEN), (token) => `substr(${token}, length(${token}), 1) <> ':'`);
    return d.anyMatch(strings, (token) => d.bind(d.tokenString(token), (s) => piiSql(d, s)));
  }

  private accepts(node: SchemaNode, v: Value): string {
    return `(${kindsOf(node)
      .map((k) => this.is(v, k))
      .join(' OR ')})`;
  }

  private is(v: Value, kind: JsonKind): string {
    return v.code === undefined ? this.d.isKind(v.json, kind) : this.d.codeIs(v.code, kind);
  }

  /** NULL when the present value is valid for `node`, else the reason. */
  verdict(node: SchemaNode, v: Value, scan: boolean): string {
    const d = this.d;
    const x = v.json;
    const kind = (k: JsonKind): string => this.is(v, k);
    const unless = (ok: string): string => `CASE WHEN ${ok} THEN NULL ELSE ${WRONG} END`;
    switch (node.kind) {
      case 'null':
        return unless(kind('null'));
      case 'boolean':
        return unless(kind('boolean'));
      case 'int':
        return unless(`${kind('number')} AND ${this.integral(x, INT_MIN, INT_MAX)}`);
      case 'long':
        return unless(`${kind('number')} AND ${this.integral(x, -LONG_LIMIT, LONG_LIMIT)}`);
      case 'float':
        return unless(`${kind('number')} AND ${d.num(x)} BETWEEN ${sqlDouble(-FLOAT_MAX)} AND ${sqlDouble(FLOAT_MAX)}`);
      case 'double':
        return unless(`${kind('number')} AND ${d.isFinite(d.num(x))}`);
      case 'bytes':
        return unless(kind('string'));
      case 'fixed':
        return unless(`${kind('string')} AND ${this.utf16Length(d.str(x))} = ${node.size}`);
      case 'string':
        if (!scan) return unless(kind('string'));
        return `CASE WHEN ${kind('string')} THEN CASE WHEN ${v.pii ?? piiSql(d, d.str(x))} THEN ${PII} END ELSE ${WRONG} END`;
      case 'enum':
        if (node.default !== undefined) return unless(kind('string'));
        return unless(`${kind('string')} AND ${d.str(x)} IN (${node.symbols.map(sqlString).join(', ')})`);
      case 'array':
        return this.nested(node, () => {
          const items = d.transform(d.items(x), (item) => this.verdict(node.items, { json: item }, scan));
          return `CASE WHEN ${kind('array')} THEN ${d.first(d.filter(items, (r) => `${r} IS NOT NULL`))} ELSE ${WRONG} END`;
        });
      case 'map':
        return this.nested(node, () => {
          const values = d.transform(d.values(x), (value) => this.verdict(node.values, { json: value }, scan));
          return `CASE WHEN ${kind('object')} THEN ${d.first(d.filter(values, (r) => `${r} IS NOT NULL`))} ELSE ${WRONG} END`;
        });
      case 'record':
        return this.nested(node, () => `CASE WHEN ${kind('object')} THEN ${this.record(node, x, scan)} ELSE ${WRONG} END`);
      case 'union':
        return this.union(node, v, scan);
    }
  }

  /** Recursion guard: a named type nested in itself more than RECURSION_LIMIT times is not descended into. */
  private nested(node: SchemaNode, render: () => string): string {
    const depth = this.stack.filter((n) => n === node).length;
    if (depth >= RECURSION_LIMIT) {
      const name = node.kind === 'record' ? node.name : node.kind;
      const note = `recursive type ${name}: values nested deeper than ${RECURSION_LIMIT} levels are not checked`;
      if (!this.options.notes.includes(note)) this.options.notes.push(note);
      return NO_REASON;
    }
    this.stack.push(node);
    try {
      return render();
    } finally {
      this.stack.pop();
    }
  }

  private integral(x: string, min: number, max: number): string {
    const n = this.d.num(x);
    return `${n} = floor(${n}) AND ${n} BETWEEN ${sqlDouble(min)} AND ${sqlDouble(max)}`;
  }

  /** JavaScript's `length`: UTF-16 code units (a character past U+FFFF counts twice). */
  private utf16Length(s: string): string {
    return `(length(${s}) + length(${this.d.regexpReplaceAll(s, '[^\\x{10000}-\\x{10FFFF}]', '')}))`;
  }

  /** A nested record: its members bound once, its strings' PII flags in one list. */
  private record(node: SchemaNode & { readonly kind: 'record' }, x: string, scan: boolean): string {
    const d = this.d;
    return d.withMembers(x, recordKeys(node), (get) => {
      const keys = scan ? scannedKeys(node) : [];
      if (keys.length === 0) return this.recordChecks(node, x, scan, { value: get });
      return d.bind(this.piiFlags(keys, get), (flags) => this.recordChecks(node, x, scan, { value: get, pii: (key) => d.at(flags, keys.indexOf(key) + 1) }));
    });
  }

  /** Fields in order, then undeclared properties: the first failure. */
  private recordChecks(node: SchemaNode & { readonly kind: 'record' }, x: string, scan: boolean, members: Members): string {
    const checks = node.fields.map((f) => this.field(f, members, scan));
    if (scan) checks.push(this.undeclared(node, x, members));
    return checks.length === 0 ? NO_REASON : checks.length === 1 ? (checks[0] ?? NO_REASON) : `COALESCE(${checks.join(', ')})`;
  }

  private field(f: FieldNode, members: Members, scan: boolean): string {
    const names = [f.name, ...f.aliases];
    const fieldScan = scan && !f.pii;
    // With aliases, what is known comes from whichever name the value came from.
    const pick = (of: (key: string) => string): string =>
      names.length === 1 ? of(f.name) : `CASE ${names.map((n) => `WHEN ${members.value(n)} IS NOT NULL THEN ${of(n)}`).join(' ')} END`;
    const json = names.length === 1 ? members.value(f.name) : `COALESCE(${names.map((n) => members.value(n)).join(', ')})`;
    const code = members.code;
    const pii = members.pii;
    const value: Value = {
      json,
      ...(code ? { code: pick((n) => code(n)) } : {}),
      ...(pii && fieldScan && holdsString(f.type) ? { pii: pick((n) => pii(n)) } : {}),
    };
    const absent = f.hasDefault ? NO_REASON : MISSING;
    return `CASE WHEN ${json} IS NULL THEN ${absent} ELSE ${this.verdict(f.type, value, fieldScan)} END`;
  }

  /** `pii_in_properties` when a string anywhere in an undeclared property looks like personal data. */
  private undeclared(node: SchemaNode & { readonly kind: 'record' }, x: string, members: Members): string {
    const d = this.d;
    const declared = recordKeys(node);
    const found = members.undeclaredPii ?? d.anyMatch(d.undeclaredValues(x, d.stringList(declared)), (value) => this.deepPii(value));
    return `CASE WHEN ${found} THEN ${PII} END`;
  }

  private union(node: SchemaNode & { readonly kind: 'union' }, v: Value, scan: boolean): string {
    const d = this.d;
    const branches = node.branches;
    const [a, b] = branches;
    // ["null", T]: the usual optional property, rendered without a list.
    if (branches.length === 2 && a !== undefined && b !== undefined && (a.kind === 'null' || b.kind === 'null')) {
      const other = a.kind === 'null' ? b : a;
      if (other.kind !== 'null' && other.kind !== 'union') {
        return `CASE WHEN ${this.is(v, 'null')} THEN NULL WHEN ${this.accepts(other, v)} THEN ${this.verdict(other, v, scan)} ELSE ${WRONG} END`;
      }
    }
    // Per branch: NULL when it does not accept the kind, 'ok' when it validates, else its reason.
    const outcomes = d.listOf(branches.map((branch) => `CASE WHEN ${this.accepts(branch, v)} THEN COALESCE(${this.verdict(branch, v, scan)}, 'ok') END`));
    return d.bind(
      outcomes,
      (list) => `CASE WHEN ${d.listContains(list, "'ok'")} THEN NULL ELSE COALESCE(${d.first(d.filter(list, (r) => `${r} IS NOT NULL`))}, ${WRONG}) END`,
    );
  }
}
