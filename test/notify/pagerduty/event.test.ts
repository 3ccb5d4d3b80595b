import { describe, expect, it } from 'vitest';
import { SEVERITIES, type AlarmTransition } from '../../../src/domain/alarm.js';
import type { Delivery } from '../../../src/domain/delivery.js';
import {
  buildPagerDutyEvent,
  PAGERDUTY_EVENT_MAX_BYTES,
  PAGERDUTY_SUMMARY_MAX,
  truncate,
  type PagerDutyEvent,
  type PagerDutyTriggerEvent,
} from '../../../src/notify/pagerduty/event.js';
import { validateEvent } from '../../support/pagerduty-server.js';
import { anomalyAlarm, compositeAlarm, deliveryOf, metricAlarm, metricMathAlarm, ROUTING_KEY } from './factories.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function asTrigger(event: PagerDutyEvent): PagerDutyTriggerEvent {
  if (event.event_action !== 'trigger') throw new Error(`expected a trigger, got ${event.event_action}`);
  return event;
}

/** The alarm name as the CloudWatch console will read it back from the link. */
function alarmNameInConsoleUrl(href: string): string {
  const fragment = new URL(href).hash;
  const prefix = '#alarmsV2:alarm/';
  expect(fragment.startsWith(prefix)).toBe(true);
  return decodeURIComponent(fragment.slice(prefix.length));
}

interface Case {
  readonly name: string;
  readonly transition: AlarmTransition;
  readonly delivery?: Partial<Delivery>;
  readonly component: string;
  readonly class: string;
  readonly group: string;
}

const longReason = `Threshold Crossed: ${'datapoint [3.0] was greater than the threshold (0.0); '.repeat(60)}`;

const cases: Case[] = [
  { name: 'single metric', transition: metricAlarm(), component: 'AWS/SQS/ApproximateNumberOfMessagesVisible', class: 'ApproximateNumberOfMessagesVisible', group: 'events-web' },
  { name: 'metric math', transition: metricMathAlarm(), component: 'AWS/Lambda/Errors', class: 'Errors', group: 'events-web' },
  { name: 'anomaly band', transition: anomalyAlarm(), component: 'AWS/Kinesis/GetRecords.IteratorAgeMilliseconds', class: 'anomaly-detection', group: 'events-web' },
  { name: 'composite', transition: compositeAlarm(), component: 'composite', class: 'composite', group: '123456789012/eu-west-1' },
  {
    name: 'name with slashes and spaces',
    transition: metricAlarm({ alarmName: 'prod/events web/DLQ depth #1 (ios)', tags: {} }),
    component: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
    class: 'ApproximateNumberOfMessagesVisible',
    group: '123456789012/eu-west-1',
  },
  {
    name: 'very long name and reason',
    transition: metricAlarm({ alarmName: `very-long-alarm-${'x'.repeat(239)}`, reason: longReason }),
    component: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
    class: 'ApproximateNumberOfMessagesVisible',
    group: 'events-web',
  },
  {
    name: 'unicode name and reason',
    transition: metricAlarm({ alarmName: 'Ereignisse-Verzögerung-東京-🚨', reason: `Schwellenwert überschritten 🔥 ${'Ä👩‍👩‍👧'.repeat(400)}` }),
    component: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
    class: 'ApproximateNumberOfMessagesVisible',
    group: 'events-web',
  },
  {
    name: 'insufficient data, no runbook, no description',
    transition: metricAlarm({ state: 'INSUFFICIENT_DATA', previousState: 'ALARM', description: undefined, reasonData: undefined, reason: 'Insufficient Data: 1 datapoint was unknown.' }),
    delivery: { runbookUrl: undefined, severity: 'warning', pagerduty: 'trigger' },
    component: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
    class: 'ApproximateNumberOfMessagesVisible',
    group: 'events-web',
  },
];

describe('buildPagerDutyEvent: triggers', () => {
  it.each(cases)('$name: is a valid Events API v2 trigger with the alarm, its state and its links', (c) => {
    // Prepare
    const delivery = deliveryOf(c.transition, c.delivery);

    // Act
    const event = asTrigger(buildPagerDutyEvent(delivery, ROUTING_KEY));

    // Assess
    expect(validateEvent(JSON.parse(JSON.stringify(event)))).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(PAGERDUTY_EVENT_MAX_BYTES);
    expect(event).toMatchObject({ routing_key: ROUTING_KEY, dedup_key: delivery.dedupKey, client: 'tripline', client_url: delivery.consoleUrl });

    const { payload } = event;
    expect(payload.summary.length).toBeLessThanOrEqual(PAGERDUTY_SUMMARY_MAX);
    expect(payload.summary).not.toMatch(LONE_SURROGATE);
    expect(payload.summary.startsWith(`${c.transition.state}: ${c.transition.alarmName}`)).toBe(true);
    expect(payload.summary).not.toMatch(/\n/);
    expect(payload.severity).toBe(delivery.severity);
    expect(payload.source).toBe(`cloudwatch:${c.transition.region}:${c.transition.accountId}`);
    expect(payload.timestamp).toBe(c.transition.stateTimestamp);
    expect(payload.component).toBe(c.component);
    expect(payload.class).toBe(c.class);
    expect(payload.group).toBe(c.group);
    expect(payload.custom_details).toMatchObject({
      alarm: c.transition.alarmName,
      state: c.transition.state,
      reason: c.transition.reason,
      account: c.transition.accountId,
      region: c.transition.region,
      delivered_via: 'eventbridge',
    });

    expect(event.links[0]?.text).toBe('CloudWatch alarm');
    expect(alarmNameInConsoleUrl(event.links[0]?.href ?? '')).toBe(c.transition.alarmName);
    const runbook = event.links.find((l) => l.text === 'Runbook');
    expect(runbook?.href).toBe(delivery.runbookUrl);
  });

  it('keeps the whole reason in the summary when it fits', () => {
    const event = asTrigger(buildPagerDutyEvent(deliveryOf(metricAlarm()), ROUTING_KEY));

    expect(event.payload.summary).toBe(
      'ALARM: tripline-web-dlq-depth — Threshold Crossed: 1 out of the last 1 datapoints [3.0 (22/11/26 00:00:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
  });

  it('ends a cut summary with an ellipsis at exactly the limit', () => {
    const event = asTrigger(buildPagerDutyEvent(deliveryOf(metricAlarm({ reason: 'r'.repeat(5000) })), ROUTING_KEY));

    expect(event.payload.summary).toHaveLength(PAGERDUTY_SUMMARY_MAX);
    expect(event.payload.summary.endsWith('r…')).toBe(true);
  });

  it.each([0, 1, 2, 3])('never cuts an emoji in half (boundary shifted by %i)', (shift) => {
    // An emoji is two UTF-16 code units; shifting by one puts the cut inside one of them.
    const reason = `${'a'.repeat(shift)}${'🔥'.repeat(1000)}`;

    const summary = asTrigger(buildPagerDutyEvent(deliveryOf(metricAlarm({ reason })), ROUTING_KEY)).payload.summary;

    expect(summary.length).toBeLessThanOrEqual(PAGERDUTY_SUMMARY_MAX);
    expect(summary).not.toMatch(LONE_SURROGATE);
    expect(summary.endsWith('🔥…')).toBe(true);
  });

  it('cuts a single enormous grapheme without leaving half a surrogate pair', () => {
    const text = `x${'\u0301'.repeat(1020)}😀😀😀😀😀`;

    const cut = truncate(text, 1024);

    expect(cut.length).toBeLessThanOrEqual(1024);
    expect(cut).not.toMatch(LONE_SURROGATE);
    expect(cut.endsWith('…')).toBe(true);
  });

  it.each(SEVERITIES)('sends the routed severity %s as payload.severity', (severity) => {
    const event = asTrigger(buildPagerDutyEvent(deliveryOf(metricAlarm(), { severity }), ROUTING_KEY));

    expect(event.payload.severity).toBe(severity);
    expect(validateEvent(event)).toEqual([]);
  });

  it('describes every metric of a metric-math alarm with its dimensions', () => {
    const details = asTrigger(buildPagerDutyEvent(deliveryOf(metricMathAlarm()), ROUTING_KEY)).payload.custom_details;

    expect(details['metrics']).toEqual([
      { id: 'errors', metric: 'AWS/Lambda/Errors', dimensions: { FunctionName: 'processor-web' }, stat: 'Sum', period: 300, return_data: false },
      { id: 'invocations', metric: 'AWS/Lambda/Invocations', dimensions: { FunctionName: 'processor-web' }, stat: 'Sum', period: 300, return_data: false },
      { id: 'rate', expression: '100 * errors / invocations', label: 'Error rate (%)', return_data: true },
    ]);
    expect(details).toMatchObject({ threshold: 5, comparison: 'GreaterThanThreshold', evaluation: '3 of 3 datapoints' });
  });

  it('reports the anomaly band instead of a threshold', () => {
    const details = asTrigger(buildPagerDutyEvent(deliveryOf(anomalyAlarm()), ROUTING_KEY)).payload.custom_details;

    expect(details['anomaly_band']).toEqual({ band_expression_id: 'ad1', lower: 0, upper: 42000 });
    expect(details).not.toHaveProperty('threshold');
    expect(details['comparison']).toBe('LessThanLowerOrGreaterThanUpperThreshold');
  });

  it('reports the composite rule and the alarms that triggered it', () => {
    const details = asTrigger(buildPagerDutyEvent(deliveryOf(compositeAlarm()), ROUTING_KEY)).payload.custom_details;

    expect(details['alarm_rule']).toBe('ALARM(tripline-web-dlq-depth) OR ALARM(kinesis-iterator-age-anomaly)');
    expect(details['reason_data']).toEqual(compositeAlarm().reasonData);
    expect(details).not.toHaveProperty('metric');
  });

  it('trims long reason data to its first items', () => {
    const recentDatapoints = Array.from({ length: 500 }, (_, i) => i);
    const transition = metricAlarm({ reasonData: { version: '1.0', recentDatapoints } });

    const details = asTrigger(buildPagerDutyEvent(deliveryOf(transition), ROUTING_KEY)).payload.custom_details;

    expect(details['reason_data']).toEqual({ version: '1.0', recentDatapoints: [...recentDatapoints.slice(0, 20), '… 480 more'] });
  });

  it('stays under 512 KB when the alarm carries megabytes of context, and says it trimmed', () => {
    const huge = 'é'.repeat(300_000);
    const transition = metricAlarm({ description: huge, reasonData: { blob: huge, more: Array.from({ length: 50 }, () => huge) } });

    const event = asTrigger(buildPagerDutyEvent(deliveryOf(transition), ROUTING_KEY));

    const bytes = Buffer.byteLength(JSON.stringify(event));
    expect(bytes).toBeLessThanOrEqual(PAGERDUTY_EVENT_MAX_BYTES);
    expect(validateEvent(event)).toEqual([]);
    expect(String(event.payload.custom_details['trimmed'])).toMatch(/512 KB limit/);
    expect(event.payload.custom_details).toMatchObject({ alarm: transition.alarmName, state: 'ALARM', reason: transition.reason });
  });

  it('keeps a runbook that is not a URL in the details instead of sending an invalid link', () => {
    const delivery = deliveryOf(metricAlarm(), { runbookUrl: 'runbooks/dlq-not-empty.md' });

    const event = asTrigger(buildPagerDutyEvent(delivery, ROUTING_KEY));

    expect(event.links.map((l) => l.text)).toEqual(['CloudWatch alarm']);
    expect(event.payload.custom_details['runbook']).toBe('runbooks/dlq-not-empty.md');
    expect(validateEvent(event)).toEqual([]);
  });

  it('leaves out an unparseable state timestamp rather than sending it', () => {
    const event = asTrigger(buildPagerDutyEvent(deliveryOf(metricAlarm({ stateTimestamp: 'yesterday' })), ROUTING_KEY));

    expect(event.payload).not.toHaveProperty('timestamp');
    expect(validateEvent(event)).toEqual([]);
  });

  it('normalizes a CloudWatch +0000 timestamp to ISO-8601 UTC', () => {
    const event = asTrigger(buildPagerDutyEvent(deliveryOf(metricAlarm({ stateTimestamp: '2019-10-03T16:00:04.653+0000' })), ROUTING_KEY));

    expect(event.payload.timestamp).toBe('2019-10-03T16:00:04.653Z');
  });
});

describe('buildPagerDutyEvent: resolves', () => {
  it('sends only the routing key, the action and the dedup key', () => {
    const delivery = deliveryOf(metricAlarm({ state: 'OK', previousState: 'ALARM' }));

    const event = buildPagerDutyEvent(delivery, ROUTING_KEY);

    expect(event).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: delivery.dedupKey });
    expect(validateEvent(event)).toEqual([]);
  });

  it('resolves with the same dedup key the trigger used, whatever payload shape delivered each', () => {
    const trigger = buildPagerDutyEvent(deliveryOf(metricAlarm({ shape: 'eventbridge' })), ROUTING_KEY);
    const resolve = buildPagerDutyEvent(deliveryOf(metricAlarm({ state: 'OK', shape: 'sns-cloudwatch', deliveryId: 'sns-1' })), ROUTING_KEY);

    expect(resolve.dedup_key).toBe(trigger.dedup_key);
  });

  it('follows the alarm state when the delivery carries no PagerDuty action (a preview)', () => {
    const ok = buildPagerDutyEvent(deliveryOf(metricAlarm({ state: 'OK' }), { pagerduty: undefined }), ROUTING_KEY);
    const alarm = buildPagerDutyEvent(deliveryOf(metricAlarm(), { pagerduty: undefined }), ROUTING_KEY);

    expect(ok.event_action).toBe('resolve');
    expect(alarm.event_action).toBe('trigger');
  });
});
