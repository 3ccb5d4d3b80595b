import { CfnAlarm, CfnCompositeAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { Dimension, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { toPutCompositeAlarmInput, toPutMetricAlarmInput } from '../src/pipeline-alarms/cloudwatch-input.js';
import type { AlarmDefinition, CompositeAlarmDefinition, MetricAlarmDefinition } from '../src/pipeline-alarms/types.js';

/** Props of {@link PipelineAlarms}: the definitions, children before their composites (as `catalogFromConfig` orders them). */
export interface PipelineAlarmsProps {
  readonly alarms: readonly AlarmDefinition[];
}

/**
 * The pipelines' alarms (src/pipeline-alarms) as CloudFormation: one
 * AWS::CloudWatch::Alarm per metric alarm and one CompositeAlarm per
 * pipeline, rendered from the same PutMetricAlarm / PutCompositeAlarm inputs
 * `tripline alarms apply` writes. No actions: the alarm router's EventBridge
 * rule receives every state change; the route config makes the composite
 * page and the children post to Slack.
 *
 * @example new PipelineAlarms(stack, 'PipelineAlarms', { alarms: catalogFromConfig(config).alarms });
 */
export class PipelineAlarms extends Construct {
  readonly metricAlarms = new Map<string, CfnAlarm>();
  readonly compositeAlarms = new Map<string, CfnCompositeAlarm>();

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    for (const def of props.alarms) {
      if (def.kind === 'metric') this.metricAlarms.set(def.name, renderMetricAlarm(this, constructIdOf(def), def));
    }
    for (const def of props.alarms) {
      if (def.kind !== 'composite') continue;
      const composite = renderCompositeAlarm(this, constructIdOf(def), def);
      // The rule names its children; CloudFormation must create them first.
      for (const child of def.children) {
        const alarm = this.metricAlarms.get(child);
        if (alarm !== undefined) composite.addResourceDependency(alarm);
      }
      this.compositeAlarms.set(def.name, composite);
    }
  }
}

/**
 * One metric alarm as `<id>/Resource` (the path an L2 `Alarm` gives its
 * CfnAlarm, so an alarm moved onto a definition keeps its logical id and is
 * updated in place, not replaced).
 */
export function renderMetricAlarm(
  scope: Construct,
  id: string,
  def: MetricAlarmDefinition,
  actions: { readonly alarmActions?: string[]; readonly okActions?: string[] } = {},
): CfnAlarm {
  const input = toPutMetricAlarmInput(def);
  const holder = new Construct(scope, id);
  return new CfnAlarm(holder, 'Resource', {
    alarmName: input.AlarmName,
    alarmDescription: input.AlarmDescription,
    actionsEnabled: input.ActionsEnabled,
    ...(actions.alarmActions !== undefined ? { alarmActions: actions.alarmActions } : {}),
    ...(actions.okActions !== undefined ? { okActions: actions.okActions } : {}),
    namespace: input.Namespace,
    metricName: input.MetricName,
    ...(input.Dimensions !== undefined ? { dimensions: cfnDimensions(input.Dimensions) } : {}),
    statistic: input.Statistic,
    extendedStatistic: input.ExtendedStatistic,
    period: input.Period,
    evaluationPeriods: input.EvaluationPeriods ?? def.evaluationPeriods,
    datapointsToAlarm: input.DatapointsToAlarm,
    threshold: input.Threshold,
    comparisonOperator: input.ComparisonOperator ?? def.comparison,
    treatMissingData: input.TreatMissingData,
    ...(input.Metrics !== undefined ? { metrics: input.Metrics.map(cfnQuery) } : {}),
    thresholdMetricId: input.ThresholdMetricId,
    tags: (input.Tags ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })),
  });
}

export function renderCompositeAlarm(scope: Construct, id: string, def: CompositeAlarmDefinition): CfnCompositeAlarm {
  const input = toPutCompositeAlarmInput(def);
  const holder = new Construct(scope, id);
  return new CfnCompositeAlarm(holder, 'Resource', {
    alarmName: input.AlarmName,
    alarmRule: input.AlarmRule ?? def.rule,
    alarmDescription: input.AlarmDescription,
    actionsEnabled: input.ActionsEnabled,
    tags: (input.Tags ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })),
  });
}

function cfnDimensions(dimensions: readonly Dimension[]): CfnAlarm.DimensionProperty[] {
  return dimensions.map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' }));
}

function cfnQuery(q: MetricDataQuery): CfnAlarm.MetricDataQueryProperty {
  const stat = q.MetricStat;
  return {
    id: q.Id ?? '',
    ...(q.Expression !== undefined ? { expression: q.Expression } : {}),
    ...(q.Label !== undefined ? { label: q.Label } : {}),
    ...(q.ReturnData !== undefined ? { returnData: q.ReturnData } : {}),
    ...(stat !== undefined
      ? {
          metricStat: {
            metric: {
              namespace: stat.Metric?.Namespace,
              metricName: stat.Metric?.MetricName,
              dimensions: cfnDimensions(stat.Metric?.Dimensions ?? []),
            },
            period: stat.Period ?? 60,
            stat: stat.Stat ?? 'Average',
          },
        }
      : {}),
  };
}

/** A construct id from the pipeline and key, e.g. `web-dlq-depth`. */
function constructIdOf(def: AlarmDefinition): string {
  return `${def.pipeline ?? 'tripline'}-${def.key}`;
}
