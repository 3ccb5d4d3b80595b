import { describe, expect, it } from 'vitest';
import type { InvalidReason, RecordOutcome } from '../../../src/domain/quality.js';
import { QualityAccumulator } from '../../../src/quality/check/index.js';

const R = Date.UTC(2026, 10, 22, 10, 0, 0); // receivedAt base: 10:00:00Z
const NOW = new Date('2026-11-22T10:10:00.000Z');
const s = 1000;

function valid(key: string, latenessMs: number, receivedOffsetMs = 0, more: Partial<Extract<RecordOutcome, { valid: true }>> = {}): RecordOutcome {
  const receivedAtMs = R + receivedOffsetMs;
  return { valid: true, eventName: 'page_viewed', platform: 'web', key, timestampMs: receivedAtMs - latenessMs, receivedAtMs, ...more };
}

function invalid(reason: InvalidReason, eventName?: string, platform?: string): RecordOutcome {
  return { valid: false, reason, eventName, platform, detail: 'test' };
}

const NO_INVALID = {
  unparseable_json: 0,
  missing_field: 0,
  wrong_type: 0,
  unknown_event: 0,
  bad_timestamp: 0,
  future_timestamp: 0,
  pii_in_properties: 0,
};

describe('QualityAccumulator', () => {
  it('computes every rate as the README defines it, overall and per segment', () => {
    const acc = new QualityAccumulator();
    acc.add(valid('a', 2 * s)); // on time
    acc.add(valid('b', 20 * 60 * s, 1 * s)); // 20 min late (> 10 min)
    acc.add(valid('a', 7 * s, 5 * s)); // an extra copy of a
    acc.add(valid('c', 11 * s, 10 * s, { platform: 'ios' }));
    acc.add(invalid('unparseable_json'));
    acc.add(invalid('pii_in_properties', 'page_viewed', 'web'));

    const report = acc.report({ now: NOW, inputs: [{ source: 'events.ndjson', records: 6 }] });

    expect(report).toMatchObject({
      now: '2026-11-22T10:10:00.000Z',
      total: 6,
      valid: 4,
      invalid: 2,
      invalidRate: 2 / 6, // invalid / all records, unparseable included
      invalidByReason: { ...NO_INVALID, unparseable_json: 1, pii_in_properties: 1 },
      duplicates: 1,
      duplicateRate: 1 / 4, // extra copies / valid events
      late: 1,
      lateRate: 1 / 4, // valid events later than 10 min / valid events
      newestReceivedAt: '2026-11-22T10:00:10.000Z',
      freshnessSeconds: 590, // 10:10:00 − 10:00:10
      inputs: [{ source: 'events.ndjson', records: 6 }],
    });
    // Lateness 2 s, 7 s, 11 s, 1200 s. p50 is the 2nd value, 7 s, reported as the top of its
    // HdrHistogram bucket [6.976 s, 7.008 s); p95 and p99 are the 4th, capped at the exact max.
    expect(report.lateness).toEqual({ p50: 7.007, p95: 1200, p99: 1200, max: 1200 });

    expect(report.segments).toEqual([
      {
        segment: { eventName: 'page_viewed', platform: 'web' },
        total: 4,
        valid: 3,
        invalid: 1,
        invalidRate: 1 / 4,
        invalidByReason: { ...NO_INVALID, pii_in_properties: 1 },
        duplicates: 1,
        duplicateRate: 1 / 3,
        late: 1,
        lateRate: 1 / 3,
        lateness: { p50: 7.007, p95: 1200, p99: 1200, max: 1200 },
        newestReceivedAt: '2026-11-22T10:00:05.000Z',
        freshnessSeconds: 595,
      },
      {
        // Records with no usable event name: unparseable lines.
        segment: { eventName: '__none__', platform: 'unknown' },
        total: 1,
        valid: 0,
        invalid: 1,
        invalidRate: 1,
        invalidByReason: { ...NO_INVALID, unparseable_json: 1 },
        duplicates: 0,
        duplicateRate: 0,
        late: 0,
        lateRate: 0,
        lateness: { p50: 0, p95: 0, p99: 0, max: 0 },
        newestReceivedAt: null,
        freshnessSeconds: null,
      },
      {
        segment: { eventName: 'page_viewed', platform: 'ios' },
        total: 1,
        valid: 1,
        invalid: 0,
        invalidRate: 0,
        invalidByReason: NO_INVALID,
        duplicates: 0,
        duplicateRate: 0,
        late: 0,
        lateRate: 0,
        lateness: { p50: 11, p95: 11, p99: 11, max: 11 },
        newestReceivedAt: '2026-11-22T10:00:10.000Z',
        freshnessSeconds: 590,
      },
    ]);
  });

  it('reports zeros and nulls, not NaN, when nothing was read', () => {
    const report = new QualityAccumulator().report({ now: NOW });

    expect(report).toEqual({
      now: NOW.toISOString(),
      total: 0,
      valid: 0,
      invalid: 0,
      invalidRate: 0,
      invalidByReason: NO_INVALID,
      duplicates: 0,
      duplicateRate: 0,
      late: 0,
      lateRate: 0,
      lateness: { p50: 0, p95: 0, p99: 0, max: 0 },
      newestReceivedAt: null,
      freshnessSeconds: null,
      segments: [],
      inputs: [],
    });
  });

  it('counts exactly 10 minutes as on time and anything later as late', () => {
    const acc = new QualityAccumulator();
    acc.add(valid('a', 600_000));
    acc.add(valid('b', 600_001));

    expect(acc.report({ now: NOW })).toMatchObject({ late: 1, lateRate: 0.5 });
    const strict = new QualityAccumulator({ allowedLatenessMs: 60_000 });
    strict.add(valid('a', 60_001));

    expect(strict.report({ now: NOW }).late).toBe(1);
  });

  it('counts a fast device clock as zero lateness', () => {
    const acc = new QualityAccumulator();
    acc.add(valid('a', -90 * s)); // timestamp 90 s after receivedAt, within the clock skew

    expect(acc.report({ now: NOW })).toMatchObject({ late: 0, lateness: { p50: 0, p95: 0, p99: 0, max: 0 } });
  });

  it('with sentAt correction, measures the time on the device instead of trusting its clock', () => {
    // Device clock 2 h behind: the event looks 2 h late but was sent 3 s after it happened.
    const skewed = valid('a', 2 * 3600 * s + 4 * s, 0, { sentAtMs: R - 2 * 3600 * s - 1 * s });
    // Held 1 h on an offline phone with a correct clock: late either way.
    const offline = valid('b', 3600 * s, 0, { sentAtMs: R - 500 });
    // No sentAt: lateness stays receivedAt − timestamp.
    const noSentAt = valid('c', 30 * 60 * s);

    const plain = new QualityAccumulator();
    const corrected = new QualityAccumulator({ correctSkewWithSentAt: true });
    for (const o of [skewed, offline, noSentAt]) {
      plain.add(o);
      corrected.add(o);
    }

    expect(plain.report({ now: NOW })).toMatchObject({ late: 3, lateness: { max: 7204 } });
    expect(corrected.report({ now: NOW })).toMatchObject({ late: 2, lateness: { max: 3599.5 } });
  });

  it('keeps lateness percentiles within 1% of the exact nearest-rank values', () => {
    const acc = new QualityAccumulator();
    const values: number[] = [];
    let x = 99;
    for (let i = 0; i < 50_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const ms = Math.floor((x / 2 ** 32) ** 3 * 3 * 86_400_000); // skewed: most small, a tail of days
      values.push(ms);
      acc.add(valid(`k${i}`, ms));
    }
    values.sort((a, b) => a - b);
    const exact = (p: number): number => (values[Math.ceil((p / 100) * values.length) - 1] ?? 0) / 1000;
    const { lateness } = acc.report({ now: NOW });

    for (const p of [50, 95, 99] as const) {
      const got = lateness[`p${p}`];
      expect(got).toBeGreaterThanOrEqual(exact(p));
      expect(got).toBeLessThanOrEqual(exact(p) * 1.01);
    }
    expect(lateness.max).toBe((values.at(-1) ?? 0) / 1000);
  });

  it('keeps the segments with the most records and folds the rest into __other__', () => {
    const acc = new QualityAccumulator({ segmentCap: 2 });
    const sizes: [string, number][] = [['a', 5], ['b', 3], ['c', 2], ['d', 1]];
    let n = 0;
    for (const [eventName, size] of sizes) {
      for (let i = 0; i < size; i++) acc.add(valid(`${eventName}${i}`, 1000, n++ * 1000, { eventName }));
    }
    acc.add(invalid('unknown_event', 'd', 'web'));

    const report = acc.report({ now: NOW });

    expect(report.segments.map((seg) => [seg.segment, seg.total])).toEqual([
      [{ eventName: 'a', platform: 'web' }, 5],
      [{ eventName: 'b', platform: 'web' }, 3],
      [{ segment: '__other__' }, 4],
    ]);
    expect(report.segments[2]).toMatchObject({ valid: 3, invalid: 1, invalidRate: 0.25, newestReceivedAt: '2026-11-22T10:00:10.000Z' });
    expect(report.total).toBe(12);
  });

  it('stops tracking new segments past the limit, so garbage event names cannot grow memory', () => {
    const acc = new QualityAccumulator({ segmentCap: 5, trackedSegmentLimit: 100 });
    for (let i = 0; i < 10_000; i++) acc.add(invalid('unknown_event', `garbage_${i}`, 'web'));
    for (let i = 0; i < 50; i++) acc.add(valid(`k${i}`, 1000)); // a real segment, first seen late

    const state = acc.toState();
    const report = acc.report({ now: NOW });

    expect(state.segments.length).toBe(101); // 100 tracked + __other__
    expect(report.total).toBe(10_050);
    expect(report.segments).toHaveLength(6);
    expect(report.segments[5]).toMatchObject({ segment: { segment: '__other__' }, total: 10_045, valid: 50 });
  });

  it('segments by platform only when asked', () => {
    const acc = new QualityAccumulator({ segmentBy: ['platform'] });
    acc.add(valid('a', 1000));
    acc.add(valid('b', 1000, 0, { eventName: 'signed_up' }));
    acc.add(valid('c', 1000, 0, { platform: 'android' }));

    expect(acc.report({ now: NOW }).segments.map((seg) => [seg.segment, seg.total])).toEqual([
      [{ platform: 'web' }, 2],
      [{ platform: 'android' }, 1],
    ]);
  });

  it('counts invalid records a reader found before parsing', () => {
    const acc = new QualityAccumulator();
    acc.add(valid('a', 1000));
    acc.addInvalid('unparseable_json', 3);

    expect(acc.report({ now: NOW })).toMatchObject({
      total: 4,
      invalid: 3,
      invalidRate: 0.75,
      invalidByReason: { unparseable_json: 3 },
    });
  });

  it('rejects a segmentBy it cannot compute', () => {
    expect(() => new QualityAccumulator({ segmentBy: ['platform', 'platform'] })).toThrow(/segmentBy must list eventName and\/or platform/);
  });
});
