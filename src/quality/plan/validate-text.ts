/*
 * The tracking plan's check, run on JSON text in place (the checker's fast
 * path, see json-text.ts). A text validator mirrors the object validator
 * compiled by validate.ts for the same schema node and returns the index past
 * the value when the value is valid, or -1 when it cannot show that. It
 * never reports a failure: on -1 the record is parsed and checked the
 * ordinary way, which finds the reason and the path. So what must hold is
 * one direction only: if the text validator accepts a value, the object
 * validator accepts JSON.parse of it.
 *
 * Where JSON.parse and the text differ, the text validator is conservative:
 * - a key given twice: JSON.parse keeps the last value; here every value is
 *   checked (and scanned for personal data), so accepting all of them implies
 *   accepting the last;
 * - a field sent under its name and an alias: the object validator reads the
 *   name's value; here both are checked;
 * - `__proto__` as a key, and nesting deeper than MAX_TEXT_DEPTH: -1.
 */
import {
  BytesTable,
  bytesPattern,
  matchesAt,
  booleanEnd,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  MAX_TEXT_DEPTH,
  MINUS,
  NINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  ZERO,
  lastNumber,
  literalEnd,
  nullEnd,
  numberEnd,
  skipSpaces,
  stringEnd,
  valueEnd,
  type BytesPattern,
  type JsonText,
} from './json-text.js';
import type { PiiDetector, PiiGate } from './pii.js';
import { FLOAT_MAX, LONG_LIMIT } from './ranges.js';
import type { SchemaNode } from './types.js';

/** Index past the valid value starting at `i` (no leading spaces), or -1. */
export type TextValidator = (t: JsonText, i: number, end: number, depth: number) => number;

/** One event of the plan, for the fast path. */
export interface EventTextCheck {
  /** The event name, the plan's own string (one for every record). */
  readonly name: string;
  /** Validates the `properties` object against the event's latest version. */
  readonly validate: TextValidator;
}

/** What the checker's fast path asks a tracking plan. */
export interface PropertiesTextChecker {
  /** The event named by the text `[start, end)`, or undefined when the plan has none. */
  event(t: JsonText, start: number, end: number): EventTextCheck | undefined;
}

export interface TextPii {
  readonly detect: PiiDetector;
  readonly gate: PiiGate;
}

const registry = new WeakMap<object, PropertiesTextChecker>();

/** Attaches the text checker to the plan object whose `check` it mirrors. */
export function registerTextChecker(plan: object, checker: PropertiesTextChecker): void {
  registry.set(plan, checker);
}

/** The text checker of a plan built by loadTrackingPlan / buildTrackingPlan; undefined for any other checker. */
export function textCheckerOf(plan: object): PropertiesTextChecker | undefined {
  return registry.get(plan);
}

/** Builds the text checker for events and their compiled validators. */
export function createTextChecker(events: ReadonlyMap<string, TextValidator>): PropertiesTextChecker {
  const byName = new BytesTable<EventTextCheck>();
  const odd = new Map<string, EventTextCheck>();
  for (const [name, validate] of events) {
    // Event names are directory names: nearly always ASCII words, compared as bytes; any other by its text.
    if (/^[\x20-\x7e]*$/.test(name) && !name.includes('"') && !name.includes('\\')) byName.add(name, { name, validate });
    else odd.set(name, { name, validate });
  }
  return {
    event: (t, start, end) => byName.get(t, start, end) ?? (odd.size > 0 ? odd.get(t.s.slice(start, end)) : undefined),
  };
}

/** Kinds of JSON value, as bits, told by a value's first character. */
const K_NULL = 1;
const K_BOOLEAN = 2;
const K_NUMBER = 4;
const K_STRING = 8;
const K_ARRAY = 16;
const K_OBJECT = 32;

function kindOf(c: number): number {
  if (c === QUOTE) return K_STRING;
  if (c === OPEN_BRACE) return K_OBJECT;
  if (c === OPEN_BRACKET) return K_ARRAY;
  if (c === MINUS || (c >= ZERO && c <= NINE)) return K_NUMBER;
  if (c === 110) return K_NULL;
  if (c === 116 || c === 102) return K_BOOLEAN;
  return 0;
}

/** The kinds a schema node accepts (validate.ts's `accepts`). */
function kindsAccepted(node: SchemaNode): number {
  switch (node.kind) {
    case 'null':
      return K_NULL;
    case 'boolean':
      return K_BOOLEAN;
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return K_NUMBER;
    case 'string':
    case 'bytes':
    case 'fixed':
    case 'enum':
      return K_STRING;
    case 'array':
      return K_ARRAY;
    case 'map':
    case 'record':
      return K_OBJECT;
    case 'union':
      return node.branches.reduce((kinds, b) => kinds | kindsAccepted(b), 0);
  }
}

const never: TextValidator = () => -1;

/**
 * Compiles text validators, as ValidatorCompiler compiles object validators:
 * the same node and PII setting give the same acceptance. Named types are
 * compiled once, recursive ones too.
 */
export class TextValidatorCompiler {
  private readonly scanning = new Map<SchemaNode, TextValidator>();
  private readonly exempt = new Map<SchemaNode, TextValidator>();

  constructor(private readonly pii: TextPii | undefined) {}

  compile(node: SchemaNode, piiAllowed = false): TextValidator {
    const scan = !piiAllowed && this.pii !== undefined;
    const cache = scan ? this.scanning : this.exempt;
    const known = cache.get(node);
    if (known) return known;
    let compiled: TextValidator | undefined;
    cache.set(node, (t, i, end, depth) => (compiled ?? never)(t, i, end, depth));
    compiled = this.build(node, scan);
    cache.set(node, compiled);
    return compiled;
  }

  private build(node: SchemaNode, scan: boolean): TextValidator {
    const pii = scan ? this.pii : undefined;
    switch (node.kind) {
      case 'null':
        return nullEnd;
      case 'boolean':
        return booleanEnd;
      case 'int':
        return (t, i) => {
          const j = numberEnd(t, i);
          return j >= 0 && (lastNumber | 0) === lastNumber ? j : -1;
        };
      case 'long':
        return (t, i) => {
          const j = numberEnd(t, i);
          return j >= 0 && Number.isInteger(lastNumber) && lastNumber >= -LONG_LIMIT && lastNumber <= LONG_LIMIT ? j : -1;
        };
      case 'float':
        return (t, i) => {
          const j = numberEnd(t, i);
          return j >= 0 && lastNumber >= -FLOAT_MAX && lastNumber <= FLOAT_MAX ? j : -1;
        };
      case 'double':
        return (t, i) => {
          const j = numberEnd(t, i);
          return j >= 0 && Number.isFinite(lastNumber) ? j : -1;
        };
      case 'bytes':
        return stringValue;
      case 'fixed': {
        const size = node.size;
        return (t, i, end) => {
          const j = stringValue(t, i, end);
          return j >= 0 && j - i - 2 === size ? j : -1;
        };
      }
      case 'string':
        if (pii === undefined) return stringValue;
        return (t, i, end) => {
          const j = stringValue(t, i, end);
          return j >= 0 && clearOfPii(pii, t, i + 1, j - 1) ? j : -1;
        };
      case 'enum': {
        if (node.default !== undefined) return stringValue;
        const symbols = new BytesTable<true>();
        const odd = new Set<string>();
        for (const symbol of node.symbols) {
          // Avro enum symbols are [A-Za-z_][A-Za-z0-9_]*; anything else is compared as text.
          if (/^[A-Za-z0-9_]+$/.test(symbol)) symbols.add(symbol, true);
          else odd.add(symbol);
        }
        return (t, i, end) => {
          const j = stringValue(t, i, end);
          if (j < 0) return -1;
          return symbols.get(t, i + 1, j - 1) === true || (odd.size > 0 && odd.has(t.s.slice(i + 1, j - 1))) ? j : -1;
        };
      }
      case 'array': {
        const item = this.compile(node.items, !scan);
        return (t, i, end, depth) => {
          const b = t.b;
          if (b[i] !== OPEN_BRACKET || depth >= MAX_TEXT_DEPTH) return -1;
          i = skipSpaces(b, i + 1);
          if (b[i] === CLOSE_BRACKET) return i + 1;
          for (;;) {
            i = item(t, i, end, depth + 1);
            if (i < 0) return -1;
            i = skipSpaces(b, i);
            const c = b[i];
            if (c === CLOSE_BRACKET) return i + 1;
            if (c !== COMMA) return -1;
            i = skipSpaces(b, i + 1);
          }
        };
      }
      case 'map': {
        const values = this.compile(node.values, !scan);
        return (t, i, end, depth) => {
          const b = t.b;
          if (b[i] !== OPEN_BRACE || depth >= MAX_TEXT_DEPTH) return -1;
          i = skipSpaces(b, i + 1);
          if (b[i] === CLOSE_BRACE) return i + 1;
          for (;;) {
            if (b[i] !== QUOTE) return -1;
            const keyEnd = stringEnd(t, i, end);
            if (keyEnd < 0 || isProtoKey(t, i + 1, keyEnd - 1)) return -1;
            i = skipSpaces(b, keyEnd);
            if (b[i] !== COLON) return -1;
            i = values(t, skipSpaces(b, i + 1), end, depth + 1);
            if (i < 0) return -1;
            i = skipSpaces(b, i);
            const c = b[i];
            if (c === CLOSE_BRACE) return i + 1;
            if (c !== COMMA) return -1;
            i = skipSpaces(b, i + 1);
          }
        };
      }
      case 'record':
        return this.record(node, scan);
      case 'union':
        return this.union(node, scan);
    }
  }

  private record(node: SchemaNode & { readonly kind: 'record' }, scan: boolean): TextValidator {
    const pii = scan ? this.pii : undefined;
    const fields = node.fields;
    const fieldCount = fields.length;
    const validators = fields.map((f) => this.compile(f.type, !scan || f.pii));
    // Key text → field index (names and aliases; Avro names are ASCII words).
    const keys = new BytesTable<number>();
    fields.forEach((f, index) => {
      for (const text of [f.name, ...f.aliases]) keys.add(text, index);
    });
    // Keys usually come in the schema's order: `"name":` is then matched at once.
    const patterns: BytesPattern[] = fields.map((f) => bytesPattern(`"${f.name}":`));
    const patternLengths = fields.map((f) => f.name.length + 3);
    const requiredIndex = fields.map(() => -1);
    let requiredCount = 0;
    fields.forEach((f, index) => {
      if (!f.hasDefault) requiredIndex[index] = requiredCount++;
    });
    const undeclared: TextValidator = pii === undefined ? valueEnd : (t, i, end, depth) => scanUndeclared(pii, t, i, end, depth);
    const useMask = requiredCount <= 30;
    const allRequired = useMask ? (1 << requiredCount) - 1 : 0;

    return (t, i, end, depth) => {
      const b = t.b;
      if (b[i] !== OPEN_BRACE || depth >= MAX_TEXT_DEPTH) return -1;
      let mask = 0;
      const seen = useMask ? undefined : new Uint8Array(requiredCount);
      let seenCount = 0;
      let expected = 0;
      i = skipSpaces(b, i + 1);
      if (b[i] !== CLOSE_BRACE) {
        for (;;) {
          let field: number;
          const length = expected < fieldCount ? (patternLengths[expected] ?? 0) : 0;
          const pattern = patterns[expected];
          if (length > 0 && pattern !== undefined && i + length <= end && matchesAt(t, i, pattern)) {
            // No escapes in the line: the key is exactly the expected field's name.
            field = expected;
            i = skipSpaces(b, i + length);
          } else {
            if (b[i] !== QUOTE) return -1;
            const keyEnd = stringEnd(t, i, end);
            if (keyEnd < 0) return -1;
            field = keys.get(t, i + 1, keyEnd - 1) ?? (isProtoKey(t, i + 1, keyEnd - 1) ? -2 : -1);
            if (field === -2) return -1;
            i = skipSpaces(b, keyEnd);
            if (b[i] !== COLON) return -1;
            i = skipSpaces(b, i + 1);
          }
          if (field >= 0) {
            expected = field + 1;
            i = (validators[field] ?? never)(t, i, end, depth + 1);
            const r = requiredIndex[field] ?? -1;
            if (r >= 0) {
              if (seen === undefined) mask |= 1 << r;
              else if (seen[r] === 0) {
                seen[r] = 1;
                seenCount++;
              }
            }
          } else {
            i = undeclared(t, i, end, depth + 1);
          }
          if (i < 0) return -1;
          i = skipSpaces(b, i);
          const c = b[i];
          if (c === CLOSE_BRACE) break;
          if (c !== COMMA) return -1;
          i = skipSpaces(b, i + 1);
        }
      }
      const complete = seen === undefined ? mask === allRequired : seenCount === requiredCount;
      return complete ? i + 1 : -1;
    };
  }

  private union(node: SchemaNode & { readonly kind: 'union' }, scan: boolean): TextValidator {
    const branches = node.branches.map((b) => ({ kinds: kindsAccepted(b), validate: this.compile(b, !scan) }));
    const [a, b] = node.branches;
    // ["null", T] and [T, "null"], the usual optional property.
    if (branches.length === 2 && a && b && (a.kind === 'null' || b.kind === 'null')) {
      const other = branches[a.kind === 'null' ? 1 : 0]?.validate ?? never;
      return (t, i, end, depth) => (t.b[i] === 110 ? nullEnd(t, i, end) : other(t, i, end, depth));
    }
    return (t, i, end, depth) => {
      const kind = kindOf(t.b[i] ?? 0);
      for (let k = 0; k < branches.length; k++) {
        const branch = branches[k];
        if (branch === undefined || (branch.kinds & kind) === 0) continue;
        const j = branch.validate(t, i, end, depth);
        if (j >= 0) return j;
      }
      return -1;
    };
  }
}

/** Past the string at `i`, or -1 when there is none. */
function stringValue(t: JsonText, i: number, end: number): number {
  return t.b[i] === QUOTE ? stringEnd(t, i, end) : -1;
}

/** `[start, end)` is not personal data by the detector (the gate spares the slice almost always). */
function clearOfPii(pii: TextPii, t: JsonText, start: number, end: number): boolean {
  return !pii.gate(t.s, start, end) || pii.detect(t.s.slice(start, end)) === undefined;
}

const PROTO = bytesPattern('__proto__');

function isProtoKey(t: JsonText, start: number, end: number): boolean {
  return end - start === 9 && matchesAt(t, start, PROTO);
}

/** A value the schema does not declare: its strings, at any depth, must not look like personal data. */
function scanUndeclared(pii: TextPii, t: JsonText, i: number, end: number, depth: number): number {
  const b = t.b;
  const c = b[i] ?? 0;
  if (c === QUOTE) {
    const j = stringEnd(t, i, end);
    return j >= 0 && clearOfPii(pii, t, i + 1, j - 1) ? j : -1;
  }
  if (c === OPEN_BRACE) {
    if (depth >= MAX_TEXT_DEPTH) return -1;
    i = skipSpaces(b, i + 1);
    if (b[i] === CLOSE_BRACE) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return -1;
      const keyEnd = stringEnd(t, i, end);
      if (keyEnd < 0 || isProtoKey(t, i + 1, keyEnd - 1)) return -1;
      i = skipSpaces(b, keyEnd);
      if (b[i] !== COLON) return -1;
      i = scanUndeclared(pii, t, skipSpaces(b, i + 1), end, depth + 1);
      if (i < 0) return -1;
      i = skipSpaces(b, i);
      const d = b[i];
      if (d === CLOSE_BRACE) return i + 1;
      if (d !== COMMA) return -1;
      i = skipSpaces(b, i + 1);
    }
  }
  if (c === OPEN_BRACKET) {
    if (depth >= MAX_TEXT_DEPTH) return -1;
    i = skipSpaces(b, i + 1);
    if (b[i] === CLOSE_BRACKET) return i + 1;
    for (;;) {
      i = scanUndeclared(pii, t, i, end, depth + 1);
      if (i < 0) return -1;
      i = skipSpaces(b, i);
      const d = b[i];
      if (d === CLOSE_BRACKET) return i + 1;
      if (d !== COMMA) return -1;
      i = skipSpaces(b, i + 1);
    }
  }
  if (c === MINUS || (c >= ZERO && c <= NINE)) return numberEnd(t, i);
  return literalEnd(t, i, end);
}
