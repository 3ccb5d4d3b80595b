import type { MetricQuery, MetricSeries, MetricsReader, MetricWindow } from '../domain/health.js';

/** One metric, as CloudWatch names it. */
export interface MetricName {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

interface Sample {
  readonly at: number;
  readonly value: number;
}

/** Samples older than this (sandbox time) are dropped: the console shows 30 minutes, alarms look back at most ~1 hour. */
const RETENTION_MS = 3 * 3_600_000;

/** `namespace|metric|k=v,…` with dimensions sorted: the identity CloudWatch gives a metric. */
export function metricKey(metric: MetricName): string {
  const dims = Object.entries(metric.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${metric.namespace}|${metric.metricName}|${dims}`;
}

/**
 * The sandbox's CloudWatch metrics: raw samples (sandbox timestamps) per
 * metric, aggregated on read into periods with CloudWatch's statistics
 * (`Sum`, `Average`, `Maximum`, `Minimum`, `SampleCount`, `pNN`). A period
 * without a sample has no datapoint, as in CloudWatch.
 *
 * It is the console's MetricsReader (the same `planQueries` ids the AWS
 * reader answers) and the alarm evaluator's datapoint source.
 */
export class MetricStore implements MetricsReader {
  readonly #samples = new Map<string, Sample[]>();
  #calls = 0;

  get calls(): number {
    return this.#calls;
  }

  put(metric: MetricName, value: number, at: number): void {
    const key = metricKey(metric);
    let list = this.#samples.get(key);
    if (list === undefined) {
      list = [];
      this.#samples.set(key, list);
    }
    list.push({ at, value });
    // Samples arrive in time order; trim the head now and then.
    if (list.length > 4096 && (list[0]?.at ?? at) < at - RETENTION_MS) {
      const keepFrom = list.findIndex((s) => s.at >= at - RETENTION_MS);
      list.splice(0, keepFrom < 0 ? list.length : keepFrom);
    }
  }

  /** The statistic over samples in [startMs, startMs + periodSeconds); undefined when the period has none. */
  datapoint(metric: MetricName, statistic: string, startMs: number, periodSeconds: number): number | undefined {
    const list = this.#samples.get(metricKey(metric));
    if (list === undefined) return undefined;
    const end = startMs + periodSeconds * 1000;
    const values: number[] = [];
    for (const s of list) if (s.at >= startMs && s.at < end) values.push(s.value);
    return aggregate(values, statistic);
  }

  async read(queries: readonly MetricQuery[], window: MetricWindow): Promise<ReadonlyMap<string, MetricSeries>> {
    this.#calls++;
    const out = new Map<string, MetricSeries>();
    for (const q of queries) {
      const periodMs = q.periodSeconds * 1000;
      const timestamps: number[] = [];
      const values: number[] = [];
      const first = Math.floor(window.start.getTime() / periodMs) * periodMs;
      for (let t = first; t + periodMs <= window.end.getTime(); t += periodMs) {
        const v = this.datapoint(q, q.stat, t, q.periodSeconds);
        if (v === undefined) continue;
        timestamps.push(t);
        values.push(v);
      }
      out.set(q.id, { id: q.id, timestamps, values });
    }
    return out;
  }
}

/** CloudWatch's statistics over one period's samples. */
export function aggregate(values: readonly number[], statistic: string): number | undefined {
  if (values.length === 0) return undefined;
  switch (statistic) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'SampleCount':
      return values.length;
    default: {
      const p = /^p(\d+(?:\.\d+)?)$/.exec(statistic);
      if (p === null) throw new RangeError(`unknown statistic "${statistic}"; use Sum, Average, Maximum, Minimum, SampleCount or pNN`);
      const sorted = [...values].sort((a, b) => a - b);
      const rank = Math.ceil((Number(p[1]) / 100) * sorted.length) - 1;
      return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
    }
  }
}
