import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarmReader } from '../../src/aws/alarms.js';
import { parseConfigText, type Config } from '../../src/config/index.js';
import { recordingLog } from '../../src/domain/log.js';
import { routeAlarmEvent } from '../../src/paging/router.js';
import { deliver } from '../support/alarm-events.js';
import { startCloudWatchServer, type CloudWatchServer, type FakeAlarm } from '../support/cloudwatch-server.js';

/**
 * The router against CloudWatch (a loopback stand-in speaking the real
 * protocol to the real SDK client), with the repository's example config:
 * what reaches whom once tags, inhibition and CloudWatch failures play in.
 */
const NOW = Date.parse('2026-11-22T03:00:00.000Z');
const OWN = { ownAccount: '123456789012', ownRegion: 'us-east-1' } as const;

const composite = (pipeline: string, state: FakeAlarm['state']): FakeAlarm => ({
  name: `tripline-${pipeline}-pipeline`,
  kind: 'composite',
  state,
  reason: 'child in ALARM',
  changedAt: NOW - 60_000,
  alarmRule: `ALARM(tripline-${pipeline}-dlq-depth)`,
  tags: { pipeline },
});
const dlqAlarm = (pipeline: string): FakeAlarm => ({
  name: `tripline-${pipeline}-dlq-depth`,
  kind: 'metric',
  state: 'ALARM',
  reason: 'Threshold Crossed',
  changedAt: NOW,
  dimensions: { QueueName: `tripline-${pipeline}-dlq` },
  tags: { pipeline, severity: 'warning' },
});
const dlqEvent = (pipeline: string): unknown =>
  deliver(
    {
      name: `tripline-${pipeline}-dlq-depth`,
      state: 'ALARM',
      previousState: 'OK',
      timestamp: new Date(NOW).toISOString(),
      metric: { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: `tripline-${pipeline}-dlq` } },
    },
    'eventbridge',
  );

describe('routeAlarmEvent with CloudWatch', () => {
  let cw: CloudWatchServer;
  let config: Config;
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    cw = await startCloudWatchServer();
    config = await parseConfigText(readFileSync('tripline.config.yaml', 'utf8'), 'tripline.config.yaml');
  });
  afterAll(async () => {
    await cw.close();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    cw.alarms.clear();
    cw.calls.length = 0;
  });

  async function route(event: unknown, reader = new CloudWatchAlarmReader(cw.client())) {
    const log = recordingLog();
    const report = await routeAlarmEvent(event, { config, alarms: reader, notifiers: [], log, now: () => new Date(NOW), ...OWN });
    return { report, log };
  }

  it('routes on the tags CloudWatch holds for the alarm (events carry none)', async () => {
    cw.alarms.set('tripline-web-dlq-depth', dlqAlarm('web'));
    const { report } = await route(dlqEvent('web'));
    expect(report.deliveries.map((d) => [d.receiver, d.severity, d.pagerduty ?? 'no page', d.slack])).toEqual([['pipeline-chat', 'warning', 'no page', true]]);
    expect(report.deliveries[0]?.runbookUrl).toBe('https://runbooks.example.com/tripline/dlq-redrive?pipeline=web');
  });

  it("holds back a child's post while its own pipeline's composite is in ALARM, not another pipeline's", async () => {
    cw.alarms.set('tripline-web-pipeline', composite('web', 'ALARM'));
    cw.alarms.set('tripline-web-dlq-depth', dlqAlarm('web'));
    cw.alarms.set('tripline-ios-dlq-depth', dlqAlarm('ios'));
    const web = await route(dlqEvent('web'));
    expect(web.report.deliveries[0]?.muted).toMatchObject({ by: 'inhibition' });
    expect(web.report.deliveries[0]?.slack).toBe(false);
    const ios = await route(dlqEvent('ios'));
    expect(ios.report.deliveries[0]?.muted).toBeUndefined();
    expect(ios.report.deliveries[0]?.slack).toBe(true);
  });

  it('pages the composite itself', async () => {
    cw.alarms.set('tripline-android-pipeline', composite('android', 'ALARM'));
    const event = deliver({ name: 'tripline-android-pipeline', state: 'ALARM', previousState: 'OK', timestamp: new Date(NOW - 60_000).toISOString() }, 'sns-eventbridge');
    const { report } = await route(event);
    expect(report.deliveries.map((d) => [d.receiver, d.pagerduty])).toEqual([['oncall', 'trigger']]);
  });

  it('acts on the delivered state, and says so, when DescribeAlarms is denied', async () => {
    cw.alarms.set('tripline-web-dlq-depth', dlqAlarm('web'));
    cw.failNext('AccessDenied');
    const { report, log } = await route(dlqEvent('web'));
    expect(report.convergence).toBe('describe-alarms-failed');
    expect(report.converged[0]?.basis).toBe('delivered-unverified');
    expect(report.deliveries).toHaveLength(1);
    expect(log.records.find((r) => r.level === 'warn')?.message).toBe('could not read current alarm states; acting on the delivered states');
    expect(JSON.stringify(log.records)).toContain('grant cloudwatch:DescribeAlarms');
  });

  it('routes without tags, and says so, when ListTagsForResource is denied', async () => {
    cw.alarms.set('tripline-web-dlq-depth', dlqAlarm('web'));
    cw.failNext('Throttling', 'AccessDenied');
    const { report, log } = await route(dlqEvent('web'));
    // DescribeAlarms was throttled, the tag read denied: the untagged alarm falls to the root route.
    expect(report.deliveries.map((d) => d.receiver)).toEqual(['oncall']);
    expect(log.records.some((r) => r.message === "could not read the alarm's tags; routing without them")).toBe(true);
  });

  it('reads an alarm’s tags once per few minutes in a warm container', async () => {
    cw.alarms.set('tripline-web-dlq-depth', dlqAlarm('web'));
    const reader = new CloudWatchAlarmReader(cw.client());
    await route(dlqEvent('web'), reader);
    await route(dlqEvent('web'), reader);
    expect(cw.calls.filter((c) => c === 'ListTagsForResource')).toHaveLength(1);
    expect(cw.calls.filter((c) => c === 'DescribeAlarms').length).toBeGreaterThanOrEqual(2);
  });
});
