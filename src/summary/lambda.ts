import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig, SummarySectionSchema, durationSeconds } from '../config/index.js';
import type { Log } from '../domain/log.js';
import { ConfigError, InputError } from '../errors.js';
import { collectShiftSummary } from './collect.js';
import { postShiftSummary } from './post.js';
import { awsSecretResolver } from './secrets.js';

/** What the Lambda says about redrives: the audit trail is a file on the machine that ran them. */
export const LAMBDA_AUDIT_UNAVAILABLE = 'not available in the Lambda (the audit trail is local to the machine that ran them; run tripline summary there)';

/** The part of an EventBridge scheduled event the handler reads: `time` is the scheduled time. */
export interface ScheduledEventLike {
  readonly time?: string;
}

export interface SummaryLambdaResult {
  readonly channel: string;
  readonly ts: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly fired: number;
  readonly resolved: number;
  readonly ongoing: number;
  readonly problems: readonly string[];
}

export interface OncallSummaryHandlerOptions {
  readonly log: Log;
  readonly env?: NodeJS.ProcessEnv;
  /** Clients to use instead of new ones (tests). */
  readonly clients?: { readonly cloudWatch?: CloudWatchClient; readonly sqs?: SQSClient };
}

/**
 * The oncall-summary Lambda: on each scheduled event, summarizes the shift
 * that ends at the event's time (`summary.since` long, default 12h) and posts
 * it to `summary.channel` (else SLACK_CHANNEL). Redrives are reported as not
 * available: the audit trail lives where the redrives ran.
 *
 * @throws ConfigError without a channel; AwsError when the alarm history cannot be read; NotifyError when Slack refuses.
 */
export function createOncallSummaryHandler(options: OncallSummaryHandlerOptions): (event: unknown, context?: { invokedFunctionArn?: string }) => Promise<SummaryLambdaResult> {
  const env = options.env ?? process.env;
  return async (event, context) => {
    const { config, source } = await loadConfig({ env });
    const section = config.summary ?? SummarySectionSchema.parse({});
    const channel = section.channel ?? env['SLACK_CHANNEL'];
    if (channel === undefined || channel.trim() === '') {
      throw new ConfigError(`no Slack channel for the shift summary: set summary.channel in the config (${source}) or SLACK_CHANNEL on the function`);
    }
    const end = scheduledTime(event) ?? new Date();
    const window = { start: new Date(end.getTime() - (durationSeconds(section.since) ?? 43_200) * 1000), end };
    const [{ CloudWatchClient }, { SQSClient }, { CloudWatchAlarmHistoryReader }, { CloudWatchMetricsReader }, { SqsQueueReader }, { CloudWatchAlarmStateReader }, { incidentReaderFromConsole }] =
      await Promise.all([
        import('@aws-sdk/client-cloudwatch'),
        import('@aws-sdk/client-sqs'),
        import('../aws/alarm-history.js'),
        import('../aws/metrics-reader.js'),
        import('../aws/queues.js'),
        import('../aws/alarm-states.js'),
        import('../aws/incidents.js'),
      ]);
    const cloudWatch = options.clients?.cloudWatch ?? new CloudWatchClient({});
    const sqs = options.clients?.sqs ?? new SQSClient({});
    const secrets = awsSecretResolver(env);
    const incidents = incidentReaderFromConsole(config.console, secrets);
    const summary = await collectShiftSummary(
      {
        history: new CloudWatchAlarmHistoryReader(cloudWatch, { onSkipped: (n, example) => options.log.warn('alarm history items not understood', { count: n, example }) }),
        metrics: new CloudWatchMetricsReader(cloudWatch),
        queues: new SqsQueueReader(sqs),
        alarms: new CloudWatchAlarmStateReader(cloudWatch),
        ...(incidents !== undefined ? { incidents } : {}),
        audit: { unavailable: LAMBDA_AUDIT_UNAVAILABLE },
      },
      {
        window,
        pipelines: config.pipelines,
        environment: config.console.environment,
        account: accountOf(context?.invokedFunctionArn),
        region: env['AWS_REGION'],
        flappingTransitions: section.flappingTransitions,
        now: end,
      },
    );
    for (const problem of summary.problems) options.log.warn('summary reader problem', { problem });
    const posted = await postShiftSummary(summary, {
      channel,
      token: () => secrets.resolve(config.slack.token, 'Slack bot token'),
      apiUrl: env['SLACK_API_URL'] || undefined,
      warn: (line) => options.log.warn(line),
    });
    options.log.info('shift summary posted', { channel: posted.channel, ts: posted.ts, blocks: posted.blocks, fired: summary.totals.fired, resolved: summary.totals.resolved });
    return {
      channel: posted.channel,
      ts: posted.ts,
      window: { start: window.start.toISOString(), end: window.end.toISOString() },
      fired: summary.totals.fired,
      resolved: summary.totals.resolved,
      ongoing: summary.totals.ongoing,
      problems: summary.problems,
    };
  };
}

/** The event's scheduled time; undefined for a manual invoke without one. */
function scheduledTime(event: unknown): Date | undefined {
  if (typeof event !== 'object' || event === null || !('time' in event)) return undefined;
  const time = event.time;
  if (typeof time !== 'string') return undefined;
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) throw new InputError(`the event's time "${time}" is not a timestamp: invoke with an EventBridge scheduled event or {}`);
  return at;
}

function accountOf(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}
