import { describe, expect, it } from 'vitest';
import { activeSilence } from '../../src/routing/silence.js';
import { metricAlarm, paging } from './factories.js';

const { silences } = paging({
  receivers: [{ name: 'chat', slack: { channel: '#c' } }],
  route: { receiver: 'chat' },
  silences: [
    {
      match: { alarmName: 'tripline-web-*' },
      startsAt: '2026-11-22T00:00:00Z',
      endsAt: '2026-11-22T06:00:00Z',
      comment: 'planned maintenance',
      createdBy: 'alice',
    },
    {
      match: { tags: { pipeline: 'ios' } },
      startsAt: '2026-11-22T02:00:00+01:00',
      endsAt: '2026-11-23T00:00:00Z',
      comment: 'app release',
      createdBy: 'bob',
    },
  ],
});

describe('activeSilence', () => {
  const web = metricAlarm('tripline-web-dlq');
  const ios = metricAlarm('tripline-ios-dlq', { tags: { pipeline: 'ios' } });
  it.each([
    ['before the window', web, '2026-11-21T23:59:59Z', undefined],
    ['at startsAt (inclusive)', web, '2026-11-22T00:00:00Z', 'paging.silences[0]'],
    ['inside the window', web, '2026-11-22T05:59:59Z', 'paging.silences[0]'],
    ['at endsAt (exclusive)', web, '2026-11-22T06:00:00Z', undefined],
    ['a window given with an offset', ios, '2026-11-22T00:59:59Z', undefined],
    ['a window given with an offset, inside', ios, '2026-11-22T01:00:00Z', 'paging.silences[1]'],
    ['an alarm no silence matches', metricAlarm('tripline-android-dlq'), '2026-11-22T03:00:00Z', undefined],
  ])('%s', (_name, t, now, expected) => {
    expect(activeSilence(t, silences, new Date(now))?.path).toBe(expected);
  });

  it('returns the silence itself, for the message', () => {
    expect(activeSilence(web, silences, new Date('2026-11-22T01:00:00Z'))?.silence).toMatchObject({
      comment: 'planned maintenance',
      createdBy: 'alice',
    });
  });
});
