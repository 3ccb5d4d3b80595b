import { existsSync } from 'node:fs';
import path from 'node:path';
import { ArnFormat, Aws, CfnOutput, Duration, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { Stream, type IStream } from 'aws-cdk-lib/aws-kinesis';
import { Architecture, Code, Function as LambdaFn, Runtime, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { QualitySection } from '../src/config/quality.js';
import { ConfigError } from '../src/errors.js';
import { BundleMissingError, LAMBDA_ENV_LIMIT_BYTES, resolveBundleDir } from './stack-helpers.js';

/** Where `npm run build` writes the quality-monitor bundle (and its tracking plan), relative to the repository root. */
export const DEFAULT_QUALITY_BUNDLE_DIR = 'dist/lambdas/quality-monitor';



const STREAM_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
// Alarm names become part of ARNs and router matchers; keep them plain.
const PIPELINE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The four quality alarms. */
export type QualityAlarmKind = 'invalid-rate' | 'duplicate-rate' | 'late-rate' | 'freshness';
export const QUALITY_ALARM_KINDS: readonly QualityAlarmKind[] = ['invalid-rate', 'duplicate-rate', 'late-rate', 'freshness'];

export type AlarmSeverity = 'critical' | 'error' | 'warning' | 'info';

/**
 * Thresholds when the config sets none: rates as 0–1 like `quality.thresholds`,
 * freshness in seconds. Freshness pages (events stopped arriving); the rates
 * inform.
 */
export const DEFAULT_QUALITY_THRESHOLDS = { invalidRate: 0.01, duplicateRate: 0.05, lateRate: 0.1, freshnessSeconds: 900 } as const;

const DEFAULT_SEVERITIES: Readonly<Record<QualityAlarmKind, AlarmSeverity>> = {
  'invalid-rate': 'warning',
  'duplicate-rate': 'warning',
  'late-rate': 'warning',
  freshness: 'critical',
};

/** Props of {@link QualityMonitorStack}: a stream (ARN or name) is required. */
export interface QualityMonitorStackProps extends StackProps {
  /** The tracking stream: its ARN, or its name in this stack's account and region. */
  readonly streamArn?: string;
  readonly streamName?: string;
  /** The customer-managed KMS key of an encrypted stream (not needed for AWS-owned encryption). */
  readonly streamKmsKeyArn?: string;
  /** Directory holding `index.mjs` and `tracking-plan/` (default `dist/lambdas/quality-monitor`). */
  readonly bundleDir?: string;
  /**
   * The validated `quality:` section (`Config['quality']`): deployed as
   * `TRIPLINE_QUALITY_CONFIG`; its `publish` namespace and dimensions are what the
   * alarms watch, its thresholds theirs. Defaults throughout when absent.
   */
  readonly quality?: QualitySection;
  /** Names the alarms (`tripline-<pipeline>-quality-…`) and their `pipeline` tag; default the `Pipeline` publish dimension, else the stream name. */
  readonly pipeline?: string;
  /**
   * Runbook URL put in each alarm's `runbook` tag and description. `{alarmName}` and
   * `{alarmNameEncoded}` are filled in, `{tags.<key>}` from the alarm's tags,
   * `{accountId}` and `{region}` from the stack. Without one the alarms carry no
   * `runbook` tag and the router's own runbook URL applies.
   */
  readonly runbookUrl?: string;
  readonly severities?: Partial<Record<QualityAlarmKind, AlarmSeverity>>;
  /** Creates the quarantine queue and sends it a sample of each batch's invalid events. Default false (it holds raw events). */
  readonly quarantine?: boolean;
  /** Invalid events quarantined per batch (`TRIPLINE_QUARANTINE_SAMPLE`); default 10. */
  readonly quarantineSample?: number;
  /** `TRIPLINE_DEDUP_WINDOW_KEYS`; default 1,000,000 (the function's memory is sized for it). */
  readonly dedupWindowKeys?: number;
  /** Records per invocation; default 1000. */
  readonly batchSize?: number;
  /** How long Lambda gathers records before invoking; default 5 s. */
  readonly maxBatchingWindow?: Duration;
  /** Retries of a failing record before it goes to the failure queue; default 3. */
  readonly retryAttempts?: number;
  /** Records older than this are skipped (and reported to the failure queue); default 6 h. */
  readonly maxRecordAge?: Duration;
  /** Alarm period; default 5 minutes. */
  readonly alarmPeriod?: Duration;
  /**
   * Pipelines whose quality alarms the router stack already creates from
   * `pipelines:` in the config (rules/pipeline-alarms.ts, the same names, exact
   * metric math): for these the monitor creates none.
   */
  readonly pipelinesWithAlarms?: readonly string[];
}

/**
 * The quality-monitor Lambda on the tracking stream, and the four alarms on
 * the metrics it writes. The alarms have no actions: the alarm router's
 * EventBridge rule receives every alarm state change, and their names
 * (`tripline-<pipeline>-quality-*`) and `pipeline` tag are what its routes
 * and inhibition rules match.
 *
 * Kinesis event source: LATEST, partial batch responses, bisect on error, a
 * bounded number of retries and record age, and an SQS failure destination
 * that keeps the coordinates (shard, sequence range) of what was skipped, so
 * one bad record never stalls a shard.
 *
 * @example
 * new QualityMonitorStack(app, 'tripline-quality-monitor', { streamArn, quality: config.quality, runbookUrl: 'https://runbooks.example.com/{alarmName}' });
 */
export class QualityMonitorStack extends Stack {
  readonly monitor: LambdaFn;
  readonly stream: IStream;
  readonly failureQueue: Queue;
  readonly quarantineQueue: Queue | undefined;
  /** Undefined when the pipeline alarms own this pipeline's quality alarms (`pipelinesWithAlarms`). */
  readonly alarms: Readonly<Record<QualityAlarmKind, Alarm>> | undefined;
  readonly pipeline: string;

  constructor(scope: Construct, id: string, props: QualityMonitorStackProps) {
    super(scope, id, props);
    const bundleDir = resolveQualityBundleDir(props.bundleDir);
    const quality = props.quality;
    const publish = { namespace: quality?.publish.namespace ?? 'Tripline/Quality', dimensions: quality?.publish.dimensions ?? {} };
    const streamArn = this.streamArnOf(props);
    this.pipeline = pipelineOf(props, publish.dimensions, streamArn);

    const encryptionKey = props.streamKmsKeyArn === undefined ? undefined : this.streamKey(props.streamKmsKeyArn);
    this.stream = Stream.fromStreamAttributes(this, 'TrackingStream', { streamArn, ...(encryptionKey ? { encryptionKey } : {}) });

    this.failureQueue = new Queue(this, 'MonitorFailureQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
    });
    this.quarantineQueue =
      props.quarantine === true
        ? new Queue(this, 'QuarantineQueue', { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED })
        : undefined;

    const logGroup = new LogGroup(this, 'MonitorLogs', { retention: RetentionDays.ONE_MONTH });
    // An explicit role keeps AWSLambdaBasicExecutionRole (logs:CreateLogGroup on *) off the function.
    const role = new Role(this, 'MonitorRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'tripline quality monitor',
    });
    logGroup.grantWrite(role);
    if (this.quarantineQueue !== undefined) {
      // SendMessageBatch is authorized as sqs:SendMessage; nothing else is needed.
      role.addToPolicy(new PolicyStatement({ sid: 'Quarantine', actions: ['sqs:SendMessage'], resources: [this.quarantineQueue.queueArn] }));
    }

    this.monitor = new LambdaFn(this, 'Monitor', {
      description: 'tripline quality monitor: tracked events on Kinesis checked against the tracking plan, metrics as EMF',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(bundleDir),
      // Two dedup-window tables of 16 MiB at 1M keys, Avro validators; more memory is also more CPU.
      memorySize: 1024,
      timeout: Duration.seconds(60),
      role,
      logGroup,
      environment: this.monitorEnvironment(props, quality, publish.namespace),
    });

    this.monitor.addEventSource(
      new KinesisEventSource(this.stream, {
        startingPosition: StartingPosition.LATEST,
        batchSize: props.batchSize ?? 1000,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: props.retryAttempts ?? 3,
        maxRecordAge: props.maxRecordAge ?? Duration.hours(6),
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );

    this.alarms = props.pipelinesWithAlarms?.includes(this.pipeline) === true ? undefined : this.createAlarms(props, quality, publish);

    new CfnOutput(this, 'MonitorFunctionName', { value: this.monitor.functionName });
    new CfnOutput(this, 'FailureQueueUrl', {
      value: this.failureQueue.queueUrl,
      description: 'shard and sequence ranges the monitor skipped after its retries (the records stay in the stream)',
    });
    if (this.quarantineQueue !== undefined) {
      new CfnOutput(this, 'QuarantineQueueUrl', {
        value: this.quarantineQueue.queueUrl,
        description: 'a sample of invalid events, with reason, detail, partition key and sequence number as attributes',
      });
    }
  }

  private streamArnOf(props: QualityMonitorStackProps): string {
    if (props.streamArn !== undefined) {
      if (props.streamName !== undefined) {
        throw new ConfigError('give the tracking stream once: streamArn or streamName, not both');
      }
      if (!STREAM_ARN.test(props.streamArn)) {
        throw new ConfigError(`"${props.streamArn}" is not a Kinesis stream ARN: use arn:aws:kinesis:<region>:<account>:stream/<name>`);
      }
      return props.streamArn;
    }
    if (props.streamName !== undefined) {
      if (!STREAM_NAME.test(props.streamName)) {
        throw new ConfigError(`"${props.streamName}" is not a Kinesis stream name: use 1–128 letters, digits and _ . -`);
      }
      return this.formatArn({ service: 'kinesis', resource: 'stream', resourceName: props.streamName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    }
    throw new ConfigError('the quality monitor needs the tracking stream: pass streamArn (-c qualityStreamArn=arn:aws:kinesis:…) or streamName');
  }

  private streamKey(arn: string): IKey {
    if (!KMS_KEY_ARN.test(arn)) {
      throw new ConfigError(`streamKmsKeyArn "${arn}" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key-id>`);
    }
    return Key.fromKeyArn(this, 'StreamKey', arn);
  }

  private monitorEnvironment(props: QualityMonitorStackProps, quality: QualitySection | undefined, namespace: string): Record<string, string> {
    const env: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: 'tripline-quality-monitor',
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    if (quality !== undefined) env['TRIPLINE_QUALITY_CONFIG'] = JSON.stringify(quality);
    if (props.dedupWindowKeys !== undefined) env['TRIPLINE_DEDUP_WINDOW_KEYS'] = String(props.dedupWindowKeys);
    if (this.quarantineQueue !== undefined) {
      env['TRIPLINE_QUARANTINE_QUEUE_URL'] = this.quarantineQueue.queueUrl;
      if (props.quarantineSample !== undefined) env['TRIPLINE_QUARANTINE_SAMPLE'] = String(props.quarantineSample);
    }
    const bytes = Object.entries(env).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
      throw new ConfigError(
        `the quality monitor's environment would be ${bytes} bytes (TRIPLINE_QUALITY_CONFIG is most of it); Lambda allows ${LAMBDA_ENV_LIMIT_BYTES}: shorten the quality section of tripline.config.yaml`,
      );
    }
    return env;
  }

  private createAlarms(
    props: QualityMonitorStackProps,
    quality: QualitySection | undefined,
    publish: { namespace: string; dimensions: Readonly<Record<string, string>> },
  ): Record<QualityAlarmKind, Alarm> {
    const t = quality?.thresholds ?? {};
    const period = props.alarmPeriod ?? Duration.minutes(5);
    const metric = (metricName: string, statistic: string): Metric =>
      new Metric({ namespace: publish.namespace, metricName, dimensionsMap: { ...publish.dimensions }, statistic, period });
    const percent = (rate: number): number => Math.round(rate * 100 * 1e6) / 1e6;
    const minutes = period.toMinutes({ integral: false });

    const specs: Record<QualityAlarmKind, { metric: Metric; threshold: number; missing: TreatMissingData; datapoints: number; what: string }> = {
      'invalid-rate': {
        metric: metric('InvalidRate', 'Average'),
        threshold: percent(t.invalidRate ?? DEFAULT_QUALITY_THRESHOLDS.invalidRate),
        missing: TreatMissingData.NOT_BREACHING,
        datapoints: 2,
        what: 'More tracked events than allowed fail the tracking plan (invalid records / all records, in percent, averaged over the batches)',
      },
      'duplicate-rate': {
        metric: metric('DuplicateRate', 'Average'),
        threshold: percent(t.duplicateRate ?? DEFAULT_QUALITY_THRESHOLDS.duplicateRate),
        missing: TreatMissingData.NOT_BREACHING,
        datapoints: 2,
        what: 'More valid events than allowed are extra copies of an event already seen (per shard, within the dedup window)',
      },
      'late-rate': {
        metric: metric('LateRate', 'Average'),
        threshold: percent(t.lateRate ?? DEFAULT_QUALITY_THRESHOLDS.lateRate),
        missing: TreatMissingData.NOT_BREACHING,
        datapoints: 2,
        what: `More valid events than allowed arrive later than ${(quality?.allowedLatenessSeconds ?? 600).toLocaleString('en-US')} s after they happened`,
      },
      freshness: {
        // Minimum over the period's batches: the newest event anywhere on the stream, as `dq check` defines freshness.
        metric: metric('FreshnessSeconds', 'Minimum'),
        threshold: t.freshnessSeconds ?? DEFAULT_QUALITY_THRESHOLDS.freshnessSeconds,
        // No batch, no data point: events stopped arriving (or the monitor stopped). That is the page.
        missing: TreatMissingData.BREACHING,
        datapoints: 3,
        what: 'No valid tracked event is newer than the threshold, or no events (or no monitor data) arrived at all',
      },
    };

    const create = (kind: QualityAlarmKind): Alarm => {
      const spec = specs[kind];
      const alarmName = `tripline-${this.pipeline}-quality-${kind}`;
      const severity = props.severities?.[kind] ?? DEFAULT_SEVERITIES[kind];
      const tags: Record<string, string> = { severity, pipeline: this.pipeline };
      const runbook = props.runbookUrl === undefined ? undefined : renderRunbook(props.runbookUrl, alarmName, tags);
      const alarm = new Alarm(this, `Quality${pascal(kind)}Alarm`, {
        alarmName,
        alarmDescription:
          `${spec.what}: ${spec.metric.metricName} ${kind === 'freshness' ? '' : '(%) '}> ${spec.threshold} for ${spec.datapoints} of 3 ` +
          `${minutes}-minute periods, pipeline ${this.pipeline}. Runbook: ${runbook ?? 'the alarm router\'s runbook for this alarm'}`,
        metric: spec.metric,
        threshold: spec.threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: spec.datapoints,
        treatMissingData: spec.missing,
      });
      for (const [key, value] of Object.entries(tags)) Tags.of(alarm).add(key, value);
      if (runbook !== undefined) Tags.of(alarm).add('runbook', runbook);
      return alarm;
    };
    return {
      'invalid-rate': create('invalid-rate'),
      'duplicate-rate': create('duplicate-rate'),
      'late-rate': create('late-rate'),
      freshness: create('freshness'),
    };
  }
}

/**
 * Fills a runbook template for one alarm. `{state}` cannot be known when the
 * alarm is created, so a template with it is refused.
 *
 * @example renderRunbook('https://runbooks.example.com/{alarmName}', 'tripline-web-quality-freshness', {}) // 'https://runbooks.example.com/tripline-web-quality-freshness'
 */
export function renderRunbook(template: string, alarmName: string, tags: Readonly<Record<string, string>>): string {
  const url = template.replace(/\{([^{}]*)\}/g, (raw, name: string) => {
    if (name === 'alarmName') return alarmName.split('/').map(encodeURIComponent).join('/');
    if (name === 'alarmNameEncoded') return encodeURIComponent(alarmName);
    if (name === 'accountId') return Aws.ACCOUNT_ID;
    if (name === 'region') return Aws.REGION;
    if (name.startsWith('tags.')) return encodeURIComponent(tags[name.slice('tags.'.length)] ?? '');
    throw new ConfigError(
      `runbook URL "${template}": ${raw} cannot be filled in when the alarm is created; use {alarmName}, {alarmNameEncoded}, {accountId}, {region} or {tags.<key>}`,
    );
  });
  if (!/^https?:\/\/\S+$/.test(url.replace(/\$\{Token\[[^\]]+\]\}/g, 'x'))) {
    throw new ConfigError(`runbook URL "${template}" is not an http(s) URL`);
  }
  return url;
}

function pipelineOf(props: QualityMonitorStackProps, dimensions: Readonly<Record<string, string>>, streamArn: string): string {
  const given = props.pipeline ?? dimensions['Pipeline'] ?? dimensions['pipeline'] ?? streamArn.slice(streamArn.lastIndexOf('/') + 1);
  if (!PIPELINE.test(given)) {
    throw new ConfigError(
      `pipeline "${given}" cannot be part of an alarm name: use letters, digits and _ . - (set -c qualityPipeline=… or quality.publish.dimensions.Pipeline)`,
    );
  }
  return given;
}

function pascal(kind: string): string {
  return kind.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

function resolveQualityBundleDir(given: string | undefined): string {
  const dir = resolveBundleDir(given, DEFAULT_QUALITY_BUNDLE_DIR);
  if (!existsSync(path.join(dir, 'tracking-plan'))) {
    throw new BundleMissingError(`${path.join(given ?? DEFAULT_QUALITY_BUNDLE_DIR, 'tracking-plan')} not found: npm run build copies the tracking plan beside the bundle; run it again`);
  }
  return dir;
}
