import { explainAwsError } from '../aws/errors.js';
import type { Pipelines } from '../config/pipelines.js';
import type { MetricsReader, QueueReader } from '../domain/health.js';
import { AwsError, InputError, ToolkitError } from '../errors.js';
import { collectHealth } from '../health/collect.js';
import type { HealthSource } from './types.js';

export interface CollectedHealthOptions {
  readonly metrics: MetricsReader;
  readonly queues?: QueueReader;
  readonly pipelines: Pipelines;
  readonly environment: string;
  readonly now?: () => Date;
  /** A reader other than CloudWatch failed (e.g. queue attributes): the run goes on with what it has. */
  readonly onProblem?: (text: string) => void;
}

/**
 * A HealthSource over src/health: one GetMetricData call and the two queues'
 * attributes per evaluation, for the one pipeline the runbook runs on.
 *
 * Unlike the console, a runbook must not judge a condition without its
 * metrics: a CloudWatch failure is thrown (AwsError, exit 3) instead of
 * turning every value into "no data". Other problems go to `onProblem`, once each.
 *
 * @example const health = collectedHealthSource({ metrics: new CloudWatchMetricsReader(cw), queues: new SqsQueueReader(sqs), pipelines, environment: 'prod' });
 */
export function collectedHealthSource(options: CollectedHealthOptions): HealthSource {
  const reported = new Set<string>();
  return async (name) => {
    const pipeline = options.pipelines[name];
    if (pipeline === undefined) throw new InputError(`unknown pipeline "${name}"; the config defines ${Object.keys(options.pipelines).join(', ') || 'none'}`);
    let failure: { error: unknown } | undefined;
    const metrics: MetricsReader = {
      read: (queries, window) =>
        options.metrics.read(queries, window).catch((error: unknown) => {
          failure = { error };
          throw error;
        }),
    };
    const snapshot = await collectHealth(
      { metrics, ...(options.queues !== undefined ? { queues: options.queues } : {}) },
      { pipelines: { [name]: pipeline }, environment: options.environment, now: (options.now ?? (() => new Date()))() },
    );
    if (failure !== undefined) {
      const { error } = failure;
      if (error instanceof ToolkitError) throw error;
      throw new AwsError(`CloudWatch GetMetricData for pipeline ${name}: ${explainAwsError(error, 'cloudwatch:GetMetricData')}`, { service: 'CloudWatch', operation: 'GetMetricData' }, { cause: error });
    }
    for (const problem of snapshot.problems) {
      if (reported.has(problem)) continue;
      reported.add(problem);
      options.onProblem?.(problem);
    }
    const health = snapshot.pipelines.find((p) => p.pipeline === name);
    if (health === undefined) throw new InputError(`no health for pipeline "${name}"`);
    return health;
  };
}
