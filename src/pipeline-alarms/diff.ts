/**
 * Intended alarms against what CloudWatch holds (DescribeAlarms): missing,
 * changed (field by field), extra (under a pipeline's prefix but not
 * intended). Pure: both sides are compared through the fields PutMetricAlarm
 * and DescribeAlarms share.
 */
import type { CompositeAlarm, Dimension, MetricAlarm, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { toPutCompositeAlarmInput, toPutMetricAlarmInput } from './cloudwatch-input.js';
import type { AlarmDefinition } from './types.js';

/** What CloudWatch holds under the prefixes (DescribeAlarms, metric and composite). */
export interface DeployedAlarms {
  readonly metric: readonly MetricAlarm[];
  readonly composite: readonly CompositeAlarm[];
}

/** One field that differs; values as text (`''` when unset). */
export interface FieldChange {
  readonly field: string;
  readonly intended: string;
  readonly deployed: string;
}

export interface ChangedAlarm {
  readonly name: string;
  readonly kind: 'metric' | 'composite';
  readonly changes: readonly FieldChange[];
  /** The deployed alarm's ARN (tags of an existing alarm change with TagResource). */
  readonly arn?: string;
}

export interface AlarmDiff {
  /** Intended, not in CloudWatch. */
  readonly missing: readonly string[];
  readonly changed: readonly ChangedAlarm[];
  /** In CloudWatch under a pipeline prefix, not intended (never deleted by tripline). */
  readonly extra: readonly { readonly name: string; readonly kind: 'metric' | 'composite' }[];
  readonly unchanged: readonly string[];
}

/** Fields compared, in the order they are reported. */
export const COMPARED_FIELDS = [
  'kind',
  'metric',
  'statistic',
  'expression',
  'period',
  'evaluationPeriods',
  'datapointsToAlarm',
  'comparison',
  'threshold',
  'treatMissingData',
  'rule',
  'description',
] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

/** The fields PutMetricAlarm takes and DescribeAlarms returns under the same names. */
interface MetricAlarmFields {
  readonly AlarmDescription?: string | undefined;
  readonly Namespace?: string | undefined;
  readonly MetricName?: string | undefined;
  readonly Dimensions?: readonly Dimension[] | undefined;
  readonly Statistic?: string | undefined;
  readonly ExtendedStatistic?: string | undefined;
  readonly Period?: number | undefined;
  readonly EvaluationPeriods?: number | undefined;
  readonly DatapointsToAlarm?: number | undefined;
  readonly Threshold?: number | undefined;
  readonly ComparisonOperator?: string | undefined;
  readonly TreatMissingData?: string | undefined;
  readonly Metrics?: readonly MetricDataQuery[] | undefined;
  readonly ThresholdMetricId?: string | undefined;
}

type Summary = Readonly<Record<ComparedField, string>>;

/**
 * Compares the intended alarms with the deployed ones.
 *
 * @example diffAlarms(catalog.alarms, { metric: [], composite: [] }).missing.length === catalog.alarms.length
 */
export function diffAlarms(intended: readonly AlarmDefinition[], deployed: DeployedAlarms): AlarmDiff {
  const found = new Map<string, { summary: Summary; kind: 'metric' | 'composite'; arn?: string }>();
  for (const alarm of deployed.metric) {
    if (alarm.AlarmName === undefined) continue;
    found.set(alarm.AlarmName, { summary: metricSummary(alarm), kind: 'metric', ...(alarm.AlarmArn ? { arn: alarm.AlarmArn } : {}) });
  }
  for (const alarm of deployed.composite) {
    if (alarm.AlarmName === undefined) continue;
    found.set(alarm.AlarmName, {
      summary: compositeSummary(alarm.AlarmRule, alarm.AlarmDescription),
      kind: 'composite',
      ...(alarm.AlarmArn ? { arn: alarm.AlarmArn } : {}),
    });
  }

  const missing: string[] = [];
  const changed: ChangedAlarm[] = [];
  const unchanged: string[] = [];
  const names = new Set<string>();
  for (const def of intended) {
    names.add(def.name);
    const there = found.get(def.name);
    if (there === undefined) {
      missing.push(def.name);
      continue;
    }
    const want = summaryOf(def);
    const changes = COMPARED_FIELDS.filter((f) => want[f] !== there.summary[f]).map((field) => ({
      field,
      intended: want[field],
      deployed: there.summary[field],
    }));
    if (changes.length === 0) unchanged.push(def.name);
    else changed.push({ name: def.name, kind: def.kind, changes, ...(there.arn !== undefined ? { arn: there.arn } : {}) });
  }
  const extra = [...found.entries()]
    .filter(([name]) => !names.has(name))
    .map(([name, a]) => ({ name, kind: a.kind }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { missing, changed, extra, unchanged };
}

/** The compared fields of an intended alarm, as CloudWatch would report them once written. */
export function summaryOf(def: AlarmDefinition): Summary {
  if (def.kind === 'composite') {
    const input = toPutCompositeAlarmInput(def);
    return compositeSummary(input.AlarmRule, input.AlarmDescription);
  }
  return metricSummary(toPutMetricAlarmInput(def));
}

function compositeSummary(rule: string | undefined, description: string | undefined): Summary {
  return {
    kind: 'composite',
    metric: '',
    statistic: '',
    expression: '',
    period: '',
    evaluationPeriods: '',
    datapointsToAlarm: '',
    comparison: '',
    threshold: '',
    treatMissingData: '',
    rule: (rule ?? '').replace(/\s+/g, ' ').trim(),
    description: description ?? '',
  };
}

function metricSummary(a: MetricAlarmFields): Summary {
  const queries = a.Metrics ?? [];
  const stats = queries.filter((q) => q.MetricStat !== undefined);
  const firstPeriod = stats[0]?.MetricStat?.Period;
  const expressions = queries.filter((q) => q.Expression !== undefined).map((q) => `${q.Id ?? ''}=${q.Expression ?? ''}`);
  return {
    kind: 'metric',
    metric:
      queries.length > 0
        ? stats
            .map((q) => `${q.Id ?? ''}=${metricText(q.MetricStat?.Metric?.Namespace, q.MetricStat?.Metric?.MetricName, q.MetricStat?.Metric?.Dimensions)}`)
            .join('; ')
        : metricText(a.Namespace, a.MetricName, a.Dimensions),
    statistic: queries.length > 0 ? stats.map((q) => `${q.Id ?? ''}=${q.MetricStat?.Stat ?? ''}`).join(', ') : (a.Statistic ?? a.ExtendedStatistic ?? ''),
    expression: [...expressions, ...(a.ThresholdMetricId !== undefined ? [`threshold=${a.ThresholdMetricId}`] : [])].join('; '),
    period: numberText(a.Period ?? firstPeriod),
    evaluationPeriods: numberText(a.EvaluationPeriods),
    // CloudWatch reports no DatapointsToAlarm when it equals EvaluationPeriods.
    datapointsToAlarm: numberText(a.DatapointsToAlarm ?? a.EvaluationPeriods),
    comparison: a.ComparisonOperator ?? '',
    // An anomaly-band alarm has no threshold of its own.
    threshold: a.ThresholdMetricId !== undefined ? '' : numberText(a.Threshold),
    treatMissingData: a.TreatMissingData ?? 'missing',
    rule: '',
    description: a.AlarmDescription ?? '',
  };
}

function metricText(namespace: string | undefined, name: string | undefined, dimensions: readonly Dimension[] | undefined): string {
  const dims = [...(dimensions ?? [])]
    .map((d) => `${d.Name ?? ''}=${d.Value ?? ''}`)
    .sort()
    .join(',');
  return `${namespace ?? ''}/${name ?? ''}${dims === '' ? '' : ` {${dims}}`}`;
}

function numberText(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}
