import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, synthTemplate } from '../../rules/build-app.js';
import { QualityMonitorStack } from '../../rules/quality-monitor-stack.js';
import { fakeBundleDir, isRecord, only, render, resources, type CfnResource } from './template-helpers.js';

/**
 * The template `npm run synth` produces with the repository's
 * tripline.config.yaml: every shipped alarm, for each configured pipeline,
 * as the README's table documents it.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PIPELINES = ['web', 'ios', 'android'] as const;
/** The three share one collector (tracking-collector/prod): its alarms are created once, with web's. */
const COLLECTOR_OWNER = 'web';
const ownsCollector = (p: string): boolean => p === COLLECTOR_OWNER;

const dirs: string[] = [];
let template: unknown;
const warnings: string[] = [];

beforeAll(async () => {
  const bundleDir = fakeBundleDir();
  dirs.push(bundleDir);
  template = await synthTemplate({ cwd: REPO, env: {}, context: { bundleDir }, warn: (line) => warnings.push(line) });
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function alarm(name: string): CfnResource {
  return only(template, 'AWS::CloudWatch::Alarm', (r) => r.properties['AlarmName'] === name);
}

function tagsOf(r: CfnResource): Record<string, string> {
  const tags = r.properties['Tags'];
  if (!Array.isArray(tags)) return {};
  return Object.fromEntries(tags.filter(isRecord).map((t) => [String(t['Key']), render(t['Value'])]));
}

/** `Namespace/Metric Stat Period` of each MetricStat in `Metrics`, and the expressions. */
function queries(r: CfnResource): string[] {
  const metrics = r.properties['Metrics'];
  if (!Array.isArray(metrics)) return [];
  return metrics.filter(isRecord).map((q) => {
    if (typeof q['Expression'] === 'string') return `${String(q['Id'])}: ${q['Expression']}`;
    const stat = isRecord(q['MetricStat']) ? q['MetricStat'] : {};
    const metric = isRecord(stat['Metric']) ? stat['Metric'] : {};
    const dims = Array.isArray(metric['Dimensions']) ? metric['Dimensions'].filter(isRecord).map((d) => `${String(d['Name'])}=${String(d['Value'])}`) : [];
    return `${String(q['Id'])}: ${String(metric['Namespace'])}/${String(metric['MetricName'])} {${dims.join(',')}} ${String(stat['Stat'])} ${String(stat['Period'])}`;
  });
}

/** As documented: statistic, period (s), evaluation periods / datapoints, comparison, default threshold, missing data. */
const SINGLE: readonly [suffix: string, namespace: string, metric: string, dims: (p: string) => Record<string, string>, stat: string, period: number, evaluation: number, datapoints: number, comparison: string, threshold: number, missing: string][] = [
  ['collector-p99-latency', 'AWS/ApiGateway', 'Latency', () => ({ ApiName: 'tracking-collector', Stage: 'prod' }), 'p99', 300, 3, 3, 'GreaterThanThreshold', 1000, 'notBreaching'],
  ['stream-iterator-age', 'AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', (p) => ({ StreamName: `tracking-${p}` }), 'Maximum', 60, 5, 5, 'GreaterThanThreshold', 60_000, 'notBreaching'],
  ['iterator-age', 'AWS/Lambda', 'IteratorAge', (p) => ({ FunctionName: `tripline-${p}-processor` }), 'Maximum', 60, 5, 5, 'GreaterThanThreshold', 60_000, 'notBreaching'],
  ['processor-throttles', 'AWS/Lambda', 'Throttles', (p) => ({ FunctionName: `tripline-${p}-processor` }), 'Sum', 300, 3, 3, 'GreaterThanThreshold', 0, 'notBreaching'],
  ['failed-queue-age', 'AWS/SQS', 'ApproximateAgeOfOldestMessage', (p) => ({ QueueName: `tripline-${p}-failed` }), 'Maximum', 60, 5, 5, 'GreaterThanThreshold', 900, 'notBreaching'],
  ['dlq-depth', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', (p) => ({ QueueName: `tripline-${p}-dlq` }), 'Maximum', 60, 1, 1, 'GreaterThanThreshold', 0, 'notBreaching'],
  ['firehose-freshness', 'AWS/Firehose', 'DeliveryToS3.DataFreshness', (p) => ({ DeliveryStreamName: `tripline-${p}-to-s3` }), 'Maximum', 300, 2, 2, 'GreaterThanThreshold', 900, 'missing'],
  ['firehose-delivery-success', 'AWS/Firehose', 'DeliveryToS3.Success', (p) => ({ DeliveryStreamName: `tripline-${p}-to-s3` }), 'Average', 300, 3, 3, 'LessThanThreshold', 1, 'notBreaching'],
];

const MATH: readonly [suffix: string, queries: (p: string) => string[], evaluation: number, datapoints: number, threshold: number][] = [
  [
    'collector-5xx-rate',
    () => [
      'e1: IF(requests > 0, 100 * errors / requests, 0)',
      'errors: AWS/ApiGateway/5XXError {ApiName=tracking-collector,Stage=prod} Sum 300',
      'requests: AWS/ApiGateway/Count {ApiName=tracking-collector,Stage=prod} Sum 300',
    ],
    3,
    2,
    1,
  ],
  [
    'quality-freshness',
    (p) => [
      'e1: IF(FILL(requests, 0) - FILL(rejected, 0) - FILL(errors, 0) > 0, FILL(freshness, 86400), 0)',
      `freshness: Tripline/Quality/FreshnessSeconds {Pipeline=${p}} Minimum 300`,
      'requests: AWS/ApiGateway/Count {ApiName=tracking-collector,Stage=prod} Sum 300',
      'rejected: AWS/ApiGateway/4XXError {ApiName=tracking-collector,Stage=prod} Sum 300',
      'errors: AWS/ApiGateway/5XXError {ApiName=tracking-collector,Stage=prod} Sum 300',
    ],
    3,
    3,
    900,
  ],
  [
    'collector-4xx-rate',
    () => [
      'e1: IF(requests > 0, 100 * rejected / requests, 0)',
      'rejected: AWS/ApiGateway/4XXError {ApiName=tracking-collector,Stage=prod} Sum 300',
      'requests: AWS/ApiGateway/Count {ApiName=tracking-collector,Stage=prod} Sum 300',
    ],
    3,
    2,
    5,
  ],
  [
    'processor-errors',
    (p) => [
      'e1: IF(invocations > 0, 100 * errors / invocations, 0)',
      `errors: AWS/Lambda/Errors {FunctionName=tripline-${p}-processor} Sum 300`,
      `invocations: AWS/Lambda/Invocations {FunctionName=tripline-${p}-processor} Sum 300`,
    ],
    3,
    2,
    1,
  ],
  [
    'quality-invalid-rate',
    (p) => ['e1: IF(events > 0, 100 * counted / events, 0)', `counted: Tripline/Quality/InvalidEvents {Pipeline=${p}} Sum 300`, `events: Tripline/Quality/Events {Pipeline=${p}} Sum 300`],
    3,
    2,
    2,
  ],
  [
    'quality-duplicate-rate',
    (p) => [
      'e1: IF(events - invalid > 0, 100 * counted / (events - invalid), 0)',
      `counted: Tripline/Quality/DuplicateEvents {Pipeline=${p}} Sum 300`,
      `events: Tripline/Quality/Events {Pipeline=${p}} Sum 300`,
      `invalid: Tripline/Quality/InvalidEvents {Pipeline=${p}} Sum 300`,
    ],
    3,
    2,
    5,
  ],
  [
    'quality-late-rate',
    (p) => [
      'e1: IF(events - invalid > 0, 100 * counted / (events - invalid), 0)',
      `counted: Tripline/Quality/LateEvents {Pipeline=${p}} Sum 300`,
      `events: Tripline/Quality/Events {Pipeline=${p}} Sum 300`,
      `invalid: Tripline/Quality/InvalidEvents {Pipeline=${p}} Sum 300`,
    ],
    3,
    2,
    10,
  ],
];

describe('the synthesized pipeline alarms', () => {
  const singles = PIPELINES.flatMap((p) =>
    SINGLE.filter(([suffix]) => ownsCollector(p) || !suffix.startsWith('collector-')).map(([suffix, namespace, metric, dims, stat, period, evaluation, datapoints, comparison, threshold, missing]) => ({
      p,
      suffix,
      expected: {
        Namespace: namespace,
        MetricName: metric,
        Dimensions: Object.entries(dims(p)).map(([Name, Value]) => ({ Name, Value })),
        Period: period,
        EvaluationPeriods: evaluation,
        DatapointsToAlarm: datapoints,
        ComparisonOperator: comparison,
        Threshold: threshold,
        TreatMissingData: missing,
      },
      stat,
    })),
  );
  it.each(singles)('$p: $suffix watches $expected.Namespace $expected.MetricName ($stat)', ({ p, suffix, expected, stat }) => {
    const a = alarm(`tripline-${p}-${suffix}`).properties;
    expect(a).toMatchObject(expected);
    expect(a['Statistic'] ?? a['ExtendedStatistic']).toBe(stat);
    expect(a).not.toHaveProperty('AlarmActions');
  });

  const maths = PIPELINES.flatMap((p) => MATH.filter(([suffix]) => ownsCollector(p) || !suffix.startsWith('collector-')).map(([suffix, expected, evaluation, datapoints, threshold]) => ({ p, suffix, queries: expected(p), evaluation, datapoints, threshold })));
  it.each(maths)('$p: $suffix is exact metric math', ({ p, suffix, queries: expected, evaluation, datapoints, threshold }) => {
    const a = alarm(`tripline-${p}-${suffix}`);
    expect(queries(a)).toEqual(expected);
    expect(a.properties).toMatchObject({ EvaluationPeriods: evaluation, DatapointsToAlarm: datapoints, ComparisonOperator: 'GreaterThanThreshold', Threshold: threshold, TreatMissingData: 'notBreaching' });
    expect(a.properties).not.toHaveProperty('MetricName');
  });

  it('web: the traffic drop is an anomaly band on Count, no data breaching', () => {
    const a = alarm(`tripline-${COLLECTOR_OWNER}-collector-traffic-drop`);
    expect(queries(a)).toEqual(['m1: AWS/ApiGateway/Count {ApiName=tracking-collector,Stage=prod} Sum 300', 'band: ANOMALY_DETECTION_BAND(m1, 3)']);
    expect(a.properties).toMatchObject({ ComparisonOperator: 'LessThanLowerThreshold', ThresholdMetricId: 'band', EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: 'breaching' });
    expect(a.properties).not.toHaveProperty('Threshold');
  });

  it('creates 16 alarms for web (with the shared collector’s four), 12 for ios and android, and one composite per pipeline, besides the router’s two', () => {
    const names = resources(template, 'AWS::CloudWatch::Alarm').map((r) => String(r.properties['AlarmName']));
    for (const p of PIPELINES) expect(names.filter((n) => n.startsWith(`tripline-${p}-`))).toHaveLength(ownsCollector(p) ? 16 : 12);
    expect(names.filter((n) => !PIPELINES.some((p) => n.startsWith(`tripline-${p}-`)))).toEqual(['tripline-alarm-router-router-failures', 'tripline-alarm-router-router-errors']);
    expect(resources(template, 'AWS::CloudWatch::CompositeAlarm').map((r) => r.properties['AlarmName'])).toEqual(PIPELINES.map((p) => `tripline-${p}-pipeline`));
  });

  it.each(PIPELINES)('%s: the composite references only alarms in the template, and is created after them', (p) => {
    const c = only(template, 'AWS::CloudWatch::CompositeAlarm', (r) => r.properties['AlarmName'] === `tripline-${p}-pipeline`);
    const rule = String(c.properties['AlarmRule']);
    const referenced = [...rule.matchAll(/ALARM\("([^"]+)"\)/g)].map((m) => m[1] ?? '');
    expect(rule).toBe(referenced.map((n) => `ALARM("${n}")`).join(' OR '));
    expect(referenced.map((n) => n.replace(`tripline-${p}-`, ''))).toEqual([
      ...(ownsCollector(p) ? ['collector-5xx-rate', 'collector-4xx-rate', 'collector-traffic-drop'] : []),
      'stream-iterator-age',
      'iterator-age',
      'processor-errors',
      'dlq-depth',
      'firehose-freshness',
      'quality-invalid-rate',
      'quality-freshness',
    ]);
    const dependsOn = (template as { Resources: Record<string, { DependsOn?: string[] }> }).Resources[c.logicalId]?.DependsOn ?? [];
    expect(referenced.map((n) => alarm(n).logicalId).sort()).toEqual([...dependsOn].sort());
    expect(c.properties).not.toHaveProperty('AlarmActions');
    expect(String(c.properties['AlarmDescription'])).toContain('Runbook pipeline-down: https://runbooks.example.com/tripline/');
  });

  it('watches the collector the three pipelines share once: its alarms are children of web’s composite alone', () => {
    const collectorAlarms = resources(template, 'AWS::CloudWatch::Alarm')
      .filter((r) => queries(r).some((q) => /^(m1|errors|rejected): AWS\/ApiGateway\//.test(q)) || r.properties['Namespace'] === 'AWS/ApiGateway')
      .map((r) => String(r.properties['AlarmName']))
      .filter((n) => !n.endsWith('-quality-freshness'));
    expect(collectorAlarms.sort()).toEqual(['tripline-web-collector-4xx-rate', 'tripline-web-collector-5xx-rate', 'tripline-web-collector-p99-latency', 'tripline-web-collector-traffic-drop']);
    const rules = resources(template, 'AWS::CloudWatch::CompositeAlarm').map((c) => [String(c.properties['AlarmName']), String(c.properties['AlarmRule'])] as const);
    for (const name of ['tripline-web-collector-5xx-rate', 'tripline-web-collector-4xx-rate', 'tripline-web-collector-traffic-drop']) {
      expect(rules.filter(([, rule]) => rule.includes(`"${name}"`)).map(([composite]) => composite)).toEqual(['tripline-web-pipeline']);
    }
    expect(String(only(template, 'AWS::CloudWatch::CompositeAlarm', (r) => r.properties['AlarmName'] === 'tripline-web-pipeline').properties['AlarmDescription'])).toContain(
      'It also watches the collector tracking-collector/prod that web, ios and android share',
    );
  });

  it('tags every pipeline alarm with severity, pipeline and runbook (a link the router reads), children with their composite', () => {
    for (const r of [...resources(template, 'AWS::CloudWatch::Alarm'), ...resources(template, 'AWS::CloudWatch::CompositeAlarm')]) {
      const name = String(r.properties['AlarmName']);
      const p = PIPELINES.find((x) => name.startsWith(`tripline-${x}-`));
      if (p === undefined) continue;
      const tags = tagsOf(r);
      expect(tags).toMatchObject({ pipeline: p, runbook: `https://runbooks.example.com/tripline/${name}` });
      expect(['critical', 'error', 'warning']).toContain(tags['severity']);
      expect(String(r.properties['AlarmDescription'])).toContain(`https://runbooks.example.com/tripline/${name}`);
      if (r.type === 'AWS::CloudWatch::Alarm') expect(tags['composite']).toBe(`tripline-${p}-pipeline`);
      else expect(tags['severity']).toBe('critical');
    }
    expect(tagsOf(alarm('tripline-web-dlq-depth'))['severity']).toBe('error');
    expect(String(alarm('tripline-web-dlq-depth').properties['AlarmDescription'])).toContain('(tripline runbook show dlq-redrive)');
  });

  it('watches the router’s own failure queue with the shared definition; it pages directly (no pipeline tag)', () => {
    const queue = only(template, 'AWS::SQS::Queue').logicalId;
    const r = alarm('tripline-alarm-router-router-failures');
    expect(r.properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 0,
    });
    expect(tagsOf(r)).toEqual({ severity: 'critical', runbook: 'https://runbooks.example.com/tripline/tripline-alarm-router-router-failures' });
    expect(r.logicalId).toMatch(/^RouterFailuresAlarm[0-9A-F]{8}$/);
  });
});

describe('the CDK app without pipelines, or with the quality monitor', () => {
  const CONFIG = `version: 1
paging:
  receivers:
    - name: ops
      pagerduty:
        routingKey: { ssm: /tripline/pagerduty }
  route:
    receiver: ops
`;
  const PIPELINE = `pipelines:
  web: { stream: events-web, processor: web-proc, failedQueue: web-failed, dlq: web-dlq }
`;
  function cwdWith(text: string): string {
    const cwd = mkdtempSync(path.join(tmpdir(), 'tripline-cwd-'));
    dirs.push(cwd);
    writeFileSync(path.join(cwd, 'tripline.config.yaml'), text);
    return cwd;
  }

  it('adds no pipeline alarms when the config names no pipelines', async () => {
    const bundleDir = fakeBundleDir();
    dirs.push(bundleDir);
    const t = await synthTemplate({ cwd: cwdWith(CONFIG), env: {}, context: { bundleDir }, warn: () => {} });
    expect(resources(t, 'AWS::CloudWatch::Alarm').map((r) => r.properties['AlarmName'])).toEqual(['tripline-alarm-router-router-failures', 'tripline-alarm-router-router-errors']);
    expect(resources(t, 'AWS::CloudWatch::CompositeAlarm')).toEqual([]);
  });

  it('leaves the quality alarms of a configured pipeline to the router stack, so no name is created twice', async () => {
    const bundleDir = fakeBundleDir();
    const qualityBundle = fakeBundleDir();
    dirs.push(bundleDir, qualityBundle);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(qualityBundle, 'tracking-plan'));
    const outdir = mkdtempSync(path.join(tmpdir(), 'tripline-cdk-'));
    dirs.push(outdir);
    const { app, stack, qualityStack } = await buildApp({
      outdir,
      cwd: cwdWith(`${CONFIG}${PIPELINE}`),
      env: {},
      context: { bundleDir, qualityStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/events-web', qualityPipeline: 'web', qualityBundleDir: qualityBundle },
      warn: () => {},
    });
    expect(qualityStack).toBeInstanceOf(QualityMonitorStack);
    expect(qualityStack?.alarms).toBeUndefined();
    const assembly = app.synth();
    const quality: unknown = assembly.getStackArtifact(qualityStack?.artifactId ?? '').template;
    expect(resources(quality, 'AWS::CloudWatch::Alarm')).toEqual([]);
    const router: unknown = assembly.getStackArtifact(stack.artifactId).template;
    expect(resources(router, 'AWS::CloudWatch::Alarm').map((r) => r.properties['AlarmName'])).toContain('tripline-web-quality-invalid-rate');
    expect(app).toBeInstanceOf(App);
  });
});
