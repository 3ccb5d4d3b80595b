import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarmReader } from '../../src/aws/alarms.js';
import { parseConfigText, type Config } from '../../src/config/index.js';
import type { AlarmState } from '../../src/domain/alarm.js';
import { recordingLog } from '../../src/domain/log.js';
import type { Notifier } from '../../src/domain/delivery.js';
import { PagerDutyNotifier } from '../../src/notify/pagerduty/notifier.js';
import { SlackNotifier } from '../../src/notify/slack/notifier.js';
import { MemoryThreadStore } from '../../src/notify/slack/thread-store.js';
import { routeAlarmEvent } from '../../src/paging/router.js';
import { catalogFromConfig } from '../../src/pipeline-alarms/definitions.js';
import type { AlarmDefinition, CompositeAlarmDefinition } from '../../src/pipeline-alarms/types.js';
import { eventBridgeAlarmEvent } from '../support/alarm-events.js';
import { startCloudWatchServer, type CloudWatchServer, type FakeAlarm } from '../support/cloudwatch-server.js';
import { loadFixture, patched, REMOVE } from '../support/fixtures.js';
import { startPagerDutyServer, type PagerDutyServer } from '../support/pagerduty-server.js';
import { startSlackServer, type SlackServer } from '../support/slack-server.js';

/**
 * One outage, one page: the shipped alarm definitions (their real tags) in a
 * CloudWatch stand-in, the repository's route config, and the router feeding
 * loopback PagerDuty and Slack. The composite pages; a child tells Slack only,
 * inside the composite's thread while the composite is in ALARM.
 */
const NOW = Date.parse('2026-11-22T03:00:00.000Z');
const OWN = { ownAccount: '123456789012', ownRegion: 'us-east-1' } as const;
const TOKEN = 'xoxb-1111111111-2222222222-TRIPLINEtestTOKENvalue';
const ROUTING_KEY = 'R0UT1NGK3Yd0n0tl0gme0123456789ab';
const ALERTS = '#pipeline-alerts';
const CHAT = '#pipeline';

let config: Config;
let alarms: readonly AlarmDefinition[];
let cw: CloudWatchServer;
let pd: PagerDutyServer;
let slack: SlackServer;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  config = await parseConfigText(readFileSync('tripline.config.yaml', 'utf8'), 'tripline.config.yaml');
  alarms = catalogFromConfig(config).alarms;
  cw = await startCloudWatchServer();
});
afterAll(async () => {
  await cw.close();
  nock.enableNetConnect();
});
beforeEach(async () => {
  cw.alarms.clear();
  pd = await startPagerDutyServer();
  slack = await startSlackServer({ token: TOKEN, channels: [ALERTS, CHAT] });
});
afterEach(async () => {
  await pd.close();
  await slack.close();
});

function definition(name: string): AlarmDefinition {
  const def = alarms.find((a) => a.name === name);
  if (def === undefined) throw new Error(`no alarm ${name} in the catalog`);
  return def;
}

/** The alarm as CloudWatch holds it once deployed: the definition's name, kind, rule and tags. */
function inCloudWatch(name: string, state: AlarmState, changedAt: number): void {
  const def = definition(name);
  const alarm: FakeAlarm = {
    name,
    kind: def.kind,
    state,
    reason: state === 'ALARM' ? 'Threshold Crossed' : 'back to normal',
    changedAt,
    tags: { ...def.tags },
    ...(def.kind === 'composite' ? { alarmRule: def.rule } : { namespace: 'AWS/SQS', dimensions: { QueueName: 'tripline-web-dlq' } }),
  };
  cw.alarms.set(name, alarm);
}

/** EventBridge `CloudWatch Alarm State Change` for the composite: AWS's composite sample, its suppression removed. */
function compositeEvent(def: CompositeAlarmDefinition, state: AlarmState, previous: AlarmState, at: number): unknown {
  const arn = `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${def.name}`;
  const time = new Date(at).toISOString();
  let event = loadFixture('eventbridge/composite-alarm-suppressed.json');
  const set = (path: (string | number)[], value: unknown): void => {
    event = patched(event, path, value);
  };
  set(['id'], `composite-${state}-${at}`);
  set(['time'], time.replace(/\.\d{3}Z$/, 'Z'));
  set(['resources'], [arn]);
  set(['detail', 'alarmName'], def.name);
  set(['detail', 'state', 'value'], state);
  set(['detail', 'state', 'actionsSuppressedBy'], REMOVE);
  set(['detail', 'state', 'actionsSuppressedReason'], REMOVE);
  set(['detail', 'state', 'timestamp'], time.replace('Z', '+0000'));
  set(['detail', 'previousState', 'value'], previous);
  set(['detail', 'configuration'], { alarmRule: def.rule });
  return event;
}

function dlqEvent(state: AlarmState, previous: AlarmState, at: number): unknown {
  return eventBridgeAlarmEvent({
    name: 'tripline-web-dlq-depth',
    state,
    previousState: previous,
    timestamp: new Date(at).toISOString(),
    metric: { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'tripline-web-dlq' } },
  });
}

function notifiers(threadStore?: MemoryThreadStore): Notifier[] {
  const log = recordingLog();
  const channels = new Map(config.paging.receivers.map((r) => [r.name, r.slack?.channel]));
  return [
    new PagerDutyNotifier({ eventsUrl: pd.url, routingKeyFor: async () => ROUTING_KEY, retry: { budgetMs: 2_000, baseDelayMs: 20, maxDelayMs: 100 }, log }),
    new SlackNotifier({
      token: async () => TOKEN,
      apiUrl: slack.url,
      fetch: slack.fetch,
      channelFor: (receiver) => channels.get(receiver),
      ...(threadStore !== undefined ? { threadStore } : {}),
      retry: { budgetMs: 2_000, baseDelayMs: 20 },
      log,
    }),
  ];
}

async function route(event: unknown, with_: Notifier[]) {
  const report = await routeAlarmEvent(event, {
    config,
    alarms: new CloudWatchAlarmReader(cw.client()),
    notifiers: with_,
    log: recordingLog(),
    now: () => new Date(NOW),
    ...OWN,
  });
  expect(report.failures.map((f) => f.error.message)).toEqual([]);
  return report;
}

describe('one outage, one page (shipped alarms and route config)', () => {
  it('pages for the composite; its child replies in the composite’s Slack thread, never a second incident', async () => {
    const composite = definition('tripline-web-pipeline');
    if (composite.kind !== 'composite') throw new Error('not a composite');
    expect(composite.children).toContain('tripline-web-dlq-depth');
    const send = notifiers(new MemoryThreadStore());

    // The DLQ fills; the composite goes to ALARM with it and pages.
    inCloudWatch('tripline-web-dlq-depth', 'ALARM', NOW - 120_000);
    inCloudWatch('tripline-web-pipeline', 'ALARM', NOW - 60_000);
    const paged = await route(compositeEvent(composite, 'ALARM', 'OK', NOW - 60_000), send);
    expect(paged.deliveries.map((d) => [d.receiver, d.pagerduty, d.severity])).toEqual([['oncall', 'trigger', 'critical']]);
    expect(pd.accepted.map((e) => [e.event_action, e.dedup_key, e.payload?.severity])).toEqual([
      ['trigger', 'tripline/123456789012/us-east-1/tripline-web-pipeline', 'critical'],
    ]);
    const [page] = slack.topLevel(ALERTS);
    expect(page?.text).toContain('tripline-web-pipeline');

    // The child's own state change arrives while the composite is in ALARM.
    const child = await route(dlqEvent('ALARM', 'OK', NOW - 120_000), send);
    expect(child.deliveries.map((d) => [d.receiver, d.pagerduty ?? 'no page', d.muted?.by])).toEqual([['pipeline-chat', 'no page', 'inhibition']]);
    expect(pd.accepted).toHaveLength(1);
    expect(pd.openIncidents()).toEqual(['tripline/123456789012/us-east-1/tripline-web-pipeline']);
    expect(slack.topLevel(CHAT)).toEqual([]);
    expect(slack.topLevel(ALERTS)).toHaveLength(1);
    const replies = slack.replies(page?.ts ?? '');
    expect(replies.map((r) => [r.channel, r.reply_broadcast])).toEqual([[ALERTS, false]]);
    expect(replies[0]?.text).toContain('*tripline-web-dlq-depth* is in *ALARM*');
    expect(replies[0]?.text).toContain('https://runbooks.example.com/tripline/dlq-redrive?pipeline=web');

    // The DLQ is redriven: the child's recovery lands in the same thread.
    inCloudWatch('tripline-web-dlq-depth', 'OK', NOW);
    await route(dlqEvent('OK', 'ALARM', NOW), send);
    expect(slack.replies(page?.ts ?? '').map((r) => r.text?.split('\n')[0])).toEqual([
      expect.stringContaining('*tripline-web-dlq-depth* is in *ALARM*'),
      expect.stringMatching(/^✅ \*tripline-web-dlq-depth\* is back to \*OK\* at .* after 2m in ALARM\.$/),
    ]);
    expect(slack.topLevel(CHAT)).toEqual([]);
    expect(pd.accepted).toHaveLength(1);

    // The composite recovers: the one incident resolves.
    inCloudWatch('tripline-web-pipeline', 'OK', NOW + 30_000);
    await route(compositeEvent(composite, 'OK', 'ALARM', NOW + 30_000), send);
    expect(pd.accepted.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(pd.openIncidents()).toEqual([]);
  });

  it('without a thread store, the child posts plainly to its own channel while the composite pages, and still never pages', async () => {
    inCloudWatch('tripline-web-dlq-depth', 'ALARM', NOW);
    inCloudWatch('tripline-web-pipeline', 'ALARM', NOW - 60_000);
    const report = await route(dlqEvent('ALARM', 'OK', NOW), notifiers());
    expect(report.outcomes.filter((o) => o.status === 'sent').map((o) => o.channel)).toEqual(['slack']);
    expect(pd.requests).toEqual([]);
    expect(slack.topLevel(CHAT).map((m) => m.text)).toEqual([expect.stringContaining('tripline-web-dlq-depth')]);
    expect(slack.topLevel(ALERTS)).toEqual([]);
  });

  it('a child firing on its own (composite OK) posts to Slack only', async () => {
    // processor-throttles is not in the composite: it can fire while the pipeline is fine.
    expect(definition('tripline-web-processor-throttles').kind === 'metric' && definition('tripline-web-processor-throttles').tags['composite']).toBe('tripline-web-pipeline');
    inCloudWatch('tripline-web-dlq-depth', 'ALARM', NOW);
    inCloudWatch('tripline-web-pipeline', 'OK', NOW - 3_600_000);
    const report = await route(dlqEvent('ALARM', 'OK', NOW), notifiers(new MemoryThreadStore()));
    expect(report.deliveries.map((d) => [d.receiver, d.pagerduty ?? 'no page', d.slack, d.muted?.by ?? 'not muted'])).toEqual([['pipeline-chat', 'no page', true, 'not muted']]);
    expect(pd.requests).toEqual([]);
    expect(slack.topLevel(CHAT)).toHaveLength(1);
    expect(slack.topLevel(ALERTS)).toEqual([]);
  });
});
