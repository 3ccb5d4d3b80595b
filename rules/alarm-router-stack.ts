import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, type IRuleTarget } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ConfigError } from '../src/errors.js';
import { BundleMissingError, grantSecretReads, LAMBDA_ENV_LIMIT_BYTES, resolveBundleDir } from './stack-helpers.js';
import { routerFailureAlarm } from '../src/pipeline-alarms/definitions.js';
import { renderMetricAlarm } from './pipeline-alarms.js';
import alarmStateChangePattern from './alarm-state-change.pattern.json' with { type: 'json' };

/** How alarm state changes reach the router. */
export type RouterTopology = 'sns' | 'direct';

/** Every accepted topology, for messages that list the valid values. */
export const ROUTER_TOPOLOGIES: readonly RouterTopology[] = ['sns', 'direct'];

/** Where `npm run build` writes the router bundle, relative to the repository root. */
export const DEFAULT_BUNDLE_DIR = 'dist/lambdas/alarm-router';


/** The router bundle is not where the stack expects it. */
export { BundleMissingError };

/** Props of {@link AlarmRouterStack}; only `bundleDir` has to exist on disk. */
export interface AlarmRouterStackProps extends StackProps {
  /** Directory holding `index.mjs` (default `dist/lambdas/alarm-router`, from `npm run build`). */
  readonly bundleDir?: string;
  /** The validated tripline config as compact JSON; becomes `TRIPLINE_CONFIG`. */
  readonly routerConfigJson?: string;
  /** `sns` (default): rule → topic → router; `direct`: rule → router. */
  readonly topology?: RouterTopology;
  /** Only alarms whose name starts with this reach the router. */
  readonly alarmNamePrefix?: string;
  /** `PAGERDUTY_EVENTS_URL`, e.g. the EU endpoint. */
  readonly pagerDutyEventsUrl?: string;
  /** `SLACK_CHANNEL`. */
  readonly slackChannel?: string;
  /** SSM parameters (names or ARNs) the config reads secrets from. */
  readonly ssmParameterNames?: readonly string[];
  /** Secrets Manager secrets (names or ARNs) the config reads secrets from. */
  readonly secretIds?: readonly string[];
  /** Customer-managed KMS key that encrypts those parameters or secrets. */
  readonly kmsKeyArn?: string;
  /** Creates a DynamoDB table of this name for Slack thread timestamps. */
  readonly slackThreadTableName?: string;
  /** Subscribed to the topic that says the router itself is failing. */
  readonly failureAlarmEmail?: string;
  /** The `runbook` tag and link of the router-failures alarm (default: the runbook id `router-failures`). */
  readonly failureAlarmRunbookUrl?: string;
}

/**
 * CloudWatch alarm state changes → EventBridge rule → (SNS topic →) router
 * Lambda, with a failure queue that keeps transitions the router could not
 * page, and alarms on that queue and on the router's errors that notify
 * through a separate topic, so a broken router cannot swallow its own alarm.
 *
 * @example
 * new AlarmRouterStack(app, 'tripline-alarm-router', { topology: 'sns', ssmParameterNames: ['/tripline/pagerduty'] });
 */
export class AlarmRouterStack extends Stack {
  readonly router: LambdaFn;
  readonly rule: Rule;
  /** The topic between the rule and the router; absent in the `direct` topology. */
  readonly alarmTopic: Topic | undefined;
  readonly failureQueue: Queue;
  readonly failureTopic: Topic;
  readonly threadTable: Table | undefined;

  constructor(scope: Construct, id: string, props: AlarmRouterStackProps = {}) {
    super(scope, id, props);
    const topology = props.topology ?? 'sns';
    if (!ROUTER_TOPOLOGIES.includes(topology)) {
      throw new ConfigError(`unknown topology "${String(topology)}": use one of ${ROUTER_TOPOLOGIES.join(', ')}`);
    }
    const bundleDir = resolveBundleDir(props.bundleDir, DEFAULT_BUNDLE_DIR);
    const environment = routerEnvironment(props);

    this.failureQueue = new Queue(this, 'RouterFailureQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
    });

    const logGroup = new LogGroup(this, 'RouterLogs', { retention: RetentionDays.ONE_MONTH });
    // An explicit role keeps AWSLambdaBasicExecutionRole (logs:CreateLogGroup on *) off the router.
    const role = new Role(this, 'RouterRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'tripline alarm router',
    });
    logGroup.grantWrite(role);

    this.router = new LambdaFn(this, 'Router', {
      description: 'tripline alarm router: CloudWatch alarm state changes to PagerDuty and Slack',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(bundleDir),
      memorySize: 256,
      timeout: Duration.seconds(30),
      role,
      logGroup,
      environment,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.failureQueue),
    });
    this.grantAlarmReads(role);
    grantSecretReads(this, role, props);

    this.threadTable = props.slackThreadTableName === undefined ? undefined : this.createThreadTable(role, props.slackThreadTableName);

    this.rule = new Rule(this, 'AlarmStateChangeRule', {
      description: 'CloudWatch alarm state changes for the tripline alarm router',
      eventPattern: eventPatternFor(props.alarmNamePrefix),
    });
    if (topology === 'sns') {
      this.alarmTopic = this.wireThroughTopic(this.rule);
    } else {
      this.alarmTopic = undefined;
      this.rule.addTarget(new LambdaFunction(this.router));
    }

    this.failureTopic = this.createFailureAlarms(props.failureAlarmEmail, props.failureAlarmRunbookUrl);

    if (this.alarmTopic !== undefined) {
      new CfnOutput(this, 'AlarmTopicArn', {
        value: this.alarmTopic.topicArn,
        description: 'SNS topic the rule publishes alarm state changes to; alarm actions may target it too',
      });
    }
    new CfnOutput(this, 'FailureTopicArn', {
      value: this.failureTopic.topicArn,
      description: 'SNS topic notified when the router fails',
    });
    new CfnOutput(this, 'RouterFunctionName', { value: this.router.functionName });
    new CfnOutput(this, 'FailureQueueUrl', {
      value: this.failureQueue.queueUrl,
      description: 'transitions the router could not deliver; redrive with tripline dlq',
    });
  }

  private wireThroughTopic(rule: Rule): Topic {
    const topic = new Topic(this, 'AlarmTopic', { displayName: 'tripline alarm state changes' });
    topic.addSubscription(new LambdaSubscription(this.router));
    // events-targets.SnsTopic would grant events.amazonaws.com publish from any rule;
    // scoping it to this rule's ARN closes the confused-deputy gap.
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowAlarmRulePublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    // A topic policy replaces the default one, so alarms of this account that name the
    // topic as their action (the SNS-wrapped notification shape) need their own statement.
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowAccountAlarmsPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.alarmArnPattern() },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    const target: IRuleTarget = { bind: () => ({ arn: topic.topicArn }) };
    rule.addTarget(target);
    return topic;
  }

  private alarmArnPattern(): string {
    return this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private grantAlarmReads(role: Role): void {
    // DescribeAlarms returns composite alarms only when granted on `*` (API reference);
    // the router converges composites too, so this one action cannot be scoped.
    role.addToPolicy(
      new PolicyStatement({ sid: 'DescribeAlarms', actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }),
    );
    // A quality alarm's page names its top invalid reasons (InvalidEvents by Reason); GetMetricData has no
    // resource-level permissions either.
    role.addToPolicy(new PolicyStatement({ sid: 'ReadInvalidReasons', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    role.addToPolicy(
      new PolicyStatement({
        sid: 'ReadAlarmTags',
        actions: ['cloudwatch:ListTagsForResource'],
        resources: [this.alarmArnPattern()],
      }),
    );
  }

  private createThreadTable(role: Role, tableName: string): Table {
    const table = new Table(this, 'SlackThreadTable', {
      tableName,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billingMode: BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    table.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem');
    return table;
  }

  private createFailureAlarms(email: string | undefined, runbookUrl: string | undefined): Topic {
    const topic = new Topic(this, 'RouterFailureTopic', {
      topicName: `${this.stackName}-router-failures`,
      displayName: 'tripline alarm router failures',
    });
    if (email !== undefined) topic.addSubscription(new EmailSubscription(email));
    const notify = new SnsAction(topic);

    // The watcher watched: the shared definition (src/pipeline-alarms), so `alarms plan` and the sandbox know it too.
    renderMetricAlarm(
      this,
      'RouterFailuresAlarm',
      routerFailureAlarm({
        alarmName: `${this.stackName}-router-failures`,
        queueName: this.failureQueue.queueName,
        ...(runbookUrl !== undefined ? { runbookUrl } : {}),
      }),
      { alarmActions: [topic.topicArn], okActions: [topic.topicArn] },
    );

    const errors = new Alarm(this, 'RouterErrorsAlarm', {
      alarmName: `${this.stackName}-router-errors`,
      alarmDescription: 'The alarm router threw; it will retry, and a transition still failing lands in the failure queue.',
      metric: this.router.metricErrors({ statistic: 'Sum', period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    errors.addAlarmAction(notify);
    errors.addOkAction(notify);
    return topic;
  }
}

/**
 * The rule's event pattern: the shared JSON file, plus an alarm-name prefix filter when given.
 *
 * @example eventPatternFor('pipeline-') // detail.alarmName: [{ prefix: 'pipeline-' }]
 */
export function eventPatternFor(alarmNamePrefix?: string): {
  source: string[];
  detailType: string[];
  detail?: { alarmName: { prefix: string }[] };
} {
  const pattern = { source: [...alarmStateChangePattern.source], detailType: [...alarmStateChangePattern['detail-type']] };
  if (alarmNamePrefix === undefined || alarmNamePrefix === '') return pattern;
  return { ...pattern, detail: { alarmName: [{ prefix: alarmNamePrefix }] } };
}

function routerEnvironment(props: AlarmRouterStackProps): Record<string, string> {
  const env: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: 'tripline-alarm-router',
    POWERTOOLS_METRICS_NAMESPACE: 'Tripline',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
  if (props.routerConfigJson !== undefined) env['TRIPLINE_CONFIG'] = props.routerConfigJson;
  if (props.pagerDutyEventsUrl !== undefined) env['PAGERDUTY_EVENTS_URL'] = props.pagerDutyEventsUrl;
  if (props.slackChannel !== undefined) env['SLACK_CHANNEL'] = props.slackChannel;
  const bytes = Object.entries(env).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
    throw new ConfigError(
      `the router's environment would be ${bytes} bytes (TRIPLINE_CONFIG is most of it); Lambda allows ${LAMBDA_ENV_LIMIT_BYTES}: shorten tripline.config.yaml (fewer routes or receivers; name secrets by ssm or secretsManager instead of inline values)`,
    );
  }
  return env;
}

