import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmRouterStack, BundleMissingError, type AlarmRouterStackProps } from '../../rules/alarm-router-stack.js';
import { ConfigError } from '../../src/errors.js';
import { fakeBundleDir, only, render, resources, statements, isRecord } from './template-helpers.js';

const patternFile: unknown = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../../rules/alarm-state-change.pattern.json'), 'utf8'),
);

const ROUTER_CONFIG = JSON.stringify({ paging: { receivers: [{ name: 'ops' }] } });
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/pd-key-AbC123';
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

let bundleDir = '';
let snsTemplate: unknown;
let directTemplate: unknown;

function synth(id: string, props: AlarmRouterStackProps): unknown {
  const app = new App();
  return Template.fromStack(new AlarmRouterStack(app, id, { bundleDir, ...props })).toJSON();
}

function routerLogicalId(template: unknown): string {
  return only(template, 'AWS::Lambda::Function').logicalId;
}

beforeAll(() => {
  bundleDir = fakeBundleDir();
  snsTemplate = synth('ops-router', {
    topology: 'sns',
    alarmNamePrefix: 'pipeline-',
    routerConfigJson: ROUTER_CONFIG,
    pagerDutyEventsUrl: 'https://events.eu.pagerduty.com/v2/enqueue',
    slackChannel: '#oncall',
    ssmParameterNames: ['/tripline/pagerduty', 'tripline-slack', '/tripline/pagerduty'],
    secretIds: ['tripline/slack-token', SECRET_ARN],
    kmsKeyArn: KMS_KEY,
    slackThreadTableName: 'tripline-slack-threads',
    failureAlarmEmail: 'oncall@example.com',
  });
  directTemplate = synth('direct-router', { topology: 'direct' });
});

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

describe('router function', () => {
  it('runs the bundle on nodejs22.x arm64 with 256 MB and 30 s', () => {
    const fn = only(snsTemplate, 'AWS::Lambda::Function').properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 30,
    });
  });

  it('gets the powertools settings, the config and the notifier endpoints as environment', () => {
    const fn = only(snsTemplate, 'AWS::Lambda::Function').properties;
    expect(fn['Environment']).toEqual({
      Variables: {
        POWERTOOLS_SERVICE_NAME: 'tripline-alarm-router',
        POWERTOOLS_METRICS_NAMESPACE: 'Tripline',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        TRIPLINE_CONFIG: ROUTER_CONFIG,
        PAGERDUTY_EVENTS_URL: 'https://events.eu.pagerduty.com/v2/enqueue',
        SLACK_CHANNEL: '#oncall',
      },
    });
    const minimal = only(directTemplate, 'AWS::Lambda::Function').properties;
    expect(minimal['Environment']).toEqual({
      Variables: {
        POWERTOOLS_SERVICE_NAME: 'tripline-alarm-router',
        POWERTOOLS_METRICS_NAMESPACE: 'Tripline',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
  });

  it('logs to its own log group kept for 30 days', () => {
    const logGroup = only(snsTemplate, 'AWS::Logs::LogGroup');
    expect(logGroup.properties['RetentionInDays']).toBe(30);
    const fn = only(snsTemplate, 'AWS::Lambda::Function').properties;
    expect(fn['LoggingConfig']).toEqual({ LogGroup: { Ref: logGroup.logicalId } });
  });

  it('keeps a transition it cannot deliver: 2 retries, 6 h, then the failure queue', () => {
    const queue = only(snsTemplate, 'AWS::SQS::Queue');
    expect(queue.properties).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    const config = only(snsTemplate, 'AWS::Lambda::EventInvokeConfig').properties;
    expect(config).toMatchObject({
      FunctionName: { Ref: routerLogicalId(snsTemplate) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue.logicalId, 'Arn'] } } },
    });
  });

  it('refuses to synthesize without a bundle and says how to build one', () => {
    const build = () => new AlarmRouterStack(new App(), 'no-bundle', { bundleDir: 'no/such/bundle' });
    expect(build).toThrow(BundleMissingError);
    expect(build).toThrow('no/such/bundle/index.mjs not found: run npm run build first');
  });

  it('refuses a config too large for the Lambda environment', () => {
    const build = () => new AlarmRouterStack(new App(), 'huge', { bundleDir, routerConfigJson: 'x'.repeat(5000) });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/Lambda allows 4096/);
  });
});

describe('event pattern', () => {
  it('is the shared pattern file', () => {
    const rule = only(directTemplate, 'AWS::Events::Rule').properties;
    expect(rule['EventPattern']).toEqual(patternFile);
    expect(rule['EventPattern']).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
    });
  });

  it('adds the alarm-name prefix filter when asked', () => {
    const rule = only(snsTemplate, 'AWS::Events::Rule').properties;
    expect(rule['EventPattern']).toEqual({
      ...(isRecord(patternFile) ? patternFile : {}),
      detail: { alarmName: [{ prefix: 'pipeline-' }] },
    });
  });
});

describe('sns topology', () => {
  const alarmTopicId = (): string =>
    only(snsTemplate, 'AWS::SNS::Topic', (t) => t.properties['TopicName'] === undefined).logicalId;

  it('sends the rule to a topic the router subscribes to', () => {
    const topic = alarmTopicId();
    const rule = only(snsTemplate, 'AWS::Events::Rule').properties;
    expect(rule['Targets']).toEqual([expect.objectContaining({ Arn: { Ref: topic } })]);
    const subscription = only(snsTemplate, 'AWS::SNS::Subscription', (s) => s.properties['Protocol'] === 'lambda');
    expect(subscription.properties).toMatchObject({
      TopicArn: { Ref: topic },
      Endpoint: { 'Fn::GetAtt': [routerLogicalId(snsTemplate), 'Arn'] },
    });
    const permission = only(snsTemplate, 'AWS::Lambda::Permission').properties;
    expect(permission).toMatchObject({ Principal: 'sns.amazonaws.com', SourceArn: { Ref: topic } });
  });

  it('lets only this rule publish to the topic as events.amazonaws.com', () => {
    const topic = alarmTopicId();
    const policy = only(snsTemplate, 'AWS::SNS::TopicPolicy');
    expect(policy.properties['Topics']).toEqual([{ Ref: topic }]);
    const ruleId = only(snsTemplate, 'AWS::Events::Rule').logicalId;
    const fromEvents = statements(snsTemplate).filter(
      (s) => s.where.startsWith(policy.logicalId) && JSON.stringify(s.principal).includes('events.amazonaws.com'),
    );
    expect(fromEvents).toEqual([
      expect.objectContaining({
        effect: 'Allow',
        actions: ['sns:Publish'],
        resources: [`\${${topic}}`],
        condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    ]);
  });
});

describe('direct topology', () => {
  it('targets the router from the rule, allowed by a resource-based permission for that rule', () => {
    const router = routerLogicalId(directTemplate);
    const rule = only(directTemplate, 'AWS::Events::Rule');
    expect(rule.properties['Targets']).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [router, 'Arn'] } }),
    ]);
    const permission = only(directTemplate, 'AWS::Lambda::Permission').properties;
    expect(permission).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [router, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [rule.logicalId, 'Arn'] },
    });
  });

  it('has no alarm topic, only the failure topic', () => {
    expect(resources(directTemplate, 'AWS::SNS::Topic').map((t) => t.properties['TopicName'])).toEqual([
      'direct-router-router-failures',
    ]);
    expect(resources(directTemplate, 'AWS::SNS::Subscription')).toEqual([]);
  });
});

describe('watching the router', () => {
  it('alarms when a transition lands in the failure queue, on a topic the router is not behind', () => {
    const queue = only(snsTemplate, 'AWS::SQS::Queue').logicalId;
    const failureTopic = only(snsTemplate, 'AWS::SNS::Topic', (t) => t.properties['TopicName'] === 'ops-router-router-failures');
    const alarm = only(snsTemplate, 'AWS::CloudWatch::Alarm', (a) => a.properties['AlarmName'] === 'ops-router-router-failures');
    expect(alarm.properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: failureTopic.logicalId }],
    });
    const subscriptions = resources(snsTemplate, 'AWS::SNS::Subscription');
    const routerSubscription = subscriptions.find((s) => s.properties['Protocol'] === 'lambda');
    expect(routerSubscription?.properties['TopicArn']).not.toEqual({ Ref: failureTopic.logicalId });
    expect(subscriptions.filter((s) => s.properties['Protocol'] === 'email').map((s) => s.properties)).toEqual([
      { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: failureTopic.logicalId } },
    ]);
  });

  it('alarms on the router throwing, to the same failure topic', () => {
    const failureTopic = only(snsTemplate, 'AWS::SNS::Topic', (t) => t.properties['TopicName'] === 'ops-router-router-failures');
    const alarm = only(snsTemplate, 'AWS::CloudWatch::Alarm', (a) => a.properties['AlarmName'] === 'ops-router-router-errors');
    expect(alarm.properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: routerLogicalId(snsTemplate) } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: failureTopic.logicalId }],
    });
  });
});

describe('permissions', () => {
  it.each([
    ['sns', () => snsTemplate],
    ['direct', () => directTemplate],
  ])('%s: no statement anywhere grants an action with a wildcard', (_name, template) => {
    const all = statements(template());
    expect(all.length).toBeGreaterThan(3);
    expect(all.flatMap((s) => s.actions).filter((a) => a.includes('*'))).toEqual([]);
    for (const role of resources(template(), 'AWS::IAM::Role')) {
      expect(role.properties['ManagedPolicyArns']).toBeUndefined();
    }
  });

  it('uses a `*` resource only for DescribeAlarms (composite alarms require it) and GetMetricData (no resource-level permissions)', () => {
    const wide = statements(snsTemplate).filter((s) => s.resources.includes('*'));
    expect(wide.map((s) => s.actions)).toEqual([['cloudwatch:DescribeAlarms'], ['cloudwatch:GetMetricData']]);
    const tags = statements(snsTemplate).filter((s) => s.actions.includes('cloudwatch:ListTagsForResource'));
    expect(tags.map((s) => s.resources)).toEqual([
      ['arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*'],
    ]);
  });

  it('reads exactly the named SSM parameters and secrets, and decrypts with the named key only', () => {
    const granted = (action: string) =>
      statements(snsTemplate)
        .filter((s) => s.actions.includes(action))
        .map((s) => ({ actions: s.actions, resources: s.resources }));
    expect(granted('ssm:GetParameter')).toEqual([
      {
        actions: ['ssm:GetParameter'],
        resources: [
          'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tripline/pagerduty',
          'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tripline-slack',
        ],
      },
    ]);
    expect(granted('secretsmanager:GetSecretValue')).toEqual([
      {
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:tripline/slack-token-??????',
          SECRET_ARN,
        ],
      },
    ]);
    expect(granted('kms:Decrypt')).toEqual([{ actions: ['kms:Decrypt'], resources: [KMS_KEY] }]);
    const decrypt = statements(snsTemplate).find((s) => s.actions.includes('kms:Decrypt'));
    const viaServices = isRecord(decrypt?.condition) && isRecord(decrypt.condition['StringEquals'])
      ? decrypt.condition['StringEquals']['kms:ViaService']
      : undefined;
    expect(Array.isArray(viaServices) ? viaServices.map(render) : viaServices).toEqual([
      'ssm.${AWS::Region}.${AWS::URLSuffix}',
      'secretsmanager.${AWS::Region}.${AWS::URLSuffix}',
    ]);
  });

  it('grants no secret reads when none are named', () => {
    const actions = statements(directTemplate).flatMap((s) => s.actions);
    expect(actions).not.toContain('ssm:GetParameter');
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
    expect(actions).not.toContain('kms:Decrypt');
  });

  it('refuses a parameter name that would widen the grant', () => {
    const app = new App();
    expect(() => new AlarmRouterStack(app, 'wide', { bundleDir, ssmParameterNames: ['/tripline/*'] })).toThrow(
      ConfigError,
    );
  });
});

describe('slack thread table', () => {
  it('is created on demand, retained, keyed by pk with expiresAt TTL, billed per request', () => {
    const table = only(snsTemplate, 'AWS::DynamoDB::Table');
    expect(table.deletionPolicy).toBe('Retain');
    expect(table.properties).toMatchObject({
      TableName: 'tripline-slack-threads',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(resources(directTemplate, 'AWS::DynamoDB::Table')).toEqual([]);
  });

  it('is readable and writable by the router item by item, nothing more', () => {
    const table = only(snsTemplate, 'AWS::DynamoDB::Table').logicalId;
    const onTable = statements(snsTemplate).filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
    expect(onTable.map((s) => ({ actions: [...s.actions].sort(), resources: s.resources }))).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resources: [`\${${table}.Arn}`] },
    ]);
  });
});

describe('outputs', () => {
  it('names the topic, the router and the failure queue', () => {
    const outputs = isRecord(snsTemplate) && isRecord(snsTemplate['Outputs']) ? snsTemplate['Outputs'] : {};
    const value = (key: string): string => {
      const output = outputs[key];
      return isRecord(output) ? render(output['Value']) : '(missing)';
    };
    const topic = only(snsTemplate, 'AWS::SNS::Topic', (t) => t.properties['TopicName'] === undefined).logicalId;
    expect(value('AlarmTopicArn')).toBe(`\${${topic}}`);
    expect(value('RouterFunctionName')).toBe(`\${${routerLogicalId(snsTemplate)}}`);
    expect(value('FailureQueueUrl')).toBe(`\${${only(snsTemplate, 'AWS::SQS::Queue').logicalId}}`);
  });
});
