/**
 * Pipeline health and recovery: what the console shows, what runbook checks
 * test and what redrive guards on. Each capability is a one-method interface
 * with an AWS implementation (src/aws) and a sandbox implementation
 * (src/sandbox); callers never know which.
 */

/** One CloudWatch metric to read, as GetMetricData's MetricStat (or a metric-math expression). */
export interface MetricQuery {
  /** Unique within one read; GetMetricData's Id rules: `^[a-z][a-zA-Z0-9_]*$`. */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Average`, `Maximum`, `Minimum`, `Sum`, `SampleCount` or a percentile such as `p99`. */
  readonly stat: string;
  readonly periodSeconds: number;
}

/** A metric's datapoints, oldest first. Missing periods are simply absent. */
export interface MetricSeries {
  readonly id: string;
  /** Epoch milliseconds, ascending. */
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

export interface MetricWindow {
  readonly start: Date;
  readonly end: Date;
}

/** Reads many metrics at once: the AWS implementation makes one GetMetricData call per 500 queries. */
export interface MetricsReader {
  read(queries: readonly MetricQuery[], window: MetricWindow): Promise<ReadonlyMap<string, MetricSeries>>;
  /** GetMetricData calls made so far, when the implementation counts them (the snapshot reports the difference). */
  readonly calls?: number;
}

/** A queue, resolved from a name, URL or ARN. */
export interface QueueRef {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
}

/** Live queue attributes (GetQueueAttributes). */
export interface QueueStats extends QueueRef {
  /** ApproximateNumberOfMessages. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible. */
  readonly inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  readonly delayed: number;
  /** The queue's own RedrivePolicy, when it has a dead-letter queue. */
  readonly redrivePolicy?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
}

export interface QueueReader {
  /** @throws ToolkitError (exit 2) for an unknown queue, AwsError (exit 3) for an AWS failure. */
  stats(queue: string): Promise<QueueStats>;
}

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An alarm's current state (DescribeAlarms). */
export interface AlarmStatus {
  readonly name: string;
  readonly arn: string;
  readonly kind: 'metric' | 'composite';
  readonly state: AlarmStateValue;
  /** StateUpdatedTimestamp. */
  readonly since: Date;
  readonly reason: string;
  readonly description?: string;
  /** The pipeline it belongs to (by alarm prefix), when one matches. */
  readonly pipeline?: string;
}

export interface AlarmStateReader {
  /** Every alarm whose name starts with one of the prefixes (metric and composite). */
  states(prefixes: readonly string[]): Promise<readonly AlarmStatus[]>;
}

/** An open PagerDuty incident (REST API), or one from the sandbox inbox. */
export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly status: 'triggered' | 'acknowledged' | 'resolved';
  readonly urgency?: 'high' | 'low';
  readonly createdAt: Date;
  readonly url?: string;
  readonly service?: string;
  /** The Events API dedup_key (PagerDuty's incident_key): tripline uses the alarm ARN. */
  readonly dedupKey?: string;
}

export interface IncidentReader {
  open(): Promise<readonly Incident[]>;
}

/** The latest value and a short history of one pipeline metric, for a cell and its sparkline. */
export interface Reading {
  /** Latest datapoint, or undefined when CloudWatch has none in the window. */
  readonly value: number | undefined;
  /** Oldest first, one per period (for sparklines). */
  readonly history: readonly number[];
  /** Where value stands against the pipeline's threshold. */
  readonly level: 'ok' | 'warn' | 'bad' | 'unknown';
}

/** One row of the console's overview. Rates are 0–1; ages and lag in seconds. */
export interface PipelineHealth {
  readonly pipeline: string;
  readonly lagSeconds: Reading;
  readonly processorErrors: Reading;
  readonly processorErrorRate: Reading;
  readonly throttles: Reading;
  readonly failedQueue: { readonly depth: Reading; readonly oldestAgeSeconds: Reading; readonly stats?: QueueStats };
  readonly dlq: { readonly depth: Reading; readonly oldestAgeSeconds: Reading; readonly stats?: QueueStats };
  readonly freshnessSeconds: Reading;
  readonly invalidRate: Reading;
  readonly duplicateRate: Reading;
  readonly lateRate: Reading;
  /** Collector (issue 5): requests per minute, 5XX share, p99 latency in ms. */
  readonly collector?: { readonly requestsPerMinute: Reading; readonly errorRate5xx: Reading; readonly p99LatencyMs: Reading };
  /** Warehouse load (issue 5): last successful Firehose delivery. */
  readonly lastDeliveryAt?: Date;
  /** Warehouse load: Firehose DeliveryToS3.Success (successful S3 puts / attempts, 0–1), when the pipeline has a Firehose. */
  readonly deliverySuccessRate?: Reading;
  /**
   * The pipeline's thresholds (config `pipelines.<name>.thresholds`) the levels
   * were computed against; runbook conditions name them as `threshold.<name>`.
   */
  readonly thresholds?: Readonly<Record<string, number>>;
}

/** Everything one console refresh shows. */
export interface HealthSnapshot {
  readonly at: Date;
  readonly account?: string;
  readonly region?: string;
  readonly environment: string;
  readonly pipelines: readonly PipelineHealth[];
  readonly alarms: readonly AlarmStatus[];
  readonly incidents: readonly Incident[];
  /** Readers that failed this refresh: a status-line message each, with what to do. */
  readonly problems: readonly string[];
  /** GetMetricData calls made for this snapshot (the console makes one). */
  readonly metricCalls: number;
}

/** Who did an action: the AWS caller identity, or the local user in the sandbox. */
export interface Actor {
  readonly arn: string;
  readonly account?: string;
}

/** One line of the audit trail (JSONL). */
export interface AuditEntry {
  readonly at: string;
  readonly actor: string;
  /** e.g. `dlq.redrive.native`, `dlq.redrive.selective`, `dlq.cancel`, `dlq.export`, `runbook.step`. */
  readonly action: string;
  readonly source?: string;
  readonly destination?: string;
  /** Messages moved, exported or matched. */
  readonly count?: number;
  readonly outcome: 'started' | 'succeeded' | 'failed' | 'cancelled' | 'dry-run' | 'refused';
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditSink {
  record(entry: Omit<AuditEntry, 'at' | 'actor'>): Promise<void>;
}

/** One alarm state change (DescribeAlarmHistory, HistoryItemType StateUpdate). */
export interface AlarmHistoryItem {
  readonly alarmName: string;
  readonly kind: 'metric' | 'composite';
  readonly at: Date;
  readonly from: AlarmStateValue;
  readonly to: AlarmStateValue;
  readonly reason: string;
}

export interface AlarmHistoryReader {
  /** State changes in the window of alarms whose names start with one of the prefixes, oldest first. */
  history(window: MetricWindow, prefixes: readonly string[]): Promise<readonly AlarmHistoryItem[]>;
}
