import { alarmPrefixOf, type Pipelines } from '../config/pipelines.js';
import type {
  AlarmStateReader,
  AlarmStatus,
  HealthSnapshot,
  IncidentReader,
  MetricSeries,
  MetricsReader,
  MetricWindow,
  QueueReader,
  QueueStats,
} from '../domain/health.js';
import { explainAwsError } from '../aws/errors.js';
import { ToolkitError } from '../errors.js';
import { pipelineHealth, pipelineOfAlarm } from './compute.js';
import { planQueries } from './queries.js';

export interface HealthDeps {
  readonly metrics: MetricsReader;
  readonly queues?: QueueReader;
  readonly alarms?: AlarmStateReader;
  readonly incidents?: IncidentReader;
}

export interface HealthInput {
  readonly pipelines: Pipelines;
  readonly environment: string;
  readonly account?: string;
  readonly region?: string;
  readonly now: Date;
  /** History shown in sparklines; default 30 minutes (30 one-minute periods). */
  readonly windowMinutes?: number;
  /** Quality metric dimensions per pipeline; default `{ Pipeline: <name> }` (see planQueries). */
  readonly qualityDimensions?: (pipeline: string) => Readonly<Record<string, string>>;
}

const PERIOD_SECONDS = 60;
const DEFAULT_WINDOW_MINUTES = 30;
/** GetQueueAttributes calls in flight at once: SQS allows far more, but a console need not hurry 60 of them. */
const QUEUE_CONCURRENCY = 8;

/**
 * The metric window for a refresh at `now`: `windowMinutes` whole periods
 * ending at the start of the current minute (CloudWatch's current minute is
 * still filling up).
 */
export function healthWindow(now: Date, windowMinutes = DEFAULT_WINDOW_MINUTES, periodSeconds = PERIOD_SECONDS): MetricWindow {
  const periodMs = periodSeconds * 1000;
  const end = Math.floor(now.getTime() / periodMs) * periodMs;
  return { start: new Date(end - windowMinutes * 60_000), end: new Date(end) };
}

/**
 * Everything one console refresh shows: one `metrics.read` for every
 * pipeline's metrics (one GetMetricData call up to 500 metrics, see
 * MAX_PIPELINES_PER_CALL), and, at the same time, the live attributes of each
 * failed queue and DLQ, the alarm states of the pipelines' alarm prefixes and
 * the open incidents.
 *
 * A reader that fails does not fail the snapshot: its part is empty (levels
 * unknown), and `problems` says what happened and what to do.
 *
 * @example
 * const snapshot = await collectHealth({ metrics, queues, alarms }, { pipelines: config.pipelines, environment: 'prod', now: new Date() });
 */
export async function collectHealth(deps: HealthDeps, input: HealthInput): Promise<HealthSnapshot> {
  const plan = planQueries(input.pipelines, {
    periodSeconds: PERIOD_SECONDS,
    ...(input.qualityDimensions ? { qualityDimensions: input.qualityDimensions } : {}),
  });
  const window = healthWindow(input.now, input.windowMinutes ?? DEFAULT_WINDOW_MINUTES);
  const callsBefore = deps.metrics.calls;
  const readMetrics = plan.queries.length > 0;

  const prefixByPipeline = Object.fromEntries(Object.entries(input.pipelines).map(([name, p]) => [alarmPrefixOf(name, p), name]));
  const [metrics, queues, alarms, incidents] = await Promise.all([
    settle(readMetrics ? deps.metrics.read(plan.queries, window) : Promise.resolve(new Map<string, MetricSeries>())),
    readQueues(deps.queues, input.pipelines),
    settle(deps.alarms ? deps.alarms.states(Object.keys(prefixByPipeline)) : Promise.resolve([])),
    settle(deps.incidents ? deps.incidents.open() : Promise.resolve([])),
  ]);

  const problems: string[] = [];
  const series: ReadonlyMap<string, MetricSeries> = metrics.ok ? metrics.value : new Map();
  if (!metrics.ok) problems.push(problemText('metrics', metrics.error, 'cloudwatch:GetMetricData'));
  problems.push(...queues.problems);
  if (!alarms.ok) problems.push(problemText('alarms', alarms.error, 'cloudwatch:DescribeAlarms'));
  if (!incidents.ok) problems.push(problemText('incidents', incidents.error, 'PagerDuty incidents'));

  const callsAfter = deps.metrics.calls;
  const metricCalls = !readMetrics ? 0 : callsBefore !== undefined && callsAfter !== undefined ? callsAfter - callsBefore : 1;

  return {
    at: input.now,
    ...(input.account !== undefined ? { account: input.account } : {}),
    ...(input.region !== undefined ? { region: input.region } : {}),
    environment: input.environment,
    pipelines: plan.pipelines.map((p) =>
      pipelineHealth(p, series, { failed: queues.stats.get(p.pipeline.failedQueue), dlq: queues.stats.get(p.pipeline.dlq) }, plan.periodSeconds),
    ),
    alarms: alarms.ok ? sortAlarms(alarms.value, prefixByPipeline) : [],
    incidents: incidents.ok ? [...incidents.value] : [],
    problems: [...new Set(problems)],
    metricCalls,
  };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * A status-line message for a failed reader: the toolkit error's own message
 * (it already says what to do), or the AWS explanation of a raw SDK error.
 */
export function problemText(source: 'metrics' | 'alarms' | 'incidents' | 'queues', error: unknown, action: string): string {
  if (error instanceof ToolkitError) return error.message;
  const what = { metrics: 'CloudWatch metrics', alarms: 'CloudWatch alarms', incidents: 'PagerDuty incidents', queues: 'SQS queue attributes' }[source];
  return `${what}: ${explainAwsError(error, action)}`;
}

/** Every distinct failed queue and DLQ, read a few at a time; failures grouped by cause. */
async function readQueues(
  reader: QueueReader | undefined,
  pipelines: Pipelines,
): Promise<{ stats: Map<string, QueueStats>; problems: string[] }> {
  const stats = new Map<string, QueueStats>();
  if (reader === undefined) return { stats, problems: [] };
  const names = [...new Set(Object.values(pipelines).flatMap((p) => [p.failedQueue, p.dlq]))];
  const failures = new Map<string, { queues: string[]; message: string }>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++];
      if (name === undefined) return;
      try {
        stats.set(name, await reader.stats(name));
      } catch (error) {
        const cause = sdkCause(error);
        // One cause (expired credentials, a missing permission) is one problem, however many queues it hit.
        const key = cause === undefined ? `${name}\n${problemText('queues', error, 'sqs:GetQueueAttributes')}` : explainAwsError(cause, 'sqs:GetQueueAttributes');
        const group = failures.get(key) ?? { queues: [], message: problemText('queues', error, 'sqs:GetQueueAttributes') };
        group.queues.push(name);
        failures.set(key, group);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(QUEUE_CONCURRENCY, names.length) }, worker));
  const problems = [...failures.entries()].map(([key, group]) => {
    if (group.queues.length === 1) return group.message;
    const shown = group.queues.slice(0, 3).join(', ');
    const more = group.queues.length > 3 ? ` and ${group.queues.length - 3} more` : '';
    const reason = key.includes('\n') ? group.message : key;
    return `SQS GetQueueAttributes failed for ${group.queues.length} queues (${shown}${more}): ${reason}`;
  });
  return { stats, problems };
}

/** The AWS SDK error under a toolkit error (or the error itself), when there is one. */
function sdkCause(error: unknown): unknown {
  const candidate = error instanceof ToolkitError ? error.cause : error;
  if (typeof candidate !== 'object' || candidate === null || candidate instanceof ToolkitError) return undefined;
  return '$metadata' in candidate ? candidate : undefined;
}

const STATE_ORDER: Record<AlarmStatus['state'], number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };

/** ALARM first, then INSUFFICIENT_DATA, then OK; by name within; pipeline filled in by prefix where the reader left it out. */
function sortAlarms(alarms: readonly AlarmStatus[], prefixByPipeline: Readonly<Record<string, string>>): AlarmStatus[] {
  return alarms
    .map((a) => {
      if (a.pipeline !== undefined) return a;
      const pipeline = pipelineOfAlarm(a.name, prefixByPipeline);
      return pipeline === undefined ? a : { ...a, pipeline };
    })
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.name.localeCompare(b.name));
}
