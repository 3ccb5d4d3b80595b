/*
 * A quality report as CloudWatch Embedded Metric Format documents, written
 * through Powertools Metrics. The names, units and dimensions are exactly
 * what `tripline dq check --publish` sends with PutMetricData
 * (src/aws/metrics-publisher.ts; a test holds the two together), so one set
 * of alarms watches both. They are spelled out here rather than imported:
 * that module loads @aws-sdk/client-cloudwatch, which the Lambda never needs.
 */
import type { QualityMetrics, QualityReport } from '../../domain/quality.js';

export type QualityMetricUnit = 'Count' | 'Percent' | 'Seconds';

export interface QualityMetricValue {
  readonly name: string;
  readonly unit: QualityMetricUnit;
  readonly value: number;
}

/** One EMF document: a scope's dimensions and its values. */
export interface QualityMetricScope {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly values: readonly QualityMetricValue[];
}

/** The part of Powertools `Metrics` used here (the handler passes the real one). */
export interface EmfWriter {
  addDimensions(dimensions: Record<string, string>): unknown;
  addMetric(name: string, unit: QualityMetricUnit, value: number): unknown;
  publishStoredMetrics(): unknown;
  clearDefaultDimensions(): void;
}

/**
 * A metric scope's values: counts, rates in percent (0–100), seconds.
 * `FreshnessSeconds` is left out when there is no valid event, so a freshness
 * alarm treating missing data as breaching sees the gap.
 */
export function qualityMetricValues(metrics: QualityMetrics): QualityMetricValue[] {
  const values: QualityMetricValue[] = [
    { name: 'Events', unit: 'Count', value: metrics.total },
    { name: 'InvalidEvents', unit: 'Count', value: metrics.invalid },
    { name: 'InvalidRate', unit: 'Percent', value: metrics.invalidRate * 100 },
    { name: 'DuplicateEvents', unit: 'Count', value: metrics.duplicates },
    { name: 'DuplicateRate', unit: 'Percent', value: metrics.duplicateRate * 100 },
    { name: 'LateEvents', unit: 'Count', value: metrics.late },
    { name: 'LateRate', unit: 'Percent', value: metrics.lateRate * 100 },
    { name: 'LatenessP95Seconds', unit: 'Seconds', value: metrics.lateness.p95 },
  ];
  if (metrics.freshnessSeconds !== null) values.push({ name: 'FreshnessSeconds', unit: 'Seconds', value: metrics.freshnessSeconds });
  return values;
}

/**
 * Overall with `dimensions`; then `InvalidEvents` per reason with
 * `dimensions` plus `Reason` (what a page for an invalid-event spike names as
 * its top reasons); then each segment with `dimensions` plus `EventName` and
 * `Platform` (or `Segment: __other__`), as the CLI publishes.
 */
export function qualityMetricScopes(report: QualityReport, dimensions: Readonly<Record<string, string>>): QualityMetricScope[] {
  const scopes: QualityMetricScope[] = [{ dimensions: { ...dimensions }, values: qualityMetricValues(report) }];
  for (const [reason, count] of Object.entries(report.invalidByReason)) {
    if (count > 0) scopes.push({ dimensions: { ...dimensions, Reason: reason }, values: [{ name: 'InvalidEvents', unit: 'Count', value: count }] });
  }
  for (const segment of report.segments) {
    const segmentDims: Record<string, string> =
      segment.segment['segment'] === '__other__'
        ? { Segment: '__other__' }
        : { EventName: segment.segment['eventName'] ?? 'unknown', Platform: segment.segment['platform'] ?? 'unknown' };
    scopes.push({ dimensions: { ...dimensions, ...segmentDims }, values: qualityMetricValues(segment) });
  }
  return scopes;
}

/**
 * Writes one EMF document per scope. Powertools adds a `service` dimension by
 * default; it is cleared, because a metric with an extra dimension is another
 * metric and the alarms (and the CLI's data points) would not see it.
 *
 * @returns the number of documents written.
 */
export function writeQualityEmf(report: QualityReport, writer: EmfWriter, dimensions: Readonly<Record<string, string>>): number {
  writer.clearDefaultDimensions();
  const scopes = qualityMetricScopes(report, dimensions);
  for (const scope of scopes) {
    // addDimensions makes one dimension set of exactly these keys ([[]] for none: a metric without dimensions).
    writer.addDimensions({ ...scope.dimensions });
    for (const v of scope.values) writer.addMetric(v.name, v.unit, v.value);
    writer.publishStoredMetrics();
  }
  return scopes.length;
}
