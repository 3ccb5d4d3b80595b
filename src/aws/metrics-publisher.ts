import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { QualityMetrics, QualityReport } from '../domain/quality.js';
import { AwsError } from '../errors.js';
import { explainAwsError } from './errors.js';

/** PutMetricData takes at most 1,000 data points a call, 1 MB a payload. */
const DATUMS_PER_CALL = 1000;
const BYTES_PER_CALL = 900_000;

/**
 * The metric names tripline publishes for data quality. Rates are percents
 * (0–100) so dashboards read naturally; alarms convert the config's 0–1
 * thresholds.
 */
export const QUALITY_METRICS = {
  events: 'Events',
  invalidEvents: 'InvalidEvents',
  invalidRate: 'InvalidRate',
  duplicateEvents: 'DuplicateEvents',
  duplicateRate: 'DuplicateRate',
  lateEvents: 'LateEvents',
  lateRate: 'LateRate',
  latenessP95: 'LatenessP95Seconds',
  freshness: 'FreshnessSeconds',
} as const;

/** The data points of one scope: overall, or one segment (with its dimensions). */
export function qualityDatums(metrics: QualityMetrics, dimensions: Readonly<Record<string, string>>, at: Date): MetricDatum[] {
  // CloudWatch refuses the whole call for one dimension value over 1,024 characters (a garbage event name can be).
  const dims = Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value: Value.length > 1024 ? `${Value.slice(0, 1021)}...` : Value }));
  const datum = (name: string, value: number, unit: StandardUnit): MetricDatum => ({
    MetricName: name,
    Dimensions: dims,
    Timestamp: at,
    Value: value,
    Unit: unit,
  });
  const out = [
    datum(QUALITY_METRICS.events, metrics.total, 'Count'),
    datum(QUALITY_METRICS.invalidEvents, metrics.invalid, 'Count'),
    datum(QUALITY_METRICS.invalidRate, metrics.invalidRate * 100, 'Percent'),
    datum(QUALITY_METRICS.duplicateEvents, metrics.duplicates, 'Count'),
    datum(QUALITY_METRICS.duplicateRate, metrics.duplicateRate * 100, 'Percent'),
    datum(QUALITY_METRICS.lateEvents, metrics.late, 'Count'),
    datum(QUALITY_METRICS.lateRate, metrics.lateRate * 100, 'Percent'),
    datum(QUALITY_METRICS.latenessP95, metrics.lateness.p95, 'Seconds'),
  ];
  // No valid event, no freshness: leave it missing so a freshness alarm treats it as breaching.
  if (metrics.freshnessSeconds !== null) out.push(datum(QUALITY_METRICS.freshness, metrics.freshnessSeconds, 'Seconds'));
  return out;
}

/**
 * Every data point of a report, in the order the quality-monitor Lambda
 * writes them as EMF: overall, invalid events per reason, each segment.
 */
export function reportDatums(report: QualityReport, dimensions: Readonly<Record<string, string>>, at: Date): MetricDatum[] {
  const datums = qualityDatums(report, dimensions, at);
  // Invalid events per reason (the page for an invalid-event spike names the top ones).
  for (const [reason, count] of Object.entries(report.invalidByReason)) {
    if (count > 0) datums.push(...reasonDatum(reason, count, dimensions, at));
  }
  for (const segment of report.segments) {
    const segmentDims: Record<string, string> =
      segment.segment['segment'] === '__other__'
        ? { Segment: '__other__' }
        : { EventName: segment.segment['eventName'] ?? 'unknown', Platform: segment.segment['platform'] ?? 'unknown' };
    datums.push(...qualityDatums(segment, { ...dimensions, ...segmentDims }, at));
  }
  return datums;
}

/** `InvalidEvents` of one reason: the scope's dimensions plus `Reason`. */
function reasonDatum(reason: string, count: number, dimensions: Readonly<Record<string, string>>, at: Date): MetricDatum[] {
  const dims = Object.entries({ ...dimensions, Reason: reason }).map(([Name, Value]) => ({ Name, Value }));
  return [{ MetricName: QUALITY_METRICS.invalidEvents, Dimensions: dims, Timestamp: at, Value: count, Unit: 'Count' }];
}

/**
 * Publishes a report to CloudWatch: the overall metrics with `dimensions`,
 * `InvalidEvents` per reason with `dimensions` plus `Reason`, and each
 * segment's with `dimensions` plus `EventName` and `Platform` (or
 * `Segment: __other__`), batched within PutMetricData's limits.
 *
 * @returns the number of PutMetricData calls and data points sent.
 * @throws AwsError naming what to do (credentials, permission, throttling).
 */
export async function publishQualityReport(
  report: QualityReport,
  options: { client: CloudWatchClient; namespace: string; dimensions: Readonly<Record<string, string>> },
): Promise<{ calls: number; datums: number }> {
  const datums = reportDatums(report, options.dimensions, new Date(report.now));

  let calls = 0;
  for (const batch of batches(datums)) {
    try {
      await options.client.send(new PutMetricDataCommand({ Namespace: options.namespace, MetricData: batch }));
    } catch (error) {
      throw new AwsError(
        `CloudWatch PutMetricData failed after ${calls} of ${Math.ceil(datums.length / DATUMS_PER_CALL)}+ call(s): ${explainAwsError(error, 'cloudwatch:PutMetricData')}`,
        { service: 'cloudwatch', operation: 'PutMetricData' },
        { cause: error },
      );
    }
    calls++;
  }
  return { calls, datums: datums.length };
}

function* batches(datums: readonly MetricDatum[]): Generator<MetricDatum[]> {
  let batch: MetricDatum[] = [];
  let bytes = 0;
  for (const d of datums) {
    const size = JSON.stringify(d).length;
    if (batch.length === DATUMS_PER_CALL || bytes + size > BYTES_PER_CALL) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(d);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
