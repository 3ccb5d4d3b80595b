import { transition } from '../../support/transitions.js';
import type { AlarmTransition, Severity } from '../../../src/domain/alarm.js';
import { consoleUrlOf, dedupKeyOf } from '../../../src/domain/alarm-links.js';
import type { Delivery } from '../../../src/domain/delivery.js';

/** A 32-character integration key, as PagerDuty issues them. */
export const ROUTING_KEY = 'R0UT1NGK3Yd0n0tl0gme0123456789ab';

/** A single-metric alarm on the web DLQ, as the normalizer produces it. */
export function metricAlarm(overrides: Partial<AlarmTransition> = {}): AlarmTransition {
  return transition({
    region: 'eu-west-1',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (22/11/26 00:00:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
    reasonData: {
      version: '1.0',
      queryDate: '2026-11-22T00:01:00.000+0000',
      startDate: '2026-11-22T00:00:00.000+0000',
      statistic: 'Maximum',
      period: 60,
      recentDatapoints: [3],
      threshold: 0,
      evaluatedDatapoints: [{ timestamp: '2026-11-22T00:00:00.000+0000', sampleCount: 1, value: 3 }],
    },
    stateTimestamp: '2026-11-22T00:01:00.123Z',
    kind: 'metric',
    description: 'Events are failing twice and landing in the web DLQ.',
    metrics: [
      { id: 'm1', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'web-dlq' }, stat: 'Maximum', period: 60 },
    ],
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    tags: { pipeline: 'events-web', team: 'data-platform' },
    shape: 'eventbridge',
    deliveryId: 'daafc9f1-bddd-c6c9-83af-74971fcfc4ef',
    ...overrides,
  });
}

/** Error rate as metric math over two Lambda metrics. */
export function metricMathAlarm(overrides: Partial<AlarmTransition> = {}): AlarmTransition {
  return metricAlarm({
    alarmName: 'processor-error-rate',
    reason: 'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (5.0).',
    metrics: [
      { id: 'errors', namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'processor-web' }, stat: 'Sum', period: 300, returnData: false },
      { id: 'invocations', namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: { FunctionName: 'processor-web' }, stat: 'Sum', period: 300, returnData: false },
      { id: 'rate', expression: '100 * errors / invocations', label: 'Error rate (%)', dimensions: {}, returnData: true },
    ],
    threshold: 5,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    ...overrides,
  });
}

/** Anomaly detection on Kinesis iterator age. */
export function anomalyAlarm(overrides: Partial<AlarmTransition> = {}): AlarmTransition {
  return metricAlarm({
    alarmName: 'kinesis-iterator-age-anomaly',
    reason:
      'Thresholds Crossed: 1 out of the last 1 datapoints [93000.0 (22/11/26 00:00:00)] was less than the lower thresholds [0.0] or greater than the upper thresholds [42000.0].',
    metrics: [
      { id: 'm1', namespace: 'AWS/Kinesis', metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: { StreamName: 'events' }, stat: 'Maximum', period: 60, returnData: true },
      { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m1, 2)', label: 'IteratorAge (expected)', dimensions: {}, returnData: true },
    ],
    threshold: undefined,
    comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
    thresholdMetricId: 'ad1',
    anomalyBand: { lower: 0, upper: 42000 },
    ...overrides,
  });
}

/** A composite over the pipeline's lag and DLQ alarms. */
export function compositeAlarm(overrides: Partial<AlarmTransition> = {}): AlarmTransition {
  return metricAlarm({
    alarmName: 'pipeline-degraded',
    kind: 'composite',
    reason: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:tripline-web-dlq-depth transitioned to ALARM at Sunday 22 November, 2026 00:01:00 UTC',
    reasonData: {
      triggeringAlarms: [{ arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:tripline-web-dlq-depth', state: { value: 'ALARM', timestamp: '2026-11-22T00:01:00.123+0000' } }],
    },
    metrics: [],
    threshold: undefined,
    comparisonOperator: undefined,
    evaluationPeriods: undefined,
    datapointsToAlarm: undefined,
    treatMissingData: undefined,
    alarmRule: 'ALARM(tripline-web-dlq-depth) OR ALARM(kinesis-iterator-age-anomaly)',
    tags: {},
    ...overrides,
  });
}

/** What the router hands a notifier for one transition. */
export function deliveryOf(transition: AlarmTransition, overrides: Partial<Delivery> = {}): Delivery {
  return {
    receiver: 'data-oncall',
    transition,
    severity: 'critical' satisfies Severity,
    runbookUrl: 'https://runbooks.example.com/dlq-not-empty',
    dedupKey: dedupKeyOf(transition),
    consoleUrl: consoleUrlOf(transition),
    pagerduty: transition.state === 'OK' ? 'resolve' : 'trigger',
    slack: true,
    routePath: 'paging.route.routes[0]',
    ...overrides,
  };
}
