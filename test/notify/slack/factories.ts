import { transition } from '../../support/transitions.js';
import type { AlarmTransition } from '../../../src/domain/alarm.js';
import { consoleUrlOf, dedupKeyOf } from '../../../src/domain/alarm-links.js';
import type { Delivery } from '../../../src/domain/delivery.js';

/** A single-metric DLQ-depth alarm firing; override what a test is about. */
export function alarm(overrides: Partial<AlarmTransition> = {}): AlarmTransition {
  return transition({
    region: 'eu-west-1',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (22/11/26 00:00:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
    stateTimestamp: '2026-11-22T00:00:00.000Z',
    kind: 'metric',
    metrics: [
      { id: 'm1', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'web-dlq' }, stat: 'Maximum', period: 60 },
    ],
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    tags: {},
    shape: 'eventbridge',
    deliveryId: 'b1c2d3e4-0000-4000-8000-000000000001',
    ...overrides,
  });
}

/** What the router hands a notifier for `transition`. */
export function delivery(transition: AlarmTransition = alarm(), overrides: Partial<Delivery> = {}): Delivery {
  return {
    receiver: 'web-oncall',
    transition,
    severity: 'critical',
    runbookUrl: 'https://runbooks.example.com/dlq-depth',
    dedupKey: dedupKeyOf(transition),
    consoleUrl: consoleUrlOf(transition),
    pagerduty: transition.state === 'OK' ? 'resolve' : 'trigger',
    slack: true,
    routePath: 'paging.route.routes[0]',
    ...overrides,
  };
}

/** A lone surrogate: the sign of a string cut in the middle of a character. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
