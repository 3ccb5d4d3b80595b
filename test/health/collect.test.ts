import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchAlarmStateReader } from '../../src/aws/alarm-states.js';
import { PagerDutyIncidentReader } from '../../src/aws/incidents.js';
import { CloudWatchMetricsReader } from '../../src/aws/metrics-reader.js';
import { PipelinesSchema, type Pipelines } from '../../src/config/pipelines.js';
import { SecretResolver } from '../../src/config/secrets.js';
import type { QueueReader, QueueStats } from '../../src/domain/health.js';
import { AwsError, ToolkitError } from '../../src/errors.js';
import { collectHealth, healthWindow } from '../../src/health/collect.js';
import { MAX_PIPELINES_PER_CALL } from '../../src/health/queries.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { startPagerDutyRestServer, type PagerDutyRestServer } from '../support/pagerduty-rest-server.js';

const NOW = new Date(Date.UTC(2026, 0, 15, 10, 30, 27));
const END = Date.UTC(2026, 0, 15, 10, 30, 0);
const minute = (m: number): number => END - m * 60_000;

const pipelines = PipelinesSchema.parse({
  web: {
    stream: 'tracking-web',
    processor: 'tripline-web-processor',
    failedQueue: 'tripline-web-failed',
    dlq: 'tripline-web-dlq',
    firehose: 'tripline-web-to-s3',
    collector: { apiName: 'tracking-collector', stage: 'prod' },
  },
  ios: { stream: 'tracking-ios', processor: 'tripline-ios-processor', failedQueue: 'tripline-ios-failed', dlq: 'tripline-ios-dlq', firehose: 'tripline-ios-to-s3' },
  android: { stream: 'tracking-android', processor: 'tripline-android-processor', failedQueue: 'tripline-android-failed', dlq: 'tripline-android-dlq' },
});

function many(n: number, full: boolean): Pipelines {
  return PipelinesSchema.parse(
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `p${i}`,
        { stream: `s${i}`, processor: `f${i}`, failedQueue: `q${i}`, dlq: `d${i}`, ...(full ? { firehose: `h${i}`, collector: { apiName: 'api' } } : {}) },
      ]),
    ),
  );
}

function stats(name: string, visible: number): QueueStats {
  return { name, url: `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`, arn: `arn:aws:sqs:us-east-1:123456789012:${name}`, fifo: false, visible, inFlight: 0, delayed: 0 };
}

/** SQS as the console sees it: fixed depths, or a failure per queue. */
function queueReader(depths: Record<string, number | Error>): QueueReader {
  return {
    stats: async (queue) => {
      const depth = depths[queue] ?? 0;
      if (depth instanceof Error) throw depth;
      return stats(queue, depth);
    },
  };
}

function expiredToken(queue: string): AwsError {
  const cause = Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken', $metadata: { httpStatusCode: 403 } });
  return new AwsError(`SQS GetQueueAttributes failed for ${queue}: the AWS credentials have expired (ExpiredToken); refresh them`, { service: 'sqs', operation: 'GetQueueAttributes' }, { cause });
}

describe('collectHealth', () => {
  // Metrics and alarms on separate stand-ins, so a fault can be aimed at one of them.
  let metricsCw: CloudWatchServer;
  let alarmsCw: CloudWatchServer;
  let pd: PagerDutyRestServer;
  const secrets = new SecretResolver({ env: { PD_TOKEN: 'pd-rest-key' } });

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    [metricsCw, alarmsCw, pd] = await Promise.all([startCloudWatchServer(), startCloudWatchServer(), startPagerDutyRestServer({ token: 'pd-rest-key' })]);
    metricsCw.setMetric({ namespace: 'AWS/Kinesis', metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: { StreamName: 'tracking-web' }, stat: 'Maximum' }, [
      { timestamp: minute(2), value: 12_000 },
      { timestamp: minute(1), value: 95_000 },
    ]);
    metricsCw.setMetric({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'tripline-ios-processor' }, stat: 'Sum' }, [{ timestamp: minute(1), value: 1 }]);
    metricsCw.setMetric({ namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: { FunctionName: 'tripline-ios-processor' }, stat: 'Sum' }, [{ timestamp: minute(1), value: 400 }]);
    metricsCw.setMetric({ namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.Success', dimensions: { DeliveryStreamName: 'tripline-web-to-s3' }, stat: 'Average' }, [
      { timestamp: minute(9), value: 1 },
      { timestamp: minute(4), value: 1 },
      { timestamp: minute(3), value: 0 },
    ]);
    metricsCw.setMetric({ namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: { ApiName: 'tracking-collector', Stage: 'prod' }, stat: 'Sum' }, [{ timestamp: minute(1), value: 4200 }]);
    metricsCw.setMetric({ namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions: { ApiName: 'tracking-collector', Stage: 'prod' }, stat: 'p99' }, [{ timestamp: minute(1), value: 180 }]);
    metricsCw.setMetric({ namespace: 'Tripline/Quality', metricName: 'InvalidRate', dimensions: { Pipeline: 'android' }, stat: 'Average' }, [{ timestamp: minute(5), value: 3 }]);
    metricsCw.setMetric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'tripline-web-dlq' }, stat: 'Maximum' }, [
      { timestamp: minute(3), value: 0 },
      { timestamp: minute(2), value: 12 },
    ]);
    // Outside the window: not shown.
    metricsCw.setMetric({ namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: { FunctionName: 'tripline-web-processor' }, stat: 'Sum' }, [{ timestamp: minute(31), value: 50 }]);

    for (const [name, state, changedAt] of [
      ['tripline-web-pipeline', 'ALARM', minute(2)],
      ['tripline-web-dlq-depth', 'ALARM', minute(3)],
      ['tripline-ios-iterator-age', 'OK', minute(60)],
      ['tripline-android-quality-invalid-rate', 'INSUFFICIENT_DATA', minute(10)],
      ['unrelated-alarm', 'ALARM', minute(1)],
    ] as const) {
      alarmsCw.alarms.set(name, { name, kind: name.endsWith('pipeline') ? 'composite' : 'metric', state, reason: `${name} is ${state}`, changedAt });
    }
    pd.incidents.push({ id: 'PABC123', title: 'tripline-web-pipeline in ALARM', status: 'triggered', urgency: 'high', created_at: new Date(minute(2)).toISOString() });
  });
  afterAll(async () => {
    await Promise.all([metricsCw.close(), alarmsCw.close(), pd.close()]);
    nock.enableNetConnect();
  });
  afterEach(() => {
    metricsCw.calls.length = 0;
    metricsCw.metricRequests.length = 0;
    alarmsCw.calls.length = 0;
    pd.requests.length = 0;
  });

  const deps = (queues: Record<string, number | Error> = { 'tripline-web-dlq': 7, 'tripline-web-failed': 2 }) => ({
    metrics: new CloudWatchMetricsReader(metricsCw.client()),
    alarms: new CloudWatchAlarmStateReader(alarmsCw.client()),
    queues: queueReader(queues),
    incidents: new PagerDutyIncidentReader({ apiUrl: pd.url, token: { env: 'PD_TOKEN' }, secrets }),
  });

  it('reads three pipelines with one GetMetricData call, and queues, alarms and incidents beside it', async () => {
    const snapshot = await collectHealth(deps(), { pipelines, environment: 'prod', account: '123456789012', region: 'us-east-1', now: NOW });

    expect(metricsCw.calls).toEqual(['GetMetricData']);
    expect(snapshot.metricCalls).toBe(1);
    expect(metricsCw.metricRequests[0]).toMatchObject({ start: END - 30 * 60_000, end: END });
    expect(metricsCw.metricRequests[0]?.queries).toHaveLength(17 + 14 + 12);
    expect(snapshot).toMatchObject({ at: NOW, environment: 'prod', account: '123456789012', region: 'us-east-1', problems: [] });

    const [web, ios, android] = snapshot.pipelines;
    expect(snapshot.pipelines.map((p) => p.pipeline)).toEqual(['web', 'ios', 'android']);
    expect(web?.lagSeconds).toEqual({ value: 95, history: [12, 95], level: 'bad' });
    expect(web?.dlq.depth).toEqual({ value: 7, history: [0, 12], level: 'bad' });
    expect(web?.dlq.stats?.name).toBe('tripline-web-dlq');
    expect(web?.failedQueue.depth.value).toBe(2);
    expect(web?.throttles).toEqual({ value: undefined, history: [], level: 'unknown' });
    expect(web?.collector?.requestsPerMinute).toEqual({ value: 4200, history: [4200], level: 'ok' });
    expect(web?.collector?.errorRate5xx).toEqual({ value: 0, history: [0], level: 'ok' });
    expect(web?.collector?.p99LatencyMs.value).toBe(180);
    expect(web?.lastDeliveryAt).toEqual(new Date(minute(4)));
    expect(ios?.processorErrorRate).toEqual({ value: 0.0025, history: [0.0025], level: 'ok' });
    expect(ios?.collector).toBeUndefined();
    expect(ios?.lastDeliveryAt).toBeUndefined();
    expect(ios?.dlq.depth).toMatchObject({ value: 0, level: 'ok' });
    expect(android?.invalidRate).toEqual({ value: 0.03, history: [0.03], level: 'bad' });
    expect(android?.freshnessSeconds.level).toBe('unknown');

    expect(snapshot.alarms.map((a) => [a.name, a.state, a.pipeline])).toEqual([
      ['tripline-web-dlq-depth', 'ALARM', 'web'],
      ['tripline-web-pipeline', 'ALARM', 'web'],
      ['tripline-android-quality-invalid-rate', 'INSUFFICIENT_DATA', 'android'],
      ['tripline-ios-iterator-age', 'OK', 'ios'],
    ]);
    expect(snapshot.incidents).toEqual([{ id: 'PABC123', title: 'tripline-web-pipeline in ALARM', status: 'triggered', urgency: 'high', createdAt: new Date(minute(2)) }]);
  });

  it(`reads ${MAX_PIPELINES_PER_CALL} fully configured pipelines (the most per call) with one GetMetricData call`, async () => {
    const snapshot = await collectHealth({ metrics: new CloudWatchMetricsReader(metricsCw.client()) }, { pipelines: many(MAX_PIPELINES_PER_CALL, true), environment: 'prod', now: NOW });
    expect(metricsCw.calls).toEqual(['GetMetricData']);
    expect(metricsCw.metricRequests[0]?.queries).toHaveLength(MAX_PIPELINES_PER_CALL * 17);
    expect(snapshot.metricCalls).toBe(1);
    expect(snapshot.pipelines).toHaveLength(MAX_PIPELINES_PER_CALL);
  });

  it('reads 41 pipelines without Firehose or collector (12 metrics each) with one call', async () => {
    const snapshot = await collectHealth({ metrics: new CloudWatchMetricsReader(metricsCw.client()) }, { pipelines: many(41, false), environment: 'prod', now: NOW });
    expect(metricsCw.metricRequests.map((r) => r.queries.length)).toEqual([492]);
    expect(snapshot.metricCalls).toBe(1);
  });

  it('says so when 60 full pipelines need more than one call (1,020 metrics: three)', async () => {
    const snapshot = await collectHealth({ metrics: new CloudWatchMetricsReader(metricsCw.client()) }, { pipelines: many(60, true), environment: 'prod', now: NOW });
    expect(metricsCw.metricRequests.map((r) => r.queries.length)).toEqual([500, 500, 20]);
    expect(snapshot.metricCalls).toBe(3);
    expect(snapshot.pipelines).toHaveLength(60);
  });

  it('still shows queues, alarms and incidents when GetMetricData is denied', async () => {
    metricsCw.failNext('AccessDenied');
    const snapshot = await collectHealth(deps(), { pipelines, environment: 'prod', now: NOW });
    expect(snapshot.problems).toEqual(["CloudWatch GetMetricData failed: access denied (AccessDenied): grant cloudwatch:GetMetricData to the caller's IAM role"]);
    expect(snapshot.pipelines[0]?.lagSeconds.level).toBe('unknown');
    expect(snapshot.pipelines[0]?.dlq.depth).toEqual({ value: 7, history: [], level: 'bad' });
    expect(snapshot.alarms).toHaveLength(4);
    expect(snapshot.incidents).toHaveLength(1);
  });

  it('still shows metrics when the alarm credentials have expired', async () => {
    alarmsCw.failNext('ExpiredToken');
    const snapshot = await collectHealth(deps(), { pipelines, environment: 'prod', now: NOW });
    expect(snapshot.problems).toHaveLength(1);
    expect(snapshot.problems[0]).toMatch(/^CloudWatch DescribeAlarms \(prefix tripline-\w+-\) failed: the AWS credentials have expired \(ExpiredToken\); refresh them/);
    expect(snapshot.alarms).toEqual([]);
    expect(snapshot.pipelines[0]?.lagSeconds.value).toBe(95);
  });

  it('says once that the SQS credentials expired, naming the queues, and separately which queue does not exist', async () => {
    const queues: Record<string, number | Error> = {};
    for (const name of ['tripline-web-failed', 'tripline-web-dlq', 'tripline-ios-failed', 'tripline-ios-dlq', 'tripline-android-failed']) queues[name] = expiredToken(name);
    queues['tripline-android-dlq'] = Object.assign(new ToolkitError('queue tripline-android-dlq does not exist in us-east-1; check pipelines.android.dlq'), { exitCode: 2 });
    const snapshot = await collectHealth(deps(queues), { pipelines, environment: 'prod', now: NOW });
    expect(snapshot.problems).toEqual([
      'SQS GetQueueAttributes failed for 5 queues (tripline-web-failed, tripline-web-dlq, tripline-ios-failed and 2 more): the AWS credentials have expired (ExpiredToken); refresh them (e.g. `aws sso login` or a new session) and retry',
      'queue tripline-android-dlq does not exist in us-east-1; check pipelines.android.dlq',
    ]);
    // The metric depth stands in for the live one.
    expect(snapshot.pipelines[0]?.dlq.depth).toEqual({ value: 12, history: [0, 12], level: 'bad' });
    expect(snapshot.pipelines[0]?.dlq.stats).toBeUndefined();
  });

  it('says the PagerDuty token was rejected and shows everything else', async () => {
    const snapshot = await collectHealth(
      { ...deps(), incidents: new PagerDutyIncidentReader({ apiUrl: pd.url, token: { value: 'wrong' }, secrets }) },
      { pipelines, environment: 'prod', now: NOW },
    );
    expect(snapshot.problems).toEqual([expect.stringMatching(/^PagerDuty API token rejected \(HTTP 401\); check console\.pagerdutyApiToken/)]);
    expect(snapshot.incidents).toEqual([]);
    expect(snapshot.alarms).toHaveLength(4);
  });

  it('makes no call for no pipelines', async () => {
    const snapshot = await collectHealth({ metrics: new CloudWatchMetricsReader(metricsCw.client()) }, { pipelines: {}, environment: 'staging', now: NOW });
    expect(snapshot).toEqual({ at: NOW, environment: 'staging', pipelines: [], alarms: [], incidents: [], problems: [], metricCalls: 0 });
    expect(metricsCw.calls).toEqual([]);
  });
});

describe('healthWindow', () => {
  it.each([
    [NOW, 30, END - 30 * 60_000, END],
    [new Date(END), 30, END - 30 * 60_000, END],
    [NOW, 60, END - 60 * 60_000, END],
  ])('%s, %i minutes', (now, minutes, start, end) => {
    expect(healthWindow(now, minutes)).toEqual({ start: new Date(start), end: new Date(end) });
  });
});
