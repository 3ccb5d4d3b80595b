/**
 * What routing, inhibition and silences match on. Built from an
 * AlarmTransition (routing.labelsOf) or from DescribeAlarms output (inhibition
 * sources read from CloudWatch).
 */
export interface AlarmLabels {
  readonly alarmName: string;
  /** Namespaces of the alarm's metrics (several for metric math, none for composites). */
  readonly namespaces: readonly string[];
  /** Metric names of the alarm's metrics. */
  readonly metrics: readonly string[];
  /** Dimensions of the alarm's metrics, merged (first one wins on a clash). */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly account: string;
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
}
