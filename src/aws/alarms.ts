import {
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type CloudWatchClient,
  type CompositeAlarm,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { isAlarmState, type ActionsSuppressedBy, type CurrentAlarmState } from '../domain/alarm.js';
import type { AlarmLabels } from '../domain/labels.js';
import { AwsError } from '../errors.js';
import { explainAwsError } from './errors.js';

/** DescribeAlarms accepts at most 100 names a call. */
const NAMES_PER_CALL = 100;
const SUPPRESSORS: readonly string[] = ['WaitPeriod', 'ExtensionPeriod', 'Alarm'];

function isSuppressor(value: string | undefined): value is ActionsSuppressedBy {
  return value !== undefined && SUPPRESSORS.includes(value);
}

function isMetricAlarm(alarm: MetricAlarm | CompositeAlarm): alarm is MetricAlarm {
  return !('AlarmRule' in alarm);
}

/** How long an alarm's tags are reused; tags change rarely, states often. */
const TAG_TTL_MS = 300_000;

/**
 * Reads alarm state from CloudWatch. States are read fresh every time;
 * tags are cached for a few minutes (one instance lives as long as a warm
 * Lambda container), and a failed lookup is not cached.
 */
export class CloudWatchAlarmReader {
  readonly #client: CloudWatchClient;
  readonly #tags = new Map<string, { readonly tags: Promise<Record<string, string>>; readonly expiresAt: number }>();
  readonly #tagTtlMs: number;
  readonly #now: () => number;

  constructor(client: CloudWatchClient, options: { tagTtlMs?: number; now?: () => number } = {}) {
    this.#client = client;
    this.#tagTtlMs = options.tagTtlMs ?? TAG_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Current state of the named alarms, with as few DescribeAlarms calls as
   * the API allows (one for up to 100 names). Alarms that do not exist are
   * absent from the map.
   *
   * @throws AwsError when CloudWatch refuses (denied, throttled, bad credentials).
   */
  async currentStates(names: readonly string[]): Promise<Map<string, CurrentAlarmState>> {
    const unique = [...new Set(names)];
    const states = new Map<string, CurrentAlarmState>();
    for (let i = 0; i < unique.length; i += NAMES_PER_CALL) {
      const chunk = unique.slice(i, i + NAMES_PER_CALL);
      let nextToken: string | undefined;
      do {
        const page = await this.#describe({ AlarmNames: chunk, NextToken: nextToken, MaxRecords: 100 });
        for (const alarm of page.metric) addState(states, alarm, 'metric');
        for (const alarm of page.composite) addState(states, alarm, 'composite');
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return states;
  }

  /**
   * Labels of every alarm now in ALARM (inhibition sources). Tags are fetched
   * only when `withTags` is set, since that costs one call per alarm.
   */
  async alarmsInAlarm(options: { withTags: boolean; namePrefix?: string }): Promise<AlarmLabels[]> {
    const labels: AlarmLabels[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#describe({
        StateValue: 'ALARM',
        AlarmNamePrefix: options.namePrefix,
        NextToken: nextToken,
        MaxRecords: 100,
      });
      for (const alarm of [...page.metric, ...page.composite]) {
        if (!alarm.AlarmName || !alarm.AlarmArn) continue;
        const tags = options.withTags ? await this.tagsOf(alarm.AlarmArn) : {};
        labels.push(labelsFromDescribed(alarm, tags));
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return labels;
  }

  /** Tags of one alarm by ARN (cached for a few minutes; failures are not). */
  tagsOf(alarmArn: string): Promise<Record<string, string>> {
    const now = this.#now();
    const cached = this.#tags.get(alarmArn);
    if (cached && cached.expiresAt > now) return cached.tags;
    const tags = this.#client
      .send(new ListTagsForResourceCommand({ ResourceARN: alarmArn }))
      .then((out) => Object.fromEntries((out.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : []))))
      .catch((error: unknown) => {
        this.#tags.delete(alarmArn);
        throw new AwsError(
          `CloudWatch ListTagsForResource failed for ${alarmArn}: ${explainAwsError(error, 'cloudwatch:ListTagsForResource')}`,
          { service: 'cloudwatch', operation: 'ListTagsForResource' },
          { cause: error },
        );
      });
    this.#tags.set(alarmArn, { tags, expiresAt: now + this.#tagTtlMs });
    return tags;
  }

  #describe(input: DescribeAlarmsPageInput): Promise<AlarmsPage> {
    return describeAlarmsPage(this.#client, input);
  }

}

function addState(
  into: Map<string, CurrentAlarmState>,
  alarm: MetricAlarm | CompositeAlarm,
  kind: 'metric' | 'composite',
): void {
  if (!alarm.AlarmName || !isAlarmState(alarm.StateValue)) return;
  // The transition time is what a delivered event's state.timestamp reports;
  // StateUpdatedTimestamp also moves when only the reason changes.
  const when = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
  if (!when) return;
  const suppressedBy = isMetricAlarm(alarm) ? undefined : alarm.ActionsSuppressedBy;
  into.set(alarm.AlarmName, {
    alarmName: alarm.AlarmName,
    ...(alarm.AlarmArn ? { alarmArn: alarm.AlarmArn } : {}),
    state: alarm.StateValue,
    reason: alarm.StateReason ?? '',
    ...(alarm.StateReasonData ? { reasonData: parseMaybeJson(alarm.StateReasonData) } : {}),
    stateTimestamp: when.toISOString(),
    kind,
    ...(isSuppressor(suppressedBy) ? { actionsSuppressedBy: suppressedBy } : {}),
  });
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Labels of an alarm as DescribeAlarms reports it (ARN gives account and region). */
export function labelsFromDescribed(alarm: MetricAlarm | CompositeAlarm, tags: Record<string, string>): AlarmLabels {
  const arn = (alarm.AlarmArn ?? '').split(':');
  const namespaces = new Set<string>();
  const metrics = new Set<string>();
  const dimensions: Record<string, string> = {};
  const addDims = (dims: { Name?: string | undefined; Value?: string | undefined }[] | undefined): void => {
    for (const d of dims ?? []) if (d.Name && d.Value !== undefined && !(d.Name in dimensions)) dimensions[d.Name] = d.Value;
  };
  if (isMetricAlarm(alarm)) {
    const m = alarm;
    if (m.Namespace) namespaces.add(m.Namespace);
    if (m.MetricName) metrics.add(m.MetricName);
    addDims(m.Dimensions);
    for (const q of m.Metrics ?? []) {
      const metric = q.MetricStat?.Metric;
      if (metric?.Namespace) namespaces.add(metric.Namespace);
      if (metric?.MetricName) metrics.add(metric.MetricName);
      addDims(metric?.Dimensions);
    }
  }
  return {
    alarmName: alarm.AlarmName ?? '',
    namespaces: [...namespaces],
    metrics: [...metrics],
    dimensions,
    account: arn[4] ?? '',
    region: arn[3] ?? '',
    tags,
  };
}

export interface DescribeAlarmsPageInput {
  readonly AlarmNames?: string[];
  readonly StateValue?: 'ALARM';
  readonly AlarmNamePrefix?: string | undefined;
  readonly NextToken?: string | undefined;
  readonly MaxRecords: number;
}

export interface AlarmsPage {
  readonly metric: MetricAlarm[];
  readonly composite: CompositeAlarm[];
  readonly nextToken?: string;
}

/**
 * One DescribeAlarms page, metric and composite alarms alike.
 *
 * @throws AwsError naming what to do (credentials, permission, throttling).
 */
export async function describeAlarmsPage(client: CloudWatchClient, input: DescribeAlarmsPageInput): Promise<AlarmsPage> {
  try {
    const out = await client.send(new DescribeAlarmsCommand({ ...input, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    return {
      metric: out.MetricAlarms ?? [],
      composite: out.CompositeAlarms ?? [],
      ...(out.NextToken ? { nextToken: out.NextToken } : {}),
    };
  } catch (error) {
    const scope = input.AlarmNamePrefix !== undefined ? ` (prefix ${input.AlarmNamePrefix})` : '';
    throw new AwsError(
      `CloudWatch DescribeAlarms${scope} failed: ${explainAwsError(error, 'cloudwatch:DescribeAlarms')}`,
      { service: 'cloudwatch', operation: 'DescribeAlarms' },
      { cause: error },
    );
  }
}

/** Every page of DescribeAlarms for one name prefix (100 alarms a page). */
export async function describeAlarmsByPrefix(client: CloudWatchClient, prefix: string): Promise<{ metric: MetricAlarm[]; composite: CompositeAlarm[] }> {
  const metric: MetricAlarm[] = [];
  const composite: CompositeAlarm[] = [];
  let nextToken: string | undefined;
  do {
    const page = await describeAlarmsPage(client, { AlarmNamePrefix: prefix, MaxRecords: 100, NextToken: nextToken });
    metric.push(...page.metric);
    composite.push(...page.composite);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return { metric, composite };
}
