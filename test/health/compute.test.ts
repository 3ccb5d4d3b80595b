import { describe, expect, it } from 'vitest';
import { PipelinesSchema } from '../../src/config/pipelines.js';
import type { MetricSeries, QueueStats } from '../../src/domain/health.js';
import { lastPositiveAt, levelBelow, levelOf, maxPoints, pipelineHealth, pipelineOfAlarm, ratioPoints } from '../../src/health/compute.js';
import { planQueries, type MetricKey } from '../../src/health/queries.js';

const T = Date.UTC(2026, 0, 15, 10, 0, 0);
const at = (minute: number): number => T + minute * 60_000;

describe('levelOf', () => {
  it.each([
    [undefined, 60, 'unknown'],
    [Number.NaN, 60, 'unknown'],
    [0, 60, 'ok'],
    [29.9, 60, 'ok'],
    [30, 60, 'warn'],
    [60, 60, 'warn'],
    [60.1, 60, 'bad'],
    [0, 0, 'ok'],
    [1, 0, 'bad'],
    [0.004, 0.01, 'ok'],
    [0.005, 0.01, 'warn'],
    [0.02, 0.01, 'bad'],
  ] as const)('%s against %s → %s', (value, threshold, level) => {
    expect(levelOf(value, threshold)).toBe(level);
  });
});

describe('levelBelow (the Firehose success ratio)', () => {
  it.each([
    [undefined, 0.95, 'unknown'],
    [1, 0.95, 'ok'],
    [0.98, 0.95, 'ok'],
    [0.975, 0.95, 'warn'],
    [0.95, 0.95, 'warn'],
    [0.9, 0.95, 'bad'],
    [1, 1, 'ok'],
    [0.99, 1, 'bad'],
  ] as const)('%s against %s → %s', (value, floor, level) => {
    expect(levelBelow(value, floor)).toBe(level);
  });
});

describe('series arithmetic', () => {
  it('takes the larger of two lags per period, over the periods either has', () => {
    expect(maxPoints({ timestamps: [at(0), at(1)], values: [5, 1] }, { timestamps: [at(1), at(2)], values: [3, 9] })).toEqual({
      timestamps: [at(0), at(1), at(2)],
      values: [5, 3, 9],
    });
  });

  it('divides per period where there was traffic; no Errors datapoint is 0 errors', () => {
    expect(ratioPoints({ timestamps: [at(0), at(2)], values: [2, 1] }, { timestamps: [at(0), at(1), at(2), at(3)], values: [100, 50, 0, 10] })).toEqual({
      timestamps: [at(0), at(1), at(3)],
      values: [0.02, 0, 0],
    });
  });

  it('finds the last period with a successful delivery', () => {
    expect(lastPositiveAt({ timestamps: [at(0), at(1), at(2)], values: [3, 1, 0] })).toEqual(new Date(at(1)));
    expect(lastPositiveAt({ timestamps: [at(0)], values: [0] })).toBeUndefined();
  });

  it.each([
    ['tripline-web-dlq-depth', 'web'],
    ['tripline-web-eu-dlq-depth', 'web-eu'],
    ['someone-else', undefined],
  ])('gives alarm %s to pipeline %s (longest prefix)', (name, pipeline) => {
    expect(pipelineOfAlarm(name, { 'tripline-web-': 'web', 'tripline-web-eu-': 'web-eu' })).toBe(pipeline);
  });
});

describe('pipelineHealth', () => {
  const pipelines = PipelinesSchema.parse({
    web: {
      stream: 'tracking-web',
      processor: 'tripline-web-processor',
      failedQueue: 'tripline-web-failed',
      dlq: 'tripline-web-dlq',
      firehose: 'tripline-web-to-s3',
      collector: { apiName: 'tracking-collector', stage: 'prod' },
      thresholds: { lagSeconds: 60, dlqDepth: 0 },
    },
    ios: { stream: 's', processor: 'f', failedQueue: 'q', dlq: 'd' },
  });
  const plan = planQueries(pipelines);
  const web = plan.pipelines[0];
  const ios = plan.pipelines[1];
  if (!web || !ios) throw new Error('plan has no pipelines');

  function seriesOf(values: Partial<Record<MetricKey, readonly (readonly [number, number])[]>>): Map<string, MetricSeries> {
    const map = new Map<string, MetricSeries>();
    for (const [key, points] of Object.entries(values)) {
      const id = web?.ids[key as MetricKey];
      if (id === undefined || points === undefined) continue;
      map.set(id, { id, timestamps: points.map(([m]) => at(m)), values: points.map(([, v]) => v) });
    }
    return map;
  }

  const dlqStats: QueueStats = { name: 'tripline-web-dlq', url: 'http://q/tripline-web-dlq', arn: 'arn:aws:sqs:us-east-1:1:tripline-web-dlq', fifo: false, visible: 4, inFlight: 1, delayed: 0 };

  it('turns the series into readings with units, histories and levels', () => {
    const health = pipelineHealth(
      web,
      seriesOf({
        streamAge: [[0, 20_000], [1, 45_000]],
        processorAge: [[0, 30_000], [1, 10_000]],
        errors: [[0, 1], [1, 3]],
        invocations: [[0, 1000], [1, 100]],
        throttles: [[1, 0]],
        failedAge: [[1, 1200]],
        failedDepth: [[1, 40]],
        dlqAge: [[1, 600]],
        dlqDepth: [[0, 0], [1, 2]],
        freshness: [[0, 300], [1, 500]],
        delivered: [[0, 1], [1, 0]],
        requests: [[0, 6000], [1, 12_000]],
        errors5xx: [[1, 240]],
        latencyP99: [[1, 1500]],
        invalidRate: [[1, 1.5]],
        duplicateRate: [[1, 0.1]],
        lateRate: [[1, 12]],
      }),
      { dlq: dlqStats },
      60,
    );
    expect(health.pipeline).toBe('web');
    expect(health.lagSeconds).toEqual({ value: 45, history: [30, 45], level: 'warn' });
    expect(health.processorErrorRate).toEqual({ value: 0.03, history: [0.001, 0.03], level: 'bad' });
    expect(health.processorErrors).toEqual({ value: 3, history: [1, 3], level: 'bad' });
    expect(health.throttles.level).toBe('ok');
    expect(health.failedQueue.oldestAgeSeconds).toEqual({ value: 1200, history: [1200], level: 'bad' });
    expect(health.failedQueue.depth).toEqual({ value: 40, history: [40], level: 'bad' });
    // The live DLQ depth wins over the metric; the history stays the metric's.
    expect(health.dlq.depth).toEqual({ value: 4, history: [0, 2], level: 'bad' });
    expect(health.dlq.stats).toBe(dlqStats);
    expect(health.dlq.oldestAgeSeconds.level).toBe('bad');
    expect(health.freshnessSeconds).toEqual({ value: 500, history: [300, 500], level: 'warn' });
    expect(health.invalidRate).toEqual({ value: 0.015, history: [0.015], level: 'warn' });
    expect(health.duplicateRate.level).toBe('ok');
    expect(health.lateRate.level).toBe('bad');
    expect(health.collector).toEqual({
      requestsPerMinute: { value: 12_000, history: [6000, 12_000], level: 'ok' },
      errorRate5xx: { value: 0.02, history: [0, 0.02], level: 'bad' },
      p99LatencyMs: { value: 1500, history: [1500], level: 'bad' },
    });
    expect(health.lastDeliveryAt).toEqual(new Date(at(0)));
    expect(health.deliverySuccessRate).toEqual({ value: 0, history: [1, 0], level: 'bad' });
    expect(health.thresholds).toMatchObject({ lagSeconds: 60, dlqDepth: 0, processorErrorRate: 0.01 });
  });

  it('is all unknown without data, and leaves out what the pipeline does not have', () => {
    const health = pipelineHealth(ios, new Map(), {}, 60);
    for (const reading of [health.lagSeconds, health.processorErrorRate, health.dlq.depth, health.freshnessSeconds, health.invalidRate]) {
      expect(reading).toEqual({ value: undefined, history: [], level: 'unknown' });
    }
    expect(health.collector).toBeUndefined();
    expect(health.lastDeliveryAt).toBeUndefined();
  });

  it.each([
    ['an empty failed queue is ok', { failedDepth: [[0, 0]], failedAge: [[0, 0]] }, 'ok'],
    ['a young backlog is ok', { failedDepth: [[0, 5]], failedAge: [[0, 100]] }, 'ok'],
    ['a backlog half as old as the threshold is warn', { failedDepth: [[0, 5]], failedAge: [[0, 450]] }, 'warn'],
    ['a backlog without an age is warn', { failedDepth: [[0, 5]] }, 'warn'],
  ] as const)('failed-queue depth: %s', (_, values, level) => {
    expect(pipelineHealth(web, seriesOf(values), {}, 60).failedQueue.depth.level).toBe(level);
  });

  it.each([
    ['no errors', { errors: [[0, 0]], invocations: [[0, 100]] }, 'ok', 'ok'],
    ['errors below half the threshold', { errors: [[0, 1]], invocations: [[0, 1000]] }, 'ok', 'ok'],
    ['errors without invocations', { errors: [[0, 2]] }, 'warn', 'unknown'],
    ['throttled', { throttles: [[0, 3]] }, 'unknown', 'unknown'],
  ] as const)('processor: %s', (_, values, errorsLevel, rateLevel) => {
    const health = pipelineHealth(web, seriesOf(values), {}, 60);
    expect(health.processorErrors.level).toBe(errorsLevel);
    expect(health.processorErrorRate.level).toBe(rateLevel);
    // The default processorThrottles is 0: any throttle is above it.
    if ('throttles' in values) expect(health.throttles).toMatchObject({ value: 3, level: 'bad' });
  });

  it('counts requests per minute whatever the period', () => {
    const health = pipelineHealth(web, seriesOf({ requests: [[0, 3000]] }), {}, 300);
    expect(health.collector?.requestsPerMinute.value).toBe(600);
  });
});
