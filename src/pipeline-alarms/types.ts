/**
 * Alarm definitions as plain data: what the CDK stack renders, what
 * `tripline alarms plan|apply` compares with CloudWatch and writes, and what a
 * local evaluator can run against its own datapoints. Nothing here imports CDK
 * or an AWS client.
 */
import type { Severity } from '../domain/alarm.js';

/** CloudWatch's comparison operators (the last three only with an anomaly band). */
export type Comparison =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold'
  | 'LessThanLowerOrGreaterThanUpperThreshold'
  | 'LessThanLowerThreshold'
  | 'GreaterThanUpperThreshold';

/** How periods without a datapoint count. */
export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/** One CloudWatch metric. */
export interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** A metric read with one statistic (`Sum`, `Maximum`, `p99`, …). */
export interface MetricStat extends MetricRef {
  readonly statistic: string;
}

/**
 * What an alarm watches:
 * - `metric`: one metric and statistic, compared with the threshold;
 * - `math`: an expression over named inputs (ids `^[a-z][a-zA-Z0-9_]*$`), compared with the threshold;
 * - `anomaly-band`: one metric against CloudWatch's learned band
 *   `ANOMALY_DETECTION_BAND(m1, bandWidth)` (no threshold).
 */
export type AlarmSignal =
  | { readonly kind: 'metric'; readonly metric: MetricStat }
  | {
      readonly kind: 'math';
      readonly expression: string;
      /** How the expression reads to people, e.g. `5XX rate (%)`. */
      readonly label: string;
      readonly inputs: Readonly<Record<string, MetricStat>>;
    }
  | { readonly kind: 'anomaly-band'; readonly metric: MetricStat; readonly bandWidth: number };

interface AlarmBase {
  readonly name: string;
  /** Short stable id of the alarm within its pipeline, e.g. `dlq-depth`. */
  readonly key: string;
  /** Alarm description: what it means, the condition, the runbook (≤ 1024 characters). */
  readonly description: string;
  /** What the alarm means to the oncall engineer, one sentence. */
  readonly meaning: string;
  readonly severity: Severity;
  /** Runbook id (`runbooks/<id>.md`, `tripline runbook show <id>`). */
  readonly runbook: string;
  /** The runbook link, when a template was configured. */
  readonly runbookUrl?: string;
  /** The pipeline it belongs to; absent for the router's own alarm. */
  readonly pipeline?: string;
  /** Exactly the tags the alarm carries (`severity`, `pipeline`, `runbook`, …). */
  readonly tags: Readonly<Record<string, string>>;
}

export interface MetricAlarmDefinition extends AlarmBase {
  readonly kind: 'metric';
  readonly signal: AlarmSignal;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparison: Comparison;
  /** Absent for an anomaly band (the band is the threshold). */
  readonly threshold?: number;
  /** Unit of the threshold for people: `%`, `s`, `ms`, `messages`, … */
  readonly unit: string;
  readonly treatMissingData: MissingData;
  /** One of the children its pipeline's composite is built from (ALARM here pages through the composite). */
  readonly inComposite: boolean;
}

export interface CompositeAlarmDefinition extends AlarmBase {
  readonly kind: 'composite';
  /** `ALARM("a") OR ALARM("b") …` */
  readonly rule: string;
  /** Names of the alarms the rule references, in rule order. */
  readonly children: readonly string[];
}

export type AlarmDefinition = MetricAlarmDefinition | CompositeAlarmDefinition;

/** The tag that names, on every pipeline alarm, the composite whose Slack thread it replies in. */
export const COMPOSITE_TAG = 'composite';
