import { describe, expect, it } from 'vitest';
import { PipelineSchema } from '../../../src/config/pipelines.js';
import { enforceGuard, pipelineForQueue, processorErrorGuard } from '../../../src/aws/redrive/guard.js';
import type { MetricQuery, MetricSeries, MetricsReader, MetricWindow } from '../../../src/domain/health.js';
import { RedriveRefusedError } from '../../../src/errors.js';

const NOW = new Date('2026-11-22T03:17:30Z');
const T = (m: number) => Date.parse('2026-11-22T03:00:00Z') + m * 60_000;
const pipeline = PipelineSchema.parse({ stream: 's', processor: 'web-processor', failedQueue: 'web-failed', dlq: 'web-dlq', thresholds: { processorErrorRate: 0.01 } });

/** A MetricsReader that answers from fixed series and remembers what it was asked. */
function reader(errors: readonly (readonly [number, number])[], invocations: readonly (readonly [number, number])[]): MetricsReader & { asked: { queries: readonly MetricQuery[]; window: MetricWindow }[] } {
  const asked: { queries: readonly MetricQuery[]; window: MetricWindow }[] = [];
  const series = (id: string, points: readonly (readonly [number, number])[]): MetricSeries => ({ id, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) });
  return {
    asked,
    async read(queries, window) {
      asked.push({ queries, window });
      return new Map(queries.map((q) => [q.id, q.metricName === 'Errors' ? series(q.id, errors) : series(q.id, invocations)]));
    },
  };
}

describe('processorErrorGuard', () => {
  it('reads Lambda Errors and Invocations (Sum, 5-minute periods) for the processor over the last 15 minutes', async () => {
    const metrics = reader([], []);
    await processorErrorGuard(metrics, 'web', pipeline, NOW);
    expect(metrics.asked).toHaveLength(1);
    const [call] = metrics.asked;
    expect(call?.queries.map((q) => [q.namespace, q.metricName, q.stat, q.periodSeconds, q.dimensions])).toEqual([
      ['AWS/Lambda', 'Errors', 'Sum', 300, { FunctionName: 'web-processor' }],
      ['AWS/Lambda', 'Invocations', 'Sum', 300, { FunctionName: 'web-processor' }],
    ]);
    expect((call?.window.end.getTime() ?? 0) - (call?.window.start.getTime() ?? 0)).toBe(15 * 60_000);
  });

  it.each([
    ['still failing in the latest period', [[T(5), 0], [T(10), 9]], [[T(5), 1000], [T(10), 300]], false, 0.03],
    ['errors fell below the threshold', [[T(5), 80], [T(10), 1]], [[T(5), 1000], [T(10), 1000]], true, 0.001],
    ['exactly at the threshold is allowed', [[T(10), 10]], [[T(10), 1000]], true, 0.01],
  ] as const)('%s', async (_, errors, invocations, allowed, rate) => {
    const result = await processorErrorGuard(reader(errors, invocations), 'web', pipeline, NOW);
    expect(result.allowed).toBe(allowed);
    expect(result.errorRate).toBeCloseTo(rate, 6);
  });

  it('allows, and says so, when the processor had no invocations to judge by', async () => {
    const result = await processorErrorGuard(reader([], []), 'web', pipeline, NOW);
    expect(result).toMatchObject({ allowed: true, errorRate: undefined });
    expect(result.reason).toMatch(/no invocations in the last 15 minutes/);
  });

  it('refuses with the rate, the threshold and what to do; --force overrides', async () => {
    const result = await processorErrorGuard(reader([[T(10), 50]], [[T(10), 1000]]), 'web', pipeline, NOW);
    expect(() => enforceGuard(result, false)).toThrow(RedriveRefusedError);
    expect(() => enforceGuard(result, false)).toThrow(
      'refusing to redrive: processor web-processor of pipeline web still fails: error rate 5.00% (50 errors / 1000 invocations in the 5 minutes from 2026-11-22T03:10:00.000Z) is above its threshold 1.00%. Fix the processor first and wait until errors fall, or pass --force to redrive anyway',
    );
    expect(() => enforceGuard(result, true)).not.toThrow();
  });
});

describe('pipelineForQueue', () => {
  it('finds the pipeline by its dlq given as name, URL or ARN', () => {
    const byArn = PipelineSchema.parse({ ...pipeline, dlq: 'arn:aws:sqs:eu-west-1:123456789012:ios-dlq', failedQueue: 'ios-failed' });
    const pipelines = { web: pipeline, ios: byArn };
    expect(pipelineForQueue(pipelines, 'web-dlq')?.name).toBe('web');
    expect(pipelineForQueue(pipelines, 'ios-dlq')?.name).toBe('ios');
    expect(pipelineForQueue(pipelines, 'other-dlq')).toBeUndefined();
  });
});
