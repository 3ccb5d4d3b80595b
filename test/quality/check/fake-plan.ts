/**
 * A test double for the tracking plan (src/quality/plan): a table of event
 * names → property types, checked the way the plan checks properties
 * (unknown event, missing required property, wrong type, e-mail or phone
 * number in a property not declared PII). `toAvsc` writes the same table as
 * `<event>/<version>.avsc` files, so the generator and this checker agree on
 * what a valid event is.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PropertiesVerdict } from '../../../src/domain/quality.js';
import type { PropertiesChecker } from '../../../src/quality/check/index.js';

export type FakeType = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'uuid' | 'string[]' | { readonly enum: readonly string[] };

export interface FakeField {
  readonly name: string;
  readonly type: FakeType;
  /** `["null", type]` with default null: may be absent or null. */
  readonly optional?: boolean;
  /** Declared personal data: PII-looking values are expected here. */
  readonly pii?: boolean;
}

export type FakePlanTable = Readonly<Record<string, readonly FakeField[]>>;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const PHONE = /^\+?[\d\s().-]{10,20}$/;
const OK: PropertiesVerdict = { ok: true };

function typeOk(type: FakeType, value: unknown): boolean {
  if (typeof type === 'object') return typeof value === 'string' && type.enum.includes(value);
  switch (type) {
    case 'string':
    case 'uuid':
      return typeof value === 'string';
    case 'int':
    case 'long':
      return Number.isInteger(value);
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

function looksPersonal(value: unknown): boolean {
  if (typeof value === 'string') return EMAIL.test(value) || (PHONE.test(value) && value.replace(/\D/g, '').length >= 10);
  if (Array.isArray(value)) return value.some(looksPersonal);
  return false;
}

export function fakePlan(table: FakePlanTable): PropertiesChecker {
  return {
    check(eventName: string, properties: unknown): PropertiesVerdict {
      const fields = table[eventName];
      if (fields === undefined) return { ok: false, reason: 'unknown_event', detail: `no event ${eventName} in the plan` };
      const props = typeof properties === 'object' && properties !== null ? new Map(Object.entries(properties)) : new Map<string, unknown>();
      for (const f of fields) {
        const v = props.get(f.name);
        if (v === undefined || (v === null && f.optional === true)) {
          if (f.optional === true) continue;
          return { ok: false, reason: 'missing_field', field: `properties.${f.name}`, detail: `${f.name} is missing` };
        }
        if (!typeOk(f.type, v)) return { ok: false, reason: 'wrong_type', field: `properties.${f.name}`, detail: `${f.name} has the wrong type` };
      }
      for (const f of fields) {
        if (f.pii !== true && looksPersonal(props.get(f.name))) {
          return { ok: false, reason: 'pii_in_properties', field: `properties.${f.name}`, detail: `${f.name} looks like personal data` };
        }
      }
      return OK;
    },
  };
}

function avroType(type: FakeType, name: string): unknown {
  if (typeof type === 'object') return { type: 'enum', name: `${name}_enum`, symbols: type.enum };
  switch (type) {
    case 'uuid':
      return { type: 'string', logicalType: 'uuid' };
    case 'string[]':
      return { type: 'array', items: 'string' };
    default:
      return type;
  }
}

/** Writes the table as a tracking-plan directory (version 1 of each event). */
export function writeAvsc(dir: string, table: FakePlanTable): void {
  for (const [event, fields] of Object.entries(table)) {
    mkdirSync(path.join(dir, event), { recursive: true });
    const schema = {
      type: 'record',
      name: event,
      fields: fields.map((f) => ({
        name: f.name,
        type: f.optional === true ? ['null', avroType(f.type, f.name)] : avroType(f.type, f.name),
        ...(f.optional === true ? { default: null } : {}),
        ...(f.pii === true ? { pii: true } : {}),
      })),
    };
    writeFileSync(path.join(dir, event, '1.avsc'), JSON.stringify(schema, null, 2));
  }
}

/** Events like a small app's, exercising every property type the generator makes. */
export const SAMPLE_PLAN: FakePlanTable = {
  page_viewed: [
    { name: 'url', type: 'string' },
    { name: 'title', type: 'string' },
    { name: 'referrer', type: 'string', optional: true },
  ],
  purchase_completed: [
    { name: 'order_id', type: 'uuid' },
    { name: 'amount', type: 'double' },
    { name: 'currency', type: { enum: ['USD', 'EUR', 'GBP'] } },
    { name: 'skus', type: 'string[]' },
    { name: 'email', type: 'string', optional: true, pii: true },
  ],
  button_clicked: [
    { name: 'button_id', type: 'string' },
    { name: 'screen', type: 'string' },
  ],
  app_opened: [
    { name: 'cold_start', type: 'boolean' },
    { name: 'launch_ms', type: 'long' },
  ],
  signed_up: [
    { name: 'method', type: { enum: ['email', 'google', 'apple'] } },
    { name: 'email', type: 'string', pii: true },
  ],
};
