import type { PiiDetector } from './pii.js';
import { FLOAT_MAX, INT_MAX, INT_MIN, LONG_LIMIT } from './ranges.js';
import { shortName, typeLabel } from './schema-node.js';
import type { SchemaNode } from './types.js';

/*
 * A validator is compiled once per event version: one closure per schema
 * node, and for each record one generated function that reads every field
 * with a constant key and tests primitives inline. On the valid path a check
 * allocates nothing and throws nothing (validators return undefined). Only a
 * failure builds an object, and the path to the offending value is assembled
 * on the way out.
 *
 * JSON ↔ Avro, as decided for tripline's plain-JSON events:
 * - null ↔ null; boolean; string; int ↔ integer in the int32 range
 *   (1.5 and 2^31 are wrong); long ↔ any integer; float / double ↔ any number.
 * - Unions are plain values (`"x"` for ["null","string"]), never Avro's
 *   wrapped `{"string":"x"}`: the value must fit one branch.
 * - enum ↔ one of its symbols; an unknown symbol is valid only when the enum
 *   declares a default (Avro resolution reads it as the default).
 * - bytes ↔ string; fixed ↔ string of exactly `size` characters.
 * - array ↔ array; map ↔ object of values; record ↔ object.
 * - Logical types are checked as their underlying type, as Avro's JSON
 *   encoding writes them: `timestamp-millis` is a number of epoch
 *   milliseconds; an ISO string there is wrong (declare `string` for those).
 * - A missing field (absent, or undefined) is fine when it has a default; a
 *   field sent under one of its aliases counts as present. `null` is a value,
 *   not an absence: it needs a "null" branch.
 * - Properties the schema does not declare are allowed (an app newer than
 *   the plan may send them); with PII detection on, their strings are still
 *   scanned.
 */

/** A failure, with the path segments innermost first. */
export interface Failure {
  readonly reason: 'missing_field' | 'wrong_type' | 'pii_in_properties';
  readonly path: string[];
  /** Says what is wrong after the path, e.g. `should be int, got 1.5`. */
  readonly detail: string;
}

export type Validator = (value: unknown, depth: number) => Failure | undefined;

/** Deeper than this, a value is rejected rather than risk the stack (recursive schemas). */
export const MAX_DEPTH = 128;


function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'boolean':
      return String(value);
    case 'string':
      return 'a string';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function wrongType(node: SchemaNode, value: unknown): Failure {
  return { reason: 'wrong_type', path: [], detail: `should be ${typeLabel(node)}, got ${describeValue(value)}` };
}

function tooDeep(): Failure {
  return { reason: 'wrong_type', path: [], detail: `is nested deeper than ${MAX_DEPTH} levels` };
}

function piiFailure(label: string): Failure {
  return { reason: 'pii_in_properties', path: [], detail: `looks like ${label} and the field is not declared "pii": true` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `.name` or `["odd key"]`. */
export function keySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Scans a value the schema does not describe for personal data. */
function scanUndeclared(value: unknown, depth: number, detect: PiiDetector): Failure | undefined {
  if (typeof value === 'string') {
    const label = detect(value);
    return label === undefined ? undefined : piiFailure(label);
  }
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const f = scanUndeclared(value[i], depth + 1, detect);
      if (f !== undefined) {
        f.path.push(`[${i}]`);
        return f;
      }
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  for (const key in value) {
    const f = scanUndeclared(value[key], depth + 1, detect);
    if (f !== undefined) {
      f.path.push(keySegment(key));
      return f;
    }
  }
  return undefined;
}

/** What JavaScript values a branch could accept, to try only plausible branches of a union. */
function accepts(node: SchemaNode): (value: unknown) => boolean {
  switch (node.kind) {
    case 'null':
      return (v) => v === null;
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return (v) => typeof v === 'number';
    case 'string':
    case 'bytes':
    case 'fixed':
    case 'enum':
      return (v) => typeof v === 'string';
    case 'array':
      return Array.isArray;
    case 'map':
    case 'record':
      return isPlainObject;
    case 'union': {
      const tests = node.branches.map(accepts);
      return (v) => tests.some((t) => t(v));
    }
  }
}

/**
 * Compiles validators for schema trees. `detect` scans strings for personal
 * data (undefined: off). Named types are compiled once, recursive ones too.
 */
export class ValidatorCompiler {
  private readonly scanning = new Map<SchemaNode, Validator>();
  private readonly exempt = new Map<SchemaNode, Validator>();

  constructor(private readonly detect: PiiDetector | undefined) {}

  compile(node: SchemaNode, piiAllowed = false): Validator {
    const scan = !piiAllowed && this.detect !== undefined;
    const cache = scan ? this.scanning : this.exempt;
    const known = cache.get(node);
    if (known) return known;
    // Recursive records reach themselves while being compiled: hand out a
    // trampoline until the real closure exists.
    let compiled: Validator | undefined;
    cache.set(node, (value, depth) => (compiled ?? fail)(value, depth));
    compiled = this.build(node, scan);
    cache.set(node, compiled);
    return compiled;
  }

  private build(node: SchemaNode, scan: boolean): Validator {
    const detect = scan ? this.detect : undefined;
    switch (node.kind) {
      case 'null':
        return (v) => (v === null ? undefined : wrongType(node, v));
      case 'boolean':
        return (v) => (typeof v === 'boolean' ? undefined : wrongType(node, v));
      case 'int':
        return (v) => (typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX ? undefined : wrongType(node, v));
      case 'long':
        return (v) => (typeof v === 'number' && Number.isInteger(v) && v >= -LONG_LIMIT && v <= LONG_LIMIT ? undefined : wrongType(node, v));
      case 'float':
        return (v) => (typeof v === 'number' && v >= -FLOAT_MAX && v <= FLOAT_MAX ? undefined : wrongType(node, v));
      case 'double':
        return (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : wrongType(node, v));
      case 'bytes':
        return (v) => (typeof v === 'string' ? undefined : wrongType(node, v));
      case 'fixed': {
        const size = node.size;
        return (v) => (typeof v === 'string' && v.length === size ? undefined : wrongType(node, v));
      }
      case 'string':
        if (detect === undefined) return (v) => (typeof v === 'string' ? undefined : wrongType(node, v));
        return (v) => {
          if (typeof v !== 'string') return wrongType(node, v);
          const label = detect(v);
          return label === undefined ? undefined : piiFailure(label);
        };
      case 'enum': {
        const symbols = new Set(node.symbols);
        const open = node.default !== undefined;
        const shown = node.symbols.length <= 12 ? ` (${node.symbols.join(', ')})` : '';
        return (v) => {
          if (typeof v === 'string' && (open || symbols.has(v))) return undefined;
          if (typeof v !== 'string') return wrongType(node, v);
          const sample = v.length > 40 ? `${v.slice(0, 40)}…` : v;
          return { reason: 'wrong_type', path: [], detail: `should be one of enum ${shortName(node.name)}${shown}, got ${JSON.stringify(sample)}` };
        };
      }
      case 'array': {
        const item = this.compile(node.items, !scan);
        return (v, depth) => {
          if (!Array.isArray(v)) return wrongType(node, v);
          if (depth > MAX_DEPTH) return tooDeep();
          for (let i = 0; i < v.length; i++) {
            const f = item(v[i], depth + 1);
            if (f !== undefined) {
              f.path.push(`[${i}]`);
              return f;
            }
          }
          return undefined;
        };
      }
      case 'map': {
        const values = this.compile(node.values, !scan);
        return (v, depth) => {
          if (!isPlainObject(v)) return wrongType(node, v);
          if (depth > MAX_DEPTH) return tooDeep();
          for (const key in v) {
            const f = values(v[key], depth + 1);
            if (f !== undefined) {
              f.path.push(keySegment(key));
              return f;
            }
          }
          return undefined;
        };
      }
      case 'record':
        return this.record(node, scan);
      case 'union':
        return this.union(node, scan);
    }
  }

  private record(node: SchemaNode & { readonly kind: 'record' }, scan: boolean): Validator {
    const fields = node.fields.map((f) => ({
      node: f.type,
      name: f.name,
      // `constructor`, `toString`, `__proto__`…: read only the object's own property.
      inherited: f.name in Object.prototype,
      aliases: f.aliases,
      segment: keySegment(f.name),
      required: !f.hasDefault,
      scan: scan && !f.pii,
      validate: this.compile(f.type, !scan || f.pii),
    }));
    const detect = scan ? this.detect : undefined;
    const declared = new Set(node.fields.flatMap((f) => [f.name, ...f.aliases]));
    const explain = explainRecord(node, fields, declared, detect);
    return generateRecordCheck(fields, declared, detect, explain);
  }

  private union(node: SchemaNode & { readonly kind: 'union' }, scan: boolean): Validator {
    const branches = node.branches.map((b) => ({ accepts: accepts(b), validate: this.compile(b, !scan) }));
    const n = branches.length;
    const [a, b] = branches;
    // ["null", T] and [T, "null"], the usual optional property.
    const other = n === 2 && a && b ? (node.branches[0]?.kind === 'null' ? b : node.branches[1]?.kind === 'null' ? a : undefined) : undefined;
    if (other !== undefined) {
      const { accepts: plausible, validate } = other;
      return (v, depth) => (v === null ? undefined : plausible(v) ? validate(v, depth) : wrongType(node, v));
    }
    return (v, depth) => {
      let first: Failure | undefined;
      for (let i = 0; i < n; i++) {
        const b = branches[i];
        if (b === undefined || !b.accepts(v)) continue;
        const f = b.validate(v, depth);
        if (f === undefined) return undefined;
        first ??= f;
      }
      // A value of the right kind that failed inside (a nested field, a
      // personal-data string) says more than "should be null | record".
      return first ?? wrongType(node, v);
    };
  }
}

function ownValue(v: Record<string, unknown>, key: string): unknown {
  return Object.getOwnPropertyDescriptor(v, key)?.value;
}

function byAlias(v: Record<string, unknown>, aliases: readonly string[]): unknown {
  for (const alias of aliases) {
    const value = alias in Object.prototype ? ownValue(v, alias) : v[alias];
    if (value !== undefined) return value;
  }
  return undefined;
}

const fail: Validator = () => ({ reason: 'wrong_type', path: [], detail: 'could not be checked (schema still compiling)' });

interface CompiledField {
  readonly node: SchemaNode;
  readonly name: string;
  readonly inherited: boolean;
  readonly aliases: readonly string[];
  readonly segment: string;
  readonly required: boolean;
  /** Strings in this field are scanned for personal data. */
  readonly scan: boolean;
  readonly validate: Validator;
}

/** The record check that says exactly what is wrong; run only once the fast check has failed. */
function explainRecord(
  node: SchemaNode & { readonly kind: 'record' },
  fields: readonly CompiledField[],
  declared: ReadonlySet<string>,
  detect: PiiDetector | undefined,
): Validator {
  return (v, depth) => {
    if (!isPlainObject(v)) return wrongType(node, v);
    if (depth > MAX_DEPTH) return tooDeep();
    for (const field of fields) {
      let value = field.inherited ? ownValue(v, field.name) : v[field.name];
      if (value === undefined && field.aliases.length > 0) value = byAlias(v, field.aliases);
      if (value === undefined) {
        if (field.required) return { reason: 'missing_field', path: [field.segment], detail: 'is missing and has no default' };
        continue;
      }
      const f = field.validate(value, depth + 1);
      if (f !== undefined) {
        f.path.push(field.segment);
        return f;
      }
    }
    if (detect !== undefined) {
      for (const key in v) {
        if (declared.has(key)) continue;
        const f = scanUndeclared(v[key], depth + 1, detect);
        if (f !== undefined) {
          f.path.push(keySegment(key));
          return f;
        }
      }
    }
    return undefined;
  };
}

/*
 * The hot path. A record's check is generated as one function (as avsc does
 * for its own codecs): each field is a constant-key property read and an
 * inline test, so V8 sees monomorphic loads and no per-field closure call.
 * Any failure hands over to `explainRecord`, which finds the path and the
 * words. Field names are Avro names (checked by avsc) and are only ever
 * embedded through JSON.stringify.
 */
function generateRecordCheck(
  fields: readonly CompiledField[],
  declared: ReadonlySet<string>,
  detect: PiiDetector | undefined,
  explain: Validator,
): Validator {
  const deps: unknown[] = [explain, isPlainObject, MAX_DEPTH, ownValue, byAlias, declared, scanUndeclared, detect];
  const dep = (value: unknown): string => {
    deps.push(value);
    return `d[${deps.length - 1}]`;
  };
  const lines: string[] = [
    'const explain = d[0], isPlainObject = d[1], MAX_DEPTH = d[2], ownValue = d[3], byAlias = d[4], declared = d[5], scanUndeclared = d[6], detect = d[7];',
    'return function checkRecord(v, depth) {',
    '  if (!isPlainObject(v) || depth > MAX_DEPTH) return explain(v, depth);',
    '  let x, f, present = 0;',
  ];
  for (const field of fields) {
    const key = JSON.stringify(field.name);
    lines.push(field.inherited ? `  x = ownValue(v, ${key});` : `  x = v[${key}];`);
    if (field.aliases.length > 0) lines.push(`  if (x === undefined) x = byAlias(v, ${dep(field.aliases)});`);
    if (field.required) lines.push('  if (x === undefined) return explain(v, depth);');
    const test = inlineTest(field.node, field.scan, dep);
    if (test !== undefined) {
      lines.push(`  if (x !== undefined && !(${test})) return explain(v, depth);`);
    } else {
      // A nested structure's failure is already the one explain() would find
      // (fields are checked in the same order): pass it up rather than check
      // the subtree again, which would cost 2^depth in a recursive schema.
      lines.push(`  if (x !== undefined) { f = ${dep(field.validate)}(x, depth + 1); if (f !== undefined) { f.path.push(${JSON.stringify(field.segment)}); return f; } }`);
    }
    lines.push('  if (x !== undefined) present++;');
  }
  if (detect !== undefined) {
    // Undeclared properties are scanned for personal data. Counting keys is
    // cheap; looking each one up is not, so only a count that differs from
    // the declared properties found means there are undeclared ones.
    lines.push(
      '  let keys = 0;',
      '  for (const k in v) keys++;',
      '  if (keys !== present) for (const k in v) if (!declared.has(k) && scanUndeclared(v[k], depth + 1, detect) !== undefined) return explain(v, depth);',
    );
  }
  lines.push('  return undefined;', '};');
  // The generated source is ours (see above); its type is what we generated.
  const factory = new Function('d', lines.join('\n')) as (d: readonly unknown[]) => Validator;
  return factory(deps);
}

/** A JavaScript expression over `x` that is true exactly when the type accepts x, for the types that have one. */
function inlineTest(node: SchemaNode, scan: boolean, dep: (value: unknown) => string): string | undefined {
  switch (node.kind) {
    case 'null':
      return 'x === null';
    case 'boolean':
      return 'typeof x === "boolean"';
    case 'int':
      // (x | 0) === x holds exactly for the int32 range, and never for 1.5 or NaN.
      return 'typeof x === "number" && (x | 0) === x';
    case 'long':
      return `Number.isInteger(x) && x >= ${-LONG_LIMIT} && x <= ${LONG_LIMIT}`;
    case 'float':
      return `typeof x === "number" && x >= ${-FLOAT_MAX} && x <= ${FLOAT_MAX}`;
    case 'double':
      return 'Number.isFinite(x)';
    case 'bytes':
      return 'typeof x === "string"';
    case 'fixed':
      return `typeof x === "string" && x.length === ${node.size}`;
    case 'string':
      return scan ? 'typeof x === "string" && detect(x) === undefined' : 'typeof x === "string"';
    case 'enum':
      return node.default !== undefined ? 'typeof x === "string"' : `typeof x === "string" && ${dep(new Set(node.symbols))}.has(x)`;
    case 'union': {
      const [a, b] = node.branches;
      if (node.branches.length !== 2 || !a || !b || (a.kind !== 'null' && b.kind !== 'null')) return undefined;
      const other = inlineTest(a.kind === 'null' ? b : a, scan, dep);
      return other === undefined ? undefined : `(x === null || (${other}))`;
    }
    default:
      return undefined;
  }
}
