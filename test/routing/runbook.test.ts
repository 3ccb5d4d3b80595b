import { describe, expect, it } from 'vitest';
import { renderRunbookUrl } from '../../src/routing/runbook.js';
import { metricAlarm } from './factories.js';

const t = metricAlarm('tripline web/dlq #1', {
  state: 'INSUFFICIENT_DATA',
  accountId: '210987654321',
  region: 'us-east-1',
  tags: { pipeline: 'web&ios', team: 'data' },
});

describe('renderRunbookUrl', () => {
  it.each([
    ['https://runbooks.example.com/{alarmName}', 'https://runbooks.example.com/tripline%20web/dlq%20%231'],
    ['https://runbooks.example.com/?alarm={alarmNameEncoded}', 'https://runbooks.example.com/?alarm=tripline%20web%2Fdlq%20%231'],
    [
      'https://runbooks.example.com/{accountId}/{region}/{state}',
      'https://runbooks.example.com/210987654321/us-east-1/INSUFFICIENT_DATA',
    ],
    ['https://runbooks.example.com/p?pipeline={tags.pipeline}&team={tags.team}', 'https://runbooks.example.com/p?pipeline=web%26ios&team=data'],
    ['https://runbooks.example.com/p?owner={tags.owner}', 'https://runbooks.example.com/p?owner='],
    ['https://runbooks.example.com/static', 'https://runbooks.example.com/static'],
  ])('%s', (template, expected) => {
    expect(renderRunbookUrl(template, t)).toBe(expected);
  });
});
