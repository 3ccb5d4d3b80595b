/**
 * The alarm domain: one shape for a CloudWatch alarm state change, whatever
 * payload (EventBridge, SNS, Lambda alarm action, SQS-wrapped) delivered it.
 */

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export function isAlarmState(value: unknown): value is AlarmState {
  return typeof value === 'string' && (ALARM_STATES as readonly string[]).includes(value);
}

/** PagerDuty Events API v2 severities, lowest last. */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Which payload shape delivered a transition (for logs and tests). */
export type DeliveryShape =
  | 'eventbridge'
  | 'sns-cloudwatch'
  | 'sns-eventbridge'
  | 'lambda-action'
  | 'describe-alarms';

/**
 * One metric (or metric-math expression) an alarm evaluates. Single-metric
 * alarms have one entry with `metricName`; metric-math alarms have several,
 * one of them with `expression`; anomaly-detection alarms have an
 * `ANOMALY_DETECTION_BAND(...)` expression.
 */
export interface AlarmMetric {
  readonly id?: string;
  readonly namespace?: string;
  readonly metricName?: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat?: string;
  readonly period?: number;
  readonly unit?: string;
  readonly expression?: string;
  readonly label?: string;
  readonly returnData?: boolean;
}

export type ActionsSuppressedBy = 'WaitPeriod' | 'ExtensionPeriod' | 'Alarm';

export interface AlarmTransition {
  readonly alarmName: string;
  readonly alarmArn: string;
  /** Account that owns the alarm (from the ARN when the payload disagrees). */
  readonly accountId: string;
  /** Region code such as `eu-west-1` (never a display name like "EU (Ireland)"). */
  readonly region: string;
  readonly state: AlarmState;
  readonly previousState?: AlarmState;
  readonly reason: string;
  /** `reasonData` parsed from its JSON string when it is one. */
  readonly reasonData?: unknown;
  /** When the alarm entered `state`, ISO-8601 with milliseconds, UTC. */
  readonly stateTimestamp: string;
  readonly kind: 'metric' | 'composite';
  readonly description?: string;
  readonly metrics: readonly AlarmMetric[];
  readonly threshold?: number;
  readonly comparisonOperator?: string;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly treatMissingData?: string;
  /** For anomaly-detection alarms: the id of the band expression. */
  readonly thresholdMetricId?: string;
  /** For anomaly-detection alarms: the most recent band edges, when reported. */
  readonly anomalyBand?: { readonly lower?: number; readonly upper?: number };
  /** For composite alarms: the alarm rule, e.g. `ALARM(a) OR ALARM(b)`. */
  readonly alarmRule?: string;
  /** Composite alarms: why actions are suppressed now (such a transition does not page). */
  readonly actionsSuppressedBy?: ActionsSuppressedBy;
  readonly actionsSuppressedReason?: string;
  /**
   * A CloudWatch alarm mute rule reported with the change (`muteDetail`):
   * while its window holds, the alarm's actions are muted, so it does not page.
   */
  readonly mute?: { readonly ruleArn: string; readonly windowStart?: string; readonly windowEnd?: string };
  readonly tags: Readonly<Record<string, string>>;
  readonly shape: DeliveryShape;
  /** Id of the record that carried it (EventBridge id, SNS / SQS message id). */
  readonly deliveryId: string;
}

/** A record that was understood but deliberately not acted on. */
export interface SkippedRecord {
  readonly id: string;
  readonly reason: 'configuration-change' | 'not-a-state-change';
  readonly detail: string;
}

/** A record that is not a CloudWatch alarm payload at all (or is malformed). */
export interface RejectedRecord {
  readonly id: string;
  readonly reason: string;
}

export interface NormalizeResult {
  readonly transitions: AlarmTransition[];
  readonly skipped: SkippedRecord[];
  readonly rejected: RejectedRecord[];
  /**
   * For SQS-delivered invocations: which SQS message id each transition came
   * from, so a failure can be reported per record (partial batch response).
   */
  readonly sqsMessageIds?: ReadonlyMap<AlarmTransition, string>;
}

/** The alarm's state as CloudWatch reports it now (DescribeAlarms). */
export interface CurrentAlarmState {
  readonly alarmName: string;
  readonly alarmArn?: string;
  readonly state: AlarmState;
  readonly reason: string;
  readonly reasonData?: unknown;
  readonly stateTimestamp: string;
  readonly kind: 'metric' | 'composite';
  readonly actionsSuppressedBy?: ActionsSuppressedBy;
}
