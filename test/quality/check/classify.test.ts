import { describe, expect, it } from 'vitest';
import type { RecordOutcome } from '../../../src/domain/quality.js';
import { createClassifier } from '../../../src/quality/check/index.js';
import { fakePlan, SAMPLE_PLAN } from './fake-plan.js';

const plan = fakePlan(SAMPLE_PLAN);

const RECEIVED = '2026-11-22T10:00:00.000Z';
const RECEIVED_MS = Date.UTC(2026, 10, 22, 10, 0, 0);

/** A valid page_viewed envelope, with overrides (undefined deletes a field). */
function envelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    eventId: 'e-1',
    eventName: 'page_viewed',
    anonymousId: 'anon-1',
    timestamp: '2026-11-22T09:59:58.500Z',
    sentAt: '2026-11-22T09:59:59.000Z',
    receivedAt: RECEIVED,
    properties: { url: '/home', title: 'Home' },
    context: { platform: 'web', appVersion: '4.2.0' },
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

const line = (overrides: Record<string, unknown> = {}): string => JSON.stringify(envelope(overrides));

function reasonOf(outcome: RecordOutcome): string {
  return outcome.valid ? 'valid' : `${outcome.reason}${outcome.field === undefined ? '' : ` @${outcome.field}`}`;
}

describe('createClassifier', () => {
  const classify = createClassifier({ plan });

  it('classifies a conforming event as valid, with what the metrics need', () => {
    expect(classify.line(line())).toEqual({
      valid: true,
      eventName: 'page_viewed',
      platform: 'web',
      key: 'e-1',
      timestampMs: RECEIVED_MS - 1500,
      receivedAtMs: RECEIVED_MS,
      sentAtMs: RECEIVED_MS - 1000,
    });
  });

  it.each<[string, string, string]>([
    ['truncated line', line().slice(0, 40), 'unparseable_json'],
    ['HTML error page', '<html>502 Bad Gateway</html>', 'unparseable_json'],
    ['empty line', '', 'unparseable_json'],
    ['a JSON array', '[1,2]', 'wrong_type'],
    ['a JSON string', '"hello"', 'wrong_type'],
    ['null', 'null', 'wrong_type'],
    ['no eventId', line({ eventId: undefined }), 'missing_field @eventId'],
    ['null eventId', line({ eventId: null }), 'missing_field @eventId'],
    ['empty eventId', line({ eventId: '' }), 'missing_field @eventId'],
    ['numeric eventId', line({ eventId: 42 }), 'wrong_type @eventId'],
    ['no eventName', line({ eventName: undefined }), 'missing_field @eventName'],
    ['eventName an object', line({ eventName: { name: 'x' } }), 'wrong_type @eventName'],
    ['no timestamp', line({ timestamp: undefined }), 'missing_field @timestamp'],
    ['epoch ms as a number', line({ timestamp: 1795341598500 }), 'wrong_type @timestamp'],
    ['no receivedAt', line({ receivedAt: undefined }), 'missing_field @receivedAt'],
    ['sentAt a number', line({ sentAt: 1795341599000 }), 'wrong_type @sentAt'],
    ['no properties', line({ properties: undefined }), 'missing_field @properties'],
    ['properties a string', line({ properties: 'url=/home' }), 'wrong_type @properties'],
    ['properties an array', line({ properties: [] }), 'wrong_type @properties'],
    ['context a string', line({ context: 'web' }), 'wrong_type @context'],
    ['userId a number', line({ userId: 7 }), 'wrong_type @userId'],
    ['epoch ms as a string', line({ timestamp: '1795341598500' }), 'bad_timestamp @timestamp'],
    ['space instead of T, no zone', line({ timestamp: '2026-11-22 09:59:58' }), 'bad_timestamp @timestamp'],
    ['no zone', line({ timestamp: '2026-11-22T09:59:58.500' }), 'bad_timestamp @timestamp'],
    ['offset without colon', line({ timestamp: '2026-11-22T10:59:58+0100' }), 'bad_timestamp @timestamp'],
    ['February 30th', line({ timestamp: '2026-02-30T09:59:58Z' }), 'bad_timestamp @timestamp'],
    ['Date#toString', line({ timestamp: 'Sun Nov 22 2026 09:59:58 GMT+0000' }), 'bad_timestamp @timestamp'],
    ['bad receivedAt', line({ receivedAt: 'now' }), 'bad_timestamp @receivedAt'],
    ['bad sentAt', line({ sentAt: '22/11/2026' }), 'bad_timestamp @sentAt'],
    ['timestamp 5m01s after receivedAt', line({ timestamp: '2026-11-22T10:05:01.000Z' }), 'future_timestamp @timestamp'],
    ['event not in the plan', line({ eventName: 'checkout_started' }), 'unknown_event'],
    ['required property missing', line({ properties: { url: '/home' } }), 'missing_field @properties.title'],
    ['property of the wrong type', line({ properties: { url: '/home', title: 3 } }), 'wrong_type @properties.title'],
    ['e-mail in a property', line({ properties: { url: '/home', title: 'jane@example.com' } }), 'pii_in_properties @properties.title'],
  ])('%s → %s', (_, text, expected) => {
    expect(reasonOf(classify.line(text))).toBe(expected);
  });

  it('checks the envelope before the plan, and the first problem wins', () => {
    const outcome = classify.line(line({ eventName: 'checkout_started', timestamp: 'yesterday', eventId: 1 }));

    expect(reasonOf(outcome)).toBe('wrong_type @eventId');
  });

  it.each([
    ['Z with milliseconds', '2026-11-22T09:59:58.500Z', RECEIVED_MS - 1500],
    ['Z without a fraction', '2026-11-22T09:59:58Z', RECEIVED_MS - 2000],
    ['microseconds (truncated)', '2026-11-22T09:59:58.500999Z', RECEIVED_MS - 1500],
    ['+05:30 offset', '2026-11-22T15:29:58.500+05:30', RECEIVED_MS - 1500],
    ['-07:00 offset', '2026-11-22T02:59:58.5-07:00', RECEIVED_MS - 1500],
    ['exactly the allowed skew ahead', '2026-11-22T10:05:00.000Z', RECEIVED_MS + 300_000],
  ])('reads a timestamp with %s', (_, timestamp, ms) => {
    const outcome = classify.line(line({ timestamp }));

    expect(outcome).toMatchObject({ valid: true, timestampMs: ms });
  });

  it('keeps the record\'s event name and platform on invalid outcomes, for the segment', () => {
    expect(classify.line(line({ timestamp: 'nope', context: { platform: 'ios' } }))).toMatchObject({
      valid: false,
      reason: 'bad_timestamp',
      eventName: 'page_viewed',
      platform: 'ios',
      detail: expect.stringContaining('"nope"'),
    });
    expect(classify.line('{"eventId":')).toMatchObject({ valid: false, reason: 'unparseable_json', eventName: undefined });
  });

  it('explains a future timestamp with the size of the skew', () => {
    const outcome = classify.line(line({ timestamp: '2026-11-22T13:02:00.000Z' }));

    expect(outcome).toMatchObject({ reason: 'future_timestamp', detail: 'timestamp is 3h 2m after receivedAt (allowed clock skew 5m)' });
  });

  it.each([
    ['context.platform', { platform: 'android', os: { name: 'Android' } }, 'android'],
    ['context.device.platform when context.platform is absent', { device: { platform: 'ios' } }, 'ios'],
    ['context.os.name as the last resort', { os: { name: 'iPadOS' } }, 'iPadOS'],
    ['unknown when none is given', { appVersion: '1.0' }, 'unknown'],
    ['unknown for an empty platform', { platform: '' }, 'unknown'],
  ])('takes the platform from %s', (_, context, platform) => {
    expect(classify.line(line({ context }))).toMatchObject({ valid: true, platform });
  });

  it('treats a missing or null context as empty', () => {
    expect(classify.line(line({ context: undefined }))).toMatchObject({ valid: true, platform: 'unknown' });
    expect(classify.line(line({ context: null }))).toMatchObject({ valid: true, platform: 'unknown' });
  });

  it('accepts a missing or null sentAt', () => {
    expect(classify.line(line({ sentAt: undefined }))).toMatchObject({ valid: true, sentAtMs: undefined });
    expect(classify.line(line({ sentAt: null }))).toMatchObject({ valid: true, sentAtMs: undefined });
  });

  it('uses the configured clock skew', () => {
    const strict = createClassifier({ plan, clockSkewMs: 1000 });

    expect(reasonOf(strict.line(line({ timestamp: '2026-11-22T10:00:01.001Z' })))).toBe('future_timestamp @timestamp');
    expect(reasonOf(strict.line(line({ timestamp: '2026-11-22T10:00:01.000Z' })))).toBe('valid');
  });

  it('builds the de-duplication key from the configured envelope fields', () => {
    const bySource = createClassifier({ plan, dedupKey: ['context.source', 'eventId'] });

    expect(bySource.line(line({ context: { platform: 'web', source: 'web-sdk' } }))).toMatchObject({ key: 'web-sdk\u001fe-1' });
    expect(bySource.line(line({ context: { platform: 'web' } }))).toMatchObject({ key: '\u001fe-1' });
    expect(createClassifier({ plan, dedupKey: ['anonymousId'] }).line(line())).toMatchObject({ key: 'anon-1' });
  });

  it('takes the platform from configured paths', () => {
    const byOs = createClassifier({ plan, platformFrom: ['context.os.name'] });

    expect(byOs.line(line({ context: { platform: 'ios', os: { name: 'iOS' } } }))).toMatchObject({ platform: 'iOS' });
  });

  it('classifies decoded rows, with Date timestamps as Parquet readers give them', () => {
    const row = envelope({ timestamp: new Date(RECEIVED_MS - 1500), receivedAt: new Date(RECEIVED_MS), sentAt: null });

    expect(classify.object(row)).toMatchObject({ valid: true, timestampMs: RECEIVED_MS - 1500, receivedAtMs: RECEIVED_MS });
    expect(reasonOf(classify.object(envelope({ timestamp: new Date(Number.NaN) })))).toBe('bad_timestamp @timestamp');
  });
});
