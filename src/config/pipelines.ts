import * as z from 'zod/mini';
import '../zod-config.js';
import { SecretRefSchema } from './secret-ref.js';

const name = z.string().check(z.minLength(1, 'must not be empty'));
const seconds = z.number().check(z.gte(0, 'must be 0 or more seconds'));
const rate = z.number().check(z.gte(0, 'must be between 0 and 1'), z.lte(1, 'must be between 0 and 1'));
const count = z.int().check(z.gte(0, 'must be 0 or more'));

/**
 * Where the console colours a number amber or red, where redrive refuses to
 * run, and (issue 5) the defaults the shipped alarms use. Every field has a
 * documented default.
 */
export const PipelineThresholdsSchema = z.strictObject({
  /** Kinesis GetRecords.IteratorAgeMilliseconds / Lambda IteratorAge, in seconds. */
  lagSeconds: z._default(seconds, 60),
  /** Processor Lambda Errors / Invocations over the last period. Redrive refuses above it (unless --force). */
  processorErrorRate: z._default(rate, 0.01),
  /** Failed-event queue ApproximateAgeOfOldestMessage, in seconds. */
  failedQueueAgeSeconds: z._default(seconds, 900),
  /** DLQ ApproximateNumberOfMessagesVisible above this is red (the DLQ alarm fires above it). */
  dlqDepth: z._default(count, 0),
  /** Firehose DeliveryToS3.DataFreshness, in seconds. */
  freshnessSeconds: z._default(seconds, 900),
  /** Quality rates (0–1), as in `quality.thresholds`. */
  invalidRate: z._default(rate, 0.02),
  duplicateRate: z._default(rate, 0.05),
  lateRate: z._default(rate, 0.1),
  /** Collector (API Gateway) 5XX share of requests. */
  collector5xxRate: z._default(rate, 0.01),
  /** Collector 4XX share of requests (refused: an expired key, a changed request format, throttling). */
  collector4xxRate: z._default(rate, 0.05),
  /** Collector p99 latency, in milliseconds. */
  collectorP99Ms: z._default(z.number().check(z.gt(0, 'must be more than 0 ms')), 1000),
  /** Processor Lambda Throttles per 5 minutes; the throttles alarm fires above it three periods running. */
  processorThrottles: z._default(count, 0),
  /** Collector traffic-drop band, in standard deviations of the learned pattern: wider is fewer alarms on odd nights. */
  trafficBandWidth: z._default(z.number().check(z.gt(0, 'must be more than 0 standard deviations')), 3),
  /** Firehose DeliveryToS3.Success (successful S3 writes / attempts, 0–1); the alarm fires below it three 5-minute periods running. */
  firehoseSuccessRate: z._default(rate, 1),
});
export type PipelineThresholds = z.infer<typeof PipelineThresholdsSchema>;

/**
 * One event pipeline (e.g. web, ios, android): the AWS resources the console
 * watches and the redrive and runbooks act on. Queues by name (a URL or ARN
 * also works).
 */
export const PipelineSchema = z.strictObject({
  /** Kinesis data stream the collector writes to. */
  stream: name,
  /** Processor Lambda (Kinesis consumer). */
  processor: name,
  /** Retry Lambda (failed-event queue consumer). */
  retryProcessor: z.optional(name),
  /** SQS queue the processor sends failed events to. */
  failedQueue: name,
  /** The failed-event queue's dead-letter queue. */
  dlq: name,
  /** Firehose delivery stream to S3. */
  firehose: z.optional(name),
  /** API Gateway REST API (and stage) of the collector. */
  collector: z.optional(
    z.strictObject({
      apiName: name,
      stage: z.optional(name),
    }),
  ),
  /** CloudWatch namespace of the quality metrics (`dq check --publish`, quality-monitor). */
  qualityNamespace: z._default(name, 'Tripline/Quality'),
  /**
   * Whether the shipped alarms include the four quality alarms. Set false for
   * a pipeline whose quality metrics nobody publishes (no quality-monitor
   * Lambda, no `dq check --publish`): its quality freshness would otherwise
   * see no data, count it as breaching and hold the composite in ALARM.
   */
  qualityAlarms: z._default(z.boolean(), true),
  /** Alarms whose names start with this belong to the pipeline (default `tripline-<name>-`). */
  alarmPrefix: z.optional(name),
  thresholds: z.prefault(PipelineThresholdsSchema, {}),
  /**
   * Link put in the shipped alarms' `runbook` tag and description:
   * `{runbook}` (the runbook id, e.g. `dlq-redrive`), `{pipeline}`, `{alarmName}`,
   * `{alarmNameEncoded}`. Default: `paging.defaults.runbookUrl`.
   */
  runbookUrl: z.optional(
    z.string().check(
      z.superRefine((template, ctx) => {
        const problem = runbookLinkProblem(template);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ),
  ),
  /** Dimensions the quality metrics of this pipeline are published with (default `{ Pipeline: <name> }`). */
  qualityDimensions: z.optional(z.record(z.string().check(z.minLength(1, 'must not be empty')), name)),
});
export type Pipeline = z.infer<typeof PipelineSchema>;

/**
 * `console:` — the oncall console (`tripline tui`), `tripline dlq` and
 * `tripline runbook`.
 */
export const ConsoleSectionSchema = z.strictObject({
  /** Label in the header; `prod`/`production` is shown in red. */
  environment: z._default(name, 'prod'),
  /** Directory of runbooks (Markdown with front matter). */
  runbooks: z._default(name, 'runbooks'),
  /** Audit trail of every action: a JSONL file (appended), and Slack when `channel` is set. */
  audit: z.prefault(
    z.strictObject({
      file: z._default(name, '.tripline/audit.jsonl'),
      slackChannel: z.optional(name),
    }),
    {},
  ),
  /** PagerDuty REST API token (read-only is enough) to list open incidents. */
  pagerdutyApiToken: z.optional(SecretRefSchema),
  /** PagerDuty REST API base URL (tests and the sandbox point it at loopback). */
  pagerdutyApiUrl: z._default(name, 'https://api.pagerduty.com'),
});
export type ConsoleSection = z.infer<typeof ConsoleSectionSchema>;

export const PipelinesSchema = z.record(
  z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'pipeline names are lower-case letters, digits and "-", at most 32')),
  PipelineSchema,
);
export type Pipelines = z.infer<typeof PipelinesSchema>;

/** Placeholders a pipeline's `runbookUrl` may use; all are known when the alarms are created. */
export const RUNBOOK_LINK_PLACEHOLDERS = ['runbook', 'pipeline', 'alarmName', 'alarmNameEncoded'] as const;

/** Why a runbook link template is unusable, or undefined when it is fine. */
export function runbookLinkProblem(template: string): string | undefined {
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!(RUNBOOK_LINK_PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')) {
      return `unknown placeholder ${m[0]}; use ${RUNBOOK_LINK_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;
    }
  }
  const sample = template.replace(/\{[^{}]*\}/g, 'x');
  if (!URL.canParse(sample) || !['http:', 'https:'].includes(new URL(sample).protocol)) {
    return 'must be an absolute http(s) URL, e.g. "https://runbooks.example.com/{runbook}?pipeline={pipeline}"';
  }
  return undefined;
}

/** A pipeline's alarm prefix: its own, or `tripline-<name>-`. */
export function alarmPrefixOf(name: string, pipeline: Pipeline): string {
  return pipeline.alarmPrefix ?? `tripline-${name}-`;
}
