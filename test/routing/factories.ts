import type { AlarmMetric, AlarmTransition } from '../../src/domain/alarm.js';
import type { AlarmLabels } from '../../src/domain/labels.js';
import { PagingSchema, type Paging } from '../../src/config/paging.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/** A metric alarm transition; override any field. */
export function metricAlarm(
  alarmName: string,
  options: {
    namespace?: string;
    metric?: string;
    dimensions?: Record<string, string>;
    tags?: Record<string, string>;
    metrics?: AlarmMetric[];
  } & Partial<Omit<AlarmTransition, 'alarmName' | 'metrics' | 'tags'>> = {},
): AlarmTransition {
  const { namespace = 'AWS/SQS', metric = 'ApproximateNumberOfMessagesVisible', dimensions = {}, tags = {}, metrics, ...rest } =
    options;
  const accountId = rest.accountId ?? ACCOUNT;
  const region = rest.region ?? REGION;
  return {
    alarmArn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmName}`,
    accountId,
    region,
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold Crossed',
    stateTimestamp: '2026-11-21T10:00:00.000Z',
    kind: 'metric',
    shape: 'eventbridge',
    deliveryId: 'delivery-1',
    ...rest,
    alarmName,
    metrics: metrics ?? [{ namespace, metricName: metric, dimensions, stat: 'Maximum', period: 60 }],
    tags,
  };
}

/** A composite alarm transition (no metrics). */
export function compositeAlarm(
  alarmName: string,
  options: { tags?: Record<string, string> } & Partial<Omit<AlarmTransition, 'alarmName' | 'tags' | 'kind' | 'metrics'>> = {},
): AlarmTransition {
  return {
    ...metricAlarm(alarmName, options),
    kind: 'composite',
    metrics: [],
    alarmRule: `ALARM(${alarmName}-child)`,
  };
}

/** Labels as CloudWatch would give them for an inhibition source. */
export function labels(alarmName: string, overrides: Partial<AlarmLabels> = {}): AlarmLabels {
  return {
    alarmName,
    namespaces: [],
    metrics: [],
    dimensions: {},
    account: ACCOUNT,
    region: REGION,
    tags: {},
    ...overrides,
  };
}

/** A validated paging section (defaults filled in), from its YAML-like input. */
export function paging(input: unknown): Paging {
  return PagingSchema.parse(input);
}
