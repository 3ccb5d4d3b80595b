import type avro from 'avsc';
import type { PropertiesVerdict } from '../../domain/quality.js';

/** An avsc type, as `avro.Type.forSchema` returns it. */
export type AvroType = avro.Type;

/**
 * One version's schema, normalized from the `.avsc` JSON and the avsc type
 * built from it. avsc drops custom attributes (`"pii": true`) and, without a
 * registered implementation, logical types; this tree keeps both, and keeps
 * the avsc type of every node for schema resolution.
 */
export type SchemaNode =
  | {
      readonly kind: 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'bytes';
      readonly logicalType?: string;
      readonly avro: AvroType;
    }
  | { readonly kind: 'fixed'; readonly name: string; readonly size: number; readonly logicalType?: string; readonly avro: AvroType }
  | {
      readonly kind: 'enum';
      readonly name: string;
      readonly symbols: readonly string[];
      /** Avro 1.9+: unknown symbols resolve to it, so an unknown symbol is still readable. */
      readonly default?: string;
      readonly avro: AvroType;
    }
  | { readonly kind: 'array'; readonly items: SchemaNode; readonly avro: AvroType }
  | { readonly kind: 'map'; readonly values: SchemaNode; readonly avro: AvroType }
  | { readonly kind: 'record'; readonly name: string; readonly aliases: readonly string[]; readonly fields: readonly FieldNode[]; readonly avro: AvroType }
  | { readonly kind: 'union'; readonly branches: readonly SchemaNode[]; readonly avro: AvroType };

export interface FieldNode {
  readonly name: string;
  /** Reader aliases: a writer field under one of these names is the same field. */
  readonly aliases: readonly string[];
  readonly type: SchemaNode;
  readonly hasDefault: boolean;
  /** Declared personal data (`"pii": true` on the field): PII-looking values here are expected. */
  readonly pii: boolean;
}

/** One `<dir>/<eventName>/<version>.avsc`. */
export interface EventVersion {
  readonly version: number;
  /** Path of the `.avsc` file. */
  readonly file: string;
  /** The avsc type (a record). */
  readonly type: AvroType;
  /** The same schema with the attributes avsc drops (`pii`, logical types). */
  readonly root: SchemaNode & { readonly kind: 'record' };
}

export interface EventDefinition {
  readonly name: string;
  /** Ascending by version. */
  readonly versions: readonly EventVersion[];
  /** The highest version: events are validated against it. */
  readonly latest: EventVersion;
}

export interface PiiOptions {
  /** Flag e-mail- and phone-like values in fields not declared `"pii": true`. Default true. */
  readonly enabled?: boolean;
  /**
   * What counts as personal data; default {@link DEFAULT_PII_PATTERNS}
   * (e-mail anywhere in a string; a whole value that is an international,
   * North-American or trunk-prefixed national phone number). Extend rather
   * than replace: `[...DEFAULT_PII_PATTERNS, /\b\d{3}-\d{2}-\d{4}\b/]`.
   */
  readonly patterns?: readonly RegExp[];
}

export interface TrackingPlanOptions {
  readonly pii?: PiiOptions;
}

export interface TrackingPlan {
  /** The directory (or label) the plan came from. */
  readonly source: string;
  readonly events: ReadonlyMap<string, EventDefinition>;
  /**
   * Validates an event's `properties` against the event's latest version,
   * under Avro's resolution rules as they apply to plain JSON. Never throws;
   * the valid verdict is one shared object (no allocation on the valid path).
   */
  check(eventName: string, properties: unknown): PropertiesVerdict;
}

/** Where two versions of an event cannot read each other's data. */
export interface Incompatibility {
  readonly event: string;
  readonly olderVersion: number;
  readonly newerVersion: number;
  /** backward: the newer version cannot read data written with the older; forward: the reverse. */
  readonly direction: 'backward' | 'forward';
  /** Path inside the properties record, e.g. `price`, `items[].sku`, `attributes{}`. */
  readonly field?: string;
  readonly detail: string;
}

/** One schema text and where it belongs, for {@link buildTrackingPlan}. */
export interface SchemaSource {
  readonly event: string;
  readonly version: number;
  /** Shown in messages; the path for files on disk. */
  readonly file: string;
  readonly text: string;
}
