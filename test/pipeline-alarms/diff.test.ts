import type { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { PipelineSchema } from '../../src/config/pipelines.js';
import { toPutCompositeAlarmInput, toPutMetricAlarmInput } from '../../src/pipeline-alarms/cloudwatch-input.js';
import { pipelineAlarms } from '../../src/pipeline-alarms/definitions.js';
import { diffAlarms } from '../../src/pipeline-alarms/diff.js';
import type { AlarmDefinition } from '../../src/pipeline-alarms/types.js';

const pipeline = PipelineSchema.parse({
  stream: 'events',
  processor: 'proc',
  failedQueue: 'failed',
  dlq: 'dlq',
  collector: { apiName: 'collector' },
  firehose: 'to-s3',
});
const { alarms } = pipelineAlarms('web', pipeline);

/** What DescribeAlarms reports for an alarm written with PutMetricAlarm / PutCompositeAlarm. */
function deployed(defs: readonly AlarmDefinition[]): { metric: MetricAlarm[]; composite: CompositeAlarm[] } {
  const metric: MetricAlarm[] = [];
  const composite: CompositeAlarm[] = [];
  for (const def of defs) {
    const arn = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${def.name}`;
    if (def.kind === 'metric') {
      const { Tags: _tags, ActionsEnabled: _enabled, ...input } = toPutMetricAlarmInput(def);
      metric.push({ ...input, AlarmArn: arn, StateValue: 'OK' });
    } else {
      const { Tags: _tags, ...input } = toPutCompositeAlarmInput(def);
      composite.push({ ...input, AlarmArn: arn, StateValue: 'OK' });
    }
  }
  return { metric, composite };
}

describe('diffAlarms', () => {
  it('finds nothing to do when CloudWatch holds exactly the definitions', () => {
    const diff = diffAlarms(alarms, deployed(alarms));
    expect(diff).toEqual({ missing: [], changed: [], extra: [], unchanged: alarms.map((a) => a.name) });
  });

  it('reports missing, changed field by field, and extra alarms', () => {
    const cw = deployed(alarms.filter((a) => a.name !== 'tripline-web-dlq-depth'));
    const lag = cw.metric.find((a) => a.AlarmName === 'tripline-web-iterator-age');
    if (lag === undefined) throw new Error('no lag alarm');
    Object.assign(lag, { Threshold: 120_000, EvaluationPeriods: 3, DatapointsToAlarm: undefined });
    const errors = cw.metric.find((a) => a.AlarmName === 'tripline-web-processor-errors');
    const math = errors?.Metrics?.[1]?.MetricStat;
    if (math === undefined) throw new Error('no math input');
    math.Stat = 'Average';
    const parent = cw.composite[0];
    if (parent === undefined) throw new Error('no composite');
    parent.AlarmRule = 'ALARM("tripline-web-dlq-depth")';
    cw.metric.push({ AlarmName: 'tripline-web-old-latency', Namespace: 'AWS/ApiGateway', MetricName: 'Latency' });

    const diff = diffAlarms(alarms, cw);
    expect(diff.missing).toEqual(['tripline-web-dlq-depth']);
    expect(diff.extra).toEqual([{ name: 'tripline-web-old-latency', kind: 'metric' }]);
    expect(diff.changed.map((c) => [c.name, c.changes.map((f) => `${f.field}: ${f.deployed} → ${f.intended}`)])).toEqual([
      ['tripline-web-iterator-age', ['evaluationPeriods: 3 → 5', 'datapointsToAlarm: 3 → 5', 'threshold: 120000 → 60000']],
      ['tripline-web-processor-errors', ['statistic: errors=Average, invocations=Sum → errors=Sum, invocations=Sum']],
      ['tripline-web-pipeline', [expect.stringMatching(/^rule: ALARM\("tripline-web-dlq-depth"\) → ALARM\("tripline-web-collector-5xx-rate"\) OR /)]],
    ]);
    expect(diff.changed[0]?.arn).toBe('arn:aws:cloudwatch:eu-west-1:123456789012:alarm:tripline-web-iterator-age');
    expect(diff.unchanged).toHaveLength(alarms.length - 4);
  });

  it('sees a metric alarm replaced by a composite of the same name', () => {
    const cw = deployed(alarms);
    cw.metric = cw.metric.filter((a) => a.AlarmName !== 'tripline-web-dlq-depth');
    cw.composite.push({ AlarmName: 'tripline-web-dlq-depth', AlarmRule: 'TRUE' });
    const change = diffAlarms(alarms, cw).changed.find((c) => c.name === 'tripline-web-dlq-depth');
    expect(change?.changes[0]).toEqual({ field: 'kind', intended: 'metric', deployed: 'composite' });
  });
});
