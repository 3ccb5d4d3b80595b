import { shortName, typeLabel } from './schema-node.js';
import type { AvroType, EventDefinition, FieldNode, Incompatibility, SchemaNode, TrackingPlan } from './types.js';

/*
 * FULL_ALL, as the AWS Glue Schema Registry names it (Confluent's
 * FULL_TRANSITIVE): every version must be backward compatible (it can read
 * data written with each earlier version) and forward compatible (each
 * earlier version can read data written with it) with ALL earlier versions.
 *
 * avsc's resolver decides: `reader.createResolver(writer)` throws when the
 * reader cannot read the writer's data. Names compare without namespaces,
 * as Avro's SchemaCompatibility does. When it throws, a diff of the two trees
 * names each field at fault; if the diff finds nothing, avsc's message is
 * reported as is.
 */

type Direction = Incompatibility['direction'];

interface Finding {
  readonly field?: string;
  readonly detail: string;
}

interface Pair {
  readonly direction: Direction;
  readonly older: number;
  readonly newer: number;
  /** The reader's version: the newer one for backward, the older one for forward. */
  readonly reader: number;
  readonly writer: number;
  readonly seen: Set<string>;
}

/** Why `reader` cannot read data written with `writer`, or undefined when it can. */
export function resolutionError(reader: AvroType, writer: AvroType): string | undefined {
  try {
    reader.createResolver(writer, { ignoreNamespaces: true });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Every FULL_ALL incompatibility in the plan, per event, ordered by newer
 * version, then older version, backward before forward.
 *
 * @example
 * for (const i of checkCompatibility(plan)) console.log(formatIncompatibility(i));
 * // page_viewed v1 → v2 forward: field "referrer" was removed in v2 but has no default in v1; …
 */
export function checkCompatibility(plan: Pick<TrackingPlan, 'events'>): Incompatibility[] {
  const out: Incompatibility[] = [];
  for (const event of plan.events.values()) out.push(...checkEvent(event));
  return out;
}

function checkEvent(event: EventDefinition): Incompatibility[] {
  const out: Incompatibility[] = [];
  const { versions } = event;
  for (let j = 1; j < versions.length; j++) {
    const newer = versions[j];
    if (newer === undefined) continue;
    for (let i = 0; i < j; i++) {
      const older = versions[i];
      if (older === undefined) continue;
      for (const direction of ['backward', 'forward'] as const) {
        const [reader, writer] = direction === 'backward' ? [newer, older] : [older, newer];
        const error = resolutionError(reader.type, writer.type);
        if (error === undefined) continue;
        const pair: Pair = { direction, older: older.version, newer: newer.version, reader: reader.version, writer: writer.version, seen: new Set() };
        const findings = explainType(reader.root, writer.root, '', pair);
        const base = { event: event.name, olderVersion: older.version, newerVersion: newer.version, direction };
        if (findings.length === 0) {
          out.push({ ...base, detail: `v${reader.version} cannot read v${writer.version} data: ${error}` });
        }
        for (const f of findings) out.push({ ...base, ...(f.field ? { field: f.field } : {}), detail: f.detail });
      }
    }
  }
  return out;
}

/** One line: `page_viewed v1 → v3 backward: field "referrer" was added in v3 without a default; …`. */
export function formatIncompatibility(i: Incompatibility): string {
  return `${i.event} v${i.olderVersion} → v${i.newerVersion} ${i.direction}: ${i.detail}`;
}

function cannot(p: Pair, what = 'data'): string {
  return `v${p.reader} cannot read v${p.writer} ${what}`;
}

function readable(reader: SchemaNode, writer: SchemaNode): boolean {
  return resolutionError(reader.avro, writer.avro) === undefined;
}

function explainType(reader: SchemaNode, writer: SchemaNode, path: string, p: Pair): Finding[] {
  if (readable(reader, writer)) return [];
  // Recursive schemas: explain each pair of named types once.
  if ((reader.kind === 'record' || reader.kind === 'enum') && writer.kind === reader.kind) {
    const key = `${reader.name}\u0000${writer.name}\u0000${path}`;
    if (p.seen.has(key)) return [];
    p.seen.add(key);
  }
  if (reader.kind === 'union' || writer.kind === 'union') return explainUnion(reader, writer, path, p);
  if (reader.kind === 'record' && writer.kind === 'record') {
    if (!sameName(reader, writer)) return [renamed('record', reader, writer, path, p)];
    return orChanged(explainRecord(reader, writer, path, p), reader, writer, path, p);
  }
  if (reader.kind === 'enum' && writer.kind === 'enum') {
    if (!sameName(reader, writer)) return [renamed('enum', reader, writer, path, p)];
    return orChanged(explainEnum(reader, writer, path, p), reader, writer, path, p);
  }
  if (reader.kind === 'array' && writer.kind === 'array') {
    return orChanged(explainType(reader.items, writer.items, `${path}[]`, p), reader, writer, path, p);
  }
  if (reader.kind === 'map' && writer.kind === 'map') {
    return orChanged(explainType(reader.values, writer.values, `${path}{}`, p), reader, writer, path, p);
  }
  return [changed(reader, writer, path, p)];
}

function explainRecord(
  reader: SchemaNode & { readonly kind: 'record' },
  writer: SchemaNode & { readonly kind: 'record' },
  path: string,
  p: Pair,
): Finding[] {
  const findings: Finding[] = [];
  for (const rf of reader.fields) {
    const field = path === '' ? rf.name : `${path}.${rf.name}`;
    const wf = writerField(rf, writer);
    if (wf === undefined) {
      if (!rf.hasDefault) findings.push(missing(field, p));
      continue;
    }
    findings.push(...explainType(rf.type, wf.type, field, p));
  }
  return findings;
}

function writerField(rf: FieldNode, writer: SchemaNode & { readonly kind: 'record' }): FieldNode | undefined {
  return writer.fields.find((wf) => wf.name === rf.name) ?? writer.fields.find((wf) => rf.aliases.includes(wf.name));
}

function missing(field: string, p: Pair): Finding {
  if (p.direction === 'backward') {
    return {
      field,
      detail: `field "${field}" was added in v${p.newer} without a default; ${cannot(p)}, which has no "${field}" (give it a default)`,
    };
  }
  return {
    field,
    detail: `field "${field}" was removed in v${p.newer} but has no default in v${p.older}; ${cannot(p)} (keep the field in v${p.newer})`,
  };
}

function explainEnum(
  reader: SchemaNode & { readonly kind: 'enum' },
  writer: SchemaNode & { readonly kind: 'enum' },
  path: string,
  p: Pair,
): Finding[] {
  if (reader.default !== undefined) return [];
  const [older, newer] = p.direction === 'backward' ? [writer, reader] : [reader, writer];
  const removed = older.symbols.filter((s) => !newer.symbols.includes(s));
  const added = newer.symbols.filter((s) => !older.symbols.includes(s));
  const name = path === '' ? shortName(reader.name) : path;
  const field = path === '' ? {} : { field: path };
  const unreadable = writer.symbols.filter((s) => !reader.symbols.includes(s));
  const [gone] = removed;
  const [fresh] = added;
  if (removed.length === 1 && added.length === 1 && gone !== undefined && fresh !== undefined) {
    const holding = p.direction === 'backward' ? gone : fresh;
    return [
      {
        ...field,
        detail: `enum "${name}" symbol "${gone}" was renamed to "${fresh}" in v${p.newer}; ${cannot(p)} holding "${holding}"`,
      },
    ];
  }
  return unreadable.map((symbol) =>
    p.direction === 'backward'
      ? {
          ...field,
          detail: `enum "${name}" symbol "${symbol}" was removed in v${p.newer}; ${cannot(p)} holding "${symbol}" (keep the symbol, or give the enum a default)`,
        }
      : {
          ...field,
          detail: `enum "${name}" symbol "${symbol}" was added in v${p.newer} and the enum has no default in v${p.older}; ${cannot(p)} holding "${symbol}"`,
        },
  );
}

function explainUnion(reader: SchemaNode, writer: SchemaNode, path: string, p: Pair): Finding[] {
  const readerBranches = reader.kind === 'union' ? reader.branches : [reader];
  const writerBranches = writer.kind === 'union' ? writer.branches : [writer];
  const findings: Finding[] = [];
  for (const wb of writerBranches) {
    if (readable(reader, wb)) continue;
    // The same kind of value on both sides (a record Item in ["null", Item]): say what changed inside it.
    const counterpart = readerBranches.find((rb) => rb.kind === wb.kind && (!('name' in rb) || !('name' in wb) || rb.name === wb.name));
    if (counterpart !== undefined && counterpart.kind !== 'null' && wb.kind !== 'union') {
      findings.push(...explainType(counterpart, wb, path, p));
    }
  }
  return orChanged(findings, reader, writer, path, p);
}

function orChanged(findings: Finding[], reader: SchemaNode, writer: SchemaNode, path: string, p: Pair): Finding[] {
  return findings.length > 0 ? findings : [changed(reader, writer, path, p)];
}

function changed(reader: SchemaNode, writer: SchemaNode, path: string, p: Pair): Finding {
  const [older, newer] = p.direction === 'backward' ? [writer, reader] : [reader, writer];
  const subject = path === '' ? 'the properties record' : `field "${path}"`;
  return {
    ...(path === '' ? {} : { field: path }),
    detail: `${subject} changed type from ${typeLabel(older)} (v${p.older}) to ${typeLabel(newer)} (v${p.newer}); ${cannot(p)}`,
  };
}

function sameName(reader: SchemaNode & { readonly name: string }, writer: SchemaNode & { readonly name: string }): boolean {
  const aliases = reader.kind === 'record' ? reader.aliases : [];
  return shortName(reader.name) === shortName(writer.name) || aliases.some((a) => shortName(a) === shortName(writer.name));
}

function renamed(
  what: 'record' | 'enum',
  reader: SchemaNode & { readonly name: string },
  writer: SchemaNode & { readonly name: string },
  path: string,
  p: Pair,
): Finding {
  const [older, newer] = p.direction === 'backward' ? [writer, reader] : [reader, writer];
  const where = path === '' ? '' : ` (field "${path}")`;
  return {
    ...(path === '' ? {} : { field: path }),
    detail: `${what} "${shortName(older.name)}" was renamed to "${shortName(newer.name)}" in v${p.newer}${where}; ${cannot(p)}`,
  };
}
