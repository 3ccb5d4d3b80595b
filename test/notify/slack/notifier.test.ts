import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordingLog } from '../../../src/domain/log.js';
import { NotifyError, SecretError } from '../../../src/errors.js';
import { SlackNotifier, planTrigger, type SlackNotifierOptions } from '../../../src/notify/slack/notifier.js';
import { MemoryThreadStore, threadKeyOf, type ThreadStore } from '../../../src/notify/slack/thread-store.js';
import { startSlackServer, type FakeSlackMessage, type SlackServer } from '../../support/slack-server.js';
import { alarm, delivery } from './factories.js';

const TOKEN = 'xoxb-1111111111-2222222222-TRIPLINEtestTOKENvalue';
const CHANNEL = 'C0ALERTS';

let server: SlackServer;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
});
beforeEach(async () => {
  server = await startSlackServer({ token: TOKEN, channels: [CHANNEL, 'C0PAYMENTS'], channelsWithoutBot: ['C0PRIVATE'] });
});
afterEach(async () => {
  await server.close();
});

function setup(overrides: Partial<SlackNotifierOptions> = {}) {
  const log = recordingLog();
  const notifier = new SlackNotifier({
    token: async () => TOKEN,
    apiUrl: server.url,
    fetch: server.fetch,
    channelFor: () => CHANNEL,
    retry: { budgetMs: 5_000, baseDelayMs: 20 },
    log,
    ...overrides,
  });
  return { notifier, log };
}

function headerOf(message: FakeSlackMessage | undefined): string | undefined {
  const first: unknown = message?.blocks?.[0];
  if (typeof first !== 'object' || first === null || !('text' in first)) return undefined;
  const text: unknown = first.text;
  return typeof text === 'object' && text !== null && 'text' in text && typeof text.text === 'string' ? text.text : undefined;
}

function buttonUrls(message: FakeSlackMessage | undefined): unknown[] {
  return (message?.blocks ?? []).flatMap((b) =>
    typeof b === 'object' && b !== null && 'type' in b && b.type === 'actions' && 'elements' in b && Array.isArray(b.elements)
      ? b.elements.map((e: unknown) => (typeof e === 'object' && e !== null && 'url' in e ? e.url : undefined))
      : [],
  );
}

const firing = delivery(alarm({ stateTimestamp: '2026-11-22T00:00:00.000Z' }));
const resolved = delivery(alarm({ state: 'OK', previousState: 'ALARM', stateTimestamp: '2026-11-22T00:12:30.000Z', reason: 'Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (0.0).' }));

describe('SlackNotifier: posting', () => {
  it('posts one ALARM message with buttons to the console and the runbook', async () => {
    const { notifier } = setup();

    const outcome = await notifier.notify(firing);

    expect(outcome).toMatchObject({ channel: 'slack', receiver: 'web-oncall', dedupKey: firing.dedupKey, status: 'sent', attempts: 1 });
    expect(server.messages).toHaveLength(1);
    const [message] = server.messages;
    expect(message?.channel).toBe(CHANNEL);
    expect(headerOf(message)).toBe('🔴 ALARM: tripline-web-dlq-depth');
    expect(buttonUrls(message)).toEqual([firing.consoleUrl, 'https://runbooks.example.com/dlq-depth']);
    expect(message?.text).toContain('🔴 ALARM: tripline-web-dlq-depth');
    expect(server.requests[0]?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
  });

  it('posts a resolved message when there is no thread store', async () => {
    const { notifier } = setup();

    const outcome = await notifier.notify(resolved);

    expect(outcome.status).toBe('sent');
    expect(server.messages).toHaveLength(1);
    expect(headerOf(server.messages[0])).toBe('✅ RESOLVED: tripline-web-dlq-depth');
    expect(server.messages[0]?.thread_ts).toBeUndefined();
  });

  it('creates one WebClient per token and reuses it', async () => {
    let token = TOKEN;
    const { notifier, log } = setup({ token: async () => token, sdkDebug: true });

    await notifier.notify(firing);
    await notifier.notify(resolved);
    token = `${TOKEN}-rotated`;
    await notifier.notify(firing).catch(() => undefined);

    expect(log.records.filter((r) => r.message === 'slack web-api: initialized')).toHaveLength(2);
  });

  it('skips a delivery that has Slack off, without calling Slack', async () => {
    const { notifier } = setup();

    const outcome = await notifier.notify({ ...firing, slack: false });

    expect(outcome).toMatchObject({ status: 'skipped', attempts: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('fails, not retryable, when the receiver has no channel', async () => {
    const { notifier } = setup({ channelFor: () => undefined });

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ retryable: false, receiver: 'web-oncall' });
    expect(String(error)).toContain('No Slack channel is configured for receiver "web-oncall": set SLACK_CHANNEL');
  });
});

describe('SlackNotifier: threads', () => {
  it('resolves in the thread and marks the original resolved', async () => {
    const store = new MemoryThreadStore();
    const { notifier } = setup({ threadStore: store });

    await notifier.notify(firing);
    const outcome = await notifier.notify(resolved);

    expect(outcome.status).toBe('sent');
    const [original, ...rest] = server.messages;
    expect(server.topLevel(CHANNEL)).toHaveLength(1);
    expect(headerOf(original)).toBe('✅ RESOLVED · 🔴 ALARM: tripline-web-dlq-depth');
    expect(original?.updated).toHaveLength(1);
    expect(headerOf({ ...original!, blocks: original!.updated[0]?.blocks })).toBe('🔴 ALARM: tripline-web-dlq-depth');
    expect(buttonUrls(original)).toEqual([firing.consoleUrl, 'https://runbooks.example.com/dlq-depth']);
    expect(rest).toHaveLength(1);
    expect(rest[0]?.thread_ts).toBe(original?.ts);
    expect(rest[0]?.text).toContain('after 12m 30s in ALARM.');
    expect(store.keys()).toEqual([]);
  });

  it('does not post a second top-level message for a duplicate ALARM', async () => {
    const store = new MemoryThreadStore();
    const { notifier } = setup({ threadStore: store });

    await notifier.notify(firing);
    const again = await notifier.notify({ ...firing, transition: { ...firing.transition, deliveryId: 'sns-copy' } });

    expect(again.status).toBe('skipped');
    expect(again.detail).toContain('duplicate');
    expect(server.messages).toHaveLength(1);
  });

  it('replies in the open thread when the alarm changes to INSUFFICIENT_DATA, then back to ALARM', async () => {
    const store = new MemoryThreadStore();
    const { notifier } = setup({ threadStore: store });
    const noData = delivery(alarm({ state: 'INSUFFICIENT_DATA', previousState: 'ALARM', stateTimestamp: '2026-11-22T00:05:00.000Z', reason: 'Insufficient Data' }));
    const firingAgain = delivery(alarm({ state: 'ALARM', previousState: 'INSUFFICIENT_DATA', stateTimestamp: '2026-11-22T00:09:00.000Z' }));

    await notifier.notify(firing);
    await notifier.notify(noData);
    await notifier.notify(firingAgain);

    const [parent, ...replies] = server.messages;
    expect(server.topLevel(CHANNEL)).toHaveLength(1);
    expect(replies.map((r) => [r.thread_ts === parent?.ts, r.reply_broadcast, r.text?.split(' since')[0]])).toEqual([
      [true, false, '🟡 *INSUFFICIENT_DATA*'],
      [true, true, '🔴 *ALARM*'],
    ]);
  });

  it('skips a late trigger older than the thread it would join', async () => {
    const store = new MemoryThreadStore();
    const { notifier } = setup({ threadStore: store });
    const older = delivery(alarm({ state: 'INSUFFICIENT_DATA', stateTimestamp: '2026-11-21T23:00:00.000Z' }));

    await notifier.notify(firing);
    const outcome = await notifier.notify(older);

    expect(outcome.status).toBe('skipped');
    expect(outcome.detail).toContain('stale');
    expect(server.messages).toHaveLength(1);
  });

  it('still resolves in the thread when the original can no longer be edited', async () => {
    const { notifier, log } = setup({ threadStore: new MemoryThreadStore() });
    await notifier.notify(firing);
    server.failNext([{ ok: false, error: 'message_not_found' }]);

    const outcome = await notifier.notify(resolved);

    expect(outcome.status).toBe('sent');
    expect(server.replies(server.messages[0]!.ts)).toHaveLength(1);
    expect(log.records.find((r) => r.message === 'could not mark the original Slack message resolved')?.attributes?.['error']).toContain('message_not_found');
  });

  it('posts anyway when the thread store cannot be read', async () => {
    const broken: ThreadStore = {
      get: async () => Promise.reject(new Error('DynamoDB GetItem failed with ThrottlingException')),
      put: async () => {},
      delete: async () => {},
    };
    const { notifier, log } = setup({ threadStore: broken });

    const outcome = await notifier.notify(firing);

    expect(outcome.status).toBe('sent');
    expect(server.messages).toHaveLength(1);
    expect(log.records.some((r) => r.level === 'warn' && r.message.includes('lookup failed'))).toBe(true);
  });

  it('keys the thread by dedup key and the channel Slack answered with', async () => {
    const store = new MemoryThreadStore();
    const { notifier } = setup({ threadStore: store });

    await notifier.notify(firing);

    expect(await store.get(threadKeyOf(firing.dedupKey, CHANNEL))).toMatchObject({ channel: CHANNEL, ts: server.messages[0]?.ts, state: 'ALARM', stateTimestamp: '2026-11-22T00:00:00.000Z' });
  });
});

describe('planTrigger', () => {
  const ref = { channel: CHANNEL, ts: '1.000001', postedAt: '2026-11-22T00:00:01.000Z', state: 'ALARM' as const, stateTimestamp: '2026-11-22T00:00:00.000Z' };
  it.each([
    ['no thread', undefined, 'ALARM', '2026-11-22T00:00:00.000Z', 'post'],
    ['same state, same time', ref, 'ALARM', '2026-11-22T00:00:00.000Z', 'duplicate'],
    ['older', ref, 'INSUFFICIENT_DATA', '2026-11-21T00:00:00.000Z', 'stale'],
    ['another state, newer', ref, 'INSUFFICIENT_DATA', '2026-11-22T00:01:00.000Z', 'reply'],
    ['same state, newer (missed OK)', ref, 'ALARM', '2026-11-22T05:00:00.000Z', 'post'],
    ['thread without state', { channel: CHANNEL, ts: '1.1', postedAt: 'x' }, 'ALARM', '2026-11-22T00:00:00.000Z', 'reply'],
  ] as const)('%s → %s', (_name, r, state, stateTimestamp, plan) => {
    expect(planTrigger(r, { state, stateTimestamp })).toBe(plan);
  });
});

describe('SlackNotifier: failures and retries', () => {
  it('waits out a 429 Retry-After and delivers once', async () => {
    const { notifier, log } = setup();
    server.failNext([{ status: 429, retryAfter: 1 }]);

    const outcome = await notifier.notify(firing);

    expect(outcome).toMatchObject({ status: 'sent', attempts: 2 });
    expect(server.messages).toHaveLength(1);
    const [first, second] = server.requests;
    expect(first?.status).toBe(429);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(log.records.find((r) => r.level === 'warn')?.attributes).toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
  });

  it('retries a 500 and an ok:false ratelimited, then delivers once', async () => {
    const { notifier } = setup();
    server.failNext([{ status: 500 }, { ok: false, error: 'ratelimited' }]);

    const outcome = await notifier.notify(firing);

    expect(outcome).toMatchObject({ status: 'sent', attempts: 3 });
    expect(server.messages).toHaveLength(1);
  });

  it('fails retryable at once when Retry-After is longer than the budget left', async () => {
    const { notifier } = setup({ retry: { budgetMs: 2_000 } });
    server.failNext([{ status: 429, retryAfter: 30 }]);
    const started = Date.now();

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ retryable: true, status: 429 });
    expect(String(error)).toContain('gave up after 1 attempt(s) within the 2000 ms budget: rate_limited');
    expect(String(error)).toContain('Slack asked to wait 30 s (Retry-After), more than the budget left.');
  });

  it('cuts a hung request at the budget and fails retryable', async () => {
    const { notifier } = setup({ retry: { budgetMs: 400 } });
    server.failNext([{ delayMs: 3_000 }]);
    const started = Date.now();

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ retryable: true });
    expect(String(error)).toMatch(/gave up after \d attempt\(s\) within the 400 ms budget: timeout/);
  });

  it("stops a request in flight when the caller's signal aborts", async () => {
    const { notifier } = setup({ retry: { budgetMs: 5_000 } });
    server.failNext([{ delayMs: 2_000 }]);
    const started = Date.now();

    const error = await notifier.notify(firing, { signal: AbortSignal.timeout(150) }).catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ retryable: true });
    expect(String(error)).toContain('was aborted by the caller; the transition stays for a later retry.');
    expect(server.messages).toHaveLength(0);
  });

  it('gives up after maxRetries even with budget left', async () => {
    const { notifier } = setup({ retry: { budgetMs: 5_000, maxRetries: 1, baseDelayMs: 10 } });
    server.failNext([{ status: 503 }, { status: 503 }, { status: 503 }]);

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(error).toMatchObject({ retryable: true, status: 503 });
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry channel_not_found and says to check the channel and invite the bot', async () => {
    const { notifier } = setup({ channelFor: () => 'C0NOPE' });

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ retryable: false, receiver: 'web-oncall' });
    expect(String(error)).toContain('Slack chat.postMessage to channel "C0NOPE" for tripline/123456789012/eu-west-1/tripline-web-dlq-depth failed: channel_not_found.');
    expect(String(error)).toContain('check the channel id configured for receiver "web-oncall"');
    expect(String(error)).toContain('invite the bot with /invite @<bot name>');
    expect(server.requests).toHaveLength(1);
  });

  it('says to invite the bot on not_in_channel', async () => {
    const { notifier } = setup({ channelFor: () => 'C0PRIVATE' });

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(error).toMatchObject({ retryable: false });
    expect(String(error)).toContain('not_in_channel. the bot is not a member of channel "C0PRIVATE": invite it with /invite @<bot name>');
  });

  it('says to check the scope on missing_scope', async () => {
    const { notifier } = setup();
    server.failNext([{ ok: false, error: 'missing_scope' }]);

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(error).toMatchObject({ retryable: false });
    expect(String(error)).toContain('add chat:write under OAuth & Permissions');
    expect(server.requests).toHaveLength(1);
  });

  it('maps a token provider failure to NotifyError, not retryable for a configuration problem', async () => {
    const { notifier } = setup({ token: async () => Promise.reject(new SecretError('SSM parameter /tripline/slack-token not found')) });

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ retryable: false });
    expect(String(error)).toContain('Could not read the Slack bot token for receiver "web-oncall": SSM parameter /tripline/slack-token not found');
    expect(server.requests).toHaveLength(0);
  });
});

describe('SlackNotifier: the token stays secret', () => {
  it('rejects a wrong token with invalid_auth, naming neither token', async () => {
    const wrong = 'xoxb-9999999999-8888888888-WRONGtokenVALUE';
    const { notifier, log } = setup({ token: async () => wrong });

    const error = await notifier.notify(firing).catch((e: unknown) => e);

    expect(error).toMatchObject({ retryable: false });
    expect(String(error)).toContain('invalid_auth. Slack rejected the bot token: check that SLACK_BOT_TOKEN');
    const everything = [inspect(error, { depth: null }), JSON.stringify(log.records)].join('\n');
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain('WRONGtokenVALUE');
  });

  it('keeps the token out of every log record and error, through retries and failures', async () => {
    const { notifier, log } = setup({ threadStore: new MemoryThreadStore(), sdkDebug: true });
    server.failNext([{ status: 429, retryAfter: 1 }, { status: 500 }]);

    await notifier.notify(firing);
    await notifier.notify(resolved);
    const failed = await setup({ channelFor: () => 'C0NOPE', log, sdkDebug: true }).notifier.notify(firing).catch((e: unknown) => e);

    // The SDK's debug output (request headers, bodies) reached our log, redacted.
    expect(log.records.some((r) => r.level === 'debug' && r.message.startsWith('slack web-api: http request headers'))).toBe(true);
    const everything = [inspect(failed, { depth: null }), JSON.stringify(log.records)].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('TRIPLINEtestTOKENvalue');
    expect(everything).not.toContain('Bearer');
  });
});
