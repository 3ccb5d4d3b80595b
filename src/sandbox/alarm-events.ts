import type { MetricStat } from '../pipeline-alarms/types.js';
import { arnOfAlarm, SANDBOX_ACCOUNT, SANDBOX_REGION, type AlarmChange } from './alarm-evaluator.js';

/**
 * The EventBridge `CloudWatch Alarm State Change` event CloudWatch emits for
 * one transition, in the shape of the AWS documentation's samples
 * (test/fixtures/aws/eventbridge/*.json): metric, metric-math and composite
 * alarms, CloudWatch's `+0000` timestamps, `reasonData` as a JSON string.
 */
export function alarmStateChangeEvent(change: AlarmChange, seq: number): Record<string, unknown> {
  const def = change.definition;
  const arn = arnOfAlarm(def.name);
  const configuration: Record<string, unknown> = { description: def.description };
  if (def.kind === 'composite') {
    configuration['alarmRule'] = def.rule;
  } else {
    const signal = def.signal;
    const metricStat = (id: string, stat: MetricStat, returnData: boolean): Record<string, unknown> => ({
      id,
      metricStat: { metric: { namespace: stat.namespace, name: stat.metricName, dimensions: { ...stat.dimensions } }, period: def.periodSeconds, stat: stat.statistic },
      returnData,
    });
    if (signal.kind === 'metric') configuration['metrics'] = [metricStat('m1', signal.metric, true)];
    else if (signal.kind === 'math') {
      configuration['metrics'] = [
        { expression: signal.expression, id: 'e1', label: signal.label, returnData: true },
        ...Object.entries(signal.inputs).map(([id, stat]) => metricStat(id, stat, false)),
      ];
    } else {
      configuration['metrics'] = [
        { expression: `ANOMALY_DETECTION_BAND(m1, ${signal.bandWidth})`, id: 'band', label: `${signal.metric.metricName} (expected)`, returnData: true },
        metricStat('m1', signal.metric, true),
      ];
    }
  }
  const reasonData = (at: number, datapoints?: readonly (number | undefined)[]): string | undefined => {
    if (def.kind === 'composite') {
      return JSON.stringify({ triggeringAlarms: (change.triggeringAlarms ?? []).map((n) => ({ arn: arnOfAlarm(n), state: { value: 'ALARM', timestamp: cloudWatchTime(at) } })) });
    }
    if (datapoints === undefined) return undefined;
    return JSON.stringify({
      version: '1.0',
      queryDate: cloudWatchTime(at),
      period: def.periodSeconds,
      recentDatapoints: datapoints.filter((v): v is number => v !== undefined),
      ...(def.threshold !== undefined ? { threshold: def.threshold } : {}),
    });
  };
  const state = { value: change.to, reason: change.reason, timestamp: cloudWatchTime(change.at) } as Record<string, unknown>;
  const data = reasonData(change.at, change.datapoints);
  if (data !== undefined) state['reasonData'] = data;
  return {
    version: '0',
    id: `sandbox-${seq}-${change.at}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: SANDBOX_ACCOUNT,
    time: new Date(change.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: SANDBOX_REGION,
    resources: [arn],
    detail: {
      alarmName: def.name,
      state,
      previousState: { value: change.from, reason: change.previousReason, timestamp: cloudWatchTime(change.previousSince) },
      configuration,
    },
  };
}

/** CloudWatch writes `2019-10-02T17:04:40.989+0000`, not `Z`. */
function cloudWatchTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
