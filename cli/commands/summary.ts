import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FetchFunction } from '@slack/web-api';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import {
  ConsoleSectionSchema,
  durationSeconds,
  loadConfig,
  NoReceiverError,
  SlackSectionSchema,
  SummarySectionSchema,
  type Config,
} from '../../src/config/index.js';
import { MAX_SUMMARY_SECONDS } from '../../src/config/summary.js';
import type { AlarmHistoryReader, IncidentReader, MetricsReader, MetricWindow, QueueReader, AlarmStateReader } from '../../src/domain/health.js';
import { InputError } from '../../src/errors.js';
import type { AuditSource } from '../../src/summary/collect.js';
import type { CommandResult } from './result.js';

const SummaryOptionsSchema = z.object({
  since: z.optional(z.string().check(z.minLength(1, 'must be a duration such as 12h, or an ISO time'))),
  until: z.optional(z.string().check(z.minLength(1, 'must be an ISO time such as 2026-11-23T08:00:00Z'))),
  post: z._default(z.boolean(), false),
  channel: z.optional(z.string().check(z.minLength(1, 'must name a Slack channel, e.g. "#pipeline-oncall" or C0123ABCD'))),
  json: z._default(z.boolean(), false),
  config: z.optional(z.string()),
  region: z.optional(z.string().check(z.minLength(1, 'name an AWS region, e.g. eu-west-1'))),
});

/**
 * What the command reaches outside itself: AWS clients and the Slack
 * transport by default; tests inject loopback ones, and the sandbox its own
 * readers (history, metrics, queues, alarms, incidents, audit file).
 */
export interface SummaryDeps {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly now?: () => Date;
  readonly cloudwatch?: CloudWatchClient;
  readonly sqs?: SQSClient;
  /** Readers that replace the AWS ones (the sandbox's). */
  readonly readers?: {
    readonly history: AlarmHistoryReader;
    readonly metrics: MetricsReader;
    readonly queues?: QueueReader;
    readonly alarms?: AlarmStateReader;
    readonly incidents?: IncidentReader;
    readonly audit?: AuditSource;
  };
  /** The Slack transport (a loopback fetch in tests). */
  readonly slackFetch?: FetchFunction;
  readonly stderr?: { write(text: string): unknown };
}

/**
 * `tripline summary [--since 12h] [--until <iso>] [--post] [--channel #x] [--json]`:
 * the shift that ended at --until (default now): alarms fired and resolved
 * with their episodes and MTTR, flapping alarms, open incidents, each
 * pipeline's DLQ, quality rates and freshness against its thresholds, and
 * the redrives in the audit trail. With --post, also to Slack.
 * Exit 1 when something needs attention (an alarm still in ALARM, an open
 * incident, a DLQ holding messages, a breached threshold, a failed redrive).
 */
export async function runSummary(rawOptions: Record<string, unknown>, deps: SummaryDeps = {}): Promise<CommandResult> {
  const options = parseOptions(rawOptions);
  const env = deps.env ?? process.env;
  const stderr = deps.stderr ?? process.stderr;
  const now = deps.now?.() ?? new Date();
  const { config, source } = await configOf(options.config, env, deps.cwd ?? process.cwd());
  const section = config.summary ?? SummarySectionSchema.parse({});
  const window = windowOf(options.since ?? section.since, options.until, now, options.since === undefined ? `summary.since in ${source}` : '--since');

  const channel = options.channel ?? section.channel ?? (env['SLACK_CHANNEL'] || undefined);
  if (options.post && channel === undefined) {
    throw new InputError('--post needs a Slack channel: pass --channel "#pipeline-oncall", set summary.channel in tripline.config.yaml, or set SLACK_CHANNEL (nothing was read or posted)');
  }

  const { awsSecretResolver } = await import('../../src/summary/secrets.js');
  const secrets = awsSecretResolver(env);
  const readers = deps.readers ?? (await awsReaders(config, options.region, deps, secrets, stderr));
  const { collectShiftSummary } = await import('../../src/summary/collect.js');
  const region = deps.readers === undefined ? await regionOf(deps.cloudwatch, options.region, env) : undefined;
  const summary = await collectShiftSummary(
    {
      history: readers.history,
      metrics: readers.metrics,
      queues: readers.queues,
      alarms: readers.alarms,
      incidents: readers.incidents,
      audit: readers.audit ?? { file: config.console.audit.file },
    },
    { window, pipelines: config.pipelines, environment: config.console.environment, region, flappingTransitions: section.flappingTransitions, now },
  );
  for (const problem of summary.problems) stderr.write(`warn: ${problem}\n`);

  let posted: { channel: string; ts: string } | undefined;
  if (options.post && channel !== undefined) {
    const { postShiftSummary } = await import('../../src/summary/post.js');
    posted = await postShiftSummary(summary, {
      channel,
      token: () => secrets.resolve(config.slack.token, 'Slack bot token'),
      apiUrl: env['SLACK_API_URL'] || undefined,
      ...(deps.slackFetch !== undefined ? { fetch: deps.slackFetch } : {}),
      warn: (line) => stderr.write(`warn: ${line}\n`),
    });
    stderr.write(`posted the summary to Slack channel ${posted.channel} (ts ${posted.ts})\n`);
  }

  const exitCode = summary.attention.length > 0 ? 1 : 0;
  if (options.json) {
    const { summaryJson } = await import('../../src/summary/json.js');
    return { exitCode, stdout: JSON.stringify({ ...summaryJson(summary), posted: posted ?? null }, null, 2) };
  }
  const { renderSummaryText } = await import('../../src/summary/render-text.js');
  return { exitCode, stdout: renderSummaryText(summary) };
}

function parseOptions(raw: Record<string, unknown>): z.infer<typeof SummaryOptionsSchema> {
  const parsed = SummaryOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  return parsed.data;
}

/**
 * The window: `--until` (default now) back by `--since` (a duration such as
 * 12h, or an ISO time), at most the 30 days of history CloudWatch keeps.
 */
export function windowOf(since: string, until: string | undefined, now: Date, sinceFrom = '--since'): MetricWindow {
  const end = until === undefined ? now : parseTime(until, '--until');
  if (end.getTime() > now.getTime() + 60_000) throw new InputError(`--until ${until ?? ''} is in the future; give a past time (ISO 8601, e.g. ${now.toISOString()}) or leave it out for now`);
  const seconds = durationSeconds(since);
  const start = seconds !== undefined ? new Date(end.getTime() - seconds * 1000) : parseTime(since, sinceFrom, 'a duration such as 12h, 30m or 2d, or ');
  if (start.getTime() >= end.getTime()) throw new InputError(`${sinceFrom} ${since} is not before the end of the window (${end.toISOString()}): the start must come first`);
  if (end.getTime() - start.getTime() > MAX_SUMMARY_SECONDS * 1000) {
    throw new InputError(`${sinceFrom} ${since} reaches back more than 30 days, further than CloudWatch keeps alarm history: use 30d or less`);
  }
  return { start, end };
}

function parseTime(text: string, option: string, alternatives = ''): Date {
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new InputError(`${option} "${text}" is not ${alternatives}an ISO 8601 time such as 2026-11-23T08:00:00Z`);
  return at;
}

/** The config; without any config file, no pipelines and default sections (the summary is then of every alarm). */
async function configOf(file: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<{ config: Pick<Config, 'pipelines' | 'console' | 'slack' | 'summary'>; source: string }> {
  try {
    const { config, source } = await loadConfig({ env, cwd, ...(file !== undefined ? { file } : {}) });
    return { config, source };
  } catch (error) {
    if (file !== undefined || !(error instanceof NoReceiverError)) throw error;
    return { config: { pipelines: {}, console: ConsoleSectionSchema.parse({}), slack: SlackSectionSchema.parse({}), summary: undefined }, source: 'defaults (no config file)' };
  }
}

async function awsReaders(
  config: Pick<Config, 'pipelines' | 'console'>,
  region: string | undefined,
  deps: SummaryDeps,
  secrets: import('../../src/config/index.js').SecretResolver,
  stderr: { write(text: string): unknown },
): Promise<NonNullable<SummaryDeps['readers']>> {
  const [{ CloudWatchAlarmHistoryReader }, { CloudWatchMetricsReader }, { SqsQueueReader }, { CloudWatchAlarmStateReader }, { incidentReaderFromConsole }] = await Promise.all([
    import('../../src/aws/alarm-history.js'),
    import('../../src/aws/metrics-reader.js'),
    import('../../src/aws/queues.js'),
    import('../../src/aws/alarm-states.js'),
    import('../../src/aws/incidents.js'),
  ]);
  const cloudwatch = deps.cloudwatch ?? new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient(region !== undefined ? { region } : {});
  const hasPipelines = Object.keys(config.pipelines).length > 0;
  const sqs = hasPipelines ? (deps.sqs ?? new (await import('@aws-sdk/client-sqs')).SQSClient(region !== undefined ? { region } : {})) : undefined;
  const incidents = incidentReaderFromConsole(config.console, secrets);
  return {
    history: new CloudWatchAlarmHistoryReader(cloudwatch, {
      onSkipped: (count, example) => stderr.write(`warn: ${count} alarm history item(s) did not say which states they changed between and are left out (e.g. ${example})\n`),
    }),
    metrics: new CloudWatchMetricsReader(cloudwatch),
    ...(sqs !== undefined ? { queues: new SqsQueueReader(sqs) } : {}),
    alarms: new CloudWatchAlarmStateReader(cloudwatch),
    ...(incidents !== undefined ? { incidents } : {}),
  };
}

async function regionOf(client: CloudWatchClient | undefined, region: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (region !== undefined) return region;
  try {
    return client !== undefined ? await client.config.region() : (env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined);
  } catch {
    return undefined;
  }
}
