import type {
  ActionsSuppressedBy,
  AlarmMetric,
  AlarmState,
  AlarmTransition,
  DeliveryShape,
  RejectedRecord,
} from '../domain/alarm.js';
import { isAlarmState } from '../domain/alarm.js';
import { alarmArnOf, isAccountId, isUsableAlarmArn, parseArn } from './arn.js';
import { show } from './issues.js';
import { isRegionCode } from './regions.js';
import type { ParseContext, RecordOutcome } from './types.js';
import { isObject, parseJson, propertyOf } from './util.js';
import { metricsFromConfiguration } from './metrics.js';
import type { AlarmDetail } from './schemas.js';
import { normalizeTimestamp } from './timestamp.js';

/** A value the payload offers for the alarm's region or account, and where it came from. */
export interface Hint {
  /** Field name for messages, e.g. `AlarmArn region`, `Region`. */
  readonly field: string;
  /** What the payload holds there (shown in the rejection reason). */
  readonly raw: unknown;
  /** The usable value, when `raw` is one. */
  readonly value: string | undefined;
}

/** Everything a parser extracted, before the alarm's identity is settled. */
export interface Draft {
  readonly alarmName: string;
  readonly deliveredArn: string | undefined;
  /** Candidates in order of trust; the ARN's own fields come first. */
  readonly regionHints: readonly Hint[];
  readonly accountHints: readonly Hint[];
  readonly state: AlarmState;
  readonly previousState: unknown;
  readonly reason: string | undefined;
  readonly reasonData: unknown;
  readonly stateTimestamp: string;
  readonly description: string | null | undefined;
  readonly metrics: readonly AlarmMetric[];
  readonly threshold: number | undefined;
  readonly comparisonOperator: string | null | undefined;
  readonly evaluationPeriods: number | undefined;
  readonly datapointsToAlarm: number | undefined;
  readonly treatMissingData: string | null | undefined;
  readonly thresholdMetricId: string | null | undefined;
  readonly alarmRule: string | null | undefined;
  readonly actionsSuppressedBy: string | null | undefined;
  readonly actionsSuppressedReason: string | null | undefined;
  readonly mute: AlarmTransition['mute'];
  readonly tags: Readonly<Record<string, string>>;
  readonly shape: DeliveryShape;
  /** The payload's own id (EventBridge `id`), used when no envelope gave one. */
  readonly ownId: string | undefined;
}

/**
 * What a Draft takes from the alarm object itself — EventBridge's `detail`
 * and a Lambda alarm action's `alarmData` are the same object — given the
 * state time already settled.
 */
export function fromAlarmDetail(
  d: AlarmDetail,
  stateTimestamp: string,
): Omit<Draft, 'deliveredArn' | 'regionHints' | 'accountHints' | 'tags' | 'shape' | 'ownId'> {
  const config = d.configuration;
  const mute = d.muteDetail;
  const windowStart = mute?.muteWindowStart === undefined ? undefined : normalizeTimestamp(mute.muteWindowStart);
  const windowEnd = mute?.muteWindowEnd === undefined ? undefined : normalizeTimestamp(mute.muteWindowEnd);
  return {
    alarmName: d.alarmName,
    state: d.state.value,
    previousState: d.previousState?.value,
    reason: d.state.reason,
    reasonData: d.state.reasonData,
    stateTimestamp,
    description: config?.description,
    metrics: metricsFromConfiguration(config?.metrics),
    threshold: config?.threshold,
    comparisonOperator: config?.comparisonOperator,
    evaluationPeriods: config?.evaluationPeriods,
    datapointsToAlarm: config?.datapointsToAlarm,
    treatMissingData: config?.treatMissingData,
    thresholdMetricId: config?.thresholdMetricId,
    alarmRule: config?.alarmRule,
    actionsSuppressedBy: d.state.actionsSuppressedBy,
    actionsSuppressedReason: d.state.actionsSuppressedReason,
    mute:
      mute === undefined
        ? undefined
        : {
            ruleArn: mute.mutedByArn,
            ...(windowStart !== undefined ? { windowStart } : {}),
            ...(windowEnd !== undefined ? { windowEnd } : {}),
          },
  };
}

const SUPPRESSED_BY: readonly ActionsSuppressedBy[] = ['WaitPeriod', 'ExtensionPeriod', 'Alarm'];

/** Hints from an alarm ARN: its region and account, when they are real. */
export function arnHints(arn: string | null | undefined, field: string): { region: Hint; account: Hint } {
  const parts = typeof arn === 'string' ? parseArn(arn) : undefined;
  return {
    region: { field: `${field} region`, raw: parts?.region, value: isRegionCode(parts?.region) ? parts?.region : undefined },
    account: {
      field: `${field} account`,
      raw: parts?.account,
      value: isAccountId(parts?.account) ? parts?.account : undefined,
    },
  };
}

/** A hint from a plain field that should hold a region code. */
export function regionHint(field: string, raw: unknown): Hint {
  return { field, raw, value: isRegionCode(raw) ? raw : undefined };
}

/** A hint from a plain field that should hold a 12-digit account id. */
export function accountHint(field: string, raw: unknown): Hint {
  return { field, raw, value: isAccountId(raw) ? raw : undefined };
}

/**
 * Settles the alarm's account, region and ARN, then assembles the transition.
 * Rejects the record when the account or region cannot be told: a page keyed
 * on `REGION` or `EXAMPLE` would never meet its resolve.
 */
export function finish(draft: Draft, ctx: ParseContext, label: string): RecordOutcome {
  const regionHints = [...draft.regionHints];
  // An alarm can only notify a topic in its own region, so the topic's region is the alarm's.
  // Not its account: OK and ALARM actions may publish to topics in different accounts.
  if (ctx.topicArn !== undefined) {
    const topicRegion = parseArn(ctx.topicArn)?.region;
    regionHints.push({ field: 'TopicArn region', raw: topicRegion, value: isRegionCode(topicRegion) ? topicRegion : undefined });
  }
  const fallbackRegion = ctx.options?.fallbackRegion;
  regionHints.push({ field: 'fallbackRegion', raw: undefined, value: isRegionCode(fallbackRegion) ? fallbackRegion : undefined });
  const fallbackAccount = ctx.options?.fallbackAccountId;
  const accountHints = [
    ...draft.accountHints,
    { field: 'fallbackAccountId', raw: undefined, value: isAccountId(fallbackAccount) ? fallbackAccount : undefined },
  ];

  const region = regionHints.find((h) => h.value !== undefined)?.value;
  const accountId = accountHints.find((h) => h.value !== undefined)?.value;
  if (region === undefined || accountId === undefined) {
    const problems: string[] = [];
    if (region === undefined) problems.push(`cannot tell the alarm's region (${tried(regionHints)}); pass fallbackRegion (the Lambda's AWS_REGION)`);
    if (accountId === undefined) problems.push(`cannot tell the alarm's account (${tried(accountHints)}); pass fallbackAccountId (the Lambda's own account)`);
    return reject(ctx, draft.ownId, label, problems.join('; '));
  }

  // Keep the ARN AWS sent when it is a real one, even if its name differs from
  // the alarm name (AWS's own Lambda-action samples do that); otherwise build it.
  const alarmArn =
    draft.deliveredArn !== undefined && isUsableAlarmArn(draft.deliveredArn)
      ? draft.deliveredArn
      : alarmArnOf(draft.alarmName, region, accountId);

  const reasonData = parseReasonData(draft.reasonData);
  const threshold = draft.threshold ?? numberField(reasonData, 'threshold');
  const thresholdMetricId = orUndefined(draft.thresholdMetricId) ?? anomalyBandId(draft.metrics);
  const anomalyBand = anomalyBandOf(reasonData);
  const suppressedBy = SUPPRESSED_BY.find((s) => s === draft.actionsSuppressedBy);
  const description = orUndefined(draft.description);
  const comparisonOperator = orUndefined(draft.comparisonOperator);
  const treatMissingData = normalizeTreatMissingData(draft.treatMissingData);
  const alarmRule = orUndefined(draft.alarmRule);
  const actionsSuppressedReason = orUndefined(draft.actionsSuppressedReason);

  const transition: AlarmTransition = {
    alarmName: draft.alarmName,
    alarmArn,
    accountId,
    region,
    state: draft.state,
    ...(isAlarmState(draft.previousState) ? { previousState: draft.previousState } : {}),
    reason: draft.reason ?? '',
    ...(reasonData !== undefined ? { reasonData } : {}),
    stateTimestamp: draft.stateTimestamp,
    kind: alarmRule !== undefined ? 'composite' : 'metric',
    ...(description !== undefined ? { description } : {}),
    metrics: draft.metrics,
    ...(threshold !== undefined ? { threshold } : {}),
    ...(comparisonOperator !== undefined ? { comparisonOperator } : {}),
    ...(draft.evaluationPeriods !== undefined ? { evaluationPeriods: draft.evaluationPeriods } : {}),
    ...(draft.datapointsToAlarm !== undefined ? { datapointsToAlarm: draft.datapointsToAlarm } : {}),
    ...(treatMissingData !== undefined ? { treatMissingData } : {}),
    ...(thresholdMetricId !== undefined ? { thresholdMetricId } : {}),
    ...(anomalyBand !== undefined ? { anomalyBand } : {}),
    ...(alarmRule !== undefined ? { alarmRule } : {}),
    ...(suppressedBy !== undefined ? { actionsSuppressedBy: suppressedBy } : {}),
    ...(suppressedBy !== undefined && actionsSuppressedReason !== undefined ? { actionsSuppressedReason } : {}),
    ...(draft.mute !== undefined ? { mute: draft.mute } : {}),
    tags: draft.tags,
    shape: draft.shape,
    deliveryId: ctx.deliveryId ?? draft.ownId ?? `${draft.alarmName}@${draft.stateTimestamp}`,
  };
  return { transition };
}

function tried(hints: readonly Hint[]): string {
  const seen = hints.filter((h) => h.raw !== undefined && h.raw !== null && h.raw !== '');
  if (seen.length === 0) return 'the payload names none';
  return seen.map((h) => `${h.field} ${show(h.raw)}`).join(', ');
}

/** Builds the rejection for a record, naming the envelopes it came through and the payload. */
export function reject(ctx: ParseContext, ownId: string | undefined, label: string, problem: string): RecordOutcome {
  return { rejected: rejection(recordId(ctx, ownId), [...(ctx.via ?? []), label], problem) };
}

/** The id a rejected or skipped record is reported under: the outermost one we know. */
export function recordId(ctx: ParseContext, ownId: string | undefined): string {
  return ctx.deliveryId ?? ownId ?? ctx.position ?? 'event';
}

export function rejection(id: string, chain: readonly string[], problem: string): RejectedRecord {
  return { id, reason: [...chain, problem].join(': ') };
}

function orUndefined<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/** `reasonData` is a JSON string; keep the raw string when it does not parse. */
export function parseReasonData(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? undefined;
  if (raw === '') return undefined;
  const parsed = parseJson(raw);
  return parsed.ok ? parsed.value : raw;
}

function numberField(value: unknown, key: string): number | undefined {
  const found = propertyOf(value, key);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

function lastNumber(value: unknown): number | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const last: unknown = value[value.length - 1];
  return typeof last === 'number' && Number.isFinite(last) ? last : undefined;
}

function anomalyBandOf(reasonData: unknown): { lower?: number; upper?: number } | undefined {
  if (!isObject(reasonData)) return undefined;
  const lower = lastNumber(propertyOf(reasonData, 'recentLowerThresholds'));
  const upper = lastNumber(propertyOf(reasonData, 'recentUpperThresholds'));
  if (lower === undefined && upper === undefined) return undefined;
  return { ...(lower !== undefined ? { lower } : {}), ...(upper !== undefined ? { upper } : {}) };
}

/** EventBridge events do not carry `thresholdMetricId`; the band expression's id is it. */
function anomalyBandId(metrics: readonly AlarmMetric[]): string | undefined {
  return metrics.find((m) => m.expression !== undefined && /^\s*ANOMALY_DETECTION_BAND\s*\(/i.test(m.expression))?.id;
}

const TREAT_MISSING: Readonly<Record<string, string>> = {
  breaching: 'breaching',
  notbreaching: 'notBreaching',
  nonbreaching: 'notBreaching',
  ignore: 'ignore',
  missing: 'missing',
};

/**
 * SNS notifications write `"- TreatMissingData:                    missing"`
 * (and `NonBreaching` for `notBreaching`); reduce both to the API's values.
 */
function normalizeTreatMissingData(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const text = raw.replace(/^\s*-?\s*TreatMissingData:\s*/i, '').trim();
  if (text === '') return undefined;
  return TREAT_MISSING[text.toLowerCase()] ?? text;
}

const SNS_STATISTICS: Readonly<Record<string, string>> = {
  SAMPLE_COUNT: 'SampleCount',
  AVERAGE: 'Average',
  SUM: 'Sum',
  MINIMUM: 'Minimum',
  MAXIMUM: 'Maximum',
};

/** SNS notifications spell statistics `AVERAGE`; EventBridge and the API spell them `Average`. */
export function normalizeStatistic(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  return SNS_STATISTICS[raw] ?? raw;
}

/**
 * Tags, when a payload carries them (AWS's alarm payloads do not; enrichers
 * add them as a map or as `[{Key, Value}]`). The first usable candidate wins.
 */
export function tagsFrom(...candidates: unknown[]): Readonly<Record<string, string>> {
  for (const candidate of candidates) {
    const tags = asTags(candidate);
    if (tags !== undefined) return tags;
  }
  return {};
}

function asTags(value: unknown): Record<string, string> | undefined {
  if (Array.isArray(value)) {
    const tags: Record<string, string> = {};
    for (const item of value) {
      const key = propertyOf(item, 'Key') ?? propertyOf(item, 'key');
      const tagValue = propertyOf(item, 'Value') ?? propertyOf(item, 'value');
      if (typeof key !== 'string' || typeof tagValue !== 'string') return undefined;
      tags[key] = tagValue;
    }
    return tags;
  }
  if (isObject(value)) {
    const tags: Record<string, string> = {};
    for (const key of Object.keys(value)) {
      const tagValue = propertyOf(value, key);
      if (typeof tagValue !== 'string') return undefined;
      tags[key] = tagValue;
    }
    return tags;
  }
  return undefined;
}
