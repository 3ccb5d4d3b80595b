import type { AlarmMetric, AlarmTransition, Severity } from '../../domain/alarm.js';
import type { Delivery } from '../../domain/delivery.js';

/**
 * Builds PagerDuty Events API v2 alert events from a Delivery. Pure: no I/O,
 * no clock. Limits from https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 * and the Events API v2 overview.
 */

/** `payload.summary` limit. Kept in UTF-16 code units, never more characters than PagerDuty allows. */
export const PAGERDUTY_SUMMARY_MAX = 1024;
/** Whole-body limit ("512 KB"), read as decimal kilobytes to stay on the safe side. */
export const PAGERDUTY_EVENT_MAX_BYTES = 512_000;
/** Serialized `reason_data` beyond this is cut: it is context, not the page. */
const REASON_DATA_MAX_CHARS = 16_384;
const REASON_DATA_MAX_ITEMS = 20;
const FIELD_MAX = 1024;

export interface PagerDutyLink {
  readonly href: string;
  readonly text?: string;
}

export interface PagerDutyTriggerEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger';
  readonly dedup_key: string;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: Severity;
    readonly timestamp?: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
  readonly links: readonly PagerDutyLink[];
  readonly client: 'tripline';
  readonly client_url: string;
}

export interface PagerDutyResolveEvent {
  readonly routing_key: string;
  readonly event_action: 'resolve';
  readonly dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTriggerEvent | PagerDutyResolveEvent;

/**
 * The Events API v2 body for a delivery: a trigger (summary, PD-CEF fields,
 * custom details, console and runbook links) or a bare resolve. The action is
 * `delivery.pagerduty`; a delivery without one (a preview) resolves when the
 * alarm is OK and triggers otherwise. The body always fits PagerDuty's 512 KB
 * limit: oversized custom details are trimmed, and say so.
 *
 * @example
 * const event = buildPagerDutyEvent(delivery, routingKey);
 * await fetch(eventsUrl, { method: 'POST', body: JSON.stringify(event) });
 */
export function buildPagerDutyEvent(delivery: Delivery, routingKey: string): PagerDutyEvent {
  const t = delivery.transition;
  const action = delivery.pagerduty ?? (t.state === 'OK' ? 'resolve' : 'trigger');
  if (action === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: delivery.dedupKey };

  const timestamp = isoTimestamp(t.stateTimestamp);
  const links: PagerDutyLink[] = [{ href: delivery.consoleUrl, text: 'CloudWatch alarm' }];
  const runbookLink = delivery.runbookUrl !== undefined && isHttpUrl(delivery.runbookUrl) ? delivery.runbookUrl : undefined;
  if (runbookLink !== undefined) links.push({ href: runbookLink, text: 'Runbook' });
  const pipeline = t.tags['pipeline'];

  const event: PagerDutyTriggerEvent = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: delivery.dedupKey,
    payload: {
      summary: summaryWithFindings(t, delivery.findings),
      source: truncate(`cloudwatch:${t.region}:${t.accountId}`, FIELD_MAX),
      severity: delivery.severity,
      ...(timestamp === undefined ? {} : { timestamp }),
      component: truncate(componentOf(t), FIELD_MAX),
      group: truncate(pipeline !== undefined && pipeline.trim() !== '' ? pipeline : `${t.accountId}/${t.region}`, FIELD_MAX),
      class: truncate(classOf(t), FIELD_MAX),
      custom_details: customDetailsOf(delivery, runbookLink !== undefined),
    },
    links,
    client: 'tripline',
    client_url: delivery.consoleUrl,
  };
  return fitToSizeLimit(event);
}

/**
 * The summary with the findings first after the alarm name (what the
 * responder reads on a phone): `ALARM: web-pipeline — Top invalid reasons:
 * wrong_type 87 (…) — <reason>`, at most 1024 code units.
 */
function summaryWithFindings(t: AlarmTransition, findings: Delivery['findings']): string {
  if (findings === undefined || findings.length === 0) return summaryOf(t);
  const found = findings.map((f) => `${f.label}: ${f.text}`).join('; ');
  return summaryOf({ ...t, reason: `${found} — ${t.reason}` });
}

/** `STATE: alarm name — reason`, on one line, at most 1024 code units. */
export function summaryOf(t: Pick<AlarmTransition, 'state' | 'alarmName' | 'reason'>): string {
  const reason = oneLine(t.reason);
  const text = reason === '' ? `${t.state}: ${oneLine(t.alarmName)}` : `${t.state}: ${oneLine(t.alarmName)} — ${reason}`;
  return truncate(text, PAGERDUTY_SUMMARY_MAX);
}

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending with an ellipsis.
 * Cuts between graphemes (an emoji or an accented letter stays whole) and
 * never inside a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - ELLIPSIS.length;
  let kept = '';
  // ICU copies the whole input up front; only the head matters (a grapheme cut by the slice overflows `room` anyway).
  for (const { segment } of graphemes.segment(text.slice(0, max + 1))) {
    if (kept.length + segment.length > room) break;
    kept += segment;
  }
  // One grapheme longer than the room (a letter with thousands of combining marks): cut by code point.
  if (kept === '') {
    let end = room;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1;
    kept = text.slice(0, end);
  }
  return kept + ELLIPSIS;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function isoTimestamp(value: string): string | undefined {
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Whether `value` is an absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function isAnomalyDetection(t: AlarmTransition): boolean {
  return (
    t.thresholdMetricId !== undefined ||
    t.metrics.some((m) => m.expression !== undefined && /^\s*ANOMALY_DETECTION_BAND\s*\(/i.test(m.expression))
  );
}

/** The metric the alarm is about: the first one with a name (metric math and anomaly bands reference it). */
function primaryMetric(t: AlarmTransition): AlarmMetric | undefined {
  return t.metrics.find((m) => m.metricName !== undefined);
}

function componentOf(t: AlarmTransition): string {
  if (t.kind === 'composite') return 'composite';
  const m = primaryMetric(t);
  if (m?.metricName === undefined) return 'metric-math';
  return m.namespace === undefined ? m.metricName : `${m.namespace}/${m.metricName}`;
}

function classOf(t: AlarmTransition): string {
  if (t.kind === 'composite') return 'composite';
  if (isAnomalyDetection(t)) return 'anomaly-detection';
  return primaryMetric(t)?.metricName ?? 'metric-math';
}

function metricDetails(m: AlarmMetric): Record<string, unknown> {
  return compact({
    id: m.id,
    metric: m.metricName === undefined ? undefined : m.namespace === undefined ? m.metricName : `${m.namespace}/${m.metricName}`,
    dimensions: Object.keys(m.dimensions).length > 0 ? m.dimensions : undefined,
    stat: m.stat,
    period: m.period,
    unit: m.unit,
    expression: m.expression,
    label: m.label,
    return_data: m.returnData,
  });
}

function customDetailsOf(delivery: Delivery, runbookIsLink: boolean): Record<string, unknown> {
  const t = delivery.transition;
  const metrics = t.metrics.map(metricDetails);
  const anomaly = isAnomalyDetection(t);
  return compact({
    ...(delivery.findings !== undefined && delivery.findings.length > 0
      ? { findings: Object.fromEntries(delivery.findings.map((f) => [f.label, f.values ?? f.text])) }
      : {}),
    alarm: t.alarmName,
    alarm_arn: t.alarmArn,
    state: t.state,
    previous_state: t.previousState,
    reason: t.reason,
    reason_data: t.reasonData === undefined ? undefined : trimReasonData(t.reasonData),
    ...(metrics.length === 1 ? { metric: metrics[0] } : metrics.length > 1 ? { metrics } : {}),
    threshold: anomaly ? undefined : t.threshold,
    anomaly_band: anomaly ? compact({ band_expression_id: t.thresholdMetricId, lower: t.anomalyBand?.lower, upper: t.anomalyBand?.upper }) : undefined,
    comparison: t.comparisonOperator,
    evaluation:
      t.evaluationPeriods === undefined
        ? undefined
        : `${t.datapointsToAlarm ?? t.evaluationPeriods} of ${t.evaluationPeriods} datapoints`,
    treat_missing_data: t.treatMissingData,
    alarm_rule: t.alarmRule,
    actions_suppressed_by: t.actionsSuppressedBy,
    account: t.accountId,
    region: t.region,
    description: t.description,
    tags: Object.keys(t.tags).length > 0 ? t.tags : undefined,
    // A runbook that is not a URL (a path in a repo, a wiki title) still helps the responder.
    runbook: delivery.runbookUrl !== undefined && !runbookIsLink ? delivery.runbookUrl : undefined,
    receiver: delivery.receiver,
    route: delivery.routePath,
    delivered_via: t.shape,
    delivery_id: t.deliveryId,
  });
}

/**
 * Keeps reason data readable in the incident: long arrays (datapoints,
 * triggering alarms) keep their first items, long strings are cut, and
 * anything still too big becomes a cut JSON string.
 */
function trimReasonData(data: unknown): unknown {
  const trimmed = trimValue(data, 0);
  const json = JSON.stringify(trimmed);
  if (json === undefined || json.length <= REASON_DATA_MAX_CHARS) return trimmed;
  return truncate(json, REASON_DATA_MAX_CHARS);
}

function trimValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return truncate(value, FIELD_MAX);
  if (depth > 8) return '…';
  if (Array.isArray(value)) {
    const head = value.slice(0, REASON_DATA_MAX_ITEMS).map((v: unknown) => trimValue(v, depth + 1));
    return value.length > REASON_DATA_MAX_ITEMS ? [...head, `… ${value.length - REASON_DATA_MAX_ITEMS} more`] : head;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimValue(v, depth + 1)]));
  }
  return value;
}

function byteLength(event: PagerDutyEvent): number {
  return Buffer.byteLength(JSON.stringify(event), 'utf8');
}

/**
 * Brings an oversized trigger under the size limit, dropping the bulkiest
 * context first; what the responder needs (summary, links, state, reason)
 * stays.
 */
function fitToSizeLimit(event: PagerDutyTriggerEvent): PagerDutyTriggerEvent {
  if (byteLength(event) <= PAGERDUTY_EVENT_MAX_BYTES) return event;
  const details = event.payload.custom_details;
  const note = `custom details trimmed: the event exceeded PagerDuty's ${PAGERDUTY_EVENT_MAX_BYTES / 1000} KB limit`;
  const keep = ['alarm', 'alarm_arn', 'state', 'previous_state', 'reason', 'account', 'region', 'receiver', 'route', 'delivered_via', 'delivery_id'];
  const minimal = Object.fromEntries(
    keep
      .filter((k) => details[k] !== undefined)
      .map((k) => {
        const v = details[k];
        return [k, typeof v === 'string' ? truncate(v, FIELD_MAX) : v];
      }),
  );
  const candidates: Record<string, unknown>[] = [
    { ...details, reason_data: undefined, description: truncateIfString(details['description']), trimmed: note },
    { ...minimal, trimmed: note },
  ];
  for (const custom_details of candidates) {
    const smaller = { ...event, payload: { ...event.payload, custom_details: compact(custom_details) } };
    if (byteLength(smaller) <= PAGERDUTY_EVENT_MAX_BYTES) return smaller;
  }
  // Only reachable with absurd links or keys; the responder still gets the summary.
  return { ...event, payload: { ...event.payload, custom_details: { trimmed: note } } };
}

function truncateIfString(value: unknown): unknown {
  return typeof value === 'string' ? truncate(value, FIELD_MAX) : value;
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
