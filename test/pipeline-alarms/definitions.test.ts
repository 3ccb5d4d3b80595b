import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText, type Config } from '../../src/config/index.js';
import { PipelineSchema } from '../../src/config/pipelines.js';
import { ConfigError } from '../../src/errors.js';
import {
  catalogFromConfig,
  fillRunbookLink,
  pipelineAlarms,
  queueNameOf,
  routerFailureAlarm,
} from '../../src/pipeline-alarms/definitions.js';
import { toPutCompositeAlarmInput, toPutMetricAlarmInput } from '../../src/pipeline-alarms/cloudwatch-input.js';
import type { AlarmDefinition, CompositeAlarmDefinition, MetricAlarmDefinition } from '../../src/pipeline-alarms/types.js';

let config: Config;
beforeAll(async () => {
  config = await parseConfigText(await readFile('tripline.config.yaml', 'utf8'), 'tripline.config.yaml');
});

const minimal = PipelineSchema.parse({ stream: 'events', processor: 'proc', failedQueue: 'failed', dlq: 'dlq' });

function metric(alarms: readonly AlarmDefinition[], name: string): MetricAlarmDefinition {
  const found = alarms.find((a) => a.name === name);
  if (found?.kind !== 'metric') throw new Error(`no metric alarm ${name}`);
  return found;
}

function composite(alarms: readonly AlarmDefinition[], name: string): CompositeAlarmDefinition {
  const found = alarms.find((a) => a.name === name);
  if (found?.kind !== 'composite') throw new Error(`no composite ${name}`);
  return found;
}

describe('the alarm catalog of the example config', () => {
  it('keeps the names tripline.config.yaml promises, for every pipeline', () => {
    const names = catalogFromConfig(config).alarms.map((a) => a.name);
    for (const p of ['web', 'ios', 'android']) {
      for (const suffix of ['pipeline', 'dlq-depth', 'processor-errors', 'iterator-age', 'firehose-freshness']) {
        expect(names).toContain(`tripline-${p}-${suffix}`);
      }
    }
    // The shared collector's four alarms once (with web's), not once per pipeline.
    expect(names).toHaveLength(3 * 17 - 2 * 4);
    expect(names.filter((n) => n.includes('-collector-'))).toEqual([
      'tripline-web-collector-5xx-rate',
      'tripline-web-collector-4xx-rate',
      'tripline-web-collector-p99-latency',
      'tripline-web-collector-traffic-drop',
    ]);
  });

  it('builds each composite from alarms that exist, created after them', () => {
    const { alarms } = catalogFromConfig(config);
    for (const p of ['web', 'ios', 'android']) {
      const c = composite(alarms, `tripline-${p}-pipeline`);
      const referenced = [...c.rule.matchAll(/ALARM\("([^"]+)"\)/g)].map((m) => m[1]);
      expect(referenced).toEqual(c.children);
      expect(c.rule).toBe(c.children.map((n) => `ALARM("${n}")`).join(' OR '));
      for (const child of c.children) {
        expect(alarms.findIndex((a) => a.name === child)).toBeLessThan(alarms.indexOf(c));
        expect(metric(alarms, child).inComposite).toBe(true);
      }
      expect(c.children).toEqual([
        ...(p === 'web' ? [`tripline-${p}-collector-5xx-rate`, `tripline-${p}-collector-4xx-rate`, `tripline-${p}-collector-traffic-drop`] : []),
        `tripline-${p}-stream-iterator-age`,
        `tripline-${p}-iterator-age`,
        `tripline-${p}-processor-errors`,
        `tripline-${p}-dlq-depth`,
        `tripline-${p}-firehose-freshness`,
        `tripline-${p}-quality-invalid-rate`,
        `tripline-${p}-quality-freshness`,
      ]);
    }
  });

  it('tags every alarm with severity, pipeline and runbook, and children with their composite', () => {
    for (const a of catalogFromConfig(config).alarms) {
      expect(Object.keys(a.tags).sort()).toEqual(a.kind === 'composite' ? ['pipeline', 'runbook', 'severity'] : ['composite', 'pipeline', 'runbook', 'severity']);
      expect(a.tags['severity']).toBe(a.severity);
      expect(a.tags['pipeline']).toBe(a.pipeline);
      // paging.defaults.runbookUrl, filled in: the router uses an http(s) runbook tag as the page's runbook link.
      expect(a.tags['runbook']).toBe(`https://runbooks.example.com/tripline/${a.name}`);
      expect(a.description).toContain(`Runbook ${a.runbook}: https://runbooks.example.com/tripline/${a.name}`);
      expect(a.description.length).toBeLessThanOrEqual(1024);
      if (a.kind === 'metric') expect(a.tags['composite']).toBe(`tripline-${a.pipeline}-pipeline`);
    }
  });

  it('uses the pipeline thresholds: the example overrides none, so the documented defaults apply', () => {
    const { alarms } = catalogFromConfig(config);
    expect(metric(alarms, 'tripline-web-iterator-age').threshold).toBe(60_000);
    expect(metric(alarms, 'tripline-web-processor-errors').threshold).toBe(1);
    expect(metric(alarms, 'tripline-web-dlq-depth').threshold).toBe(0);
    expect(metric(alarms, 'tripline-web-collector-p99-latency').threshold).toBe(1000);
    expect(metric(alarms, 'tripline-web-quality-invalid-rate').threshold).toBe(2);
  });
});

describe('pipelineAlarms', () => {
  it('follows overridden thresholds, queue URLs, the alarm prefix and the quality dimensions', () => {
    const pipeline = PipelineSchema.parse({
      stream: 'events-eu',
      processor: 'proc-eu',
      failedQueue: 'https://sqs.eu-west-1.amazonaws.com/123456789012/failed-eu',
      dlq: 'arn:aws:sqs:eu-west-1:123456789012:dlq-eu',
      alarmPrefix: 'acme-eu-',
      qualityNamespace: 'Acme/Quality',
      qualityDimensions: { Pipeline: 'eu', Team: 'growth' },
      thresholds: { lagSeconds: 300, processorErrorRate: 0.05, dlqDepth: 10, lateRate: 0.25, trafficBandWidth: 4 },
    });
    const { alarms } = pipelineAlarms('eu', pipeline);
    expect(metric(alarms, 'acme-eu-iterator-age').threshold).toBe(300_000);
    expect(metric(alarms, 'acme-eu-processor-errors').threshold).toBe(5);
    const dlq = metric(alarms, 'acme-eu-dlq-depth');
    expect(dlq.threshold).toBe(10);
    expect(dlq.signal).toEqual({ kind: 'metric', metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'dlq-eu' }, statistic: 'Maximum' } });
    expect(metric(alarms, 'acme-eu-failed-queue-age').signal).toMatchObject({ metric: { dimensions: { QueueName: 'failed-eu' } } });
    const late = metric(alarms, 'acme-eu-quality-late-rate');
    expect(late.threshold).toBe(25);
    expect(late.signal).toMatchObject({
      kind: 'math',
      expression: 'IF(events - invalid > 0, 100 * counted / (events - invalid), 0)',
      inputs: { counted: { namespace: 'Acme/Quality', metricName: 'LateEvents', dimensions: { Pipeline: 'eu', Team: 'growth' }, statistic: 'Sum' } },
    });
    expect(composite(alarms, 'acme-eu-pipeline').tags['pipeline']).toBe('eu');
  });

  it('leaves out the collector and Firehose alarms when the pipeline names neither', () => {
    const { alarms } = pipelineAlarms('min', minimal);
    expect(alarms.map((a) => a.key)).toEqual([
      'stream-iterator-age',
      'iterator-age',
      'processor-errors',
      'processor-throttles',
      'failed-queue-age',
      'dlq-depth',
      'quality-invalid-rate',
      'quality-duplicate-rate',
      'quality-late-rate',
      'quality-freshness',
      'pipeline',
    ]);
    expect(composite(alarms, 'tripline-min-pipeline').rule).toBe(
      'ALARM("tripline-min-stream-iterator-age") OR ALARM("tripline-min-iterator-age") OR ALARM("tripline-min-processor-errors") OR ALARM("tripline-min-dlq-depth") OR ALARM("tripline-min-quality-invalid-rate") OR ALARM("tripline-min-quality-freshness")',
    );
  });

  it("fills the pipeline's runbook link with the runbook id, and tags the runbook id when there is no link", () => {
    const linked = pipelineAlarms('web', { ...minimal, runbookUrl: 'https://wiki.example.com/runbooks/{runbook}?pipeline={pipeline}' });
    expect(metric(linked.alarms, 'tripline-web-dlq-depth').tags['runbook']).toBe('https://wiki.example.com/runbooks/dlq-redrive?pipeline=web');
    expect(metric(linked.alarms, 'tripline-web-dlq-depth').description).toContain(
      'Runbook dlq-redrive: https://wiki.example.com/runbooks/dlq-redrive?pipeline=web (tripline runbook show dlq-redrive).',
    );
    const bare = pipelineAlarms('web', minimal);
    expect(metric(bare.alarms, 'tripline-web-iterator-age').tags['runbook']).toBe('stream-lag');
    expect(bare.warnings).toEqual([]);
    const regional = pipelineAlarms('web', minimal, { defaultRunbookUrl: 'https://r.example.com/{region}/{alarmName}' });
    expect(metric(regional.alarms, 'tripline-web-dlq-depth').tags['runbook']).toBe('dlq-redrive');
    expect(regional.warnings).toEqual([expect.stringContaining('needs a value unknown when the alarm is created')]);
  });

  it("creates a shared collector's alarms once, with the first pipeline naming it; a collector of its own stays with its pipeline", () => {
    const shared = { apiName: 'collector', stage: 'prod' };
    const { alarms } = catalogFromConfig({
      pipelines: {
        a: { ...minimal, collector: shared },
        b: { ...minimal, collector: shared },
        c: { ...minimal, collector: { apiName: 'collector', stage: 'beta' } },
      },
    });
    const collectorAlarms = alarms.filter((x) => x.key.startsWith('collector-')).map((x) => x.name);
    expect(collectorAlarms).toEqual([
      'tripline-a-collector-5xx-rate',
      'tripline-a-collector-4xx-rate',
      'tripline-a-collector-p99-latency',
      'tripline-a-collector-traffic-drop',
      'tripline-c-collector-5xx-rate',
      'tripline-c-collector-4xx-rate',
      'tripline-c-collector-p99-latency',
      'tripline-c-collector-traffic-drop',
    ]);
    expect(composite(alarms, 'tripline-a-pipeline').children).toContain('tripline-a-collector-traffic-drop');
    expect(composite(alarms, 'tripline-b-pipeline').children.some((n) => n.includes('collector'))).toBe(false);
    expect(metric(alarms, 'tripline-a-collector-5xx-rate').description).toContain('The collector collector/prod serves a and b: this alarm is created once, with a');
    expect(composite(alarms, 'tripline-a-pipeline').description).toContain('It also watches the collector collector/prod that a and b share');
    expect(composite(alarms, 'tripline-c-pipeline').description).not.toContain('It also watches');
  });

  it('counts quality freshness only while the collector accepts requests; without a collector, no data is breaching', () => {
    const withCollector = metric(pipelineAlarms('a', { ...minimal, collector: { apiName: 'collector' } }).alarms, 'tripline-a-quality-freshness');
    expect(withCollector.signal).toEqual({
      kind: 'math',
      expression: 'IF(FILL(requests, 0) - FILL(rejected, 0) - FILL(errors, 0) > 0, FILL(freshness, 86400), 0)',
      label: 'freshness while the collector accepts requests (s)',
      inputs: {
        freshness: { namespace: 'Tripline/Quality', metricName: 'FreshnessSeconds', dimensions: { Pipeline: 'a' }, statistic: 'Minimum' },
        requests: { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: { ApiName: 'collector' }, statistic: 'Sum' },
        rejected: { namespace: 'AWS/ApiGateway', metricName: '4XXError', dimensions: { ApiName: 'collector' }, statistic: 'Sum' },
        errors: { namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensions: { ApiName: 'collector' }, statistic: 'Sum' },
      },
    });
    expect(withCollector).toMatchObject({ threshold: 900, treatMissingData: 'notBreaching', inComposite: true });
    const without = metric(pipelineAlarms('a', minimal).alarms, 'tripline-a-quality-freshness');
    expect(without).toMatchObject({ signal: { kind: 'metric', metric: { metricName: 'FreshnessSeconds', statistic: 'Minimum' } }, treatMissingData: 'breaching' });
  });

  it('leaves the quality alarms out of a pipeline with qualityAlarms: false, composite included', () => {
    const { alarms } = pipelineAlarms('min', PipelineSchema.parse({ stream: 'events', processor: 'proc', failedQueue: 'failed', dlq: 'dlq', qualityAlarms: false }));
    expect(alarms.map((a) => a.key).filter((k) => k.startsWith('quality-'))).toEqual([]);
    expect(composite(alarms, 'tripline-min-pipeline').rule).toBe(
      'ALARM("tripline-min-stream-iterator-age") OR ALARM("tripline-min-iterator-age") OR ALARM("tripline-min-processor-errors") OR ALARM("tripline-min-dlq-depth")',
    );
    expect(() => PipelineSchema.parse({ stream: 'events', processor: 'proc', failedQueue: 'failed', dlq: 'dlq', qualityAlarms: 'no' })).toThrow();
  });

  it('refuses two pipelines that would create the same alarm names', () => {
    expect(() => catalogFromConfig({ pipelines: { a: { ...minimal, alarmPrefix: 'x-' }, b: { ...minimal, alarmPrefix: 'x-' } } })).toThrow(ConfigError);
    expect(() => catalogFromConfig({ pipelines: { a: { ...minimal, alarmPrefix: 'x-' }, b: { ...minimal, alarmPrefix: 'x-' } } })).toThrow(
      'pipelines a and b would both create alarm x-stream-iterator-age: give one of them its own pipelines.<name>.alarmPrefix',
    );
  });
});

describe('as CloudWatch inputs', () => {
  it('renders a single metric, metric math and an anomaly band as PutMetricAlarm takes them', () => {
    const { alarms } = catalogFromConfig(config);
    expect(toPutMetricAlarmInput(metric(alarms, 'tripline-web-dlq-depth'))).toMatchObject({
      AlarmName: 'tripline-web-dlq-depth',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: 'tripline-web-dlq' }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(toPutMetricAlarmInput(metric(alarms, 'tripline-web-collector-p99-latency'))).toMatchObject({ ExtendedStatistic: 'p99', Threshold: 1000 });
    const rate = toPutMetricAlarmInput(metric(alarms, 'tripline-web-collector-5xx-rate'));
    expect(rate.Metrics?.map((q) => [q.Id, q.Expression ?? q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat, q.MetricStat?.Period, q.ReturnData])).toEqual([
      ['e1', 'IF(requests > 0, 100 * errors / requests, 0)', undefined, undefined, true],
      ['errors', '5XXError', 'Sum', 300, false],
      ['requests', 'Count', 'Sum', 300, false],
    ]);
    expect(rate).not.toHaveProperty('Period');
    const drop = toPutMetricAlarmInput(metric(alarms, 'tripline-web-collector-traffic-drop'));
    expect(drop).toMatchObject({ ComparisonOperator: 'LessThanLowerThreshold', ThresholdMetricId: 'band', TreatMissingData: 'breaching' });
    expect(drop).not.toHaveProperty('Threshold');
    expect(drop.Metrics?.[1]?.Expression).toBe('ANOMALY_DETECTION_BAND(m1, 3)');
    expect(toPutCompositeAlarmInput(composite(alarms, 'tripline-web-pipeline')).Tags).toEqual([
      { Key: 'severity', Value: 'critical' },
      { Key: 'pipeline', Value: 'web' },
      { Key: 'runbook', Value: 'https://runbooks.example.com/tripline/tripline-web-pipeline' },
    ]);
  });

  it('defines the router failure alarm without a pipeline tag, so it pages on its own', () => {
    const a = routerFailureAlarm({ alarmName: 'ops-router-failures', queueName: 'ops-failures' });
    expect(a.tags).toEqual({ severity: 'critical', runbook: 'router-failures' });
    expect(toPutMetricAlarmInput(a)).toMatchObject({ Dimensions: [{ Name: 'QueueName', Value: 'ops-failures' }], Threshold: 0, Statistic: 'Maximum' });
  });
});

describe('helpers', () => {
  it.each([
    ['web-dlq', 'web-dlq'],
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/web-dlq', 'web-dlq'],
    ['arn:aws:sqs:eu-west-1:123456789012:web-dlq.fifo', 'web-dlq.fifo'],
  ])('queueNameOf(%s) = %s', (given, name) => {
    expect(queueNameOf(given)).toBe(name);
  });

  it('fills runbook links, encoding each part', () => {
    expect(fillRunbookLink('https://r.example.com/{alarmName}?rb={runbook}&t={tags.severity}', { runbook: 'dlq-redrive', pipeline: 'web', alarmName: 'a/b c', tags: { severity: 'error' } })).toBe(
      'https://r.example.com/a/b%20c?rb=dlq-redrive&t=error',
    );
    expect(fillRunbookLink('https://r.example.com/{state}', { runbook: 'x', pipeline: 'web', alarmName: 'a', tags: {} })).toBeUndefined();
  });
});
