import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchMetricsReader } from '../../src/aws/metrics-reader.js';
import type { MetricQuery } from '../../src/domain/health.js';
import { AwsError, InputError } from '../../src/errors.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const window = { start: new Date(T0), end: new Date(T0 + 30 * 60_000) };

function query(i: number): MetricQuery {
  return { id: `q${i}`, namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: `queue-${i}` }, stat: 'Maximum', periodSeconds: 60 };
}

describe('CloudWatchMetricsReader', () => {
  let cw: CloudWatchServer;
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    cw = await startCloudWatchServer();
  });
  afterAll(async () => {
    await cw.close();
    nock.enableNetConnect();
  });
  afterEach(() => {
    cw.calls.length = 0;
    cw.metricRequests.length = 0;
    cw.pageMetricsBy(undefined);
  });

  it('reads every series in one GetMetricData call, oldest first, in the window only', async () => {
    cw.setMetric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'queue-1' }, stat: 'Maximum' }, [
      { timestamp: T0 + 120_000, value: 7 },
      { timestamp: T0, value: 3 },
      { timestamp: T0 - 60_000, value: 99 }, // before the window
    ]);
    const reader = new CloudWatchMetricsReader(cw.client());
    const series = await reader.read([query(0), query(1), query(2)], window);

    expect([...series.keys()]).toEqual(['q0', 'q1', 'q2']);
    expect(series.get('q1')).toEqual({ id: 'q1', timestamps: [T0, T0 + 120_000], values: [3, 7] });
    expect(series.get('q0')).toEqual({ id: 'q0', timestamps: [], values: [] });
    expect(cw.calls).toEqual(['GetMetricData']);
    expect(reader.calls).toBe(1);
    expect(cw.metricRequests[0]).toMatchObject({ start: T0, end: T0 + 30 * 60_000, scanBy: 'TimestampAscending' });
  });

  it('asks for 500 metrics in one call and 501 in two', async () => {
    const reader = new CloudWatchMetricsReader(cw.client());
    await reader.read(Array.from({ length: 500 }, (_, i) => query(i)), window);
    expect(cw.calls).toEqual(['GetMetricData']);
    const series = await reader.read(Array.from({ length: 501 }, (_, i) => query(i)), window);
    expect(series.size).toBe(501);
    expect(cw.metricRequests.map((r) => r.queries.length)).toEqual([500, 500, 1]);
    expect(reader.calls).toBe(3);
  });

  it('follows NextToken when CloudWatch pages the answer, and counts each page as a call', async () => {
    const points = Array.from({ length: 12 }, (_, i) => ({ timestamp: T0 + i * 60_000, value: i }));
    for (const i of [0, 1]) {
      cw.setMetric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: `queue-${i}` }, stat: 'Maximum' }, points);
    }
    cw.pageMetricsBy(5);
    const reader = new CloudWatchMetricsReader(cw.client());
    const series = await reader.read([query(0), query(1)], window);
    expect(series.get('q0')?.values).toEqual(points.map((p) => p.value));
    expect(series.get('q1')?.timestamps).toEqual(points.map((p) => p.timestamp));
    expect(cw.calls).toEqual(['GetMetricData', 'GetMetricData', 'GetMetricData', 'GetMetricData', 'GetMetricData']);
    expect(reader.calls).toBe(5);
  });

  it.each([
    ['AccessDenied', /access denied \(AccessDenied\): grant cloudwatch:GetMetricData/],
    ['ExpiredToken', /credentials have expired/],
    ['Throttling', /throttled by AWS/],
  ] as const)('explains %s', async (fault, message) => {
    cw.failNext(fault);
    const error = await new CloudWatchMetricsReader(cw.client()).read([query(0)], window).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).message).toMatch(/^CloudWatch GetMetricData failed: /);
    expect((error as AwsError).message).toMatch(message);
    expect((error as AwsError).message).not.toContain('test-secret');
  });

  it('refuses ids GetMetricData would reject before calling it', async () => {
    const reader = new CloudWatchMetricsReader(cw.client());
    await expect(reader.read([{ ...query(0), id: 'P0-lag' }], window)).rejects.toThrow(InputError);
    await expect(reader.read([query(0), query(0)], window)).rejects.toThrow(/"q0" is used twice/);
    expect(cw.calls).toEqual([]);
  });
});
