import type { Pipeline, Pipelines } from '../config/pipelines.js';
import type { MetricQuery } from '../domain/health.js';
import { queueNameOf } from '../aws/queue-spec.js';

/**
 * Every metric the console reads for one pipeline. Ids are `p<index>_<key>`
 * (the pipeline's position in the config), valid GetMetricData ids.
 */
export const METRIC_KEYS = [
  'streamAge',
  'processorAge',
  'errors',
  'invocations',
  'throttles',
  'failedAge',
  'failedDepth',
  'dlqAge',
  'dlqDepth',
  'freshness',
  'delivered',
  'requests',
  'errors5xx',
  'latencyP99',
  'invalidRate',
  'duplicateRate',
  'lateRate',
] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

/** GetMetricData's limit on queries in one call. */
export const QUERIES_PER_CALL = 500;
/** Metrics of a pipeline with every resource configured (Firehose and collector included). */
export const MAX_METRICS_PER_PIPELINE = METRIC_KEYS.length;
/**
 * Fully configured pipelines one GetMetricData call covers (500 / 17 = 29).
 * Without a collector a pipeline needs 14 queries (35 a call), without Firehose
 * either 12 (41 a call).
 */
export const MAX_PIPELINES_PER_CALL = Math.floor(QUERIES_PER_CALL / MAX_METRICS_PER_PIPELINE);

/**
 * The quality metrics `dq check --publish` and the quality monitor write
 * (src/aws/metrics-publisher.ts QUALITY_METRICS; a test holds the two
 * together). Rates are percents (0–100) there; averaged over the period as
 * the quality alarms do.
 */
export const QUALITY_RATE_METRICS = { invalidRate: 'InvalidRate', duplicateRate: 'DuplicateRate', lateRate: 'LateRate' } as const;

export interface PipelineQueryOptions {
  /** Default 60 s: one datapoint a minute for the sparklines. */
  readonly periodSeconds?: number;
  /**
   * Dimensions the pipeline's quality metrics carry, as its monitor publishes
   * them (`quality.publish.dimensions`). Default: the pipeline's
   * `qualityDimensions`, else `{ Pipeline: <name> }`, the convention the
   * example config and the quality alarms use.
   */
  readonly qualityDimensions?: (pipeline: string) => Readonly<Record<string, string>>;
}

/** One pipeline's place in the read: its name and the id of each metric asked for. */
export interface PipelineQueryPlan {
  readonly name: string;
  readonly pipeline: Pipeline;
  readonly ids: Readonly<Partial<Record<MetricKey, string>>>;
}

export interface QueryPlan {
  readonly queries: readonly MetricQuery[];
  readonly pipelines: readonly PipelineQueryPlan[];
  readonly periodSeconds: number;
}

/**
 * The GetMetricData queries for every pipeline, in config order:
 *
 * | key | metric | stat | dimensions |
 * |---|---|---|---|
 * | streamAge | AWS/Kinesis GetRecords.IteratorAgeMilliseconds | Maximum | StreamName |
 * | processorAge, errors, invocations, throttles | AWS/Lambda IteratorAge, Errors, Invocations, Throttles | Maximum, Sum, Sum, Sum | FunctionName |
 * | failedAge, failedDepth, dlqAge, dlqDepth | AWS/SQS ApproximateAgeOfOldestMessage, ApproximateNumberOfMessagesVisible | Maximum | QueueName |
 * | freshness, delivered (with `firehose`) | AWS/Firehose DeliveryToS3.DataFreshness, DeliveryToS3.Success | Maximum, Average | DeliveryStreamName |
 * | requests, errors5xx, latencyP99 (with `collector`) | AWS/ApiGateway Count, 5XXError, Latency | Sum, Sum, p99 | ApiName[, Stage] |
 * | invalidRate, duplicateRate, lateRate | `qualityNamespace` InvalidRate, DuplicateRate, LateRate | Average | `qualityDimensions` or `{ Pipeline: <name> }` |
 *
 * DeliveryToS3.Success is 1 per successful S3 put and 0 per failed one: its
 * Average is the success ratio (what `thresholds.firehoseSuccessRate` and its
 * alarm watch), its Sum the number of successful puts. Average > 0 (as Sum > 0)
 * says a delivery succeeded in that period: the last successful delivery.
 */
export function planQueries(pipelines: Pipelines, opts: PipelineQueryOptions = {}): QueryPlan {
  const periodSeconds = opts.periodSeconds ?? 60;
  const queries: MetricQuery[] = [];
  const plans: PipelineQueryPlan[] = [];
  Object.entries(pipelines).forEach(([name, pipeline], index) => {
    const ids: Partial<Record<MetricKey, string>> = {};
    const add = (key: MetricKey, namespace: string, metricName: string, dimensions: Readonly<Record<string, string>>, stat: string): void => {
      const id = `p${index}_${key}`;
      ids[key] = id;
      queries.push({ id, namespace, metricName, dimensions, stat, periodSeconds });
    };
    add('streamAge', 'AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', { StreamName: streamNameOf(pipeline.stream) }, 'Maximum');
    const fn = { FunctionName: functionNameOf(pipeline.processor) };
    add('processorAge', 'AWS/Lambda', 'IteratorAge', fn, 'Maximum');
    add('errors', 'AWS/Lambda', 'Errors', fn, 'Sum');
    add('invocations', 'AWS/Lambda', 'Invocations', fn, 'Sum');
    add('throttles', 'AWS/Lambda', 'Throttles', fn, 'Sum');
    const failed = { QueueName: queueNameOf(pipeline.failedQueue) };
    add('failedAge', 'AWS/SQS', 'ApproximateAgeOfOldestMessage', failed, 'Maximum');
    add('failedDepth', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', failed, 'Maximum');
    const dlq = { QueueName: queueNameOf(pipeline.dlq) };
    add('dlqAge', 'AWS/SQS', 'ApproximateAgeOfOldestMessage', dlq, 'Maximum');
    add('dlqDepth', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', dlq, 'Maximum');
    if (pipeline.firehose !== undefined) {
      const stream = { DeliveryStreamName: lastSegment(pipeline.firehose) };
      add('freshness', 'AWS/Firehose', 'DeliveryToS3.DataFreshness', stream, 'Maximum');
      add('delivered', 'AWS/Firehose', 'DeliveryToS3.Success', stream, 'Average');
    }
    if (pipeline.collector !== undefined) {
      const api = { ApiName: pipeline.collector.apiName, ...(pipeline.collector.stage !== undefined ? { Stage: pipeline.collector.stage } : {}) };
      add('requests', 'AWS/ApiGateway', 'Count', api, 'Sum');
      add('errors5xx', 'AWS/ApiGateway', '5XXError', api, 'Sum');
      add('latencyP99', 'AWS/ApiGateway', 'Latency', api, 'p99');
    }
    const quality = opts.qualityDimensions?.(name) ?? pipeline.qualityDimensions ?? { Pipeline: name };
    add('invalidRate', pipeline.qualityNamespace, QUALITY_RATE_METRICS.invalidRate, quality, 'Average');
    add('duplicateRate', pipeline.qualityNamespace, QUALITY_RATE_METRICS.duplicateRate, quality, 'Average');
    add('lateRate', pipeline.qualityNamespace, QUALITY_RATE_METRICS.lateRate, quality, 'Average');
    plans.push({ name, pipeline, ids });
  });
  return { queries, pipelines: plans, periodSeconds };
}

/**
 * Every pipeline's GetMetricData queries (see {@link planQueries}).
 *
 * @example
 * pipelineQueries({ web: webPipeline }).map((q) => q.id); // ['p0_streamAge', 'p0_processorAge', …]
 */
export function pipelineQueries(pipelines: Pipelines, opts: PipelineQueryOptions = {}): MetricQuery[] {
  return [...planQueries(pipelines, opts).queries];
}

/** A queue's name from the config value (a name, queue URL or ARN). */
export { queueNameOf };

/** A Kinesis stream name from a name or `arn:aws:kinesis:…:stream/<name>`. */
export function streamNameOf(value: string): string {
  return lastSegment(value);
}

/** A Lambda function name from a name or `arn:aws:lambda:…:function:<name>[:<alias>]`. */
export function functionNameOf(value: string): string {
  const match = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(value);
  return match?.[1] ?? value;
}

function lastSegment(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  if (trimmed.startsWith('arn:')) {
    const resource = trimmed.split(':').slice(5).join(':');
    return resource.slice(Math.max(resource.lastIndexOf('/'), resource.lastIndexOf(':')) + 1);
  }
  if (/^https?:\/\//.test(trimmed)) return trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return trimmed;
}
