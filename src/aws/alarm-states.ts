import type { CloudWatchClient, CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { isAlarmState } from '../domain/alarm.js';
import type { AlarmStateReader, AlarmStatus } from '../domain/health.js';
import { pipelineOfAlarm } from '../health/compute.js';
import { describeAlarmsByPrefix } from './alarms.js';

/**
 * Past this many prefixes, one DescribeAlarms on their common prefix (filtered
 * here) replaces a call per prefix: DescribeAlarms allows only a few calls a
 * second per account, and 30 pipelines must not mean 30 calls a refresh.
 */
export const MAX_PREFIX_CALLS = 5;


/**
 * The prefixes worth a DescribeAlarms call: duplicates and prefixes covered by
 * a shorter one (`tripline-web-` when `tripline-` is also asked) are dropped.
 */
export function coveringPrefixes(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)].sort((a, b) => a.length - b.length || a.localeCompare(b));
  const kept: string[] = [];
  for (const p of unique) if (!kept.some((k) => p.startsWith(k))) kept.push(p);
  return kept;
}

/**
 * The prefixes to ask DescribeAlarms for: the covering ones, or, when there are
 * more than {@link MAX_PREFIX_CALLS} and they share a beginning, that one
 * beginning (the answer is then filtered by the prefixes asked for).
 */
export function prefixesToDescribe(prefixes: readonly string[]): string[] {
  const covering = coveringPrefixes(prefixes);
  if (covering.length <= MAX_PREFIX_CALLS) return covering;
  const common = covering.reduce((a, b) => {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return a.slice(0, i);
  });
  return common === '' ? covering : [common];
}

/**
 * Current state of every metric and composite alarm whose name starts with
 * one of the prefixes: one paginated DescribeAlarms (AlarmNamePrefix) per
 * prefix, one prefix at a time (DescribeAlarms is limited to a few calls a
 * second per account), or one on their common beginning past
 * {@link MAX_PREFIX_CALLS} prefixes. `pipeline` is filled in from
 * `pipelineByPrefix`.
 *
 * @example
 * const reader = new CloudWatchAlarmStateReader(client, { pipelineByPrefix: { 'tripline-web-': 'web' } });
 * const alarms = await reader.states(['tripline-web-']);
 */
export class CloudWatchAlarmStateReader implements AlarmStateReader {
  readonly #client: CloudWatchClient;
  readonly #pipelineByPrefix: Readonly<Record<string, string>>;

  constructor(client: CloudWatchClient, options: { pipelineByPrefix?: Readonly<Record<string, string>> } = {}) {
    this.#client = client;
    this.#pipelineByPrefix = options.pipelineByPrefix ?? {};
  }

  /**
   * Alarms sorted by name; each once, however many prefixes match it.
   *
   * @throws AwsError naming what to do (credentials, permission, throttling).
   */
  async states(prefixes: readonly string[]): Promise<readonly AlarmStatus[]> {
    const byName = new Map<string, AlarmStatus>();
    for (const prefix of prefixesToDescribe(prefixes)) {
      const found = await describeAlarmsByPrefix(this.#client, prefix);
      for (const alarm of found.metric) this.#add(byName, alarm, 'metric');
      for (const alarm of found.composite) this.#add(byName, alarm, 'composite');
    }
    return [...byName.values()].filter((a) => prefixes.some((p) => a.name.startsWith(p))).sort((a, b) => a.name.localeCompare(b.name));
  }

  #add(into: Map<string, AlarmStatus>, alarm: MetricAlarm | CompositeAlarm, kind: 'metric' | 'composite'): void {
    if (!alarm.AlarmName || !isAlarmState(alarm.StateValue)) return;
    // The transition time says how long the alarm has been in this state; StateUpdatedTimestamp also moves when only the reason changes.
    const since = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
    const pipeline = pipelineOfAlarm(alarm.AlarmName, this.#pipelineByPrefix);
    into.set(alarm.AlarmName, {
      name: alarm.AlarmName,
      arn: alarm.AlarmArn ?? '',
      kind,
      state: alarm.StateValue,
      since: since ?? new Date(0),
      reason: alarm.StateReason ?? '',
      ...(alarm.AlarmDescription ? { description: alarm.AlarmDescription } : {}),
      ...(pipeline !== undefined ? { pipeline } : {}),
    });
  }

}
