import { DescribeAlarmHistoryCommand, type AlarmHistoryItem as SdkHistoryItem, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import * as z from 'zod/mini';
import '../zod-config.js';
import { isAlarmState } from '../domain/alarm.js';
import type { AlarmHistoryItem, AlarmHistoryReader, AlarmStateValue, MetricWindow } from '../domain/health.js';
import { AwsError } from '../errors.js';
import { explainAwsError } from './errors.js';

/** DescribeAlarmHistory pages hold at most 100 items. */
const PAGE_SIZE = 100;
/**
 * A runaway NextToken loop must end: 1,000 pages is 100,000 state changes,
 * far beyond any shift (CloudWatch keeps 30 days of history).
 */
const MAX_PAGES = 1000;

const StateSchema = z.object({
  stateValue: z.string(),
  stateReason: z.optional(z.string()),
});

/** The part of `HistoryData` (a JSON string) a StateUpdate item carries that tripline reads. */
export const StateUpdateDataSchema = z.object({
  oldState: StateSchema,
  newState: StateSchema,
});

/** `HistorySummary` of a StateUpdate: the fallback when `HistoryData` is missing or not JSON. */
const SUMMARY = /^Alarm updated from (OK|ALARM|INSUFFICIENT_DATA) to (OK|ALARM|INSUFFICIENT_DATA)$/;

export interface CloudWatchAlarmHistoryReaderOptions {
  /** Items that could not be read (neither HistoryData nor HistorySummary says the states) are counted here. */
  readonly onSkipped?: (count: number, example: string) => void;
}

/**
 * Alarm state changes from CloudWatch DescribeAlarmHistory (HistoryItemType
 * `StateUpdate`, metric and composite alarms, oldest first). The API has no
 * name-prefix filter, so one paginated scan of the account's history in the
 * window is made and filtered here by prefix.
 *
 * @example
 * const reader = new CloudWatchAlarmHistoryReader(new CloudWatchClient({}));
 * const changes = await reader.history({ start, end }, ['tripline-web-', 'tripline-ios-']);
 */
export class CloudWatchAlarmHistoryReader implements AlarmHistoryReader {
  readonly #client: CloudWatchClient;
  readonly #options: CloudWatchAlarmHistoryReaderOptions;
  #calls = 0;

  constructor(client: CloudWatchClient, options: CloudWatchAlarmHistoryReaderOptions = {}) {
    this.#client = client;
    this.#options = options;
  }

  /** DescribeAlarmHistory calls made so far. */
  get calls(): number {
    return this.#calls;
  }

  /**
   * State changes in `[start, end]` of alarms whose names start with one of
   * the prefixes (every alarm when `prefixes` is empty), oldest first.
   *
   * @throws AwsError naming what to do (credentials, permission, throttling).
   */
  async history(window: MetricWindow, prefixes: readonly string[]): Promise<readonly AlarmHistoryItem[]> {
    const items: AlarmHistoryItem[] = [];
    const seen = new Set<string>();
    let skipped = 0;
    let example = '';
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.#describe(window, nextToken);
      for (const raw of page.items) {
        if (!raw.AlarmName || (prefixes.length > 0 && !prefixes.some((p) => raw.AlarmName?.startsWith(p)))) continue;
        // A multi-contributor alarm reports each contributor too; the alarm's own changes are the ones without an id.
        if (raw.AlarmContributorId) continue;
        const item = historyItemOf(raw);
        if (item === undefined) {
          skipped++;
          example ||= `${raw.AlarmName}: ${raw.HistorySummary ?? '(no summary)'}`;
          continue;
        }
        const key = `${item.alarmName}\n${item.at.getTime()}\n${item.from}\n${item.to}`;
        if (seen.has(key)) continue;
        seen.add(key);
        items.push(item);
      }
      nextToken = page.nextToken;
      pages++;
    } while (nextToken !== undefined && pages < MAX_PAGES);
    if (skipped > 0) this.#options.onSkipped?.(skipped, example);
    // ScanBy TimestampAscending already orders them; a stable sort keeps equal times in the order CloudWatch gave.
    return items.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  async #describe(window: MetricWindow, nextToken: string | undefined): Promise<{ items: SdkHistoryItem[]; nextToken?: string }> {
    this.#calls++;
    try {
      const out = await this.#client.send(
        new DescribeAlarmHistoryCommand({
          HistoryItemType: 'StateUpdate',
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          StartDate: window.start,
          EndDate: window.end,
          ScanBy: 'TimestampAscending',
          MaxRecords: PAGE_SIZE,
          ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
        }),
      );
      return { items: out.AlarmHistoryItems ?? [], ...(out.NextToken ? { nextToken: out.NextToken } : {}) };
    } catch (error) {
      throw new AwsError(
        `CloudWatch DescribeAlarmHistory (${window.start.toISOString()} to ${window.end.toISOString()}) failed: ${explainAwsError(error, 'cloudwatch:DescribeAlarmHistory')}`,
        { service: 'cloudwatch', operation: 'DescribeAlarmHistory' },
        { cause: error },
      );
    }
  }
}

/**
 * One SDK history item as a state change: the states from `HistoryData`
 * (`oldState.stateValue` → `newState.stateValue`), else from
 * `HistorySummary`; undefined when neither says them or it has no time.
 */
export function historyItemOf(raw: SdkHistoryItem): AlarmHistoryItem | undefined {
  if (!raw.AlarmName || !(raw.Timestamp instanceof Date) || Number.isNaN(raw.Timestamp.getTime())) return undefined;
  const states: { from: AlarmStateValue; to: AlarmStateValue; reason?: string } | undefined = statesFromData(raw.HistoryData) ?? statesFromSummary(raw.HistorySummary);
  if (states === undefined) return undefined;
  return {
    alarmName: raw.AlarmName,
    kind: raw.AlarmType === 'CompositeAlarm' ? 'composite' : 'metric',
    at: raw.Timestamp,
    from: states.from,
    to: states.to,
    reason: states.reason ?? raw.HistorySummary ?? '',
  };
}

function statesFromData(text: string | undefined): { from: AlarmStateValue; to: AlarmStateValue; reason?: string } | undefined {
  if (text === undefined || text === '') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = StateUpdateDataSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const from = parsed.data.oldState.stateValue;
  const to = parsed.data.newState.stateValue;
  if (!isAlarmState(from) || !isAlarmState(to)) return undefined;
  const reason = parsed.data.newState.stateReason;
  return { from, to, ...(reason !== undefined ? { reason } : {}) };
}

function statesFromSummary(summary: string | undefined): { from: AlarmStateValue; to: AlarmStateValue } | undefined {
  const m = SUMMARY.exec(summary ?? '');
  const from = m?.[1];
  const to = m?.[2];
  return isAlarmState(from) && isAlarmState(to) ? { from, to } : undefined;
}
