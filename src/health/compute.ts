/*
 * The pure half of a health snapshot: series arithmetic and levels. No I/O;
 * table-tested in test/health/compute.test.ts.
 */
import type { PipelineThresholds } from '../config/pipelines.js';
import type { MetricSeries, PipelineHealth, QueueStats, Reading } from '../domain/health.js';
import type { MetricKey, PipelineQueryPlan } from './queries.js';

export type Level = Reading['level'];

/**
 * Which pipeline an alarm belongs to: the one with the longest alarm prefix
 * the name starts with (`tripline-web-` wins over `tripline-` for
 * `tripline-web-dlq-depth`).
 */
export function pipelineOfAlarm(alarmName: string, pipelineByPrefix: Readonly<Record<string, string>>): string | undefined {
  let best: { prefix: string; pipeline: string } | undefined;
  for (const [prefix, pipeline] of Object.entries(pipelineByPrefix)) {
    if (alarmName.startsWith(prefix) && (best === undefined || prefix.length > best.prefix.length)) best = { prefix, pipeline };
  }
  return best?.pipeline;
}

/** Datapoints oldest first; a missing period is simply absent. */
export interface Points {
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

const EMPTY: Points = { timestamps: [], values: [] };

/**
 * A value turns amber at this share of its threshold, and red only above the
 * threshold itself (as the alarms, which use GreaterThanThreshold).
 */
export const WARN_FRACTION = 0.5;

/**
 * The level of a "higher is worse" value against its threshold:
 * unknown without a value; bad above the threshold; warn from half of it
 * (when the threshold is above 0); ok otherwise.
 *
 * @example
 * levelOf(45, 60); // 'warn'
 * levelOf(1, 0);   // 'bad' (a DLQ with a threshold of 0 holding one message)
 */
export function levelOf(value: number | undefined, threshold: number): Level {
  if (value === undefined || !Number.isFinite(value)) return 'unknown';
  if (value > threshold) return 'bad';
  if (threshold > 0 && value >= threshold * WARN_FRACTION) return 'warn';
  return 'ok';
}

/**
 * The level of a 0–1 "lower is worse" ratio against its floor: bad below the
 * floor; warn once it has lost half the margin between 1 and the floor; ok
 * otherwise. A floor of 1 makes anything below 1 bad.
 *
 * @example
 * levelBelow(0.97, 0.95); // 'warn' (margin 0.05, lost 0.03)
 */
export function levelBelow(value: number | undefined, floor: number): Level {
  if (value === undefined || !Number.isFinite(value)) return 'unknown';
  if (value < floor) return 'bad';
  if (floor < 1 && 1 - value >= (1 - floor) * WARN_FRACTION) return 'warn';
  return 'ok';
}

/** A reading from points: the latest value, the history, the level. */
export function readingOf(points: Points, level: (value: number | undefined) => Level): Reading {
  const value = points.values.length > 0 ? points.values[points.values.length - 1] : undefined;
  return { value, history: [...points.values], level: level(value) };
}

/** Per period: the larger of two series (periods present in either). */
export function maxPoints(a: Points, b: Points): Points {
  const merged = new Map<number, number>();
  for (const p of [a, b]) {
    p.timestamps.forEach((t, i) => {
      const v = p.values[i];
      if (v === undefined) return;
      const seen = merged.get(t);
      merged.set(t, seen === undefined ? v : Math.max(seen, v));
    });
  }
  const timestamps = [...merged.keys()].sort((x, y) => x - y);
  return { timestamps, values: timestamps.map((t) => merged.get(t) ?? 0) };
}

/**
 * Per period: numerator / denominator, for the periods where the denominator
 * is above 0. A missing numerator counts as 0 (Lambda and API Gateway send no
 * Errors / 5XXError datapoint for some periods with traffic).
 */
export function ratioPoints(numerator: Points, denominator: Points): Points {
  const num = new Map<number, number>();
  numerator.timestamps.forEach((t, i) => num.set(t, numerator.values[i] ?? 0));
  const timestamps: number[] = [];
  const values: number[] = [];
  denominator.timestamps.forEach((t, i) => {
    const d = denominator.values[i];
    if (d === undefined || d <= 0) return;
    timestamps.push(t);
    values.push((num.get(t) ?? 0) / d);
  });
  return { timestamps, values };
}

export function scalePoints(points: Points, factor: number): Points {
  return { timestamps: points.timestamps, values: points.values.map((v) => v * factor) };
}

/** The start of the last period with a value above 0 (the last successful Firehose delivery). */
export function lastPositiveAt(points: Points): Date | undefined {
  for (let i = points.values.length - 1; i >= 0; i--) {
    const v = points.values[i];
    const t = points.timestamps[i];
    if (v !== undefined && v > 0 && t !== undefined) return new Date(t);
  }
  return undefined;
}

/**
 * One overview row from the metrics of its plan and the live queue
 * attributes (when read). Units: lag, ages and freshness in seconds; rates
 * 0–1; latency in ms; requests per minute.
 *
 * Levels: {@link levelOf} against the pipeline's thresholds, and
 * - processor errors share the error rate's level (any error with no rate is warn);
 * - throttles (per period) against `processorThrottles` (per 5 minutes);
 * - the Firehose success ratio is bad below `firehoseSuccessRate`, warn below
 *   it by less than half the distance to 1 (the one "lower is worse" reading);
 * - failed-queue depth is ok when empty, else the level of its oldest message's age;
 * - DLQ depth is bad above `dlqDepth`; its oldest age shares the depth's level;
 * - requests per minute have no threshold (ok when known).
 */
export function pipelineHealth(
  plan: PipelineQueryPlan,
  series: ReadonlyMap<string, MetricSeries>,
  queues: { readonly failed?: QueueStats | undefined; readonly dlq?: QueueStats | undefined },
  periodSeconds: number,
): PipelineHealth {
  const t: PipelineThresholds = plan.pipeline.thresholds;
  const get = (key: MetricKey): Points => {
    const id = plan.ids[key];
    return (id === undefined ? undefined : series.get(id)) ?? EMPTY;
  };
  const known = (level: (v: number) => Level) => (v: number | undefined): Level => (v === undefined ? 'unknown' : level(v));

  const lagSeconds = readingOf(scalePoints(maxPoints(get('streamAge'), get('processorAge')), 1 / 1000), (v) => levelOf(v, t.lagSeconds));
  const processorErrorRate = readingOf(ratioPoints(get('errors'), get('invocations')), (v) => levelOf(v, t.processorErrorRate));
  const processorErrors = readingOf(
    get('errors'),
    known((v) => (v === 0 ? 'ok' : processorErrorRate.level === 'unknown' ? 'warn' : processorErrorRate.level)),
  );
  // Per minute against a per-5-minutes threshold: a minute above it is 5 minutes above it.
  const throttles = readingOf(get('throttles'), (v) => levelOf(v, t.processorThrottles));

  const failedAge = readingOf(get('failedAge'), (v) => levelOf(v, t.failedQueueAgeSeconds));
  const failedDepth = liveDepth(get('failedDepth'), queues.failed, (v) =>
    v === undefined ? 'unknown' : v === 0 ? 'ok' : failedAge.level === 'unknown' ? 'warn' : failedAge.level,
  );
  const dlqDepth = liveDepth(get('dlqDepth'), queues.dlq, (v) => levelOf(v, t.dlqDepth));
  const dlqAge = readingOf(get('dlqAge'), known((v) => (v === 0 ? 'ok' : dlqDepth.level === 'unknown' ? 'warn' : dlqDepth.level)));

  const rate = (key: MetricKey, threshold: number): Reading => readingOf(scalePoints(get(key), 1 / 100), (v) => levelOf(v, threshold));

  const health: PipelineHealth = {
    pipeline: plan.name,
    lagSeconds,
    processorErrors,
    processorErrorRate,
    throttles,
    failedQueue: { depth: failedDepth, oldestAgeSeconds: failedAge, ...(queues.failed ? { stats: queues.failed } : {}) },
    dlq: { depth: dlqDepth, oldestAgeSeconds: dlqAge, ...(queues.dlq ? { stats: queues.dlq } : {}) },
    freshnessSeconds: readingOf(get('freshness'), (v) => levelOf(v, t.freshnessSeconds)),
    invalidRate: rate('invalidRate', t.invalidRate),
    duplicateRate: rate('duplicateRate', t.duplicateRate),
    lateRate: rate('lateRate', t.lateRate),
    thresholds: t,
  };
  const collector =
    plan.ids.requests === undefined
      ? undefined
      : {
          requestsPerMinute: readingOf(scalePoints(get('requests'), 60 / periodSeconds), known(() => 'ok')),
          errorRate5xx: readingOf(ratioPoints(get('errors5xx'), get('requests')), (v) => levelOf(v, t.collector5xxRate)),
          p99LatencyMs: readingOf(get('latencyP99'), (v) => levelOf(v, t.collectorP99Ms)),
        };
  const lastDeliveryAt = plan.ids.delivered === undefined ? undefined : lastPositiveAt(get('delivered'));
  const deliverySuccessRate = plan.ids.delivered === undefined ? undefined : readingOf(get('delivered'), (v) => levelBelow(v, t.firehoseSuccessRate));
  return {
    ...health,
    ...(collector ? { collector } : {}),
    ...(lastDeliveryAt ? { lastDeliveryAt } : {}),
    ...(deliverySuccessRate ? { deliverySuccessRate } : {}),
  };
}

/** Queue depth: the live GetQueueAttributes figure when read, else the latest metric; history from the metric. */
function liveDepth(points: Points, stats: QueueStats | undefined, level: (v: number | undefined) => Level): Reading {
  const metric = readingOf(points, level);
  if (stats === undefined) return metric;
  return { value: stats.visible, history: metric.history, level: level(stats.visible) };
}
