import { describe, expect, it } from 'vitest';
import type { Matcher } from '../../src/config/paging.js';
import { labelsOf } from '../../src/routing/labels.js';
import { matches } from '../../src/routing/match.js';
import { compositeAlarm, metricAlarm } from './factories.js';

const dlq = labelsOf(
  metricAlarm('tripline-web/prod-dlq', {
    namespace: 'AWS/SQS',
    metric: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: 'tripline-web-dlq' },
    tags: { pipeline: 'web', team: 'data platform' },
  }),
);

const mathAlarm = labelsOf(
  metricAlarm('tripline-web-error-rate', {
    metrics: [
      { id: 'e', expression: 'errors / invocations * 100', dimensions: {}, returnData: true },
      { id: 'errors', namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'web-processor' } },
      { id: 'invocations', namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: { FunctionName: 'other' } },
      { id: 'age', namespace: 'AWS/Kinesis', metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: { StreamName: 'events' } },
    ],
  }),
);

const composite = labelsOf(compositeAlarm('tripline-web-pipeline', { tags: { pipeline: 'web' } }));

describe('matches', () => {
  const cases: Array<[string, Matcher, typeof dlq, boolean]> = [
    ['empty matcher matches everything', {}, dlq, true],
    ['glob star crosses /', { alarmName: 'tripline-*-dlq' }, dlq, true],
    ['glob is anchored to the whole name', { alarmName: 'tripline-*' }, dlq, true],
    ['glob must cover the whole name', { alarmName: '*-dlq-x' }, dlq, false],
    ['glob is case-sensitive', { alarmName: 'TRIPLINE-*' }, dlq, false],
    ['exact name', { alarmName: 'tripline-web/prod-dlq' }, dlq, true],
    ['regex between slashes', { alarmName: '/^tripline-(web|ios)\\//' }, dlq, true],
    ['regex is unanchored like RegExp.test', { alarmName: '/prod/' }, dlq, true],
    ['regex that does not match', { alarmName: '/^tripline-ios/' }, dlq, false],
    ['namespace', { namespace: 'AWS/SQS' }, dlq, true],
    ['namespace glob', { namespace: 'AWS/*' }, dlq, true],
    ['wrong namespace', { namespace: 'AWS/Lambda' }, dlq, false],
    ['metric', { metric: 'ApproximateNumberOfMessagesVisible' }, dlq, true],
    ['namespace matches any metric of a math alarm', { namespace: 'AWS/Kinesis' }, mathAlarm, true],
    ['metric matches any metric of a math alarm', { metric: 'Invocations' }, mathAlarm, true],
    ['no metric of a math alarm in the namespace', { namespace: 'AWS/SQS' }, mathAlarm, false],
    ['no metric of a math alarm with that name', { metric: 'Throttles' }, mathAlarm, false],
    ['expression entries contribute nothing', { metric: 'errors / invocations * 100' }, mathAlarm, false],
    ['composite has no namespace', { namespace: '*' }, composite, false],
    ['composite has no metric', { metric: '*' }, composite, false],
    ['composite matches by name and tags', { alarmName: '*-pipeline', tags: { pipeline: 'web' } }, composite, true],
    ['dimension glob', { dimensions: { QueueName: '*-dlq' } }, dlq, true],
    ['missing dimension', { dimensions: { FunctionName: '*' } }, dlq, false],
    ['dimensions merged across metrics, first wins', { dimensions: { FunctionName: 'web-processor' } }, mathAlarm, true],
    ['dimension from another metric of a math alarm', { dimensions: { StreamName: 'events' } }, mathAlarm, true],
    ['every listed dimension must match', { dimensions: { QueueName: '*-dlq', Other: '*' } }, dlq, false],
    ['tag', { tags: { pipeline: 'web' } }, dlq, true],
    ['tag with a space in its value', { tags: { team: 'data *' } }, dlq, true],
    ['missing tag', { tags: { severity: '*' } }, dlq, false],
    ['wrong tag value', { tags: { pipeline: 'ios' } }, dlq, false],
    ['account', { account: '123456789012' }, dlq, true],
    ['other account', { account: '210987654321' }, dlq, false],
    ['region glob', { region: 'eu-*' }, dlq, true],
    ['other region', { region: 'us-east-1' }, dlq, false],
    [
      'every field must match',
      { alarmName: 'tripline-*', namespace: 'AWS/SQS', region: 'us-*' },
      dlq,
      false,
    ],
  ];
  it.each(cases)('%s', (_name, matcher, alarm, expected) => {
    expect(matches(matcher, alarm)).toBe(expected);
  });

  it('lets "*" match an empty tag value (a tag that is present but blank)', () => {
    const blank = labelsOf(metricAlarm('a', { tags: { pipeline: '' } }));
    expect(matches({ tags: { pipeline: '*' } }, blank)).toBe(true);
    expect(matches({ tags: { pipeline: 'web*' } }, blank)).toBe(false);
  });
});

describe('labelsOf', () => {
  it('collects unique namespaces and metrics, skipping expressions, and keeps account, region and tags', () => {
    expect(mathAlarm).toEqual({
      alarmName: 'tripline-web-error-rate',
      namespaces: ['AWS/Lambda', 'AWS/Kinesis'],
      metrics: ['Errors', 'Invocations', 'GetRecords.IteratorAgeMilliseconds'],
      dimensions: { FunctionName: 'web-processor', StreamName: 'events' },
      account: '123456789012',
      region: 'eu-west-1',
      tags: {},
    });
  });

  it('gives a composite alarm no namespaces, metrics or dimensions', () => {
    expect(composite).toMatchObject({ namespaces: [], metrics: [], dimensions: {}, tags: { pipeline: 'web' } });
  });
});
