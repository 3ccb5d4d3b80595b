/*
 * Parquet rows through the classifier, from columns (readers/parquet-columns.ts).
 * A row whose `properties` text the plan's text checker accepts skips
 * JSON.parse for it: the rest of the record is made exactly as toRecord
 * makes it and checked by the classifier as always, but for the plan check,
 * whose verdict is known. Every other row is made whole and classified the
 * ordinary way. Either way the outcome is the one `classifier.object(toRecord(row))`
 * gives.
 */
import type { RecordOutcome } from '../../domain/quality.js';
import { isPlainAscii, skipSpaces, type JsonText } from '../plan/json-text.js';
import type { ParquetColumns } from '../readers/parquet-columns.js';
import { toField, toRecord } from '../readers/parquet.js';
import type { QualityAccumulator } from './accumulator.js';
import { classifierInternals, type Classifier } from './classify.js';
import { parseIsoTimestampBytes } from './timestamp.js';

/** The `properties` of a record whose properties text the plan accepted: an object, never read. */
const CHECKED = Object.freeze({});

/**
 * Classifies and counts every row of a Parquet slice. `wanted` and
 * `mapping` are the slice's (file columns read; file column → envelope
 * name). Returns the rows counted.
 */
export function accumulateParquetColumns(
  columns: ParquetColumns,
  wanted: readonly string[],
  mapping: readonly (readonly [string, string])[],
  classifier: Classifier,
  acc: QualityAccumulator,
): number {
  const internals = classifierInternals(classifier);
  const checker = internals?.textChecker;
  const columnOf = (name: string): number => {
    const file = mapping.find(([, envelope]) => envelope === name)?.[0];
    const k = file === undefined ? -1 : wanted.indexOf(file);
    return k >= 0 && columns.refColumns[k] === true ? k : -1;
  };
  const propertiesColumn = columnOf('properties');
  const nameColumn = columnOf('eventName');
  const fast = internals !== undefined && checker !== undefined && propertiesColumn >= 0 && nameColumn >= 0 && !internals.readsProperties;
  const others = mapping.filter(([, envelope]) => envelope !== 'properties');
  const props = columns.values[propertiesColumn] ?? [];
  const names = columns.values[nameColumn] ?? [];

  const rowOf = (r: number): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    for (let k = 0; k < wanted.length; k++) row[wanted[k] ?? ''] = columns.plain(k, r);
    return row;
  };
  // The record but its properties, field by field as toRecord makes it. A dictionary-encoded
  // column (event names, a context JSON text) repeats a few values: each field is made once
  // and shared (the classifier never writes to a record).
  const fields = others.map(([file, name]) => {
    const k = wanted.indexOf(file);
    return { name, k, ref: columns.refColumns[k] === true, repeats: columns.dictionaryColumns[k] === true };
  });
  const made: unknown[] = new Array<unknown>(columns.refCount);
  const recordOf = (r: number): Record<string, unknown> => {
    const record: Record<string, unknown> = {};
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f];
      if (field === undefined) continue;
      const value = columns.values[field.k]?.[r];
      if (value === null || value === undefined) continue;
      if (field.ref && typeof value === 'number') {
        if (field.repeats) {
          let v = made[value];
          if (v === undefined) {
            v = toField(field.name, columns.stringOf(value));
            made[value] = v;
          }
          record[field.name] = v;
        } else {
          record[field.name] = toField(field.name, columns.stringOf(value));
        }
      } else {
        record[field.name] = toField(field.name, value);
      }
    }
    return record;
  };

  // The fastest way: the row classified from its byte ranges, as object() would classify the
  // record (see rowOutcome), when the envelope's fields are string columns and the defaults hold.
  const envelope = internals?.envelope;
  const column = (name: string): readonly unknown[] | undefined => {
    const k = columnOf(name);
    if (k >= 0) return columns.values[k];
    // Not in the file at all reads as null in every row; a column that is not text, never.
    return mapping.some(([, envelope]) => envelope === name) ? undefined : NO_COLUMN;
  };
  const ids = column('eventId');
  const times = column('timestamp');
  const received = column('receivedAt');
  const sent = column('sentAt');
  const users = column('userId');
  const anonymous = column('anonymousId');
  const contexts = column('context');
  const contextRepeats = columns.dictionaryColumns[columnOf('context')] === true;
  const direct =
    fast && envelope !== undefined && ids !== undefined && times !== undefined && received !== undefined && sent !== undefined && users !== undefined && anonymous !== undefined && contexts !== undefined;
  const platforms: (string | null | undefined)[] = new Array<string | null | undefined>(columns.refCount);
  /** The platform of a record with this context text; null when that context is not an object (or null). */
  const platformOf = (ref: number): string | null => {
    const context = toField('context', columns.stringOf(ref));
    return context === null || (typeof context === 'object' && !Array.isArray(context)) ? (envelope?.platformOfContext(context) ?? null) : null;
  };

  for (let r = 0; r < columns.rows; r++) {
    if (direct) {
      const outcome = rowOutcome(r);
      if (outcome !== undefined) {
        acc.add(outcome);
        continue;
      }
    }
    if (fast) {
      const p = props[r];
      const n = names[r];
      if (typeof p === 'number' && typeof n === 'number') {
        const event = checker.event(columns.textOf(n), columns.start(n), columns.end(n));
        const t = columns.textOf(p);
        const start = columns.start(p);
        const end = columns.end(p);
        if (event !== undefined && isPlainAscii(t, start, end)) {
          const j = event.validate(t, skipSpaces(t.b, start), end, 0);
          if (j >= 0 && skipSpaces(t.b, j) === end) {
            const record = recordOf(r);
            record['properties'] = CHECKED;
            acc.add(internals.objectChecked(record));
            continue;
          }
        }
      }
    }
    acc.add(classifier.object(toRecord(rowOf(r), mapping)));
  }
  return columns.rows;

  /**
   * Row `r` when it is valid and every field is where the defaults look:
   * what `object(toRecord(row))` returns, or undefined to go the ordinary
   * way. toRecord keeps a string as it is (a time field too), drops nulls and
   * parses the context text; object() then wants a non-empty eventId and
   * eventName, RFC 3339 times (ASCII bytes: a time that parses from its
   * bytes is the same string), no future timestamp, userId / anonymousId
   * strings when present (any text is), a context object or none, and
   * properties the plan accepts.
   */
  function rowOutcome(r: number): RecordOutcome | undefined {
    if (envelope === undefined || checker === undefined) return undefined;
    const p = props[r];
    const n = names[r];
    const id = ids?.[r];
    const ts = times?.[r];
    const ra = received?.[r];
    if (typeof p !== 'number' || typeof n !== 'number' || typeof id !== 'number' || typeof ts !== 'number' || typeof ra !== 'number') return undefined;
    const sa = sent?.[r];
    const user = users?.[r];
    const anon = anonymous?.[r];
    const context = contexts?.[r];
    if ((sa != null && typeof sa !== 'number') || (user != null && typeof user !== 'number') || (anon != null && typeof anon !== 'number')) return undefined;
    if (context != null && typeof context !== 'number') return undefined;

    const event = checker.event(columns.textOf(n), columns.start(n), columns.end(n));
    if (event === undefined) return undefined;
    const idText = columns.textOf(id);
    const idStart = columns.start(id);
    const idEnd = columns.end(id);
    if (idEnd === idStart || !isAsciiRange(idText, idStart, idEnd)) return undefined;
    const timestampMs = timeOf(ts);
    const receivedAtMs = timeOf(ra);
    if (Number.isNaN(timestampMs) || Number.isNaN(receivedAtMs) || timestampMs > receivedAtMs + envelope.skewMs) return undefined;
    let sentAtMs: number | undefined;
    if (typeof sa === 'number') {
      sentAtMs = timeOf(sa);
      if (Number.isNaN(sentAtMs)) return undefined;
    }
    let platform: string | null;
    if (typeof context === 'number') {
      const known = contextRepeats ? platforms[context] : undefined;
      platform = known === undefined ? platformOf(context) : known;
      if (contextRepeats) platforms[context] = platform;
    } else {
      platform = envelope.platformOfContext(undefined);
    }
    if (platform === null) return undefined;

    const t = columns.textOf(p);
    const start = columns.start(p);
    const end = columns.end(p);
    if (!isPlainAscii(t, start, end)) return undefined;
    const j = event.validate(t, skipSpaces(t.b, start), end, 0);
    if (j < 0 || skipSpaces(t.b, j) !== end) return undefined;
    return { valid: true, eventName: event.name, platform, key: idText.s.slice(idStart, idEnd), timestampMs, receivedAtMs, sentAtMs };
  }

  function timeOf(ref: number): number {
    const t = columns.textOf(ref);
    return parseIsoTimestampBytes(t.b, t.d, columns.start(ref), columns.end(ref));
  }
}

/** A column the file does not have: null in every row. */
const NO_COLUMN: readonly unknown[] = [];

function isAsciiRange(t: JsonText, start: number, end: number): boolean {
  const d = t.d;
  let i = start;
  for (; i + 4 <= end; i += 4) if ((d.getUint32(i, true) & 0x80808080) !== 0) return false;
  for (; i < end; i++) if ((t.b[i] ?? 0) >= 0x80) return false;
  return true;
}
