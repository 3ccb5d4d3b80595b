import type { AlarmMetric, AlarmState, AlarmTransition, DeliveryShape } from '../../domain/alarm.js';
import type { Delivery } from '../../domain/delivery.js';
import {
  SLACK_LIMITS,
  type ButtonElement,
  type ContextBlock,
  type MrkdwnText,
  type SlackBlock,
  type SlackMessage,
  type StoredMessage,
} from './blocks.js';
import { code, cutMrkdwn, mrkdwn, plain } from './text.js';

/** Optional facts the builder cannot read from the delivery itself. */
export interface MessageOptions {
  /**
   * When the alarm entered ALARM (ISO-8601), e.g. from the thread store. With
   * an OK transition whose previous state is ALARM, the message says how long
   * the alarm was firing.
   */
  readonly alarmSince?: string;
}

const STATE_EMOJI: Readonly<Record<AlarmState, string>> = { ALARM: '🔴', INSUFFICIENT_DATA: '🟡', OK: '✅' };
const RESOLVED_PREFIX = '✅ RESOLVED';
/** Notification text stays short: it is what phones and screen readers show. */
const FALLBACK_TEXT_MAX = 1000;
const THREAD_REPLY_MAX = 3000;

const SHAPE_LABEL: Readonly<Record<DeliveryShape, string>> = {
  eventbridge: 'EventBridge',
  'sns-cloudwatch': 'SNS (CloudWatch notification)',
  'sns-eventbridge': 'SNS (EventBridge event)',
  'lambda-action': 'Lambda alarm action',
  'describe-alarms': 'DescribeAlarms',
};

const COMPARISON: Readonly<Record<string, string>> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

const BAND_COMPARISON: Readonly<Record<string, string>> = {
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  LessThanLowerThreshold: 'below the band',
  GreaterThanUpperThreshold: 'above the band',
};

/**
 * The Block Kit message for one delivery: header, reason, facts, metrics,
 * context and buttons, every text within Slack's limits.
 *
 * @example buildSlackMessage(delivery, 'C0ALERTS').blocks[0]
 * // { type: 'header', text: { type: 'plain_text', text: '🔴 ALARM: web-dlq-depth', emoji: true } }
 */
export function buildSlackMessage(delivery: Delivery, channel: string, options: MessageOptions = {}): SlackMessage {
  const t = delivery.transition;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: plain(headline(t), SLACK_LIMITS.headerText), emoji: true } },
    { type: 'section', text: md(cutMrkdwn(reasonText(t, options), SLACK_LIMITS.sectionText)) },
  ];
  // What the router looked up for the responder (the top invalid reasons of a quality alarm), right under the reason.
  const findings = findingsText(delivery);
  if (findings !== undefined) blocks.push({ type: 'section', text: md(cutMrkdwn(findings, SLACK_LIMITS.sectionText)) });
  blocks.push({ type: 'section', fields: factFields(delivery) });
  const metrics = metricsText(t);
  if (metrics !== undefined) blocks.push({ type: 'section', text: md(cutMrkdwn(metrics, SLACK_LIMITS.sectionText)) });
  if (t.alarmRule !== undefined) {
    blocks.push({ type: 'section', text: md(`*Rule*\n${code(t.alarmRule, SLACK_LIMITS.sectionText - 10)}`) });
  }
  blocks.push(contextBlock(delivery));
  const buttons = buttonsOf(delivery);
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });

  return {
    channel,
    text: fallbackText(t, findings),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
    metadata: {
      event_type: 'tripline_alarm_state',
      event_payload: {
        dedup_key: delivery.dedupKey,
        alarm_name: t.alarmName,
        state: t.state,
        state_timestamp: t.stateTimestamp,
        account_id: t.accountId,
        region: t.region,
        severity: delivery.severity,
        receiver: delivery.receiver,
      },
    },
  };
}

/**
 * The short reply posted in an alarm's thread when it resolves.
 *
 * @example buildResolvedThreadReply(okDelivery, { alarmSince }).text
 * // '✅ Resolved: back to OK at <!date^…|2026-11-22 00:12:30 UTC> after 12m 30s in ALARM.\n…reason…'
 */
export function buildResolvedThreadReply(delivery: Delivery, options: MessageOptions = {}): { text: string } {
  return { text: cutMrkdwn(`${resolvedSummary(delivery.transition, options)}\n${mrkdwn(delivery.transition.reason, THREAD_REPLY_MAX)}`, THREAD_REPLY_MAX) };
}

/**
 * The reply posted in an open thread when the alarm changes to another
 * non-OK state (ALARM ↔ INSUFFICIENT_DATA) before it resolves.
 */
export function buildStateThreadReply(delivery: Delivery): { text: string } {
  const t = delivery.transition;
  const head = `${STATE_EMOJI[t.state]} *${t.state}* since ${slackDate(t.stateTimestamp)}${t.previousState ? ` (was ${t.previousState})` : ''}.`;
  return { text: cutMrkdwn(`${head}\n${mrkdwn(t.reason, THREAD_REPLY_MAX)}`, THREAD_REPLY_MAX) };
}

/**
 * A child alarm's state change as a reply in its composite's thread: the
 * composite already paged, so the child is news for the thread, not the channel.
 *
 * @example buildChildThreadReply(dlqDelivery).text
 * // '🔴 *tripline-web-dlq-depth* is in *ALARM* since <!date^…>.\n…reason…'
 */
export function buildChildThreadReply(delivery: Delivery, options: MessageOptions = {}): { text: string } {
  const t = delivery.transition;
  const name = `*${mrkdwn(t.alarmName, 300)}*`;
  const firing = alarmDuration(t, options);
  const head =
    t.state === 'OK'
      ? `✅ ${name} is back to *OK* at ${slackDate(t.stateTimestamp)}${firing !== undefined ? ` after ${firing} in ALARM` : ''}.`
      : `${STATE_EMOJI[t.state]} ${name} is in *${t.state}* since ${slackDate(t.stateTimestamp)}.`;
  const runbook = delivery.runbookUrl !== undefined ? `\nRunbook: ${mrkdwn(delivery.runbookUrl, 500)}` : '';
  return { text: cutMrkdwn(`${head}\n${mrkdwn(t.reason, THREAD_REPLY_MAX)}${runbook}`, THREAD_REPLY_MAX) };
}

/**
 * The original alarm message marked resolved: its header prefixed with
 * "✅ RESOLVED", a context line saying when and after how long, every other
 * block as it was. Applying it twice does not stack the prefix.
 */
export function buildUpdatedOriginal(original: StoredMessage, delivery: Delivery, options: MessageOptions = {}): StoredMessage {
  const note: ContextBlock = { type: 'context', elements: [md(cutMrkdwn(resolvedSummary(delivery.transition, options), SLACK_LIMITS.sectionText))] };
  const blocks: SlackBlock[] = [];
  let noted = false;
  for (const block of original.blocks) {
    if (block.type === 'context' && isResolvedNote(block)) continue;
    if (block.type === 'header' && !noted) {
      const text = block.text.text.startsWith(RESOLVED_PREFIX) ? block.text.text : `${RESOLVED_PREFIX} · ${block.text.text}`;
      blocks.push({ type: 'header', text: { ...block.text, text: plain(text, SLACK_LIMITS.headerText) } });
      blocks.push(note);
      noted = true;
      continue;
    }
    blocks.push(block);
  }
  if (!noted) blocks.unshift(note);
  const text = original.text.startsWith(RESOLVED_PREFIX) ? original.text : `${RESOLVED_PREFIX} · ${original.text}`;
  return { text: cutMrkdwn(text, FALLBACK_TEXT_MAX), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/**
 * A duration for people: `45s`, `12m 30s`, `2h 5m`, `3d 4h`.
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

function headline(t: AlarmTransition): string {
  if (t.state === 'OK') return `✅ RESOLVED: ${t.alarmName}`;
  return `${STATE_EMOJI[t.state]} ${t.state}: ${t.alarmName}`;
}

function fallbackText(t: AlarmTransition, findings?: string): string {
  const where = `${t.accountId} ${t.region}`;
  const head = `${mrkdwn(headline(t), 300)} (${mrkdwn(where, 60)}): `;
  // The findings are short and what the responder needs: they go before the (long) reason.
  return cutMrkdwn(`${head}${findings !== undefined ? `${findings}\n` : ''}${mrkdwn(t.reason, FALLBACK_TEXT_MAX)}`, FALLBACK_TEXT_MAX);
}

/** `*Top invalid reasons:* wrong_type 87 · missing_field 3 (…)`, one line per finding. */
function findingsText(delivery: Delivery): string | undefined {
  const findings = delivery.findings ?? [];
  if (findings.length === 0) return undefined;
  return findings.map((f) => `*${mrkdwn(f.label, 100)}:* ${mrkdwn(f.text, 500)}`).join('\n');
}

function reasonText(t: AlarmTransition, options: MessageOptions): string {
  const lines: string[] = [];
  if (t.state === 'OK') lines.push(resolvedSummary(t, options));
  if (t.description !== undefined && t.description.trim() !== '') lines.push(`_${mrkdwn(t.description.trim(), 600)}_`);
  lines.push(`*Reason*\n${mrkdwn(t.reason, SLACK_LIMITS.sectionText)}`);
  return lines.join('\n');
}

/** "Back to OK at … after 12m 30s in ALARM." — the duration only when it is known. */
function resolvedSummary(t: AlarmTransition, options: MessageOptions): string {
  const when = slackDate(t.stateTimestamp);
  const firing = alarmDuration(t, options);
  if (firing !== undefined) return `✅ Resolved: back to *OK* at ${when} after ${firing} in ALARM.`;
  const was = t.previousState !== undefined ? ` (was ${t.previousState})` : '';
  return `✅ Resolved: back to *OK* at ${when}${was}.`;
}

function alarmDuration(t: AlarmTransition, options: MessageOptions): string | undefined {
  if (t.state !== 'OK' || t.previousState !== 'ALARM' || options.alarmSince === undefined) return undefined;
  const from = Date.parse(options.alarmSince);
  const to = Date.parse(t.stateTimestamp);
  if (Number.isNaN(from) || Number.isNaN(to) || to < from) return undefined;
  return formatDuration(to - from);
}

function isResolvedNote(block: ContextBlock): boolean {
  return block.elements.length === 1 && block.elements[0]?.text.startsWith('✅ Resolved:') === true;
}

function factFields(delivery: Delivery): MrkdwnText[] {
  const t = delivery.transition;
  const fields: string[] = [
    `*Severity*\n${mrkdwn(delivery.severity, 100)}`,
    `*Previous state*\n${t.previousState ?? 'unknown'}`,
    `*Account / region*\n${mrkdwn(`${t.accountId} / ${t.region}`, 200)}`,
  ];
  const condition = conditionText(t);
  if (condition !== undefined) fields.push(condition);
  const evaluation = evaluationText(t);
  if (evaluation !== undefined) fields.push(evaluation);
  if (delivery.muted !== undefined) {
    fields.push(`*Page held back*\n${mrkdwn(`${delivery.muted.by}: ${delivery.muted.detail}`, 1500)}`);
  }
  return fields.slice(0, SLACK_LIMITS.sectionFields).map((f) => md(cutMrkdwn(f, SLACK_LIMITS.sectionField)));
}

/** Threshold and comparison, or the anomaly band; composites show their rule in its own section. */
function conditionText(t: AlarmTransition): string | undefined {
  const op = t.comparisonOperator;
  const bandWords = op !== undefined ? BAND_COMPARISON[op] : undefined;
  if (t.thresholdMetricId !== undefined || bandWords !== undefined) {
    const band = t.metrics.find((m) => m.id !== undefined && m.id === t.thresholdMetricId);
    const lines = [`*Anomaly band*\n${bandWords ?? mrkdwn(op ?? 'outside the band', 100)}`];
    if (band?.expression !== undefined) lines.push(code(band.expression, 900));
    const edges: string[] = [];
    if (t.anomalyBand?.lower !== undefined) edges.push(`lower ${formatNumber(t.anomalyBand.lower)}`);
    if (t.anomalyBand?.upper !== undefined) edges.push(`upper ${formatNumber(t.anomalyBand.upper)}`);
    if (edges.length > 0) lines.push(edges.join(' · '));
    return lines.join('\n');
  }
  if (t.threshold === undefined) return undefined;
  const symbol = op !== undefined ? COMPARISON[op] : undefined;
  const rule = symbol !== undefined ? `${symbol} ${formatNumber(t.threshold)}` : `${op ?? 'threshold'} ${formatNumber(t.threshold)}`;
  return `*Threshold*\n${mrkdwn(rule, 400)}${op !== undefined ? ` (${mrkdwn(op, 100)})` : ''}`;
}

function evaluationText(t: AlarmTransition): string | undefined {
  if (t.evaluationPeriods === undefined) return undefined;
  const of = `${t.datapointsToAlarm ?? t.evaluationPeriods} of ${t.evaluationPeriods} datapoints`;
  const missing = t.treatMissingData !== undefined ? `\nmissing data: ${mrkdwn(t.treatMissingData, 100)}` : '';
  return `*Evaluation*\n${of}${missing}`;
}

function metricsText(t: AlarmTransition): string | undefined {
  if (t.metrics.length === 0) return undefined;
  const title = t.metrics.length === 1 ? '*Metric*' : '*Metrics*';
  const lines = t.metrics.map((m) => (t.metrics.length === 1 ? metricLine(m) : `• ${metricLine(m)}`));
  return `${title}\n${lines.join('\n')}`;
}

function metricLine(m: AlarmMetric): string {
  const id = m.id !== undefined ? `${code(m.id, 80)} ` : '';
  if (m.expression !== undefined) {
    const label = m.label !== undefined ? ` ${mrkdwn(m.label, 200)}` : '';
    return `${id}= ${code(m.expression, 1000)}${label}`;
  }
  const name = [m.namespace, m.metricName].filter((p): p is string => p !== undefined).join(' ');
  const stat = [m.stat, m.period !== undefined ? `${m.period} s` : undefined, m.unit].filter((p): p is string => p !== undefined);
  const dims = Object.entries(m.dimensions).map(([k, v]) => `${k}=${v}`);
  const parts = [`${id}${code(name === '' ? 'metric' : name, 300)}`];
  if (stat.length > 0) parts.push(`(${mrkdwn(stat.join(', '), 200)})`);
  if (dims.length > 0) parts.push(mrkdwn(dims.join(', '), 1000));
  return parts.join(' ');
}

function contextBlock(delivery: Delivery): ContextBlock {
  const t = delivery.transition;
  return {
    type: 'context',
    elements: [
      md(`via ${SHAPE_LABEL[t.shape]}`),
      md(`${t.state} since ${slackDate(t.stateTimestamp)}`),
      md(`dedup key ${code(delivery.dedupKey, 400)}`),
      md(`route ${code(delivery.routePath, 400)}`),
    ],
  };
}

function buttonsOf(delivery: Delivery): ButtonElement[] {
  const buttons: ButtonElement[] = [];
  if (isLinkable(delivery.consoleUrl)) {
    buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Open in CloudWatch' }, url: delivery.consoleUrl, action_id: 'tripline_open_console' });
  }
  if (delivery.runbookUrl !== undefined && isLinkable(delivery.runbookUrl)) {
    buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: delivery.runbookUrl, action_id: 'tripline_open_runbook' });
  }
  return buttons;
}

/** Slack rejects the whole message for one bad button URL, so such a button is left out. */
function isLinkable(url: string): boolean {
  if (url.length > SLACK_LIMITS.buttonUrl) return false;
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * A date Slack renders in the reader's time zone, with a UTC fallback
 * (https://docs.slack.dev/messaging/formatting-message-text#date-formatting).
 */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return mrkdwn(iso, 100);
  const fallback = `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${fallback}>`;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

function md(text: string): MrkdwnText {
  return { type: 'mrkdwn', text };
}
