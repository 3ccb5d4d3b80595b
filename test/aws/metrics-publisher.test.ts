import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishQualityReport } from '../../src/aws/metrics-publisher.js';
import { INVALID_REASONS, type QualityMetrics, type QualityReport } from '../../src/domain/quality.js';
import { AwsError } from '../../src/errors.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';

function metrics(overrides: Partial<QualityMetrics> = {}): QualityMetrics {
  return {
    total: 1000,
    valid: 980,
    invalid: 20,
    invalidRate: 0.02,
    invalidByReason: Object.fromEntries(INVALID_REASONS.map((r) => [r, r === 'wrong_type' ? 20 : 0])) as QualityMetrics['invalidByReason'],
    duplicates: 30,
    duplicateRate: 30 / 980,
    late: 49,
    lateRate: 0.05,
    lateness: { p50: 2, p95: 700, p99: 3600, max: 86_400 },
    newestReceivedAt: '2026-11-22T02:59:00.000Z',
    freshnessSeconds: 60,
    ...overrides,
  };
}

function report(segments: number): QualityReport {
  return {
    ...metrics(),
    now: '2026-11-22T03:00:00.000Z',
    segments: Array.from({ length: segments }, (_, i) => ({
      ...metrics(),
      segment: (i === segments - 1 ? { segment: '__other__' } : { eventName: `event_${i}`, platform: 'web' }) as Record<string, string>,
    })),
    inputs: [],
  };
}

describe('publishQualityReport', () => {
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
  beforeEach(() => {
    cw.published.length = 0;
  });

  it('publishes overall and per-segment metrics with the configured dimensions', async () => {
    const result = await publishQualityReport(report(2), { client: cw.client(), namespace: 'Tripline/Quality', dimensions: { Pipeline: 'web' } });
    // 9 overall, 1 per invalid reason seen (wrong_type), 9 per segment.
    expect(result).toEqual({ calls: 1, datums: 28 });
    const data = cw.published[0]?.metricData ?? [];
    expect(cw.published[0]?.namespace).toBe('Tripline/Quality');
    const invalidRate = data.filter((d) => d['MetricName'] === 'InvalidRate');
    expect(invalidRate.map((d) => [d['Value'], d['Unit'], d['Dimensions']])).toEqual([
      [2, 'Percent', [{ Name: 'Pipeline', Value: 'web' }]],
      [2, 'Percent', [{ Name: 'Pipeline', Value: 'web' }, { Name: 'EventName', Value: 'event_0' }, { Name: 'Platform', Value: 'web' }]],
      [2, 'Percent', [{ Name: 'Pipeline', Value: 'web' }, { Name: 'Segment', Value: '__other__' }]],
    ]);
    // Invalid events per reason, for the page of an invalid-event spike (reasons with none are not sent).
    expect(data.filter((d) => d['MetricName'] === 'InvalidEvents').map((d) => [d['Value'], d['Dimensions']])).toContainEqual([20, [{ Name: 'Pipeline', Value: 'web' }, { Name: 'Reason', Value: 'wrong_type' }]]);
    expect(data.filter((d) => JSON.stringify(d['Dimensions']).includes('"Reason"'))).toHaveLength(1);
  });

  it('leaves freshness out when there was no valid event, so a freshness alarm sees missing data', async () => {
    const empty: QualityReport = { ...report(0), ...metrics({ valid: 0, freshnessSeconds: null, newestReceivedAt: null }) };
    await publishQualityReport(empty, { client: cw.client(), namespace: 'Q', dimensions: {} });
    expect(cw.published[0]?.metricData.some((d) => d['MetricName'] === 'FreshnessSeconds')).toBe(false);
  });

  it('clips a dimension value CloudWatch would refuse (an event name over 1,024 characters)', async () => {
    const long = report(2);
    const withLongName: QualityReport = {
      ...long,
      segments: [{ ...metrics(), segment: { eventName: 'x'.repeat(5000), platform: 'web' } }],
    };
    await publishQualityReport(withLongName, { client: cw.client(), namespace: 'Q', dimensions: {} });
    const names = (cw.published[0]?.metricData ?? []).flatMap((d) => (d['Dimensions'] as { Name: string; Value: string }[]).filter((x) => x.Name === 'EventName'));
    expect(names.every((n) => n.Value.length === 1024)).toBe(true);
  });

  it('splits into calls of at most 1,000 data points', async () => {
    const result = await publishQualityReport(report(150), { client: cw.client(), namespace: 'Q', dimensions: {} });
    expect(result.calls).toBe(2);
    // 9 overall + 1 reason (wrong_type) + 150 segments × 9 = 1360.
    expect(cw.published.map((p) => p.metricData.length)).toEqual([1000, 360]);
  });

  it('says what permission is missing when CloudWatch refuses', async () => {
    cw.failNext('AccessDenied');
    const error = await publishQualityReport(report(1), { client: cw.client(), namespace: 'Q', dimensions: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).message).toMatch(/grant cloudwatch:PutMetricData/);
  });
});
