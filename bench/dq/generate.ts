/**
 * bench/dq/generate: N tracked events (NDJSON, optionally gzipped) with
 * defects injected at known rates, and the ground truth they imply printed as
 * one JSON document on stdout — counted while writing, by construction, never
 * by running the checker.
 *
 *   npx tsx bench/dq/generate.ts --events 1000000 --out /tmp/events.ndjson.gz
 *   npx tsx bench/dq/generate.ts --events 20000 --out e.ndjson --seed 7 --plan tracking-plan \
 *     --invalid 0.02 --duplicates 0.03 --late 0.05 --skew 0.01
 *
 * See bench/dq/README.md for the event model and every option.
 */
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import * as hdr from 'hdr-histogram-js';
import { INVALID_REASONS } from '../../src/domain/quality.js';
import type { InvalidReason, LatenessSummary, QualityMetrics, QualityReport } from '../../src/domain/quality.js';

// ---------------------------------------------------------------- options and truth

export interface GenerateOptions {
  /** Lines written: originals, duplicate copies and invalid records together. */
  readonly events: number;
  /** `.gz` → gzip. */
  readonly out: string;
  readonly seed?: number;
  /** Tracking plan: `<dir>/<eventName>/<version>.avsc`; default `tracking-plan`. */
  readonly planDir?: string;
  /** Share of lines that are invalid (one defect each); default 0.02. */
  readonly invalid?: number;
  /** Relative weights of the invalid reasons (unlisted ones 0); default all equal. A reason no event can carry gets 0. */
  readonly invalidMix?: Partial<Record<InvalidReason, number>>;
  /** Extra copies per valid original, in expectation (the duplicate rate); default 0.03. */
  readonly duplicates?: number;
  /** Share of originals held on the device for 11 min – 3 days; default 0.05. */
  readonly late?: number;
  /** Share of originals from a device whose clock is 15 min – 6 h behind (sentAt present); default 0.01. */
  readonly skew?: number;
  /** First receivedAt; default 2026-11-22T00:00:00Z. */
  readonly start?: Date;
  /** receivedAt spans this; default 1 hour. */
  readonly windowMs?: number;
  /** Freshness is measured against it; default start + window. */
  readonly now?: Date;
  /** Must match the checker's settings for the truth to hold. */
  readonly allowedLatenessMs?: number;
  readonly clockSkewMs?: number;
  readonly correctSkewWithSentAt?: boolean;
  readonly segmentCap?: number;
}

/** A QualityReport without `inputs`, plus how it was generated. */
export interface GroundTruth extends Omit<QualityReport, 'inputs'> {
  readonly generator: {
    readonly seed: number;
    readonly events: number;
    readonly out: string;
    readonly planDir: string;
    readonly eventNames: readonly string[];
    readonly rates: { readonly invalid: number; readonly duplicates: number; readonly late: number; readonly skew: number };
    readonly invalidMix: Readonly<Record<InvalidReason, number>>;
    readonly allowedLatenessMs: number;
    readonly clockSkewMs: number;
    readonly correctSkewWithSentAt: boolean;
    readonly segmentCap: number;
  };
}

// ---------------------------------------------------------------- the tracking plan, read as plain JSON

type Gen =
  | { readonly kind: 'null' | 'boolean' | 'int' | 'float' | 'double' | 'bytes' }
  | { readonly kind: 'long'; readonly logicalType?: string }
  | { readonly kind: 'string'; readonly logicalType?: string }
  | { readonly kind: 'fixed'; readonly size: number }
  | { readonly kind: 'enum'; readonly symbols: readonly string[] }
  | { readonly kind: 'array'; readonly items: Gen }
  | { readonly kind: 'map'; readonly values: Gen }
  | { readonly kind: 'record'; readonly fields: GenField[] }
  | { readonly kind: 'union'; readonly branches: readonly Gen[] }
  | { readonly kind: 'ref'; readonly name: string };

interface GenField {
  readonly name: string;
  readonly type: Gen;
  readonly hasDefault: boolean;
  readonly pii: boolean;
}

interface PlannedEvent {
  readonly name: string;
  readonly version: number;
  readonly root: Gen & { readonly kind: 'record' };
  readonly named: ReadonlyMap<string, Gen>;
  /** Top-level fields a defect can be injected into. */
  readonly canDrop: readonly GenField[];
  readonly canMistype: readonly GenField[];
  readonly canCarryPii: readonly GenField[];
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toGen(schema: unknown, named: Map<string, Gen>, namespace: string | undefined, file: string): Gen {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return primitive(schema, undefined);
    return { kind: 'ref', name: schema.includes('.') || namespace === undefined ? schema : `${namespace}.${schema}` };
  }
  if (Array.isArray(schema)) return { kind: 'union', branches: schema.map((s) => toGen(s, named, namespace, file)) };
  if (!isObject(schema)) throw new Error(`${file}: unsupported schema ${JSON.stringify(schema)}`);
  const type = schema['type'];
  const logicalType = typeof schema['logicalType'] === 'string' ? schema['logicalType'] : undefined;
  const ns = typeof schema['namespace'] === 'string' ? schema['namespace'] : namespace;
  const register = (gen: Gen): Gen => {
    const name = schema['name'];
    if (typeof name === 'string') {
      named.set(name, gen);
      if (ns !== undefined && !name.includes('.')) named.set(`${ns}.${name}`, gen);
    }
    return gen;
  };
  switch (type) {
    case 'record':
    case 'error': {
      const fields: GenField[] = [];
      const gen = register({ kind: 'record', fields });
      const list = schema['fields'];
      if (!Array.isArray(list)) throw new Error(`${file}: record without fields`);
      for (const f of list) {
        if (!isObject(f) || typeof f['name'] !== 'string') throw new Error(`${file}: a field without a name`);
        fields.push({ name: f['name'], type: toGen(f['type'], named, ns, file), hasDefault: 'default' in f, pii: f['pii'] === true });
      }
      return gen;
    }
    case 'enum': {
      const symbols = schema['symbols'];
      if (!Array.isArray(symbols) || symbols.length === 0) throw new Error(`${file}: enum without symbols`);
      return register({ kind: 'enum', symbols: symbols.map(String) });
    }
    case 'fixed':
      return register({ kind: 'fixed', size: typeof schema['size'] === 'number' ? schema['size'] : 4 });
    case 'array':
      return { kind: 'array', items: toGen(schema['items'], named, ns, file) };
    case 'map':
      return { kind: 'map', values: toGen(schema['values'], named, ns, file) };
    default:
      if (typeof type === 'string' && PRIMITIVES.has(type)) return primitive(type, logicalType);
      return toGen(type, named, ns, file);
  }
}

function primitive(kind: string, logicalType: string | undefined): Gen {
  switch (kind) {
    case 'long':
      return logicalType === undefined ? { kind: 'long' } : { kind: 'long', logicalType };
    case 'string':
      return logicalType === undefined ? { kind: 'string' } : { kind: 'string', logicalType };
    case 'null':
    case 'boolean':
    case 'int':
    case 'float':
    case 'double':
    case 'bytes':
      return { kind };
    default:
      throw new Error(`unknown primitive ${kind}`);
  }
}

function resolve(gen: Gen, named: ReadonlyMap<string, Gen>): Gen {
  let g = gen;
  for (let i = 0; g.kind === 'ref' && i < 16; i++) {
    const found = named.get(g.name) ?? named.get(g.name.split('.').pop() ?? '');
    if (found === undefined) throw new Error(`unknown type name ${g.name}`);
    g = found;
  }
  return g;
}

/** Reads the latest version of every event; a clear error when the plan is missing. */
export function readTrackingPlan(dir: string): PlannedEvent[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isDirectory());
  } catch {
    throw new Error(
      `no tracking plan at ${dir}: pass --plan <dir> holding <eventName>/<version>.avsc files (the generator makes events that conform to it)`,
    );
  }
  const events: PlannedEvent[] = [];
  for (const name of entries.sort()) {
    const versions = readdirSync(path.join(dir, name))
      .map((file) => /^(\d+)\.avsc$/.exec(file))
      .flatMap((m) => (m?.[1] === undefined ? [] : [Number(m[1])]))
      .sort((a, b) => a - b);
    const version = versions[versions.length - 1];
    if (version === undefined) continue;
    const file = path.join(dir, name, `${version}.avsc`);
    const named = new Map<string, Gen>();
    const root = resolve(toGen(JSON.parse(readFileSync(file, 'utf8')), named, undefined, file), named);
    if (root.kind !== 'record') throw new Error(`${file}: the schema of an event's properties must be a record`);
    const top = root.fields.map((f) => ({ ...f, type: resolve(f.type, named) }));
    events.push({
      name,
      version,
      root,
      named,
      canDrop: top.filter((f) => !f.hasDefault && !(f.type.kind === 'union' && f.type.branches.some((b) => b.kind === 'null'))),
      canMistype: top.filter((f) => f.type.kind !== 'union'),
      canCarryPii: top.filter(
        (f) =>
          !f.pii &&
          ((f.type.kind === 'string' && f.type.logicalType === undefined) ||
            (f.type.kind === 'union' && f.type.branches.some((b) => b.kind === 'string' && b.logicalType === undefined))),
      ),
    });
  }
  if (events.length === 0) throw new Error(`no events in the tracking plan at ${dir}: expected <eventName>/<version>.avsc files`);
  return events;
}

// ---------------------------------------------------------------- deterministic randomness

/** sfc32 seeded through splitmix32: fast, small state, good enough for test data. */
class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** [0, 1) */
  next(): number {
    return this.u32() / 4_294_967_296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Log-uniform in [lo, hi]. */
  logUniform(lo: number, hi: number): number {
    return Math.round(Math.exp(Math.log(lo) + this.next() * (Math.log(hi) - Math.log(lo))));
  }

  letters(min: number, max: number): string {
    const n = this.int(min, max);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(97 + (this.u32() % 26));
    return s;
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const hex = (n: number, digits: number): string => (n >>> 0).toString(16).padStart(8, '0').slice(8 - digits);

// ---------------------------------------------------------------- values

const WORDS = ['alpha', 'bravo', 'home', 'checkout', 'search', 'profile', 'settings', 'cart', 'blue', 'large', 'promo', 'banner'];

function value(gen: Gen, event: PlannedEvent, rnd: Random, depth: number, timeMs: number): unknown {
  const g = resolve(gen, event.named);
  switch (g.kind) {
    case 'null':
      return null;
    case 'boolean':
      return rnd.next() < 0.5;
    case 'int':
      return rnd.int(0, 1000);
    case 'long':
      return g.logicalType === 'timestamp-millis' ? timeMs : rnd.int(0, 1_000_000);
    case 'float':
    case 'double':
      return rnd.int(0, 100_000) / 100;
    case 'string':
      if (g.logicalType === 'uuid') return uuid(rnd, rnd.u32());
      return `${rnd.pick(WORDS)}-${rnd.letters(3, 8)}`;
    case 'bytes':
      return rnd.letters(2, 6);
    case 'fixed':
      return rnd.letters(g.size, g.size);
    case 'enum':
      return rnd.pick(g.symbols);
    case 'array': {
      const n = depth > 3 ? 0 : rnd.int(0, 3);
      return Array.from({ length: n }, () => value(g.items, event, rnd, depth + 1, timeMs));
    }
    case 'map': {
      const n = depth > 3 ? 0 : rnd.int(0, 2);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[rnd.letters(3, 6)] = value(g.values, event, rnd, depth + 1, timeMs);
      return out;
    }
    case 'record': {
      const out: Record<string, unknown> = {};
      for (const f of g.fields) {
        if (f.hasDefault && rnd.next() < 0.1) continue; // an old app version that never sent it
        out[f.name] = value(f.type, event, rnd, depth + 1, timeMs);
      }
      return out;
    }
    case 'union': {
      const hasNull = g.branches.some((b) => resolve(b, event.named).kind === 'null');
      const others = g.branches.filter((b) => resolve(b, event.named).kind !== 'null');
      if (others.length === 0 || (hasNull && (depth > 3 || rnd.next() < 0.2))) return null;
      return value(rnd.pick(others), event, rnd, depth, timeMs);
    }
    case 'ref':
      throw new Error(`unresolved type ${g.name}`);
  }
}

function wrongValue(gen: Gen): unknown {
  switch (gen.kind) {
    case 'string':
    case 'enum':
    case 'bytes':
    case 'fixed':
      return 12345;
    case 'boolean':
      return 'yes';
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return 'not-a-number';
    default:
      return 'oops';
  }
}

function uuid(rnd: Random, first: number): string {
  const b = rnd.u32();
  const c = rnd.u32();
  const d = rnd.u32();
  return `${hex(first, 8)}-${hex(b >>> 16, 4)}-4${hex(b, 3)}-${hex(8 + (c >>> 30), 1)}${hex(c, 3)}-${hex(c >>> 12, 4)}${hex(d, 8)}`;
}

// ---------------------------------------------------------------- timestamps

const OFFSETS = [60, 330, -420, -180, 540];

/** The device's ISO string for `ms`, in one of the forms SDKs send; returns the ms it denotes. */
function deviceTime(ms: number, rnd: Random): { text: string; ms: number } {
  const form = rnd.next();
  if (form < 0.8) return { text: new Date(ms).toISOString(), ms };
  if (form < 0.9) {
    const offset = rnd.pick(OFFSETS);
    const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
    const a = Math.abs(offset);
    const sign = offset >= 0 ? '+' : '-';
    return { text: `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`, ms };
  }
  if (form < 0.95) {
    const whole = Math.floor(ms / 1000) * 1000;
    return { text: new Date(whole).toISOString().replace('.000Z', 'Z'), ms: whole };
  }
  return { text: new Date(ms).toISOString().replace('Z', '417Z'), ms }; // microseconds
}

function badTimestampText(ms: number, rnd: Random): string {
  const iso = new Date(ms).toISOString();
  switch (rnd.int(0, 5)) {
    case 0:
      return iso.replace('T', ' ').replace('Z', ''); // SQL style, no zone
    case 1:
      return String(ms); // epoch ms as a string
    case 2:
      return new Date(ms).toString(); // Date#toString
    case 3:
      return `${iso.slice(0, 5)}02-30${iso.slice(10)}`; // February 30th
    case 4:
      return iso.slice(0, 19); // no zone
    default:
      return 'yesterday';
  }
}

// ---------------------------------------------------------------- truth bookkeeping

interface Tally {
  key: readonly string[];
  total: number;
  valid: number;
  invalidByReason: Record<InvalidReason, number>;
  duplicates: number;
  late: number;
  newestMs: number;
  maxMs: number;
  histogram: hdr.Histogram;
}

const newHistogram = (): hdr.Histogram =>
  hdr.build({ bitBucketSize: 64, numberOfSignificantValueDigits: 2, lowestDiscernibleValue: 1, autoResize: true });

const zeroReasons = (): Record<InvalidReason, number> => ({
  unparseable_json: 0,
  missing_field: 0,
  wrong_type: 0,
  unknown_event: 0,
  bad_timestamp: 0,
  future_timestamp: 0,
  pii_in_properties: 0,
});

function newTally(key: readonly string[]): Tally {
  return {
    key,
    total: 0,
    valid: 0,
    invalidByReason: zeroReasons(),
    duplicates: 0,
    late: 0,
    newestMs: -Infinity,
    maxMs: 0,
    histogram: newHistogram(),
  };
}

function addTally(into: Tally, from: Tally): void {
  into.total += from.total;
  into.valid += from.valid;
  for (const r of INVALID_REASONS) into.invalidByReason[r] += from.invalidByReason[r];
  into.duplicates += from.duplicates;
  into.late += from.late;
  into.newestMs = Math.max(into.newestMs, from.newestMs);
  into.maxMs = Math.max(into.maxMs, from.maxMs);
  into.histogram.add(from.histogram);
}

function metrics(t: Tally, nowMs: number): QualityMetrics {
  const rate = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  const at = (p: number): number => Math.min(t.histogram.getValueAtPercentile(p), t.maxMs) / 1000;
  const lateness: LatenessSummary =
    t.valid === 0 ? { p50: 0, p95: 0, p99: 0, max: 0 } : { p50: at(50), p95: at(95), p99: at(99), max: t.maxMs / 1000 };
  const invalid = t.total - t.valid;
  const newest = Number.isFinite(t.newestMs) ? t.newestMs : null;
  return {
    total: t.total,
    valid: t.valid,
    invalid,
    invalidRate: rate(invalid, t.total),
    invalidByReason: { ...t.invalidByReason },
    duplicates: t.duplicates,
    duplicateRate: rate(t.duplicates, t.valid),
    late: t.late,
    lateRate: rate(t.late, t.valid),
    lateness,
    newestReceivedAt: newest === null ? null : new Date(newest).toISOString(),
    freshnessSeconds: newest === null ? null : (nowMs - newest) / 1000,
  };
}

// ---------------------------------------------------------------- the generator

interface Original {
  readonly envelope: Record<string, unknown>;
  readonly eventName: string;
  readonly platform: string;
  readonly timestampMs: number;
  readonly sentAtMs: number | undefined;
  readonly receivedAtMs: number;
}

const PLATFORMS = ['web', 'web', 'ios', 'android'] as const;
const APP_VERSIONS = ['4.2.0', '4.2.1', '4.3.0', '5.0.0'];
const MODELS: Readonly<Record<string, readonly string[]>> = {
  web: ['Chrome', 'Safari', 'Firefox'],
  ios: ['iPhone15,2', 'iPhone14,5', 'iPad13,1'],
  android: ['Pixel 8', 'SM-S918B', 'moto g54'],
};
const UNPLANNED = ['unplanned_event_1', 'unplanned_event_2', 'unplanned_event_3'];
const PII_VALUES = ['jane.doe@example.com', 'Contact me at john.smith@example.org', '+1 415 555 0100', '+44 20 7946 0958', '(415) 555-0100'];
const GARBAGE = ['<html><body>502 Bad Gateway</body></html>', '{"eventId": ', "{'eventId': 'e1'}", 'null,', 'undefined'];
const RING = 1024;

/** Writes the events and returns the ground truth. */
export async function generate(options: GenerateOptions): Promise<GroundTruth> {
  const n = Math.max(0, Math.floor(options.events));
  const seed = options.seed ?? 1;
  const planDir = options.planDir ?? 'tracking-plan';
  const plan = readTrackingPlan(planDir);
  const rates = {
    invalid: options.invalid ?? 0.02,
    duplicates: options.duplicates ?? 0.03,
    late: options.late ?? 0.05,
    skew: options.skew ?? 0.01,
  };
  const start = (options.start ?? new Date('2026-11-22T00:00:00Z')).getTime();
  const windowMs = options.windowMs ?? 3_600_000;
  const end = start + windowMs;
  const now = options.now ?? new Date(end);
  const allowedLatenessMs = options.allowedLatenessMs ?? 600_000;
  const clockSkewMs = options.clockSkewMs ?? 300_000;
  const correct = options.correctSkewWithSentAt ?? false;
  const segmentCap = options.segmentCap ?? 50;

  const carriers: Record<InvalidReason, readonly PlannedEvent[]> = {
    unparseable_json: plan,
    missing_field: plan,
    wrong_type: plan,
    unknown_event: plan,
    bad_timestamp: plan,
    future_timestamp: plan,
    pii_in_properties: plan.filter((e) => e.canCarryPii.length > 0),
  };
  const invalidMix = zeroReasons();
  const mixGiven = options.invalidMix !== undefined && Object.keys(options.invalidMix).length > 0;
  for (const r of INVALID_REASONS) {
    const weight = mixGiven ? (options.invalidMix?.[r] ?? 0) : 1;
    invalidMix[r] = carriers[r].length === 0 ? 0 : Math.max(0, weight);
  }
  const mixTotal = INVALID_REASONS.reduce((sum, r) => sum + invalidMix[r], 0);
  if (rates.invalid > 0 && mixTotal === 0) throw new Error('--invalid-mix leaves no invalid reason to inject');

  // Event names weighted 1, 1/2, 1/3, … so segments differ in size.
  const weights = plan.map((_, i) => 1 / (i + 1));
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  const pickEvent = (rnd: Random, from: readonly PlannedEvent[]): PlannedEvent => {
    if (from !== plan) return rnd.pick(from);
    let x = rnd.next() * weightTotal;
    for (let i = 0; i < plan.length; i++) {
      x -= weights[i] ?? 0;
      if (x < 0) return plan[i] ?? rnd.pick(plan);
    }
    return rnd.pick(plan);
  };

  const rnd = new Random(seed);
  const idSalt = rnd.u32();
  let idCounter = 0;
  const nextEventId = (): string => uuid(rnd, fmix32((idCounter++ ^ idSalt) >>> 0));

  const tallies = new Map<string, Tally>();
  const tally = (eventName: string, platform: string): Tally => {
    const k = `${eventName}\u0000${platform}`;
    let t = tallies.get(k);
    if (t === undefined) {
      t = newTally([eventName, platform]);
      tallies.set(k, t);
    }
    return t;
  };
  const countValid = (o: Original, receivedAtMs: number, copy: boolean): void => {
    const t = tally(o.eventName, o.platform);
    t.total++;
    t.valid++;
    if (copy) t.duplicates++;
    const lateness = correct && o.sentAtMs !== undefined ? o.sentAtMs - o.timestampMs : receivedAtMs - o.timestampMs;
    if (lateness > allowedLatenessMs) t.late++;
    const v = Math.max(0, lateness);
    t.histogram.recordValue(v);
    t.maxMs = Math.max(t.maxMs, v);
    t.newestMs = Math.max(t.newestMs, receivedAtMs);
  };
  const countInvalid = (reason: InvalidReason, eventName: string, platform: string): void => {
    const t = tally(eventName, platform);
    t.total++;
    t.invalidByReason[reason]++;
  };

  /** A conforming event received at `receivedAtMs`. */
  const makeOriginal = (event: PlannedEvent, receivedAtMs: number, kind: 'normal' | 'late' | 'skewed'): Original => {
    const platform = rnd.pick(PLATFORMS);
    const networkMs = rnd.int(10, 1500);
    let waitedMs: number;
    let clockMs = 0;
    if (kind === 'late') {
      waitedMs = rnd.logUniform(allowedLatenessMs + 60_000, 3 * 86_400_000);
    } else {
      waitedMs = networkMs + rnd.logUniform(40, 30_000);
      if (kind === 'skewed') clockMs = -rnd.logUniform(15 * 60_000, 6 * 3_600_000);
      else if (rnd.next() < 0.02) clockMs = rnd.int(1000, clockSkewMs - 60_000); // slightly fast clock: negative lateness
    }
    const created = deviceTime(receivedAtMs - waitedMs + clockMs, rnd);
    const hasSentAt = kind === 'skewed' || rnd.next() < 0.93;
    const sentAtMs = hasSentAt ? receivedAtMs - networkMs + clockMs : undefined;
    const envelope: Record<string, unknown> = {
      eventId: nextEventId(),
      eventName: event.name,
      anonymousId: `anon-${rnd.letters(10, 10)}`,
    };
    if (rnd.next() < 0.6) envelope['userId'] = `user-${rnd.letters(8, 8)}`;
    envelope['timestamp'] = created.text;
    if (sentAtMs !== undefined) envelope['sentAt'] = new Date(sentAtMs).toISOString();
    envelope['receivedAt'] = new Date(receivedAtMs).toISOString();
    envelope['properties'] = value(event.root, event, rnd, 0, created.ms);
    envelope['context'] = {
      platform,
      appVersion: rnd.pick(APP_VERSIONS),
      device: { model: rnd.pick(MODELS[platform] ?? ['unknown']) },
      locale: 'en-US',
    };
    return { envelope, eventName: event.name, platform, timestampMs: created.ms, sentAtMs, receivedAtMs };
  };

  /** One invalid line (exactly one defect) and its segment. */
  const makeInvalid = (receivedAtMs: number): string => {
    let x = rnd.next() * mixTotal;
    let reason: InvalidReason = 'unparseable_json';
    for (const r of INVALID_REASONS) {
      x -= invalidMix[r];
      if (invalidMix[r] > 0 && x < 0) {
        reason = r;
        break;
      }
    }
    const event = pickEvent(rnd, carriers[reason]);
    const o = makeOriginal(event, receivedAtMs, 'normal');
    const env = o.envelope;
    const props = isObject(env['properties']) ? env['properties'] : {};
    let eventName = o.eventName;
    let platform = o.platform;
    switch (reason) {
      case 'unparseable_json': {
        eventName = '__none__';
        platform = 'unknown';
        countInvalid(reason, eventName, platform);
        if (rnd.next() < 0.3) return rnd.pick(GARBAGE);
        const text = JSON.stringify(env);
        return text.slice(0, rnd.int(1, text.length - 2));
      }
      case 'missing_field': {
        const field = event.canDrop.length > 0 && rnd.next() < 0.5 ? rnd.pick(event.canDrop) : undefined;
        if (field !== undefined) delete props[field.name];
        else delete env[rnd.next() < 0.5 ? 'eventId' : 'timestamp'];
        break;
      }
      case 'wrong_type': {
        const field = event.canMistype.length > 0 && rnd.next() < 0.6 ? rnd.pick(event.canMistype) : undefined;
        if (field !== undefined) props[field.name] = wrongValue(field.type);
        else if (rnd.next() < 0.5) env['eventId'] = rnd.int(1, 1_000_000);
        else env['properties'] = 'oops';
        break;
      }
      case 'unknown_event':
        eventName = rnd.pick(UNPLANNED);
        env['eventName'] = eventName;
        break;
      case 'bad_timestamp':
        if (rnd.next() < 0.8 || env['sentAt'] === undefined) env['timestamp'] = badTimestampText(o.timestampMs, rnd);
        else env['sentAt'] = badTimestampText(o.sentAtMs ?? o.timestampMs, rnd);
        break;
      case 'future_timestamp': {
        const ts = receivedAtMs + clockSkewMs + rnd.logUniform(1000, 6 * 3_600_000);
        env['timestamp'] = new Date(ts).toISOString();
        break;
      }
      case 'pii_in_properties': {
        const field = rnd.pick(event.canCarryPii);
        props[field.name] = rnd.pick(PII_VALUES);
        break;
      }
    }
    countInvalid(reason, eventName, platform);
    return JSON.stringify(env);
  };

  const ring: Original[] = [];
  const file = createWriteStream(options.out);
  const output: Writable = options.out.endsWith('.gz') ? createGzip({ level: 6 }) : file;
  if (output !== file) output.pipe(file);
  const done = finished(file);
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const ok = output.write(`${batch.join('\n')}\n`);
    batch = [];
    if (!ok) await once(output, 'drain');
  };

  for (let i = 0; i < n; i++) {
    const receivedAtMs = start + Math.floor(((i + rnd.next()) * windowMs) / Math.max(1, n));
    if (rnd.next() < rates.invalid) {
      batch.push(makeInvalid(receivedAtMs));
    } else if (ring.length > 0 && rnd.next() < rates.duplicates) {
      // A retry or SDK replay: the same event again, received up to 30 s later.
      const o = rnd.pick(ring);
      const copyReceivedAtMs = Math.min(end, o.receivedAtMs + rnd.int(0, 30_000));
      countValid(o, copyReceivedAtMs, true);
      batch.push(JSON.stringify({ ...o.envelope, receivedAt: new Date(copyReceivedAtMs).toISOString() }));
    } else {
      const r = rnd.next();
      const kind = r < rates.late ? 'late' : r < rates.late + rates.skew ? 'skewed' : 'normal';
      const o = makeOriginal(pickEvent(rnd, plan), receivedAtMs, kind);
      countValid(o, receivedAtMs, false);
      if (ring.length < RING) ring.push(o);
      else ring[rnd.int(0, RING - 1)] = o;
      batch.push(JSON.stringify(o.envelope));
    }
    if (batch.length >= 4096) await flush();
  }
  await flush();
  output.end();
  await done;

  // The report's segment rule: most records first (then by name, platform), the rest into __other__.
  const ordered = [...tallies.values()].sort((a, b) => {
    if (a.total !== b.total) return b.total - a.total;
    for (let k = 0; k < 2; k++) {
      const x = a.key[k] ?? '';
      const y = b.key[k] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  const nowMs = now.getTime();
  const overall = newTally([]);
  const other = newTally([]);
  const segments: QualityReport['segments'][number][] = [];
  ordered.forEach((t, i) => {
    addTally(overall, t);
    if (i < segmentCap) segments.push({ segment: { eventName: t.key[0] ?? '', platform: t.key[1] ?? '' }, ...metrics(t, nowMs) });
    else addTally(other, t);
  });
  if (other.total > 0) segments.push({ segment: { segment: '__other__' }, ...metrics(other, nowMs) });

  return {
    now: now.toISOString(),
    ...metrics(overall, nowMs),
    segments,
    generator: {
      seed,
      events: n,
      out: options.out,
      planDir,
      eventNames: plan.map((e) => e.name),
      rates,
      invalidMix,
      allowedLatenessMs,
      clockSkewMs,
      correctSkewWithSentAt: correct,
      segmentCap,
    },
  };
}

// ---------------------------------------------------------------- command line

const USAGE = `usage: npx tsx bench/dq/generate.ts --events N --out FILE[.gz] [options]

  --seed S                 PRNG seed (default 1): the same seed writes the same file
  --plan DIR               tracking plan, <eventName>/<version>.avsc (default tracking-plan)
  --invalid R              share of invalid lines (default 0.02)
  --invalid-mix LIST       reason weights, e.g. unparseable_json=2,pii_in_properties=1 (unlisted: 0; default all 1)
  --duplicates R           extra copies per valid original (default 0.03)
  --late R                 originals held on the device 11 min – 3 days (default 0.05)
  --skew R                 originals from a device clock 15 min – 6 h behind (default 0.01)
  --start ISO              first receivedAt (default 2026-11-22T00:00:00Z)
  --window-minutes M       receivedAt spread (default 60)
  --now ISO                "now" for freshness (default start + window)
  --allowed-lateness-ms MS checker setting the truth assumes (default 600000)
  --clock-skew-ms MS       checker setting the truth assumes (default 300000)
  --correct-skew           truth for a checker that corrects lateness with sentAt
  --segment-cap N          segments before __other__ (default 50)

Prints the ground truth (a QualityReport without inputs, plus "generator") as JSON on stdout.`;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      events: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      plan: { type: 'string' },
      invalid: { type: 'string' },
      'invalid-mix': { type: 'string' },
      duplicates: { type: 'string' },
      late: { type: 'string' },
      skew: { type: 'string' },
      start: { type: 'string' },
      'window-minutes': { type: 'string' },
      now: { type: 'string' },
      'allowed-lateness-ms': { type: 'string' },
      'clock-skew-ms': { type: 'string' },
      'correct-skew': { type: 'boolean' },
      'segment-cap': { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const problems: string[] = [];
  const num = (name: string, raw: string | undefined, check: (n: number) => boolean): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || !check(n)) problems.push(`--${name} ${JSON.stringify(raw)} is not valid`);
    return n;
  };
  const date = (name: string, raw: string | undefined): Date | undefined => {
    if (raw === undefined) return undefined;
    const d = new Date(raw);
    if (Number.isNaN(d.getTime())) problems.push(`--${name} ${JSON.stringify(raw)} is not a date-time`);
    return d;
  };
  const share = (n: number): boolean => n >= 0 && n <= 1;
  const events = num('events', values.events, (n) => Number.isInteger(n) && n >= 0);
  if (events === undefined) problems.push('--events N is required');
  if (values.out === undefined) problems.push('--out FILE is required (.gz to compress)');
  if (values.format !== undefined && values.format !== 'ndjson') {
    problems.push(`--format ${values.format}: only ndjson is written (see bench/dq/README.md)`);
  }
  const invalidMix: Partial<Record<InvalidReason, number>> = {};
  for (const part of (values['invalid-mix'] ?? '').split(',').filter((p) => p !== '')) {
    const [reason, weight] = part.split('=');
    const known = INVALID_REASONS.find((r) => r === reason);
    if (known === undefined || weight === undefined || !(Number(weight) >= 0)) {
      problems.push(`--invalid-mix ${JSON.stringify(part)}: expected reason=weight, reasons ${INVALID_REASONS.join(', ')}`);
    } else {
      invalidMix[known] = Number(weight);
    }
  }
  const options = {
    events: events ?? 0,
    out: values.out ?? '',
    seed: num('seed', values.seed, Number.isInteger),
    planDir: values.plan,
    invalid: num('invalid', values.invalid, share),
    invalidMix,
    duplicates: num('duplicates', values.duplicates, share),
    late: num('late', values.late, share),
    skew: num('skew', values.skew, share),
    start: date('start', values.start),
    windowMs: (num('window-minutes', values['window-minutes'], (n) => n > 0) ?? 60) * 60_000,
    now: date('now', values.now),
    allowedLatenessMs: num('allowed-lateness-ms', values['allowed-lateness-ms'], (n) => n >= 0),
    clockSkewMs: num('clock-skew-ms', values['clock-skew-ms'], (n) => n >= 0),
    correctSkewWithSentAt: values['correct-skew'] === true,
    segmentCap: num('segment-cap', values['segment-cap'], (n) => Number.isInteger(n) && n >= 0),
  };
  if ((options.late ?? 0.05) + (options.skew ?? 0.01) > 1) problems.push('--late plus --skew must not exceed 1');
  if (problems.length > 0) {
    console.error(`generate: ${problems.join('\n  ')}\n\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const truth = await generate(options);
  console.error(`generate: wrote ${truth.total} events to ${options.out} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify(truth, null, 2));
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`generate: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
