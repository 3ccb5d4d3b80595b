import type { AlarmState } from '../../src/domain/alarm.js';
import { loadFixture, patched, snsMessageOf, snsNotificationEnvelope, wrapInSns, wrapInSqs } from './fixtures.js';

/**
 * Real-shaped alarm payloads for any alarm, state and time: each is a public
 * AWS sample (test/fixtures/aws) with the alarm's identity and state patched
 * in, wrapped in the envelopes AWS uses. For tests that need many alarms and
 * transitions (convergence, the bundle, faults).
 */
export interface AlarmEventSpec {
  readonly name: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  /** ISO-8601 time the state was entered. */
  readonly timestamp: string;
  readonly account?: string;
  readonly region?: string;
  /** Delivery id (EventBridge id, SNS or SQS message id). */
  readonly id?: string;
  /** The alarm's metric (EventBridge and alarm-action shapes); the sample's EC2 CPU metric otherwise. */
  readonly metric?: { readonly namespace: string; readonly name: string; readonly dimensions: Readonly<Record<string, string>> };
}

export const DELIVERY_SHAPES = [
  'eventbridge',
  'sns-cloudwatch',
  'sns-eventbridge',
  'sqs-eventbridge',
  'sqs-sns-eventbridge',
  'sqs-sns-cloudwatch',
  'lambda-action',
] as const;
export type DeliveryShapeName = (typeof DELIVERY_SHAPES)[number];

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const REGION_DISPLAY = 'US East (N. Virginia)';

/** CloudWatch writes `2019-10-02T17:04:40.989+0000`, not `Z`. */
function cloudWatchTime(iso: string): string {
  return new Date(iso).toISOString().replace('Z', '+0000');
}

function arn(spec: AlarmEventSpec): string {
  return `arn:aws:cloudwatch:${spec.region ?? REGION}:${spec.account ?? ACCOUNT}:alarm:${spec.name}`;
}

function reason(state: AlarmState): string {
  if (state === 'ALARM') return 'Threshold Crossed: 1 out of the last 1 datapoints [42.0] was greater than the threshold (0.0).';
  if (state === 'OK') return 'Threshold Crossed: 1 out of the last 1 datapoints [0.0] was not greater than the threshold (0.0).';
  return 'Insufficient Data: 1 datapoint was unknown.';
}

/** EventBridge `CloudWatch Alarm State Change`, from the AWS docs' single-metric sample. */
export function eventBridgeAlarmEvent(spec: AlarmEventSpec): unknown {
  let event = loadFixture('eventbridge/single-metric-alarm.json');
  const set = (path: (string | number)[], value: unknown): void => {
    event = patched(event, path, value);
  };
  set(['id'], spec.id ?? `eb-${spec.name}-${spec.timestamp}`);
  set(['account'], spec.account ?? ACCOUNT);
  set(['region'], spec.region ?? REGION);
  set(['time'], new Date(spec.timestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  set(['resources'], [arn(spec)]);
  set(['detail', 'alarmName'], spec.name);
  set(['detail', 'state', 'value'], spec.state);
  set(['detail', 'state', 'reason'], reason(spec.state));
  set(['detail', 'state', 'timestamp'], cloudWatchTime(spec.timestamp));
  set(['detail', 'previousState', 'value'], spec.previousState);
  set(['detail', 'previousState', 'reason'], reason(spec.previousState));
  if (spec.metric) set(['detail', 'configuration', 'metrics', 0, 'metricStat', 'metric'], spec.metric);
  return event;
}

/** The CloudWatch SNS notification body, from aws-lambda-go's single-metric sample. */
export function cloudWatchSnsMessage(spec: AlarmEventSpec): Record<string, unknown> {
  const message = snsMessageOf('sns/single-metric-alarm.json');
  if (typeof message !== 'object' || message === null) throw new Error('bad SNS fixture');
  return {
    ...message,
    AlarmName: spec.name,
    AWSAccountId: spec.account ?? ACCOUNT,
    AlarmArn: arn(spec),
    Region: spec.region && spec.region !== REGION ? spec.region : REGION_DISPLAY,
    NewStateValue: spec.state,
    NewStateReason: reason(spec.state),
    OldStateValue: spec.previousState,
    StateChangeTime: cloudWatchTime(spec.timestamp),
  };
}

/** A Lambda alarm-action event, from aws-lambda-java-libs' metric alarm sample. */
export function lambdaActionEvent(spec: AlarmEventSpec): unknown {
  let event = loadFixture('lambda-action/metric-alarm.json');
  const set = (path: (string | number)[], value: unknown): void => {
    event = patched(event, path, value);
  };
  set(['alarmArn'], arn(spec));
  set(['accountId'], spec.account ?? ACCOUNT);
  set(['region'], spec.region ?? REGION);
  set(['time'], cloudWatchTime(spec.timestamp));
  set(['alarmData', 'alarmName'], spec.name);
  set(['alarmData', 'state', 'value'], spec.state);
  set(['alarmData', 'state', 'reason'], reason(spec.state));
  set(['alarmData', 'state', 'timestamp'], cloudWatchTime(spec.timestamp));
  set(['alarmData', 'previousState', 'value'], spec.previousState);
  return event;
}

/** The Lambda event that delivers `spec` in the given shape. */
export function deliver(spec: AlarmEventSpec, shape: DeliveryShapeName): unknown {
  const id = spec.id ?? `${shape}-${spec.name}-${spec.timestamp}`;
  switch (shape) {
    case 'eventbridge':
      return eventBridgeAlarmEvent({ ...spec, id });
    case 'sns-cloudwatch':
      return wrapInSns(cloudWatchSnsMessage(spec), { messageId: id });
    case 'sns-eventbridge':
      return wrapInSns(eventBridgeAlarmEvent(spec), { messageId: id });
    case 'lambda-action':
      return lambdaActionEvent(spec);
    default:
      return sqsBatch([spec], shape, [id]);
  }
}

/** Several transitions in one SQS-triggered invocation. */
export function sqsBatch(
  specs: readonly AlarmEventSpec[],
  shape: 'sqs-eventbridge' | 'sqs-sns-eventbridge' | 'sqs-sns-cloudwatch',
  messageIds?: readonly string[],
): unknown {
  const bodies = specs.map((spec) => {
    if (shape === 'sqs-eventbridge') return eventBridgeAlarmEvent(spec);
    if (shape === 'sqs-sns-eventbridge') return snsNotificationEnvelope(eventBridgeAlarmEvent(spec));
    return snsNotificationEnvelope(cloudWatchSnsMessage(spec));
  });
  return wrapInSqs(bodies, messageIds ? { messageIds } : {});
}
