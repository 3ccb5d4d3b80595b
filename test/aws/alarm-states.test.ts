import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarmStateReader, coveringPrefixes, MAX_PREFIX_CALLS, prefixesToDescribe } from '../../src/aws/alarm-states.js';
import { AwsError } from '../../src/errors.js';
import { useCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';

describe('CloudWatchAlarmStateReader', () => {
  const server = useCloudWatchServer();
  let cw: CloudWatchServer;
  beforeEach(() => {
    cw = server();
  });

  it('lists metric and composite alarms of each prefix with their pipeline, state and since', async () => {
    cw.alarms.set('tripline-web-pipeline', {
      name: 'tripline-web-pipeline',
      kind: 'composite',
      state: 'ALARM',
      reason: 'child in ALARM',
      changedAt: 1_700_000_000_000,
      alarmRule: 'ALARM(tripline-web-dlq-depth)',
      description: 'web events are not arriving',
    });
    cw.alarms.set('tripline-web-dlq-depth', { name: 'tripline-web-dlq-depth', kind: 'metric', state: 'OK', reason: 'ok', changedAt: 1_700_000_100_000 });
    cw.alarms.set('tripline-ios-dlq-depth', { name: 'tripline-ios-dlq-depth', kind: 'metric', state: 'INSUFFICIENT_DATA', reason: 'no data', changedAt: 1 });
    cw.alarms.set('other-team-alarm', { name: 'other-team-alarm', kind: 'metric', state: 'ALARM', reason: 'x', changedAt: 1 });

    const reader = new CloudWatchAlarmStateReader(cw.client(), { pipelineByPrefix: { 'tripline-web-': 'web', 'tripline-ios-': 'ios' } });
    const alarms = await reader.states(['tripline-web-', 'tripline-ios-']);

    expect(alarms).toEqual([
      {
        name: 'tripline-ios-dlq-depth',
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:tripline-ios-dlq-depth',
        kind: 'metric',
        state: 'INSUFFICIENT_DATA',
        since: new Date(1),
        reason: 'no data',
        pipeline: 'ios',
      },
      {
        name: 'tripline-web-dlq-depth',
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:tripline-web-dlq-depth',
        kind: 'metric',
        state: 'OK',
        since: new Date(1_700_000_100_000),
        reason: 'ok',
        pipeline: 'web',
      },
      {
        name: 'tripline-web-pipeline',
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:tripline-web-pipeline',
        kind: 'composite',
        state: 'ALARM',
        since: new Date(1_700_000_000_000),
        reason: 'child in ALARM',
        description: 'web events are not arriving',
        pipeline: 'web',
      },
    ]);
    expect(cw.calls).toEqual(['DescribeAlarms', 'DescribeAlarms']);
  });

  it('follows pages and lists an alarm once when prefixes overlap', async () => {
    for (let i = 0; i < 230; i++) {
      const name = `tripline-web-a${String(i).padStart(3, '0')}`;
      cw.alarms.set(name, { name, kind: 'metric', state: 'OK', reason: 'r', changedAt: 1 });
    }
    const alarms = await new CloudWatchAlarmStateReader(cw.client()).states(['tripline-web-', 'tripline-', 'tripline-web-']);
    expect(alarms).toHaveLength(230);
    expect(new Set(alarms.map((a) => a.name)).size).toBe(230);
    // One prefix (tripline- covers tripline-web-), three pages of 100.
    expect(cw.calls).toEqual(['DescribeAlarms', 'DescribeAlarms', 'DescribeAlarms']);
  });

  it.each([
    [['a-', 'a-b-', 'b-', 'a-'], ['a-', 'b-']],
    [['tripline-web-', 'tripline-ios-'], ['tripline-ios-', 'tripline-web-']],
    [['', 'x-'], ['']],
  ])('asks CloudWatch only for covering prefixes: %j → %j', (given, expected) => {
    expect(coveringPrefixes(given)).toEqual(expected);
  });

  it('asks once, on the common beginning, for many pipelines, and keeps only their alarms', async () => {
    const prefixes = Array.from({ length: 30 }, (_, i) => `tripline-p${i}-`);
    for (const name of ['tripline-p0-dlq-depth', 'tripline-p29-pipeline', 'tripline-pager-test', 'other']) {
      cw.alarms.set(name, { name, kind: 'metric', state: 'OK', reason: 'r', changedAt: 1 });
    }
    const reader = new CloudWatchAlarmStateReader(cw.client(), { pipelineByPrefix: Object.fromEntries(prefixes.map((p, i) => [p, `p${i}`])) });
    const alarms = await reader.states(prefixes);
    expect(alarms.map((a) => [a.name, a.pipeline])).toEqual([
      ['tripline-p0-dlq-depth', 'p0'],
      ['tripline-p29-pipeline', 'p29'],
    ]);
    expect(cw.calls).toEqual(['DescribeAlarms']);
  });

  it.each([
    [Array.from({ length: MAX_PREFIX_CALLS }, (_, i) => `tripline-p${i}-`), Array.from({ length: MAX_PREFIX_CALLS }, (_, i) => `tripline-p${i}-`)],
    [['tripline-web-', 'tripline-ios-', 'tripline-android-', 'tripline-tv-', 'tripline-car-', 'tripline-watch-'], ['tripline-']],
    [['a-', 'b-', 'c-', 'd-', 'e-', 'f-'], ['a-', 'b-', 'c-', 'd-', 'e-', 'f-']],
  ])('describes %j as %j', (given, expected) => {
    expect(prefixesToDescribe(given)).toEqual(expected);
  });

  it('explains a denied call with the permission to grant', async () => {
    cw.failNext('AccessDenied');
    const error = await new CloudWatchAlarmStateReader(cw.client()).states(['tripline-web-']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).message).toBe(
      "CloudWatch DescribeAlarms (prefix tripline-web-) failed: access denied (AccessDenied): grant cloudwatch:DescribeAlarms to the caller's IAM role",
    );
  });
});
