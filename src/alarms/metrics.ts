import type { AlarmMetric } from '../domain/alarm.js';
import { normalizeStatistic } from './build.js';
import type { AlarmMetricPayload, SnsDimension, SnsTrigger, SnsTriggerMetric } from './schemas.js';

/** Metrics of an EventBridge event or Lambda alarm action (`configuration.metrics`). */
export function metricsFromConfiguration(metrics: readonly AlarmMetricPayload[] | undefined): AlarmMetric[] {
  return (metrics ?? []).map((m) =>
    metric({
      id: m.id,
      namespace: m.metricStat?.metric?.namespace,
      metricName: m.metricStat?.metric?.name,
      dimensions: m.metricStat?.metric?.dimensions ?? {},
      stat: m.metricStat?.stat,
      period: m.metricStat?.period ?? m.period,
      unit: m.metricStat?.unit,
      expression: m.expression,
      label: m.label,
      returnData: m.returnData,
    }),
  );
}

/**
 * Metrics of an SNS alarm notification: `Trigger.Metrics[]` for metric math,
 * otherwise the single metric described by `Trigger.MetricName` and friends.
 */
export function metricsFromTrigger(trigger: SnsTrigger): AlarmMetric[] {
  if (trigger === null || trigger === undefined) return [];
  if (trigger.Metrics !== null && trigger.Metrics !== undefined && trigger.Metrics.length > 0) {
    return trigger.Metrics.map((m) => fromTriggerMetric(m, trigger.Period));
  }
  if (!trigger.MetricName && !trigger.Namespace) return [];
  return [
    metric({
      namespace: trigger.Namespace ?? undefined,
      metricName: trigger.MetricName ?? undefined,
      dimensions: dimensionsOf(trigger.Dimensions),
      stat: normalizeStatistic(trigger.Statistic) ?? trigger.ExtendedStatistic ?? undefined,
      period: trigger.Period,
      unit: trigger.Unit ?? undefined,
    }),
  ];
}

function fromTriggerMetric(m: SnsTriggerMetric, triggerPeriod: number | undefined): AlarmMetric {
  const stat = m.MetricStat;
  return metric({
    id: m.Id,
    namespace: stat?.Metric?.Namespace,
    metricName: stat?.Metric?.MetricName,
    dimensions: dimensionsOf(stat?.Metric?.Dimensions),
    stat: stat?.Stat,
    period: stat?.Period ?? m.Period ?? (stat === undefined ? undefined : triggerPeriod),
    unit: stat?.Unit ?? undefined,
    expression: m.Expression,
    label: m.Label,
    returnData: m.ReturnData,
  });
}

function dimensionsOf(dimensions: readonly SnsDimension[] | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const d of dimensions ?? []) {
    const name = d.name ?? d.Name;
    const value = d.value ?? d.Value;
    if (name !== undefined && value !== undefined) result[name] = value;
  }
  return result;
}

type MetricFields = { [K in keyof AlarmMetric]: AlarmMetric[K] | undefined };

/** Drops absent fields so transitions compare and serialise cleanly. */
function metric(f: MetricFields): AlarmMetric {
  return {
    ...(f.id ? { id: f.id } : {}),
    ...(f.namespace ? { namespace: f.namespace } : {}),
    ...(f.metricName ? { metricName: f.metricName } : {}),
    dimensions: f.dimensions ?? {},
    ...(f.stat ? { stat: f.stat } : {}),
    ...(f.period !== undefined ? { period: f.period } : {}),
    ...(f.unit ? { unit: f.unit } : {}),
    ...(f.expression ? { expression: f.expression } : {}),
    ...(f.label ? { label: f.label } : {}),
    ...(f.returnData !== undefined ? { returnData: f.returnData } : {}),
  };
}
