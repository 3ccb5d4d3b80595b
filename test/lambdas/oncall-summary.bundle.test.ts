import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { invokeBundle } from '../support/invoke-bundle.js';
import { startSlackServer, type SlackServer } from '../support/slack-server.js';
import { startSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';

/**
 * The built bundle (dist/lambdas/oncall-summary/index.mjs), invoked the way
 * Lambda does with an EventBridge scheduled event, against loopback
 * CloudWatch (history, alarm states, GetMetricData), SQS (the emulator) and
 * Slack stand-ins.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'xoxb-5555-6666-bundlesummarytoken';
const MIN = 60_000;
const AT = Math.floor(Date.now() / MIN) * MIN;
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:tripline-oncall-summary';

/** An EventBridge scheduled event (the shape in the EventBridge user guide), fired at `time`. */
function scheduledEvent(time: number): unknown {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(time).toISOString().replace(/\.000Z$/, 'Z'),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/tripline-oncall-summary-SummarySchedule'],
    detail: {},
  };
}

const CONFIG = {
  version: 1,
  paging: { receivers: [{ name: 'oncall', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } } }], route: { receiver: 'oncall' } },
  slack: { token: { env: 'SLACK_BOT_TOKEN' } },
  pipelines: { web: { stream: 'tracking-web', processor: 'tripline-web-processor', failedQueue: 'tripline-web-failed', dlq: 'tripline-web-dlq' } },
  console: { environment: 'prod' },
  summary: { channel: 'C0ONCALL', since: '12h' },
};

describe('oncall-summary bundle', () => {
  let cw: CloudWatchServer;
  let sqs: SqsEmulator;
  let slack: SlackServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(path.join(REPO, 'dist', 'lambdas', 'oncall-summary', 'index.mjs'))) {
      throw new Error('dist/lambdas/oncall-summary is missing: run node scripts/build.mjs --quiet');
    }
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    [cw, sqs, slack] = await Promise.all([startCloudWatchServer(), startSqsEmulator(), startSlackServer({ token: TOKEN, channels: ['C0ONCALL'] })]);
    await sqs.createQueue('tripline-web-failed');
    const dlq = await sqs.createQueue('tripline-web-dlq');
    await sqs.seed(dlq, [{ body: '{"eventId":"e1"}' }, { body: '{"eventId":"e2"}' }, { body: '{"eventId":"e3"}' }]);
    env = {
      ...sqs.env(),
      TRIPLINE_CONFIG: JSON.stringify(CONFIG),
      AWS_ENDPOINT_URL_CLOUDWATCH: cw.endpoint,
      AWS_MAX_ATTEMPTS: '1',
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: slack.url,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
  });
  afterAll(async () => {
    await Promise.all([cw.close(), sqs.close(), slack.close()]);
    nock.enableNetConnect();
  });
  beforeEach(() => {
    slack.messages.length = 0;
    cw.history.length = 0;
  });

  it('summarizes the 12 hours before the scheduled time and posts them to summary.channel', async () => {
    const at = (m: number): number => AT - m * MIN;
    cw.history.push(
      { alarmName: 'tripline-web-pipeline', kind: 'composite', at: at(300), from: 'OK', to: 'ALARM' },
      { alarmName: 'tripline-web-pipeline', kind: 'composite', at: at(280), from: 'ALARM', to: 'OK' },
      { alarmName: 'tripline-web-dlq-depth', kind: 'metric', at: at(301), from: 'OK', to: 'ALARM' },
      // Before the window: only its end counts, from the window's start.
      { alarmName: 'tripline-web-lag', kind: 'metric', at: at(800), from: 'OK', to: 'ALARM' },
      { alarmName: 'tripline-web-lag', kind: 'metric', at: at(700), from: 'ALARM', to: 'OK' },
    );
    const { outcomes, logs } = await invokeBundle('oncall-summary', [scheduledEvent(AT)], env, { functionArn: FUNCTION_ARN });
    expect(outcomes[0], logs).toMatchObject({ ok: true });
    const result = (outcomes[0] as { result: Record<string, unknown> }).result;
    expect(result).toMatchObject({
      channel: 'C0ONCALL',
      window: { start: new Date(AT - 720 * MIN).toISOString(), end: new Date(AT).toISOString() },
      fired: 2,
      resolved: 2,
      ongoing: 1,
    });
    const message = slack.topLevel('C0ONCALL')[0];
    expect(message?.ts).toBe(result['ts']);
    expect(message?.text).toMatch(/^Shift summary prod \(.*\): 2 alarms fired, 2 resolved, MTTR 20m, 1 still in ALARM\.$/);
    const blocks = JSON.stringify(message?.blocks);
    expect(blocks).toContain('Shift summary · prod · 123456789012 · us-east-1');
    expect(blocks).toContain('not available in the Lambda (the audit trail is local to the machine that ran them');
    expect(blocks).toContain('*Pipeline web* :warning:');
    expect(blocks).toContain('*DLQ*\\n3');
    expect(logs).not.toContain(TOKEN);
  }, 60_000);

  it('fails, saying what to set, without a channel', async () => {
    const { outcomes } = await invokeBundle('oncall-summary', [scheduledEvent(AT)], { ...env, TRIPLINE_CONFIG: JSON.stringify({ ...CONFIG, summary: {} }) }, { functionArn: FUNCTION_ARN });
    expect(outcomes[0]).toMatchObject({ ok: false, error: { name: 'ConfigError', message: expect.stringMatching(/no Slack channel for the shift summary: set summary.channel/) as unknown } });
    expect(slack.messages).toEqual([]);
  }, 60_000);

  it('fails with Slack\'s reason, never the token, when Slack refuses', async () => {
    const { outcomes, logs } = await invokeBundle('oncall-summary', [scheduledEvent(AT)], { ...env, SLACK_BOT_TOKEN: 'xoxb-not-the-right-one' }, { functionArn: FUNCTION_ARN });
    expect(outcomes[0]).toMatchObject({ ok: false, error: { name: 'NotifyError', message: expect.stringMatching(/invalid_auth\. Slack rejected the bot token/) as unknown } });
    expect(JSON.stringify(outcomes)).not.toContain('xoxb-not-the-right-one');
    expect(logs).not.toContain('xoxb-not-the-right-one');
  }, 60_000);
});
