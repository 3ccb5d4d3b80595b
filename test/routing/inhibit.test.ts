import { describe, expect, it } from 'vitest';
import type { AlarmLabels } from '../../src/domain/labels.js';
import { inhibitingRule, inhibitionSourcesNeeded, tagKeysUsedByInhibition } from '../../src/routing/inhibit.js';
import { labels, paging } from './factories.js';

const receivers = [{ name: 'chat', slack: { channel: '#c' } }];
const config = paging({
  receivers,
  route: { receiver: 'chat' },
  inhibitRules: [
    {
      source: { alarmName: 'tripline-*-pipeline' },
      target: { tags: { pipeline: '*' } },
      equal: ['pipeline'],
    },
    {
      source: { namespace: 'AWS/Kinesis', tags: { tier: 'ingest' } },
      target: { namespace: 'AWS/Lambda' },
      equal: ['region', 'tags.stage'],
    },
  ],
});

const webComposite = labels('tripline-web-pipeline', { tags: { pipeline: 'web' } });
const webChild = labels('tripline-web-dlq-depth', { namespaces: ['AWS/SQS'], tags: { pipeline: 'web' } });
const iosChild = labels('tripline-ios-dlq-depth', { namespaces: ['AWS/SQS'], tags: { pipeline: 'ios' } });

function hit(target: AlarmLabels, sources: readonly AlarmLabels[]): string | undefined {
  const found = inhibitingRule(target, config.inhibitRules, sources);
  return found === undefined ? undefined : `${found.path} by ${found.source.alarmName}`;
}

describe('inhibitingRule', () => {
  it.each<[string, AlarmLabels, AlarmLabels[], string | undefined]>([
    ['child of a composite in ALARM', webChild, [webComposite], 'paging.inhibitRules[0] by tripline-web-pipeline'],
    ['child of another pipeline', iosChild, [webComposite], undefined],
    ['no source in ALARM', webChild, [], undefined],
    ['source does not match', webChild, [iosChild], undefined],
    ['target does not match (no pipeline tag)', labels('other', { tags: {} }), [webComposite], undefined],
    ['an alarm never inhibits itself', webComposite, [webComposite], undefined],
    [
      'the same name in another account is another alarm',
      labels('tripline-web-pipeline', { account: '210987654321', tags: { pipeline: 'web' } }),
      [webComposite],
      'paging.inhibitRules[0] by tripline-web-pipeline',
    ],
    [
      'builtin label and tags.<key> in equal',
      labels('web-processor-errors', { namespaces: ['AWS/Lambda'], tags: { stage: 'prod' } }),
      [labels('stream-age', { namespaces: ['AWS/Kinesis'], tags: { tier: 'ingest', stage: 'prod' } })],
      'paging.inhibitRules[1] by stream-age',
    ],
    [
      'builtin label differs',
      labels('web-processor-errors', { namespaces: ['AWS/Lambda'], region: 'us-east-1', tags: { stage: 'prod' } }),
      [labels('stream-age', { namespaces: ['AWS/Kinesis'], tags: { tier: 'ingest', stage: 'prod' } })],
      undefined,
    ],
    [
      'a label missing on both sides counts as equal (as in Alertmanager)',
      labels('web-processor-errors', { namespaces: ['AWS/Lambda'] }),
      [labels('stream-age', { namespaces: ['AWS/Kinesis'], tags: { tier: 'ingest' } })],
      'paging.inhibitRules[1] by stream-age',
    ],
    [
      'a label missing on one side only is not equal',
      labels('web-processor-errors', { namespaces: ['AWS/Lambda'], tags: { stage: 'prod' } }),
      [labels('stream-age', { namespaces: ['AWS/Kinesis'], tags: { tier: 'ingest' } })],
      undefined,
    ],
  ])('%s', (_name, target, sources, expected) => {
    expect(hit(target, sources)).toBe(expected);
  });

  it('compares namespace and metric as sets', () => {
    const rules = paging({
      receivers,
      route: { receiver: 'chat' },
      inhibitRules: [{ source: { alarmName: 'src' }, target: { alarmName: 'dst' }, equal: ['namespace', 'metric'] }],
    }).inhibitRules;
    const target = labels('dst', { namespaces: ['AWS/SQS', 'AWS/Lambda'], metrics: ['Errors', 'Age'] });
    const same = labels('src', { namespaces: ['AWS/Lambda', 'AWS/SQS'], metrics: ['Age', 'Errors'] });
    const other = labels('src', { namespaces: ['AWS/Lambda'], metrics: ['Age', 'Errors'] });
    expect(inhibitingRule(target, rules, [same])?.source).toBe(same);
    expect(inhibitingRule(target, rules, [other])).toBeUndefined();
  });
});

describe('what the caller must fetch for inhibition', () => {
  it('needs sources and these tag keys when rules exist', () => {
    expect(inhibitionSourcesNeeded(config)).toBe(true);
    expect(tagKeysUsedByInhibition(config)).toEqual(['pipeline', 'stage', 'tier']);
  });

  it('needs nothing without rules, or no tags when rules use only builtin labels', () => {
    const none = paging({ receivers, route: { receiver: 'chat' } });
    expect(inhibitionSourcesNeeded(none)).toBe(false);
    expect(tagKeysUsedByInhibition(none)).toEqual([]);
    const builtin = paging({
      receivers,
      route: { receiver: 'chat' },
      inhibitRules: [{ source: { alarmName: 'a' }, target: { tags: { team: 'x' } }, equal: ['region', 'account'] }],
    });
    expect(tagKeysUsedByInhibition(builtin)).toEqual([]);
  });
});
