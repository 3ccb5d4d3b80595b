import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricQuery, MetricSeries, MetricsReader, MetricWindow } from '../domain/health.js';
import { AwsError, InputError } from '../errors.js';
import { explainAwsError } from './errors.js';

/** GetMetricData takes at most 500 MetricDataQuery structures a call. */
export const METRIC_QUERIES_PER_CALL = 500;
/** GetMetricData's rule for an Id. */
const METRIC_ID = /^[a-z][a-zA-Z0-9_]*$/;
/** A runaway NextToken loop must end; 100 pages of 100,800 datapoints is far beyond any console window. */
const MAX_PAGES_PER_CHUNK = 100;

/**
 * Reads many CloudWatch metrics with as few GetMetricData calls as the API
 * allows: one call per 500 queries, plus one per further page when CloudWatch
 * answers with a NextToken (it does past 100,800 datapoints). Datapoints come
 * oldest first (`ScanBy: TimestampAscending`).
 *
 * @example
 * const reader = new CloudWatchMetricsReader(new CloudWatchClient({}));
 * const series = await reader.read(queries, { start, end });
 * reader.calls; // GetMetricData calls made so far
 */
export class CloudWatchMetricsReader implements MetricsReader {
  readonly #client: CloudWatchClient;
  #calls = 0;

  constructor(client: CloudWatchClient) {
    this.#client = client;
  }

  /** GetMetricData calls this reader has made (the console shows the number per refresh). */
  get calls(): number {
    return this.#calls;
  }

  /**
   * Every query's series, keyed by id in query order; a metric with no
   * datapoints in the window has an empty series.
   *
   * @throws InputError for an invalid or duplicate id (a bug in the caller).
   * @throws AwsError naming what to do (credentials, permission, throttling).
   */
  async read(queries: readonly MetricQuery[], window: MetricWindow): Promise<ReadonlyMap<string, MetricSeries>> {
    checkIds(queries);
    const points = new Map<string, { timestamps: number[]; values: number[] }>();
    for (const q of queries) points.set(q.id, { timestamps: [], values: [] });
    for (let i = 0; i < queries.length; i += METRIC_QUERIES_PER_CALL) {
      const chunk = queries.slice(i, i + METRIC_QUERIES_PER_CALL).map(toMetricDataQuery);
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await this.#getMetricData(chunk, window, nextToken);
        for (const result of page.results) addResult(points, result);
        nextToken = page.nextToken;
        pages++;
      } while (nextToken !== undefined && pages < MAX_PAGES_PER_CHUNK);
    }
    const out = new Map<string, MetricSeries>();
    for (const [id, p] of points) out.set(id, { id, ...ascending(p.timestamps, p.values) });
    return out;
  }

  async #getMetricData(
    queries: MetricDataQuery[],
    window: MetricWindow,
    nextToken: string | undefined,
  ): Promise<{ results: MetricDataResult[]; nextToken?: string }> {
    this.#calls++;
    try {
      const out = await this.#client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: window.start,
          EndTime: window.end,
          ScanBy: 'TimestampAscending',
          ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
        }),
      );
      return { results: out.MetricDataResults ?? [], ...(out.NextToken ? { nextToken: out.NextToken } : {}) };
    } catch (error) {
      throw new AwsError(
        `CloudWatch GetMetricData failed: ${explainAwsError(error, 'cloudwatch:GetMetricData')}`,
        { service: 'cloudwatch', operation: 'GetMetricData' },
        { cause: error },
      );
    }
  }
}

function checkIds(queries: readonly MetricQuery[]): void {
  const seen = new Set<string>();
  for (const q of queries) {
    if (!METRIC_ID.test(q.id)) {
      throw new InputError(`metric query id "${q.id}" is not valid for GetMetricData: use a lower-case letter, then letters, digits or "_"`);
    }
    if (seen.has(q.id)) throw new InputError(`metric query id "${q.id}" is used twice; every query in one read needs its own id`);
    seen.add(q.id);
  }
}

function toMetricDataQuery(q: MetricQuery): MetricDataQuery {
  return {
    Id: q.id,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metricName,
        Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: q.periodSeconds,
      Stat: q.stat,
    },
    ReturnData: true,
  };
}

function addResult(into: Map<string, { timestamps: number[]; values: number[] }>, result: MetricDataResult): void {
  const target = result.Id === undefined ? undefined : into.get(result.Id);
  if (!target) return;
  const timestamps = result.Timestamps ?? [];
  const values = result.Values ?? [];
  for (let i = 0; i < timestamps.length && i < values.length; i++) {
    const at = timestamps[i];
    const value = values[i];
    if (at === undefined || value === undefined) continue;
    target.timestamps.push(at.getTime());
    target.values.push(value);
  }
}

/** Pages normally arrive in order; sorting keeps the promise (oldest first) whatever CloudWatch does. */
function ascending(timestamps: number[], values: number[]): { timestamps: number[]; values: number[] } {
  let sorted = true;
  for (let i = 1; i < timestamps.length; i++) {
    if ((timestamps[i] ?? 0) < (timestamps[i - 1] ?? 0)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return { timestamps, values };
  const order = timestamps.map((_, i) => i).sort((a, b) => (timestamps[a] ?? 0) - (timestamps[b] ?? 0));
  return { timestamps: order.map((i) => timestamps[i] ?? 0), values: order.map((i) => values[i] ?? 0) };
}
