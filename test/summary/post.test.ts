import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PipelinesSchema } from '../../src/config/pipelines.js';
import type { AlarmHistoryItem } from '../../src/domain/health.js';
import { NotifyError } from '../../src/errors.js';
import { buildShiftSummary } from '../../src/summary/build.js';
import { postShiftSummary } from '../../src/summary/post.js';
import { pipelineHealth, snapshotOf } from '../support/health-snapshots.js';
import { startSlackServer, type SlackServer } from '../support/slack-server.js';

const TOKEN = 'xoxb-1111-2222-summarytesttoken';
const START = Date.parse('2026-11-22T20:00:00Z');
const MIN = 60_000;
const window = { start: new Date(START), end: new Date(START + 720 * MIN) };

function summaryWith(alarms: number) {
  const history: AlarmHistoryItem[] = [];
  for (let a = 0; a < alarms; a++) {
    const alarmName = `tripline-web-alarm-${String(a).padStart(3, '0')}-with-a-long-name-to-fill-the-section`;
    history.push({ alarmName, kind: 'metric', at: new Date(START + (a % 600) * MIN), from: 'OK', to: 'ALARM', reason: '' });
    history.push({ alarmName, kind: 'metric', at: new Date(START + ((a % 600) + 5) * MIN), from: 'ALARM', to: 'OK', reason: '' });
  }
  return buildShiftSummary({
    history,
    snapshot: snapshotOf({ at: window.end, pipelines: [pipelineHealth('web')] }),
    audit: [],
    window,
    pipelines: PipelinesSchema.parse({ web: { stream: 's', processor: 'p', failedQueue: 'f', dlq: 'd' } }),
  });
}

describe('postShiftSummary against a strict Slack stand-in', () => {
  let slack: SlackServer;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    slack = await startSlackServer({ token: TOKEN, channels: ['C0ONCALL'] });
  });
  afterAll(async () => {
    await slack.close();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    slack.messages.length = 0;
    slack.requests.length = 0;
  });

  it('posts 500 alarms as Block Kit Slack accepts, with a text fallback', async () => {
    const summary = summaryWith(500);
    const posted = await postShiftSummary(summary, { channel: 'C0ONCALL', token: async () => TOKEN, apiUrl: slack.url });
    expect(slack.requests.map((r) => [r.method, r.error])).toEqual([['chat.postMessage', undefined]]);
    const message = slack.topLevel('C0ONCALL')[0];
    expect(posted).toEqual({ channel: 'C0ONCALL', ts: message?.ts, blocks: message?.blocks?.length });
    expect(message?.text).toMatch(/^Shift summary prod \(.*\): 500 alarms fired, 500 resolved, MTTR 5m, 0 still in ALARM, 0 redrives\.$/);
    expect(JSON.stringify(message?.blocks)).toMatch(/…and \d+ more alarms/);
  });

  it.each([
    ['an unknown channel', 'C0NOPE', [], /channel_not_found\. Slack cannot find channel "C0NOPE": check --channel, summary\.channel/, false],
    ['Slack down', 'C0ONCALL', [{ status: 503 }, { status: 503 }, { status: 503 }], /http_503\. Slack answered with an HTTP error; try again later\./, true],
  ] as const)('%s: a NotifyError that says what to do, never the token', async (_, channel, faults, message, retryable) => {
    slack.failNext(faults);
    const error: unknown = await postShiftSummary(summaryWith(1), { channel, token: async () => TOKEN, apiUrl: slack.url, retries: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotifyError);
    expect((error as NotifyError).exitCode).toBe(3);
    expect((error as NotifyError).retryable).toBe(retryable);
    expect((error as NotifyError).message).toMatch(message);
    expect((error as NotifyError).message).not.toContain(TOKEN);
  });

  it('retries a 5xx and then posts', async () => {
    slack.failNext([{ status: 502 }]);
    await postShiftSummary(summaryWith(3), { channel: 'C0ONCALL', token: async () => TOKEN, apiUrl: slack.url });
    expect(slack.requests.map((r) => r.status)).toEqual([502, 200]);
    expect(slack.topLevel('C0ONCALL')).toHaveLength(1);
  });

  it('refuses an empty token before calling Slack', async () => {
    const error: unknown = await postShiftSummary(summaryWith(1), { channel: 'C0ONCALL', token: async () => '  ', apiUrl: slack.url }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Slack bot token is empty: set SLACK_BOT_TOKEN/);
    expect(slack.requests).toEqual([]);
  });

  it('a rejected token says to check it, without showing it', async () => {
    const error: unknown = await postShiftSummary(summaryWith(1), { channel: 'C0ONCALL', token: async () => 'xoxb-wrong-token-value', apiUrl: slack.url }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/invalid_auth\. Slack rejected the bot token/);
    expect((error as Error).message).not.toContain('xoxb-wrong-token-value');
  });
});
