import { describe, expect, it } from 'vitest';
import { planQueries } from '../../src/health/queries.js';
import { aggregate, MetricStore } from '../../src/sandbox/metric-store.js';
import { PipelineSchema } from '../../src/config/pipelines.js';

describe('MetricStore', () => {
  it.each<[string, number | undefined]>([
    ['Sum', 10],
    ['Average', 2.5],
    ['Maximum', 4],
    ['Minimum', 1],
    ['SampleCount', 4],
    ['p50', 2],
    ['p99', 4],
  ])('%s of 1, 2, 3, 4 is %s', (stat, expected) => {
    expect(aggregate([3, 1, 4, 2], stat)).toBe(expected);
  });

  it('has no datapoint for a period without samples, and names an unknown statistic', () => {
    expect(aggregate([], 'Sum')).toBeUndefined();
    expect(() => aggregate([1], 'Median')).toThrow(/unknown statistic "Median"/);
  });

  it("answers the console's own queries per one-minute period, by dimensions in any order", async () => {
    const pipeline = PipelineSchema.parse({ stream: 's', processor: 'web-proc', failedQueue: 'web-failed', dlq: 'web-dlq' });
    const plan = planQueries({ web: pipeline });
    const store = new MetricStore();
    const t0 = Date.UTC(2026, 10, 22, 3, 0);
    store.put({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'web-dlq' } }, 3, t0 + 5_000);
    store.put({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'web-dlq' } }, 7, t0 + 65_000);
    store.put({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'web-proc' } }, 2, t0 + 70_000);
    store.put({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'web-proc' } }, 1, t0 + 80_000);
    store.put({ namespace: 'Tripline/Quality', metricName: 'InvalidRate', dimensions: { Pipeline: 'web' } }, 4, t0 + 90_000);

    const series = await store.read(plan.queries, { start: new Date(t0), end: new Date(t0 + 180_000) });

    expect(series.get('p0_dlqDepth')).toEqual({ id: 'p0_dlqDepth', timestamps: [t0, t0 + 60_000], values: [3, 7] });
    expect(series.get('p0_errors')?.values).toEqual([3]);
    expect(series.get('p0_invalidRate')?.values).toEqual([4]);
    expect(series.get('p0_streamAge')?.values).toEqual([]);
    expect(store.calls).toBe(1);
  });
});
