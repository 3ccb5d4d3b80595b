/*
 * The classifier's fast path for NDJSON: a line is classified from its text
 * in place, without JSON.parse building the record (JSON.parse was ~55% of a
 * worker's time, and most of the objects it built were thrown away). The
 * scanner only ever answers "valid, with these values" or "don't know":
 * every line it does not accept — anything invalid, and anything unusual
 * (escapes, a key given twice, nesting past 64 levels, an event not in the
 * plan) — goes to JSON.parse and the ordinary checks, which decide and say
 * why. So the outcome of a line is the same either way; what must hold is
 * that a line the scanner accepts is one JSON.parse + `object()` accepts,
 * with the same event name, platform, key and times (test/quality/check/
 * scan-line.test.ts checks this on the generator's output and fuzzed lines).
 */
import type { RecordOutcome } from '../../domain/quality.js';
import {
  BytesTable,
  bytesPattern,
  matchesAt,
  CLOSE_BRACE,
  COLON,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  nullEnd,
  skipSpaces,
  stringEnd,
  valueEnd,
  type BytesPattern,
  type JsonText,
} from '../plan/json-text.js';
import { textCheckerOf, type PropertiesTextChecker } from '../plan/validate-text.js';
import { parseIsoTimestampBytes } from './timestamp.js';

/** The outcome of the line `[start, end)` when the fast path can tell it is valid, else undefined. */
export type LineScan = (t: JsonText, start: number, end: number) => RecordOutcome | undefined;

export interface LineScanOptions {
  /** The plan; the fast path exists only for a plan built by loadTrackingPlan / buildTrackingPlan. */
  readonly plan: object;
  readonly dedupPaths: readonly (readonly string[])[];
  readonly keyIsEventId: boolean;
  readonly platformPaths: readonly (readonly string[])[];
  readonly skewMs: number;
  readonly keySeparator: string;
  readonly unknownPlatform: string;
}

/** Envelope fields, by slot. */
const EVENT_ID = 0;
const EVENT_NAME = 1;
const USER_ID = 2;
const ANONYMOUS_ID = 3;
const TIMESTAMP = 4;
const RECEIVED_AT = 5;
const SENT_AT = 6;
const PROPERTIES = 7;
const CONTEXT = 8;
const ENVELOPE = ['eventId', 'eventName', 'userId', 'anonymousId', 'timestamp', 'receivedAt', 'sentAt', 'properties', 'context'];
const REQUIRED = (1 << EVENT_ID) | (1 << EVENT_NAME) | (1 << TIMESTAMP) | (1 << RECEIVED_AT) | (1 << PROPERTIES);

/** What a path's value was, per line. */
const ABSENT = 0;
const STRING = 1;
const NULL = 2;
const OTHER = 3; // a number or boolean: its text is kept
const STRUCTURE = 4; // an object or array

/** A node of the tree of envelope paths read (dedup key parts, platform): `context` → `device` → `platform`. */
interface PathNode {
  readonly key: string;
  readonly id: number;
  /** Index of this path's value slot, or -1 when no path ends here. */
  leaf: number;
  readonly children: PathNode[];
  /** The children by key. */
  readonly table: BytesTable<PathNode>;
}

interface RootKey {
  /** Envelope slot, or -1. */
  readonly slot: number;
  readonly node: PathNode | undefined;
  /** `"key":`. */
  readonly pattern: BytesPattern;
  readonly patternLength: number;
  /** The keys that followed this one in the last lines read, latest first (most lines repeat the order; an optional field makes two). */
  next: RootKey | undefined;
  alternative: RootKey | undefined;
}

/** Canonical platform strings: a few distinct values, each kept once, never a slice pinning a chunk's text. */
const PLATFORM_CACHE_LIMIT = 256;

/**
 * The fast path for a classifier, or undefined when the plan has no text
 * checker or a configured path is one the scanner does not read (under
 * `properties`, or through a name every object inherits such as `constructor`).
 */
export function createLineScanner(options: LineScanOptions): LineScan | undefined {
  const checker: PropertiesTextChecker | undefined = textCheckerOf(options.plan);
  if (checker === undefined) return undefined;
  const paths = [...options.dedupPaths, ...options.platformPaths];
  const unreadable = (seg: string): boolean => seg === '' || seg in Object.prototype || !/^[\x20-\x7e]*$/.test(seg) || /["\\]/.test(seg);
  if (paths.some((path) => path.length === 0 || path[0] === 'properties' || path.some(unreadable))) return undefined;

  // The path tree; leaves are numbered as paths are added.
  const nodes: PathNode[] = [];
  const newNode = (key: string, id: number): PathNode => ({ key, id, leaf: -1, children: [], table: new BytesTable<PathNode>() });
  const root = newNode('', -1);
  let leafCount = 0;
  const leafOf = (path: readonly string[]): number => {
    let at = root;
    for (const seg of path) {
      let child = at.children.find((c) => c.key === seg);
      if (child === undefined) {
        child = newNode(seg, nodes.length);
        nodes.push(child);
        at.children.push(child);
        at.table.add(seg, child);
      }
      at = child;
    }
    if (at.leaf < 0) at.leaf = leafCount++;
    return at.leaf;
  };
  const dedupLeaves = options.keyIsEventId ? [] : options.dedupPaths.map(leafOf);
  const platformLeaves = options.platformPaths.map(leafOf);
  const leafKind = new Uint8Array(leafCount);
  const leafStart = new Int32Array(leafCount);
  const leafEnd = new Int32Array(leafCount);
  // Which path nodes were met and which leaves hold a value, by line number: nothing to clear per line.
  const nodeLine = new Float64Array(nodes.length);
  const leafLine = new Float64Array(leafCount);
  let lineNumber = 0;

  // Top-level keys: the envelope's, and the first segment of each path.
  const rootKeys = new BytesTable<RootKey>();
  const rootKey = (text: string, slot: number, node: PathNode | undefined): RootKey => {
    const key: RootKey = { slot, node, pattern: bytesPattern(`"${text}":`), patternLength: text.length + 3, next: undefined, alternative: undefined };
    rootKeys.add(text, key);
    return key;
  };
  ENVELOPE.forEach((text, slot) => rootKey(text, slot, root.children.find((c) => c.key === text)));
  for (const child of root.children) if (!ENVELOPE.includes(child.key)) rootKey(child.key, -1, child);
  const PROTO = bytesPattern('__proto__');
  let firstKey: RootKey | undefined;

  const skewMs = options.skewMs;
  const platforms = new BytesTable<string>();
  let platformCount = 0;

  /** Reads the value at `i` for a path node: records a leaf, descends into an object. */
  function visit(node: PathNode, t: JsonText, i: number, end: number, depth: number): number {
    if (nodeLine[node.id] === lineNumber) return -1; // the key twice: JSON.parse keeps the last; let it decide
    nodeLine[node.id] = lineNumber;
    const c = t.b[i];
    const j = c === OPEN_BRACE && node.children.length > 0 ? walk(node, t, i, end, depth) : valueEnd(t, i, end, depth);
    if (j < 0) return -1;
    const leaf = node.leaf;
    if (leaf >= 0) {
      leafLine[leaf] = lineNumber;
      if (c === QUOTE) {
        leafKind[leaf] = STRING;
        leafStart[leaf] = i + 1;
        leafEnd[leaf] = j - 1;
      } else if (c === 110) {
        leafKind[leaf] = NULL;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        leafKind[leaf] = STRUCTURE;
      } else {
        leafKind[leaf] = OTHER;
        leafStart[leaf] = i;
        leafEnd[leaf] = j;
      }
    }
    return j;
  }

  /** An object on a path: its keys that continue a path are visited, the rest only checked. */
  function walk(node: PathNode, t: JsonText, i: number, end: number, depth: number): number {
    if (depth >= 60) return -1;
    const b = t.b;
    i = skipSpaces(b, i + 1);
    if (b[i] === CLOSE_BRACE) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return -1;
      const keyEnd = stringEnd(t, i, end);
      if (keyEnd < 0) return -1;
      const child = node.table.get(t, i + 1, keyEnd - 1);
      i = skipSpaces(b, keyEnd);
      if (b[i] !== COLON) return -1;
      i = skipSpaces(b, i + 1);
      i = child === undefined ? valueEnd(t, i, end, depth + 1) : visit(child, t, i, end, depth + 1);
      if (i < 0) return -1;
      i = skipSpaces(b, i);
      const c = b[i];
      if (c === CLOSE_BRACE) return i + 1;
      if (c !== COMMA) return -1;
      i = skipSpaces(b, i + 1);
    }
  }

  /** A path's value as `keyPart` makes it, or undefined for an object or array (the slow path joins its JSON). */
  function keyPartOf(t: JsonText, leaf: number): string | undefined {
    switch (leafLine[leaf] === lineNumber ? leafKind[leaf] : ABSENT) {
      case STRING:
        return t.s.slice(leafStart[leaf], leafEnd[leaf]);
      case OTHER: {
        const text = t.s.slice(leafStart[leaf], leafEnd[leaf]);
        const c = text.charCodeAt(0);
        return c === 116 ? 'true' : c === 102 ? 'false' : String(Number(text));
      }
      case STRUCTURE:
        return undefined;
      default:
        return '';
    }
  }

  function platformOf(t: JsonText): string {
    for (let k = 0; k < platformLeaves.length; k++) {
      const leaf = platformLeaves[k] ?? 0;
      if (leafLine[leaf] !== lineNumber || leafKind[leaf] !== STRING) continue;
      const start = leafStart[leaf] ?? 0;
      const stop = leafEnd[leaf] ?? 0;
      if (stop === start) continue;
      const known = platforms.get(t, start, stop);
      if (known !== undefined) return known;
      // A copy of its own: a slice would keep the whole chunk's text alive.
      const platform = JSON.parse(JSON.stringify(t.s.slice(start, stop))) as string;
      if (platformCount < PLATFORM_CACHE_LIMIT) {
        platforms.add(platform, platform);
        platformCount++;
      }
      return platform;
    }
    return options.unknownPlatform;
  }

  return (t, start, end) => {
    const b = t.b;
    const d = t.d;
    lineNumber++;
    let i = skipSpaces(b, start);
    if (b[i] !== OPEN_BRACE) return undefined;
    let seen = 0;
    let idStart = 0;
    let idEnd = 0;
    let nameStart = 0;
    let nameEnd = 0;
    let tsStart = 0;
    let tsEnd = 0;
    let raStart = 0;
    let raEnd = 0;
    let saStart = -1;
    let saEnd = -1;
    let propsStart = -1;
    let propsEnd = -1;
    let eventName: string | undefined;

    i = skipSpaces(b, i + 1);
    if (b[i] === CLOSE_BRACE) return undefined;
    let previous: RootKey | undefined;
    for (let position = 0; ; position++) {
      let key = position === 0 ? firstKey : previous?.next;
      if (key !== undefined && !(i + key.patternLength <= end && matchesAt(t, i, key.pattern))) {
        key = position === 0 ? undefined : previous?.alternative;
        if (key !== undefined && !(i + key.patternLength <= end && matchesAt(t, i, key.pattern))) key = undefined;
      }
      if (key !== undefined) {
        // No escapes in a clean line: the key is exactly the expected one.
        i = skipSpaces(b, i + key.patternLength);
      } else {
        if (b[i] !== QUOTE) return undefined;
        const keyEnd = stringEnd(t, i, end);
        if (keyEnd < 0) return undefined;
        key = rootKeys.get(t, i + 1, keyEnd - 1);
        if (key === undefined && keyEnd - i - 2 === 9 && matchesAt(t, i + 1, PROTO)) return undefined;
        if (key !== undefined) {
          if (position === 0) firstKey = key;
          else if (previous !== undefined && previous.next !== key) {
            previous.alternative = previous.next;
            previous.next = key;
          }
        }
        i = skipSpaces(b, keyEnd);
        if (b[i] !== COLON) return undefined;
        i = skipSpaces(b, i + 1);
      }
      const c = b[i];
      let j: number;
      if (key === undefined) {
        j = valueEnd(t, i, end, 1);
      } else {
        const slot = key.slot;
        const node = key.node;
        if (slot >= 0) {
          const bit = 1 << slot;
          if ((seen & bit) !== 0) return undefined;
          seen |= bit;
        }
        switch (slot) {
          case EVENT_ID:
          case EVENT_NAME:
          case TIMESTAMP:
          case RECEIVED_AT: {
            if (c !== QUOTE) return undefined;
            j = node === undefined ? stringEnd(t, i, end) : visit(node, t, i, end, 1);
            if (j < 0) return undefined;
            if (slot === EVENT_ID) {
              idStart = i + 1;
              idEnd = j - 1;
            } else if (slot === EVENT_NAME) {
              nameStart = i + 1;
              nameEnd = j - 1;
            } else if (slot === TIMESTAMP) {
              tsStart = i + 1;
              tsEnd = j - 1;
            } else {
              raStart = i + 1;
              raEnd = j - 1;
            }
            break;
          }
          case USER_ID:
          case ANONYMOUS_ID:
          case SENT_AT:
          case CONTEXT: {
            // Optional: absent or null reads as absent; otherwise a string (an object for context).
            if (c === 110) {
              j = node === undefined ? nullEnd(t, i, end) : visit(node, t, i, end, 1);
            } else if (c === (slot === CONTEXT ? OPEN_BRACE : QUOTE)) {
              j = node === undefined ? valueEnd(t, i, end, 1) : visit(node, t, i, end, 1);
              if (slot === SENT_AT && j >= 0) {
                saStart = i + 1;
                saEnd = j - 1;
              }
            } else {
              return undefined;
            }
            break;
          }
          case PROPERTIES: {
            if (c !== OPEN_BRACE) return undefined;
            if ((seen & (1 << EVENT_NAME)) !== 0) {
              // The usual order: the event is known, so the properties are checked as they are read.
              const event = checker.event(t, nameStart, nameEnd);
              if (event === undefined) return undefined;
              eventName = event.name;
              j = event.validate(t, i, end, 0);
            } else {
              j = valueEnd(t, i, end, 1);
              propsStart = i;
              propsEnd = j;
            }
            break;
          }
          default:
            j = node === undefined ? valueEnd(t, i, end, 1) : visit(node, t, i, end, 1);
        }
      }
      if (j < 0) return undefined;
      previous = key;
      i = skipSpaces(b, j);
      const e = b[i];
      if (e === CLOSE_BRACE) break;
      if (e !== COMMA) return undefined;
      i = skipSpaces(b, i + 1);
    }
    // Nothing but spaces may follow the record.
    if (skipSpaces(b, i + 1) !== end) return undefined;

    // Present and non-empty: eventId, eventName; present: timestamp, receivedAt, properties.
    if ((seen & REQUIRED) !== REQUIRED || idEnd === idStart || nameEnd === nameStart) return undefined;

    if (eventName === undefined) {
      const event = checker.event(t, nameStart, nameEnd);
      if (event === undefined) return undefined;
      eventName = event.name;
      if (event.validate(t, propsStart, end, 0) !== propsEnd) return undefined;
    }

    const timestampMs = parseIsoTimestampBytes(b, d, tsStart, tsEnd);
    if (Number.isNaN(timestampMs)) return undefined;
    const receivedAtMs = parseIsoTimestampBytes(b, d, raStart, raEnd);
    if (Number.isNaN(receivedAtMs)) return undefined;
    let sentAtMs: number | undefined;
    if (saStart >= 0) {
      sentAtMs = parseIsoTimestampBytes(b, d, saStart, saEnd);
      if (Number.isNaN(sentAtMs)) return undefined;
    }
    if (timestampMs > receivedAtMs + skewMs) return undefined;

    let key: string;
    if (options.keyIsEventId) {
      key = t.s.slice(idStart, idEnd);
    } else {
      key = '';
      for (let k = 0; k < dedupLeaves.length; k++) {
        const part = keyPartOf(t, dedupLeaves[k] ?? 0);
        if (part === undefined) return undefined;
        key = k === 0 ? part : `${key}${options.keySeparator}${part}`;
      }
    }
    return { valid: true, eventName, platform: platformOf(t), key, timestampMs, receivedAtMs, sentAtMs };
  };
}

/** A chunk's bytes as the scanner reads them. */
export function jsonText(s: string, b: Uint8Array): JsonText {
  return { s, b, d: new DataView(b.buffer, b.byteOffset, b.byteLength) };
}

/** Bytes that keep a single line off the fast path (see findDirtyBytes): controls, backslash, non-ASCII. */
const NOT_PLAIN = /[^\x20-\x5b\x5d-\x7e]/;

/** The fast path for one line given as a string (a Kinesis record, `Classifier.line`): undefined when it cannot tell. */
export function scanLineText(scan: LineScan, text: string): RecordOutcome | undefined {
  const end = text.charCodeAt(text.length - 1) === 13 ? text.length - 1 : text.length;
  const line = end === text.length ? text : text.slice(0, end);
  if (NOT_PLAIN.test(line)) return undefined;
  return scan(jsonText(line, Buffer.from(line, 'latin1')), 0, end);
}
