import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { normalize } from '../../src/alarms/index.js';
import { dedupKeyOf } from '../../src/domain/alarm-links.js';
import { deliver, sqsBatch } from '../support/alarm-events.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { listFixtures, loadFixture, wrapInSqs } from '../support/fixtures.js';
import { invokeBundle } from '../support/invoke-bundle.js';
import { startPagerDutyServer, type PagerDutyServer } from '../support/pagerduty-server.js';
import { startSlackServer } from '../support/slack-server.js';

/**
 * The built bundle (dist/lambdas/alarm-router/index.mjs), invoked the way
 * Lambda does, against a strict PagerDuty Events API v2 server and a
 * CloudWatch stand-in on loopback. No config file: the router pages every
 * ALARM to PAGERDUTY_ROUTING_KEY.
 */
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const OWN = { account: '123456789012', region: 'us-east-1' };

describe('alarm-router bundle', () => {
  let pd: PagerDutyServer;
  let cw: CloudWatchServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    [pd, cw] = await Promise.all([startPagerDutyServer(), startCloudWatchServer()]);
    env = {
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: pd.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: cw.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_MAX_ATTEMPTS: '1',
    };
  });
  afterAll(async () => {
    await Promise.all([pd.close(), cw.close()]);
    nock.enableNetConnect();
  });
  beforeEach(() => pd.reset());

  it('sends exactly one accepted trigger for every real ALARM payload in the fixtures', async () => {
    const files = listFixtures();
    const events = files.map((f) => loadFixture(f));
    const expected = files.map((file, i) => {
      const { transitions } = normalize(events[i], { fallbackAccountId: OWN.account, fallbackRegion: OWN.region });
      const pages = transitions.filter((t) => t.state === 'ALARM' && !t.actionsSuppressedBy);
      return { file, dedupKeys: pages.map((t) => dedupKeyOf(t)), resolves: transitions.filter((t) => t.state === 'OK').length };
    });
    const alarmPayloads = expected.filter((e) => e.dedupKeys.length > 0);
    expect(alarmPayloads.length).toBeGreaterThanOrEqual(8);

    for (const [i, event] of events.entries()) {
      pd.reset();
      const { outcomes, logs } = await invokeBundle('alarm-router', [event], env);
      const exp = expected[i];
      expect(outcomes[0]?.ok, `${exp?.file}: ${JSON.stringify(outcomes[0])}\n${logs}`).toBe(true);
      const triggers = pd.accepted.filter((a) => a.event_action === 'trigger');
      expect(triggers.map((t) => t.dedup_key), exp?.file).toEqual(exp?.dedupKeys);
      expect(pd.requests.every((r) => !r.errors || r.errors.length === 0), `${exp?.file}: PagerDuty rejected an event`).toBe(true);
      expect(pd.accepted.filter((a) => a.event_action === 'resolve')).toHaveLength(exp?.resolves ?? 0);
      expect(logs).not.toContain(ROUTING_KEY);
    }
  }, 120_000);

  it('logs and counts a record that is not an alarm without stopping the others', async () => {
    const alarm = { name: 'tripline-web-dlq', state: 'ALARM' as const, previousState: 'OK' as const, timestamp: '2026-11-22T03:00:00.000Z' };
    const good = sqsBatch([alarm], 'sqs-eventbridge', ['good-1']);
    const records = [
      ...(loadFixture('sqs/non-alarm-body.json') as { Records: unknown[] }).Records,
      ...(good as { Records: unknown[] }).Records,
      ...(wrapInSqs(['{"truncated": '], { messageIds: ['broken-1'] }) as { Records: unknown[] }).Records,
    ];
    const { outcomes, logs } = await invokeBundle('alarm-router', [{ Records: records }], env);
    expect(outcomes[0]).toEqual({ ok: true, result: { batchItemFailures: [] } });
    expect(pd.accepted.map((a) => a.dedup_key)).toEqual(['tripline/123456789012/us-east-1/tripline-web-dlq']);
    expect(logs).toMatch(/not a CloudWatch alarm state change.*broken-1|broken-1.*not a CloudWatch alarm state change/);
  });

  it('retries PagerDuty 429 and delivers once', async () => {
    pd.failNext({ status: 429, retryAfter: 1 });
    const event = deliver({ name: 'tripline-ios-lag', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T03:00:00.000Z' }, 'sns-eventbridge');
    const { outcomes } = await invokeBundle('alarm-router', [event], env);
    expect(outcomes[0]?.ok).toBe(true);
    expect(pd.requests).toHaveLength(2);
    expect(pd.requests.every((r) => String(r.headers['user-agent']).startsWith('pdjs/'))).toBe(true);
    expect(pd.accepted).toHaveLength(1);
    expect(pd.openIncidents()).toEqual(['tripline/123456789012/us-east-1/tripline-ios-lag']);
  });

  it('throws on a PagerDuty 400 so the failure destination keeps the event, without retrying it', async () => {
    pd.failNext({ status: 400, body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ['routing_key is invalid'] }) });
    const event = deliver({ name: 'tripline-ios-lag', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T03:00:00.000Z' }, 'eventbridge');
    const { outcomes, logs } = await invokeBundle('alarm-router', [event], env);
    expect(outcomes[0]?.ok).toBe(false);
    expect(pd.requests).toHaveLength(1);
    expect(logs).toContain('Event object is invalid');
    expect(JSON.stringify(outcomes) + logs).not.toContain(ROUTING_KEY);
  });

  it('throws when PagerDuty keeps failing past the retry budget', async () => {
    pd.failNext(503, 503, 503, 503, 503, 503, 503, 503, 503, 503);
    const event = deliver({ name: 'tripline-web-lag', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T03:00:00.000Z' }, 'eventbridge');
    const started = Date.now();
    const { outcomes } = await invokeBundle('alarm-router', [event], { ...env, TRIPLINE_CONFIG: JSON.stringify({ version: 1, paging: { receivers: [{ name: 'oncall', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } } }], route: { receiver: 'oncall' } }, notify: { budgetSeconds: 2 } }) });
    expect(outcomes[0]).toMatchObject({ ok: false, error: { name: 'NotifyError' } });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(pd.accepted).toHaveLength(0);
    expect(pd.requests.length).toBeGreaterThan(1);
  });

  it('reports only the failed SQS records as batch item failures', async () => {
    pd.failNext(400);
    const batch = sqsBatch(
      [
        { name: 'tripline-a', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T03:00:00.000Z' },
        { name: 'tripline-b', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T03:00:00.000Z' },
      ],
      'sqs-sns-eventbridge',
      ['msg-a', 'msg-b'],
    );
    const { outcomes } = await invokeBundle('alarm-router', [batch], env);
    expect(outcomes[0]?.ok).toBe(true);
    const failures = (outcomes[0] as { result: { batchItemFailures: { itemIdentifier: string }[] } }).result.batchItemFailures;
    expect(failures).toHaveLength(1);
    expect(pd.accepted).toHaveLength(1);
    const failedAlarm = pd.accepted[0]?.dedup_key.endsWith('tripline-a') ? 'msg-b' : 'msg-a';
    expect(failures[0]?.itemIdentifier).toBe(failedAlarm);
  });

  it('posts to Slack after a 429, waiting as long as Retry-After asks, and pages once', async () => {
    const token = 'xoxb-bundle-test-token';
    const slack = await startSlackServer({ token, channels: ['#pipeline-alerts'] });
    try {
      slack.failNext([{ status: 429, retryAfter: 1 }]);
      const event = deliver({ name: 'tripline-android-dlq', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T03:00:00.000Z' }, 'sns-cloudwatch');
      const { outcomes, logs } = await invokeBundle('alarm-router', [event], {
        ...env,
        SLACK_BOT_TOKEN: token,
        SLACK_CHANNEL: '#pipeline-alerts',
        SLACK_API_URL: slack.url,
      });
      expect(outcomes[0]?.ok, logs).toBe(true);
      const posts = slack.requests.filter((r) => r.method === 'chat.postMessage');
      expect(posts).toHaveLength(2);
      expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
      expect(slack.topLevel('#pipeline-alerts')).toHaveLength(1);
      expect(pd.accepted).toHaveLength(1);
      expect(logs).not.toContain(token);
    } finally {
      await slack.close();
    }
  });
});
