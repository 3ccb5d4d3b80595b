import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliver, eventBridgeAlarmEvent } from '../support/alarm-events.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { parseConfigText } from '../../src/config/index.js';
import { catalogFromConfig } from '../../src/pipeline-alarms/index.js';
import { readFileSync } from 'node:fs';
import { loadFixture } from '../support/fixtures.js';
import { startPagerDutyServer, type PagerDutyServer } from '../support/pagerduty-server.js';
import { startSlackServer, type SlackServer } from '../support/slack-server.js';
import { tripline as run } from '../support/cli.js';

/** `tripline alarm test`, run as a user would: the built CLI in a child process. */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const SLACK_TOKEN = 'xoxb-cli-test-token';

const tripline = (args: string[], env: Record<string, string> = {}, cwd = ROOT) => run(args, env, cwd);

const scratch = mkdtempSync(path.join(tmpdir(), 'tripline-cli-'));
function file(name: string, content: unknown): string {
  const p = path.join(scratch, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

describe('tripline alarm test', () => {
  it('shows what would be sent for the bundled sample, with the repo config, secrets as references', async () => {
    const { code, stdout } = await tripline(['alarm', 'test', 'samples/dlq-alarm.eventbridge.json']);
    expect(code).toBe(0);
    expect(stdout).toContain('ALARM  tripline-web-dlq-not-empty');
    expect(stdout).toContain('"event_action": "trigger"');
    expect(stdout).toContain('Nothing was sent.');
    expect(stdout).not.toMatch(/"routing_key": "[A-Za-z0-9]{32}"/);
  });

  it('prints exactly one JSON document with --json', async () => {
    const { code, stdout } = await tripline(['alarm', 'test', 'samples/dlq-alarm.eventbridge.json', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { transitions: { alarmName: string; state: string }[]; deliveries: { pagerduty?: { action: string } }[]; convergence: string };
    expect(doc.transitions.map((t) => [t.alarmName, t.state])).toEqual([['tripline-web-dlq-not-empty', 'ALARM']]);
    expect(doc.convergence).toBe('offline');
    expect(doc.deliveries.some((d) => d.pagerduty?.action === 'trigger')).toBe(true);
  });

  it('pages every ALARM to PAGERDUTY_ROUTING_KEY when there is no config file at all', async () => {
    const event = file('sns.json', loadFixture('sns/single-metric-ok-eu-london.json'));
    const { code, stdout } = await tripline(['alarm', 'test', event, '--json'], { PAGERDUTY_ROUTING_KEY: ROUTING_KEY }, scratch);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { config: string; deliveries: { receiver: string; pagerduty?: { action: string; event: { routing_key: string } } }[] };
    expect(doc.config).toBe('environment (no config file)');
    expect(doc.deliveries[0]?.pagerduty?.action).toBe('resolve');
    expect(doc.deliveries[0]?.pagerduty?.event.routing_key).toBe('<environment variable PAGERDUTY_ROUTING_KEY>');
    expect(stdout).not.toContain(ROUTING_KEY);
  });

  it('says what is wrong with a file that is not an alarm, exit 2', async () => {
    const notAlarm = file('hello.json', loadFixture('sns/non-alarm-message.json'));
    const result = await tripline(['alarm', 'test', notAlarm]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no CloudWatch alarm state change found/);
    expect(result.stderr).toMatch(/not a CloudWatch alarm notification/);
  });

  it.each([
    ['a missing file', ['alarm', 'test', 'no/such/event.json'], /cannot read the event \(no such file\)/],
    ['broken JSON', ['alarm', 'test', file('broken.json', '{"Records": [')], /not valid JSON/],
    ['an invalid config', ['alarm', 'test', 'samples/dlq-alarm.eventbridge.json', '--config', file('bad.yaml', 'version: 1\npaging:\n  receivers:\n    - { name: oncall, slack: { channel: "#oncall" } }\n  route: { receiver: nobody }\n')], /undefined receiver "nobody"/],
    ['an unknown option', ['alarm', 'test', 'x.json', '--sned'], /unknown option '--sned'/],
  ])('exits 2 with a clear message for %s', async (_what, args, message) => {
    const result = await tripline(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('teaches with --help', async () => {
    const { code, stdout } = await tripline(['alarm', 'test', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('--send');
  });

  describe('--send', () => {
    let pd: PagerDutyServer;
    let slack: SlackServer;
    beforeAll(async () => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
      [pd, slack] = await Promise.all([startPagerDutyServer(), startSlackServer({ token: SLACK_TOKEN, channels: ['#oncall'] })]);
    });
    afterAll(async () => {
      await Promise.all([pd.close(), slack.close()]);
      nock.enableNetConnect();
    });
    beforeEach(() => pd.reset());

    const env = (): Record<string, string> => ({
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: pd.url,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_CHANNEL: '#oncall',
      SLACK_API_URL: slack.url,
    });

    it('delivers to PagerDuty and Slack and exits promptly', async () => {
      const event = file('ios.json', deliver({ name: 'tripline-ios-lag', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T03:00:00.000Z' }, 'eventbridge'));
      const started = Date.now();
      const { code, stdout, stderr } = await tripline(['alarm', 'test', event, '--send'], env(), scratch);
      expect(code, stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(pd.openIncidents()).toEqual(['tripline/123456789012/us-east-1/tripline-ios-lag']);
      expect(slack.messages.filter((m) => m.channel !== undefined).length).toBeGreaterThanOrEqual(1);
      expect(stdout).toMatch(/sent pagerduty → default/);
      expect(stdout + stderr).not.toContain(ROUTING_KEY);
      expect(stdout + stderr).not.toContain(SLACK_TOKEN);
    });

    it('exits 3 naming the failure when PagerDuty rejects the event', async () => {
      pd.failNext(400);
      const event = file('web.json', deliver({ name: 'tripline-web-lag', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T03:00:00.000Z' }, 'eventbridge'));
      const { code, stdout } = await tripline(['alarm', 'test', event, '--send'], env(), scratch);
      expect(code).toBe(3);
      expect(stdout).toMatch(/FAILED pagerduty → default/);
    });
  });

  describe('--aws, a child while its composite pages', () => {
    let cw: CloudWatchServer;
    beforeAll(async () => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
      cw = await startCloudWatchServer();
      const config = await parseConfigText(readFileSync(path.join(ROOT, 'tripline.config.yaml'), 'utf8'), 'tripline.config.yaml');
      const now = Date.parse('2026-11-22T03:00:00.000Z');
      for (const def of catalogFromConfig(config).alarms.filter((a) => a.name === 'tripline-web-pipeline' || a.name === 'tripline-web-dlq-depth')) {
        cw.alarms.set(def.name, {
          name: def.name,
          kind: def.kind,
          state: 'ALARM',
          reason: 'Threshold Crossed',
          changedAt: now,
          tags: { ...def.tags },
          ...(def.kind === 'composite' ? { alarmRule: def.rule } : { namespace: 'AWS/SQS', dimensions: { QueueName: 'tripline-web-dlq' } }),
        });
      }
    });
    afterAll(async () => {
      await cw.close();
      nock.enableNetConnect();
    });

    it('shows the reply in the composite’s Slack thread instead of a page', async () => {
      const event = file(
        'child.json',
        eventBridgeAlarmEvent({
          name: 'tripline-web-dlq-depth',
          state: 'ALARM',
          previousState: 'OK',
          timestamp: '2026-11-22T03:00:00.000Z',
          metric: { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'tripline-web-dlq' } },
        }),
      );
      const env = { AWS_ENDPOINT_URL_CLOUDWATCH: cw.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret' };
      const json = await tripline(['alarm', 'test', event, '--aws', '--json'], env);
      expect(json.code, json.stderr).toBe(0);
      const doc = JSON.parse(json.stdout) as { deliveries: { alarm: string; pagerduty?: unknown; muted?: { by: string }; slackReply?: { inThreadOf: string; channel: string } }[] };
      expect(doc.deliveries).toEqual([
        expect.objectContaining({ alarm: 'tripline-web-dlq-depth', muted: expect.objectContaining({ by: 'inhibition' }), slackReply: expect.objectContaining({ inThreadOf: 'tripline-web-pipeline', channel: '#pipeline' }) }),
      ]);
      expect(doc.deliveries[0]).not.toHaveProperty('pagerduty');
      const text = await tripline(['alarm', 'test', event, '--aws'], env);
      expect(text.stdout).toContain('Slack: a reply in the thread of tripline-web-pipeline (looked up in slack.threadStore under tripline/123456789012/us-east-1/tripline-web-pipeline');
      expect(text.stdout).not.toContain('nothing to send');
    });
  });
});
