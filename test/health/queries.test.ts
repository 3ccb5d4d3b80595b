import { describe, expect, it } from 'vitest';
import { QUALITY_METRICS } from '../../src/aws/metrics-publisher.js';
import { PipelinesSchema } from '../../src/config/pipelines.js';
import {
  functionNameOf,
  MAX_PIPELINES_PER_CALL,
  pipelineQueries,
  planQueries,
  QUALITY_RATE_METRICS,
  queueNameOf,
  QUERIES_PER_CALL,
} from '../../src/health/queries.js';

const pipelines = PipelinesSchema.parse({
  web: {
    stream: 'tracking-web',
    processor: 'tripline-web-processor',
    failedQueue: 'tripline-web-failed',
    dlq: 'tripline-web-dlq',
    firehose: 'tripline-web-to-s3',
    collector: { apiName: 'tracking-collector', stage: 'prod' },
  },
  ios: {
    stream: 'arn:aws:kinesis:us-east-1:123456789012:stream/tracking-ios',
    processor: 'arn:aws:lambda:us-east-1:123456789012:function:tripline-ios-processor:live',
    failedQueue: 'https://sqs.us-east-1.amazonaws.com/123456789012/tripline-ios-failed',
    dlq: 'arn:aws:sqs:us-east-1:123456789012:tripline-ios-dlq',
    collector: { apiName: 'tracking-collector' },
    qualityNamespace: 'Custom/Quality',
  },
  android: {
    stream: 'tracking-android',
    processor: 'tripline-android-processor',
    failedQueue: 'tripline-android-failed.fifo',
    dlq: 'tripline-android-dlq.fifo',
  },
});

describe('pipelineQueries', () => {
  it('asks for every metric of three pipelines with the right dimensions and statistics', () => {
    const rows = pipelineQueries(pipelines).map((q) => `${q.id} ${q.namespace} ${q.metricName} ${JSON.stringify(q.dimensions)} ${q.stat} ${q.periodSeconds}`);
    expect(rows).toEqual([
      'p0_streamAge AWS/Kinesis GetRecords.IteratorAgeMilliseconds {"StreamName":"tracking-web"} Maximum 60',
      'p0_processorAge AWS/Lambda IteratorAge {"FunctionName":"tripline-web-processor"} Maximum 60',
      'p0_errors AWS/Lambda Errors {"FunctionName":"tripline-web-processor"} Sum 60',
      'p0_invocations AWS/Lambda Invocations {"FunctionName":"tripline-web-processor"} Sum 60',
      'p0_throttles AWS/Lambda Throttles {"FunctionName":"tripline-web-processor"} Sum 60',
      'p0_failedAge AWS/SQS ApproximateAgeOfOldestMessage {"QueueName":"tripline-web-failed"} Maximum 60',
      'p0_failedDepth AWS/SQS ApproximateNumberOfMessagesVisible {"QueueName":"tripline-web-failed"} Maximum 60',
      'p0_dlqAge AWS/SQS ApproximateAgeOfOldestMessage {"QueueName":"tripline-web-dlq"} Maximum 60',
      'p0_dlqDepth AWS/SQS ApproximateNumberOfMessagesVisible {"QueueName":"tripline-web-dlq"} Maximum 60',
      'p0_freshness AWS/Firehose DeliveryToS3.DataFreshness {"DeliveryStreamName":"tripline-web-to-s3"} Maximum 60',
      'p0_delivered AWS/Firehose DeliveryToS3.Success {"DeliveryStreamName":"tripline-web-to-s3"} Average 60',
      'p0_requests AWS/ApiGateway Count {"ApiName":"tracking-collector","Stage":"prod"} Sum 60',
      'p0_errors5xx AWS/ApiGateway 5XXError {"ApiName":"tracking-collector","Stage":"prod"} Sum 60',
      'p0_latencyP99 AWS/ApiGateway Latency {"ApiName":"tracking-collector","Stage":"prod"} p99 60',
      'p0_invalidRate Tripline/Quality InvalidRate {"Pipeline":"web"} Average 60',
      'p0_duplicateRate Tripline/Quality DuplicateRate {"Pipeline":"web"} Average 60',
      'p0_lateRate Tripline/Quality LateRate {"Pipeline":"web"} Average 60',
      'p1_streamAge AWS/Kinesis GetRecords.IteratorAgeMilliseconds {"StreamName":"tracking-ios"} Maximum 60',
      'p1_processorAge AWS/Lambda IteratorAge {"FunctionName":"tripline-ios-processor"} Maximum 60',
      'p1_errors AWS/Lambda Errors {"FunctionName":"tripline-ios-processor"} Sum 60',
      'p1_invocations AWS/Lambda Invocations {"FunctionName":"tripline-ios-processor"} Sum 60',
      'p1_throttles AWS/Lambda Throttles {"FunctionName":"tripline-ios-processor"} Sum 60',
      'p1_failedAge AWS/SQS ApproximateAgeOfOldestMessage {"QueueName":"tripline-ios-failed"} Maximum 60',
      'p1_failedDepth AWS/SQS ApproximateNumberOfMessagesVisible {"QueueName":"tripline-ios-failed"} Maximum 60',
      'p1_dlqAge AWS/SQS ApproximateAgeOfOldestMessage {"QueueName":"tripline-ios-dlq"} Maximum 60',
      'p1_dlqDepth AWS/SQS ApproximateNumberOfMessagesVisible {"QueueName":"tripline-ios-dlq"} Maximum 60',
      'p1_requests AWS/ApiGateway Count {"ApiName":"tracking-collector"} Sum 60',
      'p1_errors5xx AWS/ApiGateway 5XXError {"ApiName":"tracking-collector"} Sum 60',
      'p1_latencyP99 AWS/ApiGateway Latency {"ApiName":"tracking-collector"} p99 60',
      'p1_invalidRate Custom/Quality InvalidRate {"Pipeline":"ios"} Average 60',
      'p1_duplicateRate Custom/Quality DuplicateRate {"Pipeline":"ios"} Average 60',
      'p1_lateRate Custom/Quality LateRate {"Pipeline":"ios"} Average 60',
      'p2_streamAge AWS/Kinesis GetRecords.IteratorAgeMilliseconds {"StreamName":"tracking-android"} Maximum 60',
      'p2_processorAge AWS/Lambda IteratorAge {"FunctionName":"tripline-android-processor"} Maximum 60',
      'p2_errors AWS/Lambda Errors {"FunctionName":"tripline-android-processor"} Sum 60',
      'p2_invocations AWS/Lambda Invocations {"FunctionName":"tripline-android-processor"} Sum 60',
      'p2_throttles AWS/Lambda Throttles {"FunctionName":"tripline-android-processor"} Sum 60',
      'p2_failedAge AWS/SQS ApproximateAgeOfOldestMessage {"QueueName":"tripline-android-failed.fifo"} Maximum 60',
      'p2_failedDepth AWS/SQS ApproximateNumberOfMessagesVisible {"QueueName":"tripline-android-failed.fifo"} Maximum 60',
      'p2_dlqAge AWS/SQS ApproximateAgeOfOldestMessage {"QueueName":"tripline-android-dlq.fifo"} Maximum 60',
      'p2_dlqDepth AWS/SQS ApproximateNumberOfMessagesVisible {"QueueName":"tripline-android-dlq.fifo"} Maximum 60',
      'p2_invalidRate Tripline/Quality InvalidRate {"Pipeline":"android"} Average 60',
      'p2_duplicateRate Tripline/Quality DuplicateRate {"Pipeline":"android"} Average 60',
      'p2_lateRate Tripline/Quality LateRate {"Pipeline":"android"} Average 60',
    ]);
  });

  it('gives ids GetMetricData accepts, unique within the read, and the plan knows each pipeline’s ids', () => {
    const plan = planQueries(pipelines);
    const ids = plan.queries.map((q) => q.id);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(plan.pipelines.map((p) => [p.name, Object.keys(p.ids).length])).toEqual([
      ['web', 17],
      ['ios', 15],
      ['android', 12],
    ]);
    expect(plan.pipelines[2]?.ids.freshness).toBeUndefined();
  });

  it('uses the quality dimensions the monitor publishes with, when given', () => {
    const configured = PipelinesSchema.parse({ web: { stream: 's', processor: 'f', failedQueue: 'q', dlq: 'd', qualityDimensions: { Stream: 'tracking-web' } } });
    expect(pipelineQueries(configured).find((q) => q.id === 'p0_lateRate')?.dimensions).toEqual({ Stream: 'tracking-web' });
    const queries = pipelineQueries(pipelines, { qualityDimensions: (name) => ({ Pipeline: name, Environment: 'prod' }), periodSeconds: 300 });
    expect(queries.find((q) => q.id === 'p0_invalidRate')).toMatchObject({ dimensions: { Pipeline: 'web', Environment: 'prod' }, periodSeconds: 300 });
  });

  it('reads the quality metrics under the names dq check --publish writes', () => {
    expect(QUALITY_RATE_METRICS).toEqual({
      invalidRate: QUALITY_METRICS.invalidRate,
      duplicateRate: QUALITY_METRICS.duplicateRate,
      lateRate: QUALITY_METRICS.lateRate,
    });
  });

  it(`fits ${MAX_PIPELINES_PER_CALL} fully configured pipelines in one GetMetricData call`, () => {
    const many = (n: number) =>
      PipelinesSchema.parse(
        Object.fromEntries(
          Array.from({ length: n }, (_, i) => [
            `p${i}`,
            { stream: `s${i}`, processor: `f${i}`, failedQueue: `q${i}`, dlq: `d${i}`, firehose: `h${i}`, collector: { apiName: 'api' } },
          ]),
        ),
      );
    expect(MAX_PIPELINES_PER_CALL).toBe(29);
    expect(pipelineQueries(many(MAX_PIPELINES_PER_CALL)).length).toBeLessThanOrEqual(QUERIES_PER_CALL);
    expect(pipelineQueries(many(MAX_PIPELINES_PER_CALL + 1)).length).toBeGreaterThan(QUERIES_PER_CALL);
  });
});

describe('resource names from config values', () => {
  it.each([
    ['tripline-web-dlq', 'tripline-web-dlq'],
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/tripline-web-dlq', 'tripline-web-dlq'],
    ['http://127.0.0.1:9324/000000000000/local-dlq/', 'local-dlq'],
    ['arn:aws:sqs:eu-west-1:123456789012:orders.fifo', 'orders.fifo'],
  ])('queue %s → %s', (value, name) => {
    expect(queueNameOf(value)).toBe(name);
  });

  it.each([
    ['tripline-web-processor', 'tripline-web-processor'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:tripline-web-processor', 'tripline-web-processor'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:tripline-web-processor:live', 'tripline-web-processor'],
  ])('function %s → %s', (value, name) => {
    expect(functionNameOf(value)).toBe(name);
  });
});
