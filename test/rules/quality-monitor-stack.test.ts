import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleMissingError } from '../../rules/alarm-router-stack.js';
import { buildApp } from '../../rules/build-app.js';
import { DEFAULT_QUALITY_STACK_NAME, readQualitySettings } from '../../rules/quality-app.js';
import { QualityMonitorStack, renderRunbook, type QualityMonitorStackProps } from '../../rules/quality-monitor-stack.js';
import { QualitySectionSchema, type QualitySection } from '../../src/config/quality.js';
import { ConfigError } from '../../src/errors.js';
import { fakeBundleDir, isRecord, only, render, resources, statements, type CfnResource } from './template-helpers.js';

const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/web-events';
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const RUNBOOK = 'https://runbooks.example.com/tripline/{alarmName}?pipeline={tags.pipeline}';

const QUALITY: QualitySection = QualitySectionSchema.parse({
  thresholds: { invalidRate: 0.02, duplicateRate: 0.07, freshnessSeconds: 600 },
  publish: { namespace: 'Tripline/Quality', dimensions: { Pipeline: 'web' } },
});

const dirs: string[] = [];
let bundleDir = '';
let template: unknown;
let minimal: unknown;

/** A stand-in quality-monitor bundle: index.mjs and the tracking plan directory beside it. */
function qualityBundleDir(): string {
  const dir = fakeBundleDir();
  mkdirSync(path.join(dir, 'tracking-plan', 'page_viewed'), { recursive: true });
  writeFileSync(path.join(dir, 'tracking-plan', 'page_viewed', '1.avsc'), '{"type":"record","name":"PageViewed","fields":[]}');
  dirs.push(dir);
  return dir;
}

function synth(props: Omit<QualityMonitorStackProps, 'bundleDir'>, id = 'tripline-quality-monitor'): unknown {
  return Template.fromStack(new QualityMonitorStack(new App(), id, { bundleDir, ...props })).toJSON();
}

function alarm(t: unknown, name: string): Record<string, unknown> {
  return only(t, 'AWS::CloudWatch::Alarm', (r) => r.properties['AlarmName'] === name).properties;
}

function tagsOf(r: Record<string, unknown>): Record<string, string> {
  const tags = r['Tags'];
  if (!Array.isArray(tags)) return {};
  return Object.fromEntries(tags.filter(isRecord).map((t) => [String(t['Key']), render(t['Value'])]));
}

function environmentOf(t: unknown): Record<string, unknown> {
  const fn = only(t, 'AWS::Lambda::Function').properties;
  const variables = isRecord(fn['Environment']) ? fn['Environment']['Variables'] : undefined;
  return isRecord(variables) ? variables : {};
}

beforeAll(() => {
  bundleDir = qualityBundleDir();
  template = synth({ streamArn: STREAM_ARN, quality: QUALITY, runbookUrl: RUNBOOK, quarantine: true, quarantineSample: 5, dedupWindowKeys: 250_000 });
  minimal = synth({ streamName: 'ios-events' }, 'minimal');
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('quality-monitor function', () => {
  it('runs the bundle on nodejs22.x arm64', () => {
    expect(only(template, 'AWS::Lambda::Function').properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 60,
    });
  });

  it('gets the quality section, the quarantine queue and the window as environment', () => {
    const env = environmentOf(template);
    expect(env).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'tripline-quality-monitor',
      POWERTOOLS_METRICS_NAMESPACE: 'Tripline/Quality',
      TRIPLINE_QUARANTINE_SAMPLE: '5',
      TRIPLINE_DEDUP_WINDOW_KEYS: '250000',
    });
    expect(JSON.parse(String(env['TRIPLINE_QUALITY_CONFIG']))).toEqual(QUALITY);
    const queue = only(template, 'AWS::SQS::Queue', (q) => q.logicalId.startsWith('QuarantineQueue'));
    expect(env['TRIPLINE_QUARANTINE_QUEUE_URL']).toEqual({ Ref: queue.logicalId });
    expect(Object.keys(environmentOf(minimal)).sort()).toEqual(['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
  });

  it('reads the stream with partial batch responses, bisect, bounded retries and age, and a failure queue', () => {
    const mapping = only(template, 'AWS::Lambda::EventSourceMapping').properties;
    const failureQueue = only(template, 'AWS::SQS::Queue', (q) => q.logicalId.startsWith('MonitorFailureQueue'));
    expect(mapping).toMatchObject({
      EventSourceArn: STREAM_ARN,
      StartingPosition: 'LATEST',
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureQueue.logicalId, 'Arn'] } } },
    });
    expect(failureQueue.properties).toMatchObject({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
  });

  it('takes a stream name in its own account and region', () => {
    expect(render(only(minimal, 'AWS::Lambda::EventSourceMapping').properties['EventSourceArn'])).toBe(
      'arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/ios-events',
    );
    expect(resources(minimal, 'AWS::SQS::Queue')).toHaveLength(1);
  });
});

describe('the four quality alarms', () => {
  const common = {
    Namespace: 'Tripline/Quality',
    Dimensions: [{ Name: 'Pipeline', Value: 'web' }],
    Period: 300,
    EvaluationPeriods: 3,
    ComparisonOperator: 'GreaterThanThreshold',
  };

  it('watch the metrics the monitor and dq check --publish write, with the config thresholds in percent', () => {
    expect(resources(template, 'AWS::CloudWatch::Alarm')).toHaveLength(4);
    expect(alarm(template, 'tripline-web-quality-invalid-rate')).toMatchObject({
      ...common,
      MetricName: 'InvalidRate',
      Statistic: 'Average',
      Threshold: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm(template, 'tripline-web-quality-duplicate-rate')).toMatchObject({
      ...common,
      MetricName: 'DuplicateRate',
      Statistic: 'Average',
      Threshold: 7,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    // Unset in the config: the default, 10 %.
    expect(alarm(template, 'tripline-web-quality-late-rate')).toMatchObject({
      ...common,
      MetricName: 'LateRate',
      Statistic: 'Average',
      Threshold: 10,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('treat missing data as breaching for freshness: no events, or no monitor, is the page', () => {
    expect(alarm(template, 'tripline-web-quality-freshness')).toMatchObject({
      ...common,
      MetricName: 'FreshnessSeconds',
      Statistic: 'Minimum',
      Threshold: 600,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('have no actions: the alarm router receives every state change through its EventBridge rule', () => {
    for (const a of resources(template, 'AWS::CloudWatch::Alarm')) {
      expect(a.properties).not.toHaveProperty('AlarmActions');
      expect(a.properties).not.toHaveProperty('OKActions');
      expect(a.properties).not.toHaveProperty('InsufficientDataActions');
    }
  });

  it('carry severity, pipeline and runbook tags and link the runbook in the description', () => {
    const freshness = alarm(template, 'tripline-web-quality-freshness');
    const runbook = 'https://runbooks.example.com/tripline/tripline-web-quality-freshness?pipeline=web';
    expect(tagsOf(freshness)).toEqual({ severity: 'critical', pipeline: 'web', runbook });
    expect(String(freshness['AlarmDescription'])).toContain(`Runbook: ${runbook}`);
    expect(tagsOf(alarm(template, 'tripline-web-quality-invalid-rate'))).toMatchObject({ severity: 'warning', pipeline: 'web' });
    // Only the alarms are tagged.
    expect(resources(template).filter((r) => r.type !== 'AWS::CloudWatch::Alarm' && 'severity' in tagsOf(r.properties))).toEqual([]);
  });

  it('use the defaults, no dimensions and the stream name as pipeline when the config says nothing', () => {
    const names = resources(minimal, 'AWS::CloudWatch::Alarm').map((a) => a.properties['AlarmName']);
    expect(names).toEqual(['tripline-ios-events-quality-invalid-rate', 'tripline-ios-events-quality-duplicate-rate', 'tripline-ios-events-quality-late-rate', 'tripline-ios-events-quality-freshness']);
    const thresholds = resources(minimal, 'AWS::CloudWatch::Alarm').map((a) => [a.properties['MetricName'], a.properties['Threshold'], a.properties['Dimensions']]);
    expect(thresholds).toEqual([
      ['InvalidRate', 1, undefined],
      ['DuplicateRate', 5, undefined],
      ['LateRate', 10, undefined],
      ['FreshnessSeconds', 900, undefined],
    ]);
    const freshness = alarm(minimal, 'tripline-ios-events-quality-freshness');
    expect(tagsOf(freshness)).toEqual({ severity: 'critical', pipeline: 'ios-events' });
    expect(String(freshness['AlarmDescription'])).toContain("Runbook: the alarm router's runbook for this alarm");
  });

  it('take severities, period and pipeline from props, and rates without float noise', () => {
    const t = synth({
      streamArn: STREAM_ARN,
      pipeline: 'android',
      severities: { 'invalid-rate': 'error' },
      alarmPeriod: Duration.minutes(1),
      quality: QualitySectionSchema.parse({ thresholds: { lateRate: 0.07, invalidRate: 0.001 } }),
    });
    expect(alarm(t, 'tripline-android-quality-late-rate')).toMatchObject({ Threshold: 7, Period: 60 });
    expect(alarm(t, 'tripline-android-quality-invalid-rate')).toMatchObject({ Threshold: 0.1 });
    expect(tagsOf(alarm(t, 'tripline-android-quality-invalid-rate'))).toMatchObject({ severity: 'error', pipeline: 'android' });
  });
});

describe('IAM', () => {
  it('has no wildcard action and scopes every grant to its resource', () => {
    const all = statements(template);
    expect(all.flatMap((s) => s.actions).filter((a) => a.includes('*'))).toEqual([]);
    const byAction = (action: string): string[] => all.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);
    expect(byAction('kinesis:GetRecords')).toEqual([STREAM_ARN]);
    expect(byAction('logs:PutLogEvents')).toEqual([expect.stringMatching(/^\$\{MonitorLogs[0-9A-F]+\.Arn\}$/)]);
    const quarantine = only(template, 'AWS::SQS::Queue', (q) => q.logicalId.startsWith('QuarantineQueue'));
    const failure = only(template, 'AWS::SQS::Queue', (q) => q.logicalId.startsWith('MonitorFailureQueue'));
    expect(byAction('sqs:SendMessage').sort()).toEqual([`\${${failure.logicalId}.Arn}`, `\${${quarantine.logicalId}.Arn}`].sort());
    expect(all.filter((s) => s.resources.includes('*'))).toEqual([]);
  });

  it('uses its own role without the basic execution managed policy', () => {
    const role: CfnResource = only(template, 'AWS::IAM::Role');
    expect(role.properties['ManagedPolicyArns']).toBeUndefined();
  });

  it('may decrypt with the stream key only when one is given', () => {
    expect(statements(minimal).filter((s) => s.actions.some((a) => a.startsWith('kms:')))).toEqual([]);
    const t = synth({ streamArn: STREAM_ARN, streamKmsKeyArn: KMS_KEY });
    expect(statements(t).filter((s) => s.actions.includes('kms:Decrypt')).map((s) => s.resources)).toEqual([[KMS_KEY]]);
  });
});

describe('stack props that cannot work', () => {
  const build = (props: Partial<QualityMonitorStackProps>) => () => new QualityMonitorStack(new App(), 'q', { bundleDir, ...props });

  it('say what to pass', () => {
    expect(build({})).toThrow(ConfigError);
    expect(build({})).toThrow('the quality monitor needs the tracking stream: pass streamArn (-c qualityStreamArn=arn:aws:kinesis:…) or streamName');
    expect(build({ streamArn: 'arn:aws:sqs:eu-west-1:123456789012:web' })).toThrow(/is not a Kinesis stream ARN/);
    expect(build({ streamArn: STREAM_ARN, streamName: 'web' })).toThrow('give the tracking stream once: streamArn or streamName, not both');
    expect(build({ streamName: 'web events' })).toThrow(/is not a Kinesis stream name/);
    expect(build({ streamArn: STREAM_ARN, pipeline: 'web/ios' })).toThrow(/pipeline "web\/ios" cannot be part of an alarm name/);
    expect(build({ streamArn: STREAM_ARN, runbookUrl: 'https://runbooks.example.com/{state}' })).toThrow(/\{state\} cannot be filled in when the alarm is created/);
    expect(build({ streamArn: STREAM_ARN, streamKmsKeyArn: 'alias/tracking' })).toThrow(/is not a KMS key ARN/);
  });

  it('say to build first when the bundle or its tracking plan is missing', () => {
    expect(() => new QualityMonitorStack(new App(), 'q', { streamArn: STREAM_ARN, bundleDir: path.join(bundleDir, 'nope') })).toThrow(BundleMissingError);
    const noPlan = fakeBundleDir();
    dirs.push(noPlan);
    expect(() => new QualityMonitorStack(new App(), 'q', { streamArn: STREAM_ARN, bundleDir: noPlan })).toThrow(/tracking-plan not found: npm run build copies the tracking plan/);
  });

  it('renders runbook templates with the alarm name and tags', () => {
    expect(renderRunbook('https://r.example.com/{alarmNameEncoded}/{tags.severity}', 'a/b c', { severity: 'warning' })).toBe('https://r.example.com/a%2Fb%20c/warning');
    expect(() => renderRunbook('runbooks/{alarmName}', 'x', {})).toThrow(/is not an http\(s\) URL/);
  });
});

describe('the CDK app', () => {
  const CONFIG = `version: 1
paging:
  defaults:
    runbookUrl: "https://runbooks.example.com/tripline/{alarmName}"
  receivers:
    - name: ops
      pagerduty:
        routingKey: { ssm: /tripline/pagerduty }
  route:
    receiver: ops
quality:
  thresholds: { invalidRate: 0.03 }
  publish: { namespace: Acme/Quality, dimensions: { Pipeline: web, Team: growth } }
`;
  let routerBundle = '';
  beforeAll(() => {
    routerBundle = fakeBundleDir();
    dirs.push(routerBundle);
  });
  function cwdWithConfig(text = CONFIG): string {
    const cwd = mkdtempSync(path.join(tmpdir(), 'tripline-cwd-'));
    dirs.push(cwd);
    writeFileSync(path.join(cwd, 'tripline.config.yaml'), text);
    return cwd;
  }

  it('holds only the router stack when no stream is named', async () => {
    const { app, qualityStack } = await buildApp({ cwd: cwdWithConfig(), env: {}, context: { bundleDir: routerBundle }, warn: () => {} });
    expect(qualityStack).toBeUndefined();
    expect(app.node.children.filter((c) => c instanceof QualityMonitorStack)).toEqual([]);
    expect(readQualitySettings(() => undefined, {}, '/')).toBeUndefined();
  });

  it('adds tripline-quality-monitor with the config quality section and runbook when a stream is named', async () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'tripline-cdk-'));
    dirs.push(outdir);
    const { app, qualityStack } = await buildApp({
      outdir,
      cwd: cwdWithConfig(),
      env: {},
      context: { bundleDir: routerBundle, qualityStreamArn: STREAM_ARN, qualityBundleDir: bundleDir },
      warn: () => {},
    });
    expect(qualityStack?.stackName).toBe(DEFAULT_QUALITY_STACK_NAME);
    const t: unknown = app.synth().getStackArtifact(qualityStack?.artifactId ?? '').template;
    expect(alarm(t, 'tripline-web-quality-invalid-rate')).toMatchObject({
      Namespace: 'Acme/Quality',
      Dimensions: [
        { Name: 'Pipeline', Value: 'web' },
        { Name: 'Team', Value: 'growth' },
      ],
      Threshold: 3,
    });
    expect(tagsOf(alarm(t, 'tripline-web-quality-late-rate'))['runbook']).toBe('https://runbooks.example.com/tripline/tripline-web-quality-late-rate');
    expect(JSON.parse(String(environmentOf(t)['TRIPLINE_QUALITY_CONFIG']))).toMatchObject({ publish: { namespace: 'Acme/Quality' } });
    // No quarantine unless asked for: it holds raw events.
    expect(resources(t, 'AWS::SQS::Queue')).toHaveLength(1);
  });

  it('takes the stream from the environment and other settings from context, and warns when the runbook needs {state}', async () => {
    const warnings: string[] = [];
    const cwd = cwdWithConfig(CONFIG.replace('{alarmName}"', '{alarmName}?state={state}"'));
    const { qualityStack } = await buildApp({
      cwd,
      env: { TRIPLINE_QUALITY_STREAM_ARN: STREAM_ARN },
      context: { bundleDir: routerBundle, qualityBundleDir: bundleDir, qualityStackName: 'dq', qualityPipeline: 'web-eu', qualityQuarantine: 'true' },
      warn: (line) => warnings.push(line),
    });
    expect(qualityStack?.stackName).toBe('dq');
    expect(qualityStack?.pipeline).toBe('web-eu');
    expect(qualityStack?.quarantineQueue).toBeDefined();
    expect(warnings.filter((w) => w.includes('{state}'))).toEqual([expect.stringMatching(/set -c qualityRunbookUrl=… to tag them$/)]);
    expect(() => readQualitySettings((k) => (k === 'qualityQuarantine' ? 'yes' : k === 'qualityStreamName' ? 'web' : undefined), {}, '/')).toThrow(
      'context "qualityQuarantine" must be true or false, got "yes"',
    );
  });
});
