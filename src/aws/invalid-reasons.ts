import { DescribeAlarmsCommand, GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { parseArn } from '../alarms/arn.js';
import { metricsFromTrigger } from '../alarms/metrics.js';
import type { AlarmTransition } from '../domain/alarm.js';
import type { Finding, FindingsSource } from '../domain/delivery.js';
import type { Log } from '../domain/log.js';
import { INVALID_REASONS } from '../domain/quality.js';

/** How far back from the alarm's transition the reasons are counted. */
const WINDOW_MINUTES = 15;
/** A page never waits longer than this for its findings. */
const TIMEOUT_MS = 2_000;
/** Reasons named in a page. */
const TOP = 3;

/** The `InvalidEvents` metric an invalid-rate alarm watches: where the per-reason counts are. */
interface InvalidEventsMetric {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * The top invalid reasons behind a quality alarm, for its page: when an alarm
 * watching `InvalidEvents` (or a composite whose triggering child does) goes
 * to ALARM, one GetMetricData reads `InvalidEvents` per `Reason` (the
 * quality monitor and `dq check --publish` write it) over the 15 minutes
 * before the transition, and the page and the Slack post name the top three:
 * `wrong_type 87 · missing_field 3`.
 *
 * Best effort: a composite costs one DescribeAlarms for its triggering
 * children; any failure or a 2-second timeout gives no finding (logged), never
 * a late or lost page.
 */
export class CloudWatchInvalidReasons implements FindingsSource {
  readonly #client: CloudWatchClient;
  readonly #log: Log | undefined;

  constructor(client: CloudWatchClient, options: { log?: Log } = {}) {
    this.#client = client;
    this.#log = options.log;
  }

  async findingsFor(t: AlarmTransition): Promise<readonly Finding[]> {
    if (t.state !== 'ALARM') return [];
    try {
      const signal = AbortSignal.timeout(TIMEOUT_MS);
      const metric = invalidEventsMetricOf(t.metrics) ?? (t.kind === 'composite' ? await this.#fromChildren(t, signal) : undefined);
      if (metric === undefined) return [];
      const counts = await this.#countsByReason(metric, Date.parse(t.stateTimestamp), signal);
      const top = counts.filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).slice(0, TOP);
      if (top.length === 0) return [];
      return [
        {
          label: 'Top invalid reasons',
          text: `${top.map(([reason, n]) => `${reason} ${n}`).join(' · ')} (${WINDOW_MINUTES} minutes before the alarm)`,
          values: Object.fromEntries(top),
        },
      ];
    } catch (error) {
      this.#log?.warn('top invalid reasons not read; the page goes without them', { alarm: t.alarmName, error: error instanceof Error ? error.message : String(error) });
      return [];
    }
  }

  /** The first triggering child in ALARM that watches `InvalidEvents`. */
  async #fromChildren(t: AlarmTransition, signal: AbortSignal): Promise<InvalidEventsMetric | undefined> {
    const names = triggeringAlarmNames(t.reasonData);
    if (names.length === 0) return undefined;
    const out = await this.#client.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(0, 100), AlarmTypes: ['MetricAlarm'] }), { abortSignal: signal });
    for (const alarm of out.MetricAlarms ?? []) {
      // DescribeAlarms spells an alarm's metrics as an SNS notification's Trigger does.
      const metric = invalidEventsMetricOf(metricsFromTrigger(alarm));
      if (metric !== undefined) return metric;
    }
    return undefined;
  }

  async #countsByReason(metric: InvalidEventsMetric, at: number, signal: AbortSignal): Promise<[string, number][]> {
    const end = Number.isFinite(at) ? at + 60_000 : Date.now();
    const out = await this.#client.send(
      new GetMetricDataCommand({
        StartTime: new Date(end - (WINDOW_MINUTES + 1) * 60_000),
        EndTime: new Date(end),
        MetricDataQueries: INVALID_REASONS.map((reason, i) => ({
          Id: `r${i}`,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: metric.namespace,
              MetricName: 'InvalidEvents',
              Dimensions: Object.entries({ ...metric.dimensions, Reason: reason }).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: 60,
            Stat: 'Sum',
          },
        })),
      }),
      { abortSignal: signal },
    );
    return INVALID_REASONS.map((reason, i): [string, number] => {
      const result = out.MetricDataResults?.find((r) => r.Id === `r${i}`);
      return [reason, Math.round((result?.Values ?? []).reduce((sum, v) => sum + v, 0))];
    });
  }
}

/** The `InvalidEvents` input of an alarm's metrics (a plain metric or one of a math expression's inputs). */
export function invalidEventsMetricOf(metrics: readonly { readonly namespace?: string; readonly metricName?: string; readonly dimensions: Readonly<Record<string, string>> }[]): InvalidEventsMetric | undefined {
  const m = metrics.find((x) => x.metricName === 'InvalidEvents' && x.namespace !== undefined && !('Reason' in x.dimensions));
  return m?.namespace !== undefined ? { namespace: m.namespace, dimensions: m.dimensions } : undefined;
}

/** Names of the alarms a composite's reason data says triggered it (those in ALARM). */
export function triggeringAlarmNames(reasonData: unknown): string[] {
  if (typeof reasonData !== 'object' || reasonData === null || !('triggeringAlarms' in reasonData)) return [];
  const list: unknown = reasonData.triggeringAlarms;
  if (!Array.isArray(list)) return [];
  const names: string[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null || !('arn' in item) || typeof item.arn !== 'string') continue;
    const state: unknown = 'state' in item ? item.state : undefined;
    const value = typeof state === 'object' && state !== null && 'value' in state ? state.value : undefined;
    if (value !== undefined && value !== 'ALARM') continue;
    const arn = parseArn(item.arn);
    if (arn?.service === 'cloudwatch' && arn.resource.startsWith('alarm:')) names.push(arn.resource.slice('alarm:'.length));
  }
  return names;
}
