/**
 * Alarm definitions as CloudWatch API inputs (PutMetricAlarm,
 * PutCompositeAlarm). The CDK stack renders the same objects as
 * AWS::CloudWatch::Alarm / CompositeAlarm properties, so what `alarms apply`
 * writes and what the stack deploys cannot drift apart.
 */
import type { Dimension, MetricDataQuery, PutCompositeAlarmInput, PutMetricAlarmInput, Tag } from '@aws-sdk/client-cloudwatch';
import type { CompositeAlarmDefinition, MetricAlarmDefinition, MetricStat } from './types.js';

/** Statistics PutMetricAlarm takes as `Statistic`; anything else (p99, tm90, …) is an `ExtendedStatistic`. */
const STATISTICS: readonly string[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

/** Id of the expression (math) or of the band (anomaly band) in `Metrics`. */
export const EXPRESSION_ID = 'e1';
export const BAND_ID = 'band';
/** Id of the watched metric under an anomaly band. */
export const BAND_METRIC_ID = 'm1';

export function isStandardStatistic(statistic: string): boolean {
  return STATISTICS.includes(statistic);
}

/** Dimensions as CloudWatch lists them: sorted by name, so two renderings compare equal. */
export function dimensionsOf(metric: { readonly dimensions: Readonly<Record<string, string>> }): Dimension[] {
  return Object.entries(metric.dimensions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([Name, Value]) => ({ Name, Value }));
}

export function tagsOf(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function metricStatQuery(id: string, metric: MetricStat, period: number, returnData: boolean): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dimensionsOf(metric) },
      Period: period,
      Stat: metric.statistic,
    },
    ReturnData: returnData,
  };
}

/**
 * The PutMetricAlarm input for a definition. No actions: the alarm router's
 * EventBridge rule receives every state change.
 *
 * @example toPutMetricAlarmInput(dlqDepth).Statistic // 'Maximum'
 */
export function toPutMetricAlarmInput(def: MetricAlarmDefinition): PutMetricAlarmInput {
  const common = {
    AlarmName: def.name,
    AlarmDescription: def.description,
    ActionsEnabled: true,
    EvaluationPeriods: def.evaluationPeriods,
    DatapointsToAlarm: def.datapointsToAlarm,
    ComparisonOperator: def.comparison,
    TreatMissingData: def.treatMissingData,
    Tags: tagsOf(def.tags),
  };
  const signal = def.signal;
  switch (signal.kind) {
    case 'metric': {
      const m = signal.metric;
      return {
        ...common,
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: dimensionsOf(m),
        Period: def.periodSeconds,
        ...(isStandardStatistic(m.statistic) ? { Statistic: standard(m.statistic) } : { ExtendedStatistic: m.statistic }),
        Threshold: def.threshold ?? 0,
      };
    }
    case 'math':
      return {
        ...common,
        Metrics: [
          { Id: EXPRESSION_ID, Expression: signal.expression, Label: signal.label, ReturnData: true },
          ...Object.entries(signal.inputs).map(([id, metric]) => metricStatQuery(id, metric, def.periodSeconds, false)),
        ],
        Threshold: def.threshold ?? 0,
      };
    case 'anomaly-band':
      return {
        ...common,
        Metrics: [
          metricStatQuery(BAND_METRIC_ID, signal.metric, def.periodSeconds, true),
          {
            Id: BAND_ID,
            Expression: `ANOMALY_DETECTION_BAND(${BAND_METRIC_ID}, ${signal.bandWidth})`,
            Label: `${signal.metric.metricName} (expected band)`,
            ReturnData: true,
          },
        ],
        ThresholdMetricId: BAND_ID,
      };
  }
}

/** The PutCompositeAlarm input for a composite definition (no actions; the router pages). */
export function toPutCompositeAlarmInput(def: CompositeAlarmDefinition): PutCompositeAlarmInput {
  return {
    AlarmName: def.name,
    AlarmDescription: def.description,
    AlarmRule: def.rule,
    ActionsEnabled: true,
    Tags: tagsOf(def.tags),
  };
}

type StandardStatistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

function standard(statistic: string): StandardStatistic {
  switch (statistic) {
    case 'SampleCount':
    case 'Average':
    case 'Sum':
    case 'Minimum':
    case 'Maximum':
      return statistic;
    default:
      throw new Error(`not a standard statistic: ${statistic}`);
  }
}
