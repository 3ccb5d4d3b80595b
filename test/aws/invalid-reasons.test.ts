import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchInvalidReasons, triggeringAlarmNames } from '../../src/aws/invalid-reasons.js';
import { buildPagerDutyEvent, type PagerDutyTriggerEvent } from '../../src/notify/pagerduty/event.js';
import { buildSlackMessage } from '../../src/notify/slack/message.js';
import { useCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { recordingLog } from '../../src/domain/log.js';
import { transition } from '../support/transitions.js';

/**
 * A quality alarm's page names its top invalid reasons: the router reads
 * `InvalidEvents` per `Reason` (what the quality monitor publishes) with one
 * GetMetricData, against a loopback CloudWatch.
 */
const AT = '2026-11-22T03:00:00.000Z';
const DIMS = { Pipeline: 'web' };

const server = useCloudWatchServer();
let cw: CloudWatchServer;
beforeEach(() => {
  // A fresh server state each test: no alarms, no invalid events of any reason until a test says so.
  cw = server();
});

function seedReasons(counts: Record<string, number[]>): void {
  for (const [reason, values] of Object.entries(counts)) {
    cw.setMetric(
      { namespace: 'Tripline/Quality', metricName: 'InvalidEvents', dimensions: { ...DIMS, Reason: reason }, stat: 'Sum' },
      values.map((value, i) => ({ timestamp: Date.parse(AT) - (i + 1) * 60_000, value })),
    );
  }
}

const invalidRate = transition({
  alarmName: 'tripline-web-quality-invalid-rate',
  stateTimestamp: AT,
  metrics: [
    { id: 'e1', expression: 'IF(events > 0, 100 * counted / events, 0)', dimensions: {}, returnData: true },
    { id: 'counted', namespace: 'Tripline/Quality', metricName: 'InvalidEvents', dimensions: DIMS, stat: 'Sum', period: 300 },
    { id: 'events', namespace: 'Tripline/Quality', metricName: 'Events', dimensions: DIMS, stat: 'Sum', period: 300 },
  ],
});

describe('CloudWatchInvalidReasons', () => {
  it('names the top three reasons of the 15 minutes before an invalid-rate alarm, most first', async () => {
    seedReasons({ wrong_type: [40, 47], missing_field: [3], unknown_event: [1, 1], bad_timestamp: [1] });
    const findings = await new CloudWatchInvalidReasons(cw.client()).findingsFor(invalidRate);
    expect(findings).toEqual([
      { label: 'Top invalid reasons', text: 'wrong_type 87 · missing_field 3 · unknown_event 2 (15 minutes before the alarm)', values: { wrong_type: 87, missing_field: 3, unknown_event: 2 } },
    ]);
    expect(cw.calls).toEqual(['GetMetricData']);
    const request = cw.metricRequests.at(-1);
    expect(request?.queries.map((q) => q.dimensions['Reason'])).toContain('pii_in_properties');
    expect(request?.queries.every((q) => q.namespace === 'Tripline/Quality' && q.metricName === 'InvalidEvents' && q.dimensions['Pipeline'] === 'web' && q.stat === 'Sum')).toBe(true);
    expect(request?.end).toBe(Date.parse(AT) + 60_000);
    expect(request?.start).toBe(Date.parse(AT) - 15 * 60_000);
  });

  it('finds them through a composite’s triggering child, with one DescribeAlarms', async () => {
    seedReasons({ wrong_type: [12] });
    cw.alarms.set('tripline-web-quality-invalid-rate', {
      name: 'tripline-web-quality-invalid-rate',
      kind: 'metric',
      state: 'ALARM',
      reason: 'Threshold Crossed',
      changedAt: Date.parse(AT),
      metrics: [
        { Id: 'e1', Expression: 'IF(events > 0, 100 * counted / events, 0)', ReturnData: true },
        { Id: 'counted', MetricStat: { Metric: { Namespace: 'Tripline/Quality', MetricName: 'InvalidEvents', Dimensions: [{ Name: 'Pipeline', Value: 'web' }] }, Period: 300, Stat: 'Sum' }, ReturnData: false },
      ],
    });
    const composite = transition({
      alarmName: 'tripline-web-pipeline',
      kind: 'composite',
      stateTimestamp: AT,
      metrics: [],
      alarmRule: 'ALARM("tripline-web-quality-invalid-rate") OR ALARM("tripline-web-dlq-depth")',
      reasonData: { triggeringAlarms: [{ arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:tripline-web-quality-invalid-rate', state: { value: 'ALARM', timestamp: AT } }] },
    });
    const findings = await new CloudWatchInvalidReasons(cw.client()).findingsFor(composite);
    expect(findings[0]?.values).toEqual({ wrong_type: 12 });
    expect(cw.calls).toEqual(['DescribeAlarms', 'GetMetricData']);
  });

  it('looks nothing up for an alarm without InvalidEvents, an OK, or no invalid events, and never throws', async () => {
    const reader = new CloudWatchInvalidReasons(cw.client(), { log: recordingLog() });
    expect(await reader.findingsFor(transition())).toEqual([]);
    expect(await reader.findingsFor({ ...invalidRate, state: 'OK' })).toEqual([]);
    expect(cw.calls).toEqual([]);
    expect(await reader.findingsFor(invalidRate)).toEqual([]);
    const log = recordingLog();
    cw.failNext('AccessDenied');
    expect(await new CloudWatchInvalidReasons(cw.client(), { log }).findingsFor(invalidRate)).toEqual([]);
    expect(log.records).toEqual([expect.objectContaining({ level: 'warn', message: 'top invalid reasons not read; the page goes without them' })]);
  });

  it('reads the triggering alarms of a composite in ALARM from its reason data', () => {
    expect(
      triggeringAlarmNames({
        triggeringAlarms: [
          { arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:a', state: { value: 'ALARM' } },
          { arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:b', state: { value: 'OK' } },
          { arn: 42 },
        ],
      }),
    ).toEqual(['a']);
    expect(triggeringAlarmNames('not json')).toEqual([]);
  });
});

describe('a page with findings', () => {
  const findings = [{ label: 'Top invalid reasons', text: 'wrong_type 87 · missing_field 3 (15 minutes before the alarm)', values: { wrong_type: 87, missing_field: 3 } }];
  const delivery = {
    receiver: 'oncall',
    transition: invalidRate,
    severity: 'critical' as const,
    dedupKey: 'tripline/123456789012/us-east-1/tripline-web-quality-invalid-rate',
    consoleUrl: 'https://console.aws.amazon.com/cloudwatch/home',
    pagerduty: 'trigger' as const,
    slack: true,
    routePath: 'paging.route',
    findings,
  };

  it('names them first in the PagerDuty summary and in custom_details', () => {
    const event = buildPagerDutyEvent(delivery, 'KEY') as PagerDutyTriggerEvent;
    expect(event.payload.summary).toMatch(/^ALARM: tripline-web-quality-invalid-rate — Top invalid reasons: wrong_type 87 · missing_field 3 \(15 minutes before the alarm\) — Threshold Crossed/);
    expect(event.payload.custom_details['findings']).toEqual({ 'Top invalid reasons': { wrong_type: 87, missing_field: 3 } });
  });

  it('shows them under the reason in Slack, and in the notification text', () => {
    const message = buildSlackMessage(delivery, '#pipeline-alerts');
    expect(JSON.stringify(message.blocks[2])).toContain('*Top invalid reasons:* wrong_type 87 · missing_field 3');
    expect(message.text).toContain('Top invalid reasons:* wrong_type 87');
  });
});
