// The oncall-summary Lambda on a schedule (rules/build-app.ts calls
// addOncallSummaryStack). It is added only when the config has a `summary:`
// section, so an app without one synthesizes exactly as before.
import path from 'node:path';
import { ArnFormat, CfnOutput, Duration, Stack, type App, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ConfigError } from '../src/errors.js';
import { grantSecretReads, LAMBDA_ENV_LIMIT_BYTES, resolveBundleDir, unique, type AddStackOptions } from './stack-helpers.js';

/** Where `npm run build` writes the oncall-summary bundle, relative to the repository root. */
export const DEFAULT_SUMMARY_BUNDLE_DIR = 'dist/lambdas/oncall-summary';
/** Stack name when neither context `summaryStackName` nor `TRIPLINE_SUMMARY_STACK_NAME` says otherwise. */
export const DEFAULT_SUMMARY_STACK_NAME = 'tripline-oncall-summary';

const ARN = /^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[^*?]+$/;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

export interface OncallSummaryStackProps extends StackProps {
  /** Directory holding `index.mjs` (default `dist/lambdas/oncall-summary`, from `npm run build`). */
  readonly bundleDir?: string;
  /** The validated config (the sections the summary reads) as compact JSON; becomes `TRIPLINE_CONFIG`. */
  readonly configJson: string;
  /** EventBridge schedule expression (`summary.schedule`), e.g. `cron(0 8,20 * * ? *)`. */
  readonly schedule: string;
  /** `SLACK_CHANNEL`, used when the config has no `summary.channel`. */
  readonly slackChannel?: string;
  /** The pipelines' failed queues and DLQs (names, URLs or ARNs): GetQueueAttributes is granted on exactly these. */
  readonly queues: readonly string[];
  /** SSM parameters and Secrets Manager secrets the config reads (the Slack token, the PagerDuty API token). */
  readonly ssmParameterNames?: readonly string[];
  readonly secretIds?: readonly string[];
  /** Customer-managed KMS key that encrypts those parameters or secrets. */
  readonly kmsKeyArn?: string;
}

/**
 * A scheduled EventBridge rule that runs the oncall-summary Lambda, which
 * reads the shift's alarm history (DescribeAlarmHistory), one health
 * snapshot (GetMetricData, DescribeAlarms, GetQueueAttributes) and the open
 * PagerDuty incidents, and posts the summary to Slack.
 *
 * @example
 * new OncallSummaryStack(app, 'tripline-oncall-summary', { configJson, schedule: 'cron(0 8,20 * * ? *)', queues: ['web-dlq'] });
 */
export class OncallSummaryStack extends Stack {
  readonly summary: LambdaFn;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: OncallSummaryStackProps) {
    super(scope, id, props);
    const bundleDir = resolveBundleDir(props.bundleDir, DEFAULT_SUMMARY_BUNDLE_DIR);
    const logGroup = new LogGroup(this, 'SummaryLogs', { retention: RetentionDays.ONE_MONTH });
    // An explicit role keeps AWSLambdaBasicExecutionRole (logs:CreateLogGroup on *) off the function.
    const role = new Role(this, 'SummaryRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: 'tripline oncall summary' });
    logGroup.grantWrite(role);

    this.summary = new LambdaFn(this, 'Summary', {
      description: 'tripline oncall summary: the shift in alarms, incidents, DLQs and data quality, posted to Slack',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(bundleDir),
      memorySize: 256,
      // History pages, one GetMetricData, queue attributes and one Slack post: seconds, with room for a slow page.
      timeout: Duration.seconds(60),
      role,
      logGroup,
      environment: summaryEnvironment(props),
      // One retry: a summary a few minutes late beats none; two posts of it are harmless but noisy.
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
    });

    // DescribeAlarmHistory and DescribeAlarms (composites) only work on `*`; GetMetricData has no resource-level permissions.
    role.addToPolicy(
      new PolicyStatement({ sid: 'ReadAlarmsAndMetrics', actions: ['cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData'], resources: ['*'] }),
    );
    const queueArns = unique(props.queues.map((q) => this.queueArn(q)));
    if (queueArns.length > 0) {
      role.addToPolicy(new PolicyStatement({ sid: 'ReadQueueDepths', actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], resources: queueArns }));
    }
    grantSecretReads(this, role, props);

    this.rule = new Rule(this, 'SummarySchedule', {
      description: 'tripline oncall summary schedule (summary.schedule)',
      schedule: Schedule.expression(props.schedule),
    });
    this.rule.addTarget(new LambdaFunction(this.summary, { retryAttempts: 2, maxEventAge: Duration.hours(1) }));

    new CfnOutput(this, 'SummaryFunctionName', { value: this.summary.functionName });
    new CfnOutput(this, 'SummaryScheduleRuleName', { value: this.rule.ruleName, description: `runs ${props.schedule} (UTC)` });
  }

  private queueArn(ref: string): string {
    const text = ref.trim();
    if (text.startsWith('arn:')) {
      if (!ARN.test(text) || text.split(':')[2] !== 'sqs') throw new ConfigError(`queue "${ref}" is not an SQS queue ARN: use arn:aws:sqs:<region>:<account>:<name>, a URL or a name`);
      return text;
    }
    if (/^https?:\/\//i.test(text)) {
      const [account, name] = new URL(text).pathname.split('/').filter((s) => s !== '');
      const region = /sqs\.([a-z0-9-]+)\./.exec(new URL(text).hostname)?.[1] ?? this.region;
      if (account === undefined || name === undefined || !QUEUE_NAME.test(name)) throw new ConfigError(`queue URL "${ref}" does not end in /<account>/<queue name>`);
      return this.formatArn({ service: 'sqs', region, account, resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME });
    }
    if (!QUEUE_NAME.test(text)) throw new ConfigError(`queue name "${ref}" has characters SQS does not allow: use letters, digits, "-" and "_"`);
    return this.formatArn({ service: 'sqs', resource: text, arnFormat: ArnFormat.NO_RESOURCE_NAME });
  }

}

function summaryEnvironment(props: OncallSummaryStackProps): Record<string, string> {
  const env: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: 'tripline-oncall-summary',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    TRIPLINE_CONFIG: props.configJson,
  };
  if (props.slackChannel !== undefined) env['SLACK_CHANNEL'] = props.slackChannel;
  const bytes = Object.entries(env).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
    throw new ConfigError(
      `the oncall-summary function's environment would be ${bytes} bytes (TRIPLINE_CONFIG is most of it); Lambda allows ${LAMBDA_ENV_LIMIT_BYTES}: shorten tripline.config.yaml (fewer routes or pipelines; name secrets by ssm or secretsManager instead of inline values)`,
    );
  }
  return env;
}

// ── the stack's place in the app ──

/**
 * Adds the oncall-summary stack when the (validated) config has a `summary:`
 * section. Its settings: context `summaryStackName` / `TRIPLINE_SUMMARY_STACK_NAME`,
 * `summaryBundleDir`, `slackChannel` and `kmsKeyArn` (shared with the router).
 * Secrets named by `slack.token` and `console.pagerdutyApiToken` are granted;
 * one given inline or by environment variable gets a warning.
 *
 * @throws ConfigError when the config's summary, pipelines, console or slack section is not valid.
 */
export async function addOncallSummaryStack(
  app: App,
  options: AddStackOptions,
): Promise<OncallSummaryStack | undefined> {
  const config = isRecord(options.config) ? options.config : undefined;
  if (config === undefined || config['summary'] === undefined) return undefined;
  // Loaded lazily, as build-app.ts loads the config parser: the stack itself does not depend on it.
  const { SummarySectionSchema, PipelinesSchema, ConsoleSectionSchema, SlackSectionSchema } = await import('../src/config/index.js');
  const section = <T>(name: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } } }, fallback: unknown): T => {
    const parsed = schema.safeParse(config[name] ?? fallback);
    if (!parsed.success) throw new ConfigError(`the config's ${name} section is not valid: ${parsed.error.issues.map((i) => `${[name, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  };
  const summary = section('summary', SummarySectionSchema, {});
  const pipelines = section('pipelines', PipelinesSchema, {});
  const consoleSection = section('console', ConsoleSectionSchema, {});
  const slack = section('slack', SlackSectionSchema, {});

  const pick = (key: string, envName?: string): string | undefined => {
    const fromContext: unknown = app.node.tryGetContext(key);
    if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
    const fromEnv = envName === undefined ? undefined : options.env[envName];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const slackChannel = pick('slackChannel');
  if (summary.channel === undefined && slackChannel === undefined) {
    options.warn('summary: no summary.channel and no -c slackChannel=…: the oncall-summary Lambda has nowhere to post and will fail; set summary.channel');
  }

  const ssm = new Set<string>();
  const secretIds = new Set<string>();
  const refs: [string, unknown][] = [
    ['slack.token', slack.token],
    ['console.pagerdutyApiToken', consoleSection.pagerdutyApiToken],
  ];
  for (const [at, ref] of refs) {
    if (!isRecord(ref)) continue;
    if (typeof ref['ssm'] === 'string') ssm.add(ref['ssm']);
    else if (typeof ref['secretsManager'] === 'string') secretIds.add(ref['secretsManager']);
    else if (typeof ref['value'] === 'string') options.warn(`${at}: secret given inline ({value: …}); it will sit in the oncall-summary function's TRIPLINE_CONFIG and in the CloudFormation template. Store it in SSM or Secrets Manager instead.`);
    else if (typeof ref['env'] === 'string') options.warn(`${at}: reads environment variable ${ref['env']}, which the oncall-summary stack does not set. Name an SSM parameter (ssm: …) or a secret (secretsManager: …) instead.`);
  }

  const bundleDir = pick('summaryBundleDir');
  const kmsKeyArn = pick('kmsKeyArn');
  // Only what the summary reads (quality and notify settings stay out of its 4 KB environment).
  const configJson = JSON.stringify({ version: config['version'], paging: config['paging'], slack: config['slack'], pipelines: config['pipelines'], console: config['console'], summary: config['summary'] });
  return new OncallSummaryStack(app, pick('summaryStackName', 'TRIPLINE_SUMMARY_STACK_NAME') ?? DEFAULT_SUMMARY_STACK_NAME, {
    env: { account: options.env['CDK_DEFAULT_ACCOUNT'], region: options.env['CDK_DEFAULT_REGION'] },
    description: 'tripline oncall summary: a shift summary posted to Slack on a schedule',
    configJson,
    schedule: summary.schedule,
    queues: Object.values(pipelines).flatMap((p) => [p.failedQueue, p.dlq]),
    ssmParameterNames: [...ssm],
    secretIds: [...secretIds],
    ...(slackChannel !== undefined ? { slackChannel } : {}),
    ...(bundleDir !== undefined ? { bundleDir: path.resolve(options.cwd, bundleDir) } : {}),
    ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
