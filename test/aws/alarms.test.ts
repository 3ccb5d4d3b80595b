import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarmReader } from '../../src/aws/alarms.js';
import { AwsError } from '../../src/errors.js';
import { useCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';

describe('CloudWatchAlarmReader', () => {
  const server = useCloudWatchServer();
  let cw: CloudWatchServer;
  beforeEach(() => {
    cw = server();
  });

  it('reads 250 alarms with one DescribeAlarms call per 100 names', async () => {
    for (let i = 0; i < 250; i++) {
      cw.alarms.set(`a-${i}`, { name: `a-${i}`, kind: 'metric', state: i % 2 ? 'ALARM' : 'OK', reason: 'r', changedAt: 1_700_000_000_000 + i });
    }
    const reader = new CloudWatchAlarmReader(cw.client());
    const states = await reader.currentStates(Array.from({ length: 250 }, (_, i) => `a-${i}`));
    expect(states.size).toBe(250);
    expect(states.get('a-7')).toMatchObject({ state: 'ALARM', stateTimestamp: new Date(1_700_000_000_007).toISOString(), kind: 'metric' });
    expect(cw.calls).toEqual(['DescribeAlarms', 'DescribeAlarms', 'DescribeAlarms']);
  });

  it('leaves unknown alarms out and reports composites', async () => {
    cw.alarms.set('pipe', { name: 'pipe', kind: 'composite', state: 'ALARM', reason: 'child', changedAt: 1_700_000_000_000, alarmRule: 'ALARM(x)' });
    const states = await new CloudWatchAlarmReader(cw.client()).currentStates(['pipe', 'gone']);
    expect([...states.keys()]).toEqual(['pipe']);
    expect(states.get('pipe')?.kind).toBe('composite');
  });

  it('lists alarms in ALARM with their tags as inhibition sources', async () => {
    cw.alarms.set('web-composite', { name: 'web-composite', kind: 'composite', state: 'ALARM', reason: 'x', changedAt: 1, tags: { pipeline: 'web' } });
    cw.alarms.set('ios-dlq', { name: 'ios-dlq', kind: 'metric', state: 'OK', reason: 'x', changedAt: 1, dimensions: { QueueName: 'ios-dlq' } });
    const sources = await new CloudWatchAlarmReader(cw.client()).alarmsInAlarm({ withTags: true });
    expect(sources).toEqual([
      { alarmName: 'web-composite', namespaces: [], metrics: [], dimensions: {}, account: '123456789012', region: 'us-east-1', tags: { pipeline: 'web' } },
    ]);
  });

  it('explains a denied call with the permission to grant', async () => {
    cw.failNext('AccessDenied');
    const error = await new CloudWatchAlarmReader(cw.client()).currentStates(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).message).toContain('grant cloudwatch:DescribeAlarms');
  });

  it('explains expired credentials', async () => {
    cw.failNext('ExpiredToken');
    const error = await new CloudWatchAlarmReader(cw.client()).currentStates(['x']).catch((e: unknown) => e);
    expect((error as AwsError).message).toMatch(/credentials have expired/);
  });
});
