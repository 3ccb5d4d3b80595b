import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../bench/dq/generate.js';
import type { RecordOutcome } from '../../../src/domain/quality.js';
import { accumulateChunk, createClassifier, QualityAccumulator, type Classifier, type ClassifierOptions } from '../../../src/quality/check/index.js';
import { classifierInternals } from '../../../src/quality/check/classify.js';
import { scanLineText } from '../../../src/quality/check/scan-line.js';
import { buildTrackingPlan, loadTrackingPlan, type TrackingPlan } from '../../../src/quality/plan/index.js';
import { record } from '../plan/plan-dir.js';

/**
 * The fast path (scan-line.ts, validate-text.ts) may only ever say "valid"
 * where JSON.parse and the ordinary checks say so, with the same outcome:
 * every line here is classified both ways and the outcomes must be equal.
 * The reference classifier gets the plan behind a wrapper, so it has no
 * text checker and parses every line.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

function pair(plan: TrackingPlan, options: Omit<ClassifierOptions, 'plan'> = {}): { fast: Classifier; slow: Classifier } {
  const fast = createClassifier({ plan, ...options });
  const slow = createClassifier({ plan: { check: (name, properties) => plan.check(name, properties) }, ...options });
  expect(classifierInternals(slow)?.scan).toBeUndefined();
  return { fast, slow };
}

/** Classifies every line both ways; returns how many the scanner itself accepted. */
function compare(classifiers: { fast: Classifier; slow: Classifier }, lines: readonly string[]): number {
  const scan = classifierInternals(classifiers.fast)?.scan;
  expect(scan).toBeDefined();
  let accepted = 0;
  for (const line of lines) {
    const slow: RecordOutcome = classifiers.slow.line(line);
    const fast: RecordOutcome = classifiers.fast.line(line);
    if (scan !== undefined && scanLineText(scan, line) !== undefined) {
      accepted++;
      // An accepted line must be a valid record for the reference too.
      if (!slow.valid) expect.fail(`the fast path accepted an invalid line (${slow.reason}: ${slow.detail}):\n${line}`);
    }
    if (JSON.stringify(fast) !== JSON.stringify(slow) || fast.valid !== slow.valid) {
      expect.fail(`outcomes differ for:\n${line}\nfast: ${JSON.stringify(fast)}\nslow: ${JSON.stringify(slow)}`);
    }
  }
  return accepted;
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '"', '\\', '\\"', '{', '}', '[', ']', ',', ':', ' ', '\t', '\r', '\n', '0', '1', '9', '-', '+', '.', 'e', 'E',
  'null', 'true', 'false', 'é', '\u0000', '\u001f', '\u007f', '\u2028', '\ufeff', 'x', '@', '"a@b.co"', '"+14155550100"',
];

/** One random edit of a line: a character dropped, doubled or replaced, a piece inserted, a span duplicated. */
function mutate(line: string, next: () => number): string {
  const at = Math.floor(next() * (line.length + 1));
  const piece = PIECES[Math.floor(next() * PIECES.length)] ?? '';
  switch (Math.floor(next() * 6)) {
    case 0:
      return line.slice(0, at) + line.slice(at + 1);
    case 1:
      return line.slice(0, at) + piece + line.slice(at);
    case 2:
      return line.slice(0, at) + piece + line.slice(at + 1);
    case 3:
      return line.slice(0, at) + line.charAt(at) + line.slice(at);
    case 4: {
      const to = Math.min(line.length, at + 1 + Math.floor(next() * 40));
      return line.slice(0, to) + line.slice(at, to) + line.slice(to);
    }
    default: {
      // Swap two characters (a key's quote, a value's digit…).
      const other = Math.floor(next() * line.length);
      const chars = [...line];
      const a = chars[at] ?? '';
      chars[at] = chars[other] ?? '';
      chars[other] = a;
      return chars.join('');
    }
  }
}

describe('the fast path against JSON.parse, on the generator’s events', () => {
  let plan: TrackingPlan;
  let lines: string[];
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tripline-scan-'));
    const out = path.join(dir, 'events.ndjson');
    // Many invalid lines, of every reason, among the valid ones.
    await generate({ events: 12_000, out, seed: 5, planDir: path.join(ROOT, 'tracking-plan'), invalid: 0.3, duplicates: 0.05 });
    lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
    plan = await loadTrackingPlan(path.join(ROOT, 'tracking-plan'));
  }, 60_000);

  it('classifies every generated line exactly as JSON.parse and the checks do, and takes nearly every valid one itself', () => {
    const classifiers = pair(plan);
    const accepted = compare(classifiers, lines);
    const valid = lines.filter((l) => classifiers.slow.line(l).valid).length;
    expect(valid).toBeGreaterThan(7000);
    expect(accepted).toBe(valid);
  });

  it('agrees on 20,000 randomly damaged lines', () => {
    const classifiers = pair(plan);
    const next = random(17);
    const valid = lines.filter((l) => classifiers.slow.line(l).valid);
    const damaged: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let line = valid[i % valid.length] ?? '';
      const edits = 1 + Math.floor(next() * 3);
      for (let k = 0; k < edits; k++) line = mutate(line, next);
      damaged.push(line);
    }
    compare(classifiers, damaged);
  });

  it('agrees on damaged lines read in chunks (the byte check for controls, escapes and non-ASCII)', () => {
    const classifiers = pair(plan);
    const next = random(23);
    const valid = lines.filter((l) => classifiers.slow.line(l).valid);
    const damaged: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      let line = valid[i % valid.length] ?? '';
      for (let k = 0; k < 1 + Math.floor(next() * 2); k++) line = mutate(line, next);
      damaged.push(line);
    }
    const bytes = Buffer.from(`${damaged.join('\n')}\n`, 'utf8');
    const outcomes = (classifier: Classifier): RecordOutcome[] => {
      const seen: RecordOutcome[] = [];
      const acc = new (class extends QualityAccumulator {
        override add(outcome: RecordOutcome): void {
          seen.push(outcome);
          super.add(outcome);
        }
      })();
      for (let at = 0; at < bytes.length; ) {
        let end = Math.min(bytes.length, at + 32_768);
        if (end < bytes.length) end = bytes.indexOf(10, end) + 1;
        accumulateChunk({ kind: 'ndjson', source: 'x', data: new Uint8Array(bytes.subarray(at, end)) }, classifier, acc);
        at = end;
      }
      return seen;
    };
    const fast = outcomes(classifiers.fast);
    const slow = outcomes(classifiers.slow);
    expect(fast.length).toBe(slow.length);
    for (let i = 0; i < slow.length; i++) {
      if (JSON.stringify(fast[i]) !== JSON.stringify(slow[i])) expect.fail(`record ${i}: fast ${JSON.stringify(fast[i])}, slow ${JSON.stringify(slow[i])}`);
    }
  });

  it('agrees with other dedup keys, platform paths, PII off and a tighter clock skew', () => {
    const sample = lines.slice(0, 3000);
    compare(pair(plan, { dedupKey: ['context.device.model', 'eventId'], platformFrom: ['context.locale', 'context.platform'] }), sample);
    compare(pair(plan, { dedupKey: ['anonymousId'], clockSkewMs: 1000 }), sample);
    compare(pair(plan, { dedupKey: ['context'] }), sample.slice(0, 200));
  });

  it('counts a chunk exactly as the reference does, whole lines of every kind included', () => {
    const text = `${lines.slice(0, 4000).join('\r\n')}\n   \n\t\n${lines.slice(4000, 6000).join('\n')}\n`;
    const bytes = Buffer.from(text, 'utf8');
    const classifiers = pair(plan);
    const fastAcc = new QualityAccumulator();
    const slowAcc = new QualityAccumulator();
    for (let at = 0; at < bytes.length; ) {
      // Chunks of whole lines, ~64 KiB.
      let end = Math.min(bytes.length, at + 65_536);
      if (end < bytes.length) end = bytes.indexOf(10, end) + 1;
      const data = new Uint8Array(bytes.subarray(at, end));
      accumulateChunk({ kind: 'ndjson', source: 'x', data }, classifiers.fast, fastAcc);
      accumulateChunk({ kind: 'ndjson', source: 'x', data }, classifiers.slow, slowAcc);
      at = end;
    }
    const now = new Date('2026-11-22T02:00:00Z');
    expect(fastAcc.report({ now })).toEqual(slowAcc.report({ now }));
  });
});

describe('the fast path against JSON.parse, on a schema with every Avro type', () => {
  const item = record('Item', [
    { name: 'sku', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'note', type: ['null', 'string'], default: null },
  ]);
  const schema = record('Order', [
    { name: 'order_id', type: 'string' },
    { name: 'price', type: 'double' },
    { name: 'quantity', type: 'int' },
    { name: 'total_cents', type: 'long' },
    { name: 'ratio', type: 'float' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['USD', 'EUR'] } },
    { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['basic', 'gold'], default: 'basic' }, default: 'basic' },
    { name: 'coupon', type: ['null', 'string'], default: null },
    { name: 'items', type: { type: 'array', items: item } },
    { name: 'channel', type: 'string', aliases: ['source'] },
    { name: 'attributes', type: { type: 'map', values: 'string' }, default: {} },
    { name: 'code', type: { type: 'fixed', name: 'Code', size: 3 }, default: 'abc' },
    { name: 'ext_id', type: ['null', 'long', 'string'], default: null },
    { name: 'gift', type: 'boolean', default: false },
    { name: 'blob', type: 'bytes', default: '' },
    { name: 'email', type: ['null', 'string'], default: null, pii: true },
    { name: 'contact', type: ['null', record('Contact', [{ name: 'phone', type: 'string' }])], default: null, pii: true },
    { name: 'constructor', type: ['null', 'string'], default: null },
  ]);
  const text = JSON.stringify(schema);
  const planOf = (pii: boolean): TrackingPlan =>
    buildTrackingPlan([{ event: 'order_completed', version: 1, file: 'order_completed/1.avsc', text }], { pii: { enabled: pii } });

  const properties = (): Record<string, unknown> => ({
    order_id: 'o-1',
    price: 12.5,
    quantity: 2,
    total_cents: 2500,
    ratio: 0.25,
    currency: 'EUR',
    tier: 'gold',
    coupon: null,
    items: [{ sku: 's-1', qty: 1 }, { sku: 's-2', qty: 1, note: 'wrap' }],
    channel: 'web',
    attributes: { color: 'blue' },
    code: 'xyz',
    ext_id: 7,
    gift: true,
    blob: 'AAEC',
    email: 'someone@example.com',
    contact: { phone: '+14155550100' },
  });
  const envelope = (props: unknown, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({
      eventId: 'e-1',
      eventName: 'order_completed',
      timestamp: '2026-11-22T09:59:58.500Z',
      receivedAt: '2026-11-22T10:00:00.000Z',
      properties: props,
      context: { platform: 'web' },
      ...extra,
    });

  /** Property values that are right, wrong or borderline for some field. */
  const VALUES: readonly unknown[] = [
    null, true, false, 0, -0, 1, -1, 1.5, 2147483647, 2147483648, -2147483648, -2147483649, 9007199254740993, 1e300, 3.5e38, -3.5e38, 1e400,
    '', 'x', 'xyz', 'xy', 'USD', 'GBP', 'basic', 'platinum', 'a@b.co', 'write to a@b.co', '+14155550100', '(415) 555-0100', '06 12 34 56 78',
    [], [{ sku: 's', qty: 1 }], [{ sku: 's' }], [{ sku: 's', qty: 1.5 }], [1], {}, { a: 'b' }, { a: 1 }, { a: 'x@y.io' }, { phone: '+14155550100' },
  ];

  it('agrees on valid, wrong, missing, aliased, undeclared and personal values, field by field', () => {
    for (const pii of [true, false]) {
      const classifiers = pair(planOf(pii));
      const lines: string[] = [envelope(properties())];
      const fields = Object.keys(properties());
      for (const field of [...fields, 'source', 'undeclared', '__proto__', 'constructor']) {
        for (const value of VALUES) lines.push(envelope({ ...properties(), [field]: value }));
        const without: Record<string, unknown> = properties();
        delete without[field];
        lines.push(envelope(without));
      }
      lines.push(envelope({ ...properties(), channel: undefined, source: 'app' }));
      lines.push(envelope({ ...properties(), deep: { a: [{ b: { c: 'x@y.io' } }] } }));
      lines.push(envelope({ ...properties(), deep: { a: [{ b: { c: 'fine' } }] } }));
      // Keys given twice: JSON.parse keeps the last.
      const base = envelope(properties());
      lines.push(base.replace('"quantity":2', '"quantity":2,"quantity":"two"'));
      lines.push(base.replace('"quantity":2', '"quantity":"two","quantity":2'));
      lines.push(base.replace('"eventId":"e-1"', '"eventId":"e-1","eventId":""'));
      lines.push(base.replace('"context":{"platform":"web"}', '"context":{"platform":"web","platform":"ios"}'));
      lines.push(base.replace('"context":{"platform":"web"}', '"context":{"platform":"web"},"context":null'));
      lines.push(base.replace('"properties":', '"properties":{},"properties":'));
      // Properties before the event name; spaces everywhere JSON allows them.
      lines.push(JSON.stringify({ properties: properties(), eventName: 'order_completed', eventId: 'e', timestamp: '2026-11-22T09:59:58Z', receivedAt: '2026-11-22T10:00:00Z' }));
      lines.push(`  ${JSON.stringify(JSON.parse(base), null, 1).replaceAll('\n', ' ')}  `);
      lines.push(`${base}\r`);
      lines.push(`${base} x`);
      lines.push(base.replace('"e-1"', '"e-\\u0031"'));
      lines.push(base.replace('"web"', '"wéb"'));
      const accepted = compare(classifiers, lines);
      expect(accepted).toBeGreaterThan(20);
    }
  });

  it('agrees on 20,000 random property objects', () => {
    const classifiers = pair(planOf(true));
    const next = random(99);
    const lines: string[] = [];
    const fields = Object.keys(properties());
    for (let i = 0; i < 20_000; i++) {
      const props: Record<string, unknown> = properties();
      const changes = Math.floor(next() * 3);
      for (let k = 0; k < changes; k++) {
        const field = next() < 0.1 ? `extra_${k}` : (fields[Math.floor(next() * fields.length)] ?? '');
        if (next() < 0.15) delete props[field];
        else props[field] = VALUES[Math.floor(next() * VALUES.length)];
      }
      lines.push(envelope(props));
    }
    const accepted = compare(classifiers, lines);
    expect(accepted).toBeGreaterThan(2000);
  });
});
