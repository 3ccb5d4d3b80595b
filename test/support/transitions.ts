import type { AlarmState, AlarmTransition } from '../../src/domain/alarm.js';

/** A realistic single-metric transition (DLQ depth); override what a test cares about. */
export function transition(overrides: Partial<AlarmTransition> = {}): AlarmTransition {
  const alarmName = overrides.alarmName ?? 'tripline-web-dlq-depth';
  const region = overrides.region ?? 'us-east-1';
  const accountId = overrides.accountId ?? '123456789012';
  return {
    alarmName,
    alarmArn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmName}`,
    accountId,
    region,
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold Crossed: 1 datapoint [3.0 (22/11/26 00:00:00)] was greater than the threshold (0.0).',
    stateTimestamp: '2026-11-22T00:00:00.000Z',
    kind: 'metric',
    metrics: [
      { id: 'm1', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'web-dlq' }, stat: 'Maximum', period: 60 },
    ],
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    tags: {},
    shape: 'eventbridge',
    deliveryId: 'delivery-1',
    ...overrides,
  };
}

export function at(state: AlarmState, isoTime: string, overrides: Partial<AlarmTransition> = {}): AlarmTransition {
  return transition({ state, stateTimestamp: isoTime, ...overrides });
}
