import avro from 'avsc';
import type { AvroType, FieldNode, SchemaNode } from './types.js';

/*
 * avsc validates a schema completely (names, defaults, unions) but keeps
 * neither custom attributes nor, unless an implementation is registered,
 * logical types. So the `.avsc` JSON and the avsc type are walked side by
 * side: avsc decides what the schema means (named references, namespaces),
 * the JSON adds `pii` and `logicalType`.
 */

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string', 'bytes']);

/** A problem in the schema avsc accepted, e.g. a `"pii"` that is not a boolean. */
export class SchemaAttributeError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitiveKind(name: string): name is 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'bytes' {
  return PRIMITIVES.has(name);
}

/** Builds the tree for a schema avsc has already accepted as `type`. */
export function buildSchemaNode(raw: unknown, type: AvroType): SchemaNode {
  return build(raw, type, new Map(), '');
}

function build(raw: unknown, type: AvroType, named: Map<AvroType, SchemaNode>, path: string): SchemaNode {
  if (typeof raw === 'string') {
    if (isPrimitiveKind(raw)) return { kind: raw, avro: type };
    // A reference to a named type defined earlier (or to the record being defined).
    const node = named.get(type);
    if (node) return node;
    return fromAvroOnly(type, named);
  }
  if (Array.isArray(raw)) {
    const branches = unionBranches(type);
    return { kind: 'union', avro: type, branches: raw.map((b, i) => build(b, branchAt(branches, i), named, path)) };
  }
  if (!isObject(raw)) return fromAvroOnly(type, named);
  const logicalType = typeof raw['logicalType'] === 'string' ? raw['logicalType'] : undefined;
  const t = raw['type'];
  if ((t === 'record' || t === 'error') && type instanceof avro.types.RecordType) {
    const fields: FieldNode[] = [];
    const node: SchemaNode = { kind: 'record', name: type.name ?? '', aliases: type.aliases ?? [], fields, avro: type };
    named.set(type, node);
    const rawFields = Array.isArray(raw['fields']) ? raw['fields'] : [];
    type.fields.forEach((field, i) => {
      const rawField: unknown = rawFields[i];
      const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
      const pii = isObject(rawField) ? rawField['pii'] : undefined;
      if (pii !== undefined && typeof pii !== 'boolean') {
        throw new SchemaAttributeError(`field "${fieldPath}": "pii" must be true or false, not ${JSON.stringify(pii)}`);
      }
      fields.push({
        name: field.name,
        aliases: field.aliases,
        type: build(isObject(rawField) ? rawField['type'] : undefined, field.type, named, fieldPath),
        hasDefault: field.defaultValue() !== undefined,
        pii: pii === true,
      });
    });
    return node;
  }
  if (t === 'enum' && type instanceof avro.types.EnumType) {
    const def = raw['default'];
    const node: SchemaNode = {
      kind: 'enum',
      name: type.name ?? '',
      symbols: type.symbols,
      ...(typeof def === 'string' ? { default: def } : {}),
      avro: type,
    };
    named.set(type, node);
    return node;
  }
  if (t === 'fixed' && type instanceof avro.types.FixedType) {
    const node: SchemaNode = { kind: 'fixed', name: type.name ?? '', size: type.size, ...(logicalType ? { logicalType } : {}), avro: type };
    named.set(type, node);
    return node;
  }
  if (t === 'array' && type instanceof avro.types.ArrayType) {
    return { kind: 'array', items: build(raw['items'], type.itemsType, named, `${path}[]`), avro: type };
  }
  if (t === 'map' && type instanceof avro.types.MapType) {
    return { kind: 'map', values: build(raw['values'], mapValues(type), named, `${path}{}`), avro: type };
  }
  if (typeof t === 'string' && isPrimitiveKind(t)) {
    return { kind: t, ...(logicalType ? { logicalType } : {}), avro: type };
  }
  // `{"type": <another schema>}`: the wrapper adds nothing we keep.
  return build(t, type, named, path);
}

/** The tree from the avsc type alone, for a reference whose definition was not walked. */
function fromAvroOnly(type: AvroType, named: Map<AvroType, SchemaNode>): SchemaNode {
  const known = named.get(type);
  if (known) return known;
  return build(type.schema({ exportAttrs: true }), type, named, '');
}

function unionBranches(type: AvroType): readonly AvroType[] {
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) return type.types;
  throw new Error(`internal: expected an avsc union, got ${type.typeName}`);
}

function branchAt(branches: readonly AvroType[], i: number): AvroType {
  const b = branches[i];
  if (b === undefined) throw new Error(`internal: union branch ${i} missing`);
  return b;
}

function mapValues(type: InstanceType<typeof avro.types.MapType>): AvroType {
  // avsc types `valuesType` as any.
  const values: unknown = type.valuesType;
  if (values instanceof avro.Type) return values;
  throw new Error('internal: map without a values type');
}

/** How a type reads in a message: `int`, `long (timestamp-millis)`, `null | string`, `array<record Item>`. */
export function typeLabel(node: SchemaNode): string {
  switch (node.kind) {
    case 'record':
      return `record ${shortName(node.name)}`;
    case 'enum':
      return `enum ${shortName(node.name)}`;
    case 'fixed':
      return `fixed ${shortName(node.name)}(${node.size})`;
    case 'array':
      return `array<${typeLabel(node.items)}>`;
    case 'map':
      return `map<${typeLabel(node.values)}>`;
    case 'union':
      return node.branches.map(typeLabel).join(' | ');
    default:
      return node.logicalType ? `${node.kind} (${node.logicalType})` : node.kind;
  }
}

/** `com.tripline.events.Plan` → `Plan`: messages name types as the schema author wrote them. */
export function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}
