import type { Classifier } from '../quality/check/index.js';
import type { SchemaNode, TrackingPlan } from '../quality/plan/index.js';
import type { Random } from './random.js';

/** What one pipeline's SDKs send, per sandbox minute, and the share of each defect. */
export interface TrafficSettings {
  /** Events per sandbox minute. */
  readonly eventsPerMinute: number;
  /** Share of events that break the tracking plan (wrong type, missing field, unknown event, bad timestamp). */
  readonly invalidShare: number;
  /** Share of events sent twice (an SDK retry after a lost response). */
  readonly duplicateShare: number;
  /** Share of events that arrive after the allowed lateness (an offline device). */
  readonly lateShare: number;
  /** Share of events from devices whose clock is an hour behind. */
  readonly skewShare: number;
}

export const DEFAULT_TRAFFIC: TrafficSettings = { eventsPerMinute: 30, invalidShare: 0.002, duplicateShare: 0.005, lateShare: 0.01, skewShare: 0.002 };

/** Shipped app versions; a bad release sends from its own. */
export const APP_VERSIONS = ['4.12.0', '4.12.1', '4.13.0'] as const;

/** One event on its way into the stream: the NDJSON line and what the producer meant it to be. */
export interface ProducedEvent {
  readonly line: string;
  readonly eventId: string;
  /** Sandbox epoch ms the collector received it. */
  readonly receivedAt: number;
  readonly kind: 'normal' | 'invalid' | 'duplicate' | 'late' | 'skewed';
}

export interface ProducerOverrides {
  /** Multiplies the event rate (a traffic spike). */
  readonly rateFactor?: number;
  /** Extra invalid share from one app version (a bad release). */
  readonly badRelease?: { readonly appVersion: string; readonly share: number };
  readonly duplicateShare?: number;
  readonly skewShare?: number;
}

interface PropertiesPool {
  readonly eventName: string;
  readonly samples: readonly Record<string, unknown>[];
  /** A top-level property whose value can be replaced by one of the wrong type. */
  readonly mistypable?: string;
}

const WORDS = ['home', 'search', 'cart', 'settings', 'profile', 'feed', 'checkout', 'help'];

/**
 * Makes tracking events in the envelope the SDKs send (`eventId`,
 * `eventName`, `timestamp`, `sentAt`, `receivedAt`, `properties`,
 * `context.platform`, `context.appVersion`), with properties that conform
 * to the repository's tracking plan: for each planned event a few sample
 * property sets are generated from its latest schema and kept only when the
 * real classifier accepts them.
 */
export class EventProducer {
  readonly #pools: PropertiesPool[];
  readonly #random: Random;
  readonly #platform: string;
  readonly #recent: string[] = [];
  readonly #allowedLatenessMs: number;
  #seq = 0;

  constructor(options: { readonly plan: TrackingPlan; readonly classifier: Classifier; readonly random: Random; readonly platform: string; readonly allowedLatenessMs: number }) {
    this.#random = options.random;
    this.#platform = options.platform;
    this.#allowedLatenessMs = options.allowedLatenessMs;
    this.#pools = [];
    for (const event of options.plan.events.values()) {
      const samples: Record<string, unknown>[] = [];
      for (let i = 0; i < 12 && samples.length < 4; i++) {
        const properties = valueOf(event.latest.root, this.#random, 0);
        if (!isRecord(properties)) continue;
        const line = JSON.stringify(this.#envelope(event.name, properties, Date.UTC(2026, 0, 1), 0, APP_VERSIONS[0]));
        if (options.classifier.line(line).valid) samples.push(properties);
      }
      if (samples.length === 0) continue;
      const mistypable = event.latest.root.fields.find((f) => f.type.kind === 'string' || f.type.kind === 'int' || f.type.kind === 'boolean' || f.type.kind === 'double')?.name;
      this.#pools.push({ eventName: event.name, samples, ...(mistypable !== undefined ? { mistypable } : {}) });
    }
    if (this.#pools.length === 0) throw new Error(`no event of the tracking plan ${options.plan.source} could be generated`);
  }

  /** The events received between `fromMs` and `toMs` (sandbox time). */
  produce(fromMs: number, toMs: number, traffic: TrafficSettings, overrides: ProducerOverrides = {}): ProducedEvent[] {
    const expected = (traffic.eventsPerMinute * (overrides.rateFactor ?? 1) * (toMs - fromMs)) / 60_000;
    const n = this.#random.count(expected);
    const out: ProducedEvent[] = [];
    const duplicateShare = overrides.duplicateShare ?? traffic.duplicateShare;
    const skewShare = overrides.skewShare ?? traffic.skewShare;
    for (let i = 0; i < n; i++) {
      const receivedAt = Math.round(fromMs + ((i + this.#random.next()) * (toMs - fromMs)) / Math.max(1, n));
      const r = this.#random.next();
      const previous = this.#recent.length > 0 ? this.#random.pick(this.#recent) : undefined;
      if (previous !== undefined && r < duplicateShare) {
        const copy = JSON.parse(previous) as Record<string, unknown>;
        copy['receivedAt'] = new Date(receivedAt).toISOString();
        out.push({ line: JSON.stringify(copy), eventId: String(copy['eventId']), receivedAt, kind: 'duplicate' });
        continue;
      }
      const bad = overrides.badRelease;
      if (bad !== undefined && this.#random.next() < bad.share) {
        out.push({ ...this.#invalid(receivedAt, bad.appVersion, 'wrong_type'), receivedAt });
        continue;
      }
      if (this.#random.next() < traffic.invalidShare) {
        out.push({ ...this.#invalid(receivedAt, this.#random.pick(APP_VERSIONS)), receivedAt });
        continue;
      }
      const kind = this.#random.next() < traffic.lateShare ? 'late' : this.#random.next() < skewShare ? 'skewed' : 'normal';
      const pool = this.#random.pick(this.#pools);
      const properties = this.#random.pick(pool.samples);
      const waited = kind === 'late' ? this.#allowedLatenessMs + this.#random.int(60_000, 3_600_000) : this.#random.int(200, 5_000);
      const clock = kind === 'skewed' ? -this.#random.int(45 * 60_000, 90 * 60_000) : 0;
      const envelope = this.#envelope(pool.eventName, properties, receivedAt, waited, this.#random.pick(APP_VERSIONS), clock);
      const line = JSON.stringify(envelope);
      this.#remember(line);
      out.push({ line, eventId: String(envelope['eventId']), receivedAt, kind });
    }
    return out;
  }

  #invalid(receivedAt: number, appVersion: string, reason?: 'wrong_type'): Omit<ProducedEvent, 'receivedAt'> {
    const pool = this.#random.pick(this.#pools.filter((p) => reason !== 'wrong_type' || p.mistypable !== undefined));
    const envelope = this.#envelope(pool.eventName, { ...this.#random.pick(pool.samples) }, receivedAt, this.#random.int(200, 5_000), appVersion);
    const which = reason ?? this.#random.pick(['wrong_type', 'missing_field', 'unknown_event', 'bad_timestamp'] as const);
    const props = envelope['properties'] as Record<string, unknown>;
    switch (which) {
      case 'wrong_type':
        if (pool.mistypable !== undefined) props[pool.mistypable] = { unexpected: [1, 2, 3] };
        else envelope['properties'] = 'oops';
        break;
      case 'missing_field':
        delete envelope['eventId'];
        break;
      case 'unknown_event':
        envelope['eventName'] = 'checkout_v2_started';
        break;
      case 'bad_timestamp':
        envelope['timestamp'] = 'yesterday at noon';
        break;
    }
    return { line: JSON.stringify(envelope), eventId: String(envelope['eventId'] ?? ''), kind: 'invalid' };
  }

  #envelope(eventName: string, properties: Record<string, unknown>, receivedAt: number, waitedMs: number, appVersion: string, clockMs = 0): Record<string, unknown> {
    const id = `${this.#platform}-${(++this.#seq).toString(36)}-${Math.floor(this.#random.next() * 1e9).toString(36)}`;
    return {
      eventId: id,
      eventName,
      anonymousId: `anon-${this.#platform}-${this.#random.int(1, 5000)}`,
      timestamp: new Date(receivedAt - waitedMs + clockMs).toISOString(),
      sentAt: new Date(receivedAt - 150 + clockMs).toISOString(),
      receivedAt: new Date(receivedAt).toISOString(),
      properties,
      context: { platform: this.#platform, appVersion, locale: 'en-US' },
    };
  }

  #remember(line: string): void {
    this.#recent.push(line);
    if (this.#recent.length > 200) this.#recent.shift();
  }
}

/** A value that conforms to one schema node (no personal data, small numbers). */
function valueOf(node: SchemaNode, random: Random, depth: number): unknown {
  switch (node.kind) {
    case 'null':
      return null;
    case 'boolean':
      return random.next() < 0.5;
    case 'int':
      return random.int(0, 500);
    case 'long':
      return node.logicalType === 'timestamp-millis' ? Date.UTC(2026, 10, 22) : random.int(0, 100_000);
    case 'float':
    case 'double':
      return Math.round(random.next() * 10_000) / 100;
    case 'string':
      return node.logicalType === 'uuid' ? '3f1c2a4e-8b7d-4c6a-9e2f-1a2b3c4d5e6f' : random.pick(WORDS);
    case 'bytes':
      return 'AA';
    case 'fixed':
      return 'x'.repeat(node.size);
    case 'enum':
      return random.pick(node.symbols);
    case 'array':
      return depth > 3 ? [] : Array.from({ length: random.int(0, 2) }, () => valueOf(node.items, random, depth + 1));
    case 'map':
      return depth > 3 ? {} : { [random.pick(WORDS)]: valueOf(node.values, random, depth + 1) };
    case 'record': {
      const out: Record<string, unknown> = {};
      for (const field of node.fields) {
        if (field.hasDefault && random.next() < 0.3) continue;
        out[field.name] = valueOf(field.type, random, depth + 1);
      }
      return out;
    }
    case 'union': {
      const nonNull = node.branches.filter((b) => b.kind !== 'null');
      if (nonNull.length === 0 || (nonNull.length < node.branches.length && random.next() < 0.3)) return null;
      return valueOf(random.pick(nonNull), random, depth + 1);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
