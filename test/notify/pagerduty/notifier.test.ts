import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/domain/delivery.js';
import { recordingLog, type LogRecord } from '../../../src/domain/log.js';
import { ConfigError, NotifyError, SecretError } from '../../../src/errors.js';
import { PagerDutyNotifier, parseRetryAfter } from '../../../src/notify/pagerduty/notifier.js';
import type { RetryPolicy } from '../../../src/notify/retry.js';
import { startPagerDutyServer, type PagerDutyServer } from '../../support/pagerduty-server.js';
import { deliveryOf, metricAlarm, ROUTING_KEY } from './factories.js';

const FAST: RetryPolicy = { budgetMs: 1_000, baseDelayMs: 20, maxDelayMs: 100 };

let pd: PagerDutyServer;
let log: ReturnType<typeof recordingLog>;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
});
beforeEach(async () => {
  pd = await startPagerDutyServer();
  log = recordingLog();
});
afterEach(async () => {
  await pd.close();
});

function notifier(options: { retry?: RetryPolicy; routingKey?: string; attemptTimeoutMs?: number; eventsUrl?: string } = {}): PagerDutyNotifier {
  const key = options.routingKey ?? ROUTING_KEY;
  return new PagerDutyNotifier({
    eventsUrl: options.eventsUrl ?? pd.url,
    routingKeyFor: async (receiver) => {
      if (receiver !== 'data-oncall') throw new SecretError(`no routing key configured for receiver "${receiver}"`);
      return key;
    },
    retry: options.retry ?? FAST,
    log,
    ...(options.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: options.attemptTimeoutMs }),
  });
}

const trigger: Delivery = deliveryOf(metricAlarm());
const resolve: Delivery = deliveryOf(metricAlarm({ state: 'OK', previousState: 'ALARM', stateTimestamp: '2026-11-22T00:09:00.000Z' }));

async function rejection(promise: Promise<unknown>): Promise<NotifyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof NotifyError) return error;
    throw error;
  }
  throw new Error('expected notify() to reject');
}

/** Nothing a user could read (logs, the error and its causes) carries the routing key. */
function expectNoRoutingKey(records: readonly LogRecord[], error?: unknown, key = ROUTING_KEY): void {
  expect(JSON.stringify(records)).not.toContain(key);
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    expect(e.message).not.toContain(key);
    expect(e.stack ?? '').not.toContain(key);
  }
}

describe('PagerDutyNotifier', () => {
  it('triggers an incident in one request and reports it sent', async () => {
    const outcome = await notifier().notify(trigger);

    expect(outcome).toEqual({ channel: 'pagerduty', receiver: 'data-oncall', dedupKey: trigger.dedupKey, status: 'sent', detail: 'trigger accepted (HTTP 202)', attempts: 1 });
    expect(pd.accepted).toHaveLength(1);
    expect(pd.accepted[0]).toMatchObject({ event_action: 'trigger', dedup_key: trigger.dedupKey, payload: { severity: 'critical' } });
    expect(pd.openIncidents()).toEqual([trigger.dedupKey]);
    expect(pd.requests[0]?.headers['content-type']).toBe('application/json');
    // Sent by @pagerduty/pdjs (through our transport), not around it.
    expect(pd.requests[0]?.headers['user-agent']).toMatch(/^pdjs\//);
    expectNoRoutingKey(log.records);
  });

  it('resolves the incident it triggered', async () => {
    const pagerduty = notifier();

    await pagerduty.notify(trigger);
    const outcome = await pagerduty.notify(resolve);

    expect(outcome).toMatchObject({ status: 'sent', detail: 'resolve accepted (HTTP 202)' });
    expect(pd.openIncidents()).toEqual([]);
    expect(pd.incidents.get(trigger.dedupKey)).toMatchObject({ status: 'resolved', opened: 1, triggers: 1, resolves: 1 });
  });

  it('skips a delivery without a PagerDuty action, sending nothing', async () => {
    const outcome = await notifier().notify({ ...trigger, pagerduty: undefined });

    expect(outcome).toMatchObject({ status: 'skipped', attempts: 0 });
    expect(pd.requests).toEqual([]);
  });

  it('retries a 429 and triggers exactly once', async () => {
    pd.failNext(429);

    const outcome = await notifier().notify(trigger);

    expect(outcome).toMatchObject({ status: 'sent', attempts: 2 });
    expect(pd.requests).toHaveLength(2);
    expect(pd.accepted.filter((e) => e.event_action === 'trigger')).toHaveLength(1);
    expect(pd.incidents.get(trigger.dedupKey)).toMatchObject({ opened: 1, triggers: 1 });
  });

  it('waits as long as Retry-After asks before retrying', async () => {
    pd.failNext({ status: 429, retryAfter: 1 });

    const outcome = await notifier({ retry: { budgetMs: 3_000, baseDelayMs: 20 } }).notify(trigger);

    const [first, second] = pd.requests;
    expect(outcome).toMatchObject({ status: 'sent', attempts: 2 });
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('gives up when Retry-After is longer than the budget left, saying so', async () => {
    pd.failNext({ status: 429, retryAfter: 60 });
    const started = Date.now();

    const error = await rejection(notifier().notify(trigger));

    expect(Date.now() - started).toBeLessThan(500);
    expect(pd.requests).toHaveLength(1);
    expect(error).toMatchObject({ retryable: true, status: 429, receiver: 'data-oncall' });
    expect(error.message).toMatch(/after 1 attempt\(s\).*last: HTTP 429.*retry after 60 s/);
  });

  it('retries through resets and 5xx answers that are not JSON', async () => {
    pd.failNext('reset', 502, 500);

    const outcome = await notifier().notify(trigger);

    expect(outcome).toMatchObject({ status: 'sent', attempts: 4 });
    expect(pd.accepted).toHaveLength(1);
    expect(log.records.filter((r) => r.message === 'PagerDuty attempt failed').map((r) => r.attributes?.['status'] ?? r.attributes?.['error'])).toEqual([
      'network error: ECONNRESET: socket hang up',
      502,
      500,
    ]);
  });

  it('throws a retryable NotifyError when 5xx answers outlast the budget', async () => {
    pd.failNext(...Array.from<number>({ length: 200 }).fill(503));
    const started = Date.now();

    const error = await rejection(notifier({ retry: { ...FAST, maxAttempts: 1_000 } }).notify(trigger));

    const elapsed = Date.now() - started;
    // The budget, not an attempt cap, ended it: no wait fitted in what was left.
    expect(elapsed).toBeGreaterThan(FAST.budgetMs - 150);
    expect(elapsed).toBeLessThan(FAST.budgetMs + 300);
    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ retryable: true, receiver: 'data-oncall' });
    expect(pd.requests.length).toBeGreaterThan(1);
    // The last attempt either got its 503 or, on a loaded machine, was cut off by the budget itself.
    expect([503, undefined]).toContain(error.status);
    expect(error.message).toMatch(
      new RegExp(`^PagerDuty trigger for receiver "data-oncall" \\(dedup key "${trigger.dedupKey}"\\) failed after \\d+ attempt\\(s\\) in \\d+ ms \\(retry budget 1000 ms\\); last: .+\\. Retrying the invocation later may succeed\\.$`),
    );
    if (error.status === 503) expect(error.message).toContain('last: HTTP 503.');
    else expect(error.message).toMatch(/last: no answer within \d+ ms\./);
    expect(pd.requests.length).toBeGreaterThan(2);
    expect(pd.accepted).toEqual([]);
    expect(log.records.at(-1)).toMatchObject({ level: 'error', message: 'PagerDuty delivery gave up' });
    expectNoRoutingKey(log.records, error);
  });

  it('never retries a 400: one request, PagerDuty’s message logged, a final NotifyError', async () => {
    const badKey = 'not-a-32-character-key-0123';

    const error = await rejection(notifier({ routingKey: badKey }).notify(trigger));

    expect(pd.requests).toHaveLength(1);
    expect(error).toMatchObject({ retryable: false, status: 400, receiver: 'data-oncall' });
    expect(error.message).toBe(
      `PagerDuty trigger for receiver "data-oncall" (dedup key "${trigger.dedupKey}") was rejected: ` +
        "HTTP 400: Event object is invalid (Length of 'routing_key' is incorrect (should be 32 characters)). " +
        "Not retried: PagerDuty will reject it again; check the event and the receiver's routing key.",
    );
    expect(log.records).toContainEqual({
      level: 'error',
      message: 'PagerDuty rejected the event',
      attributes: {
        receiver: 'data-oncall',
        dedupKey: trigger.dedupKey,
        action: 'trigger',
        attempt: 1,
        status: 400,
        message: 'Event object is invalid',
        errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
      },
    });
    expectNoRoutingKey(log.records, error, badKey);
  });

  it('redacts the routing key should PagerDuty ever echo it', async () => {
    pd.failNext({ status: 400, body: JSON.stringify({ status: 'invalid event', message: `Unknown routing key ${ROUTING_KEY}`, errors: [`bad key ${ROUTING_KEY}`] }) });

    const error = await rejection(notifier().notify(trigger));

    expect(error.message).toContain('Unknown routing key [routing key]');
    expectNoRoutingKey(log.records, error);
  });

  it('aborts a hung request within the budget', async () => {
    pd.failNext('hang');
    const started = Date.now();

    const error = await rejection(notifier({ retry: { budgetMs: 600, baseDelayMs: 20 } }).notify(trigger));

    expect(Date.now() - started).toBeLessThan(600 + 300);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toMatch(/failed after 1 attempt\(s\) in \d+ ms \(retry budget 600 ms\); last: no answer within \d+ ms/);
    expectNoRoutingKey(log.records, error);
  });

  it('gives a hung request its own timeout and retries it within the budget', async () => {
    pd.failNext('hang');

    const outcome = await notifier({ retry: { budgetMs: 2_000, baseDelayMs: 20 }, attemptTimeoutMs: 300 }).notify(trigger);

    expect(outcome).toMatchObject({ status: 'sent', attempts: 2 });
    expect(pd.accepted).toHaveLength(1);
  });

  it('stops when the caller aborts', async () => {
    pd.failNext('hang');
    const started = Date.now();

    const error = await rejection(notifier({ retry: { budgetMs: 5_000 } }).notify(trigger, { signal: AbortSignal.timeout(200) }));

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toContain('aborted by the caller');
  });

  it('reports a wrong events URL as final, naming the URL', async () => {
    const wrongUrl = pd.url.replace('/v2/enqueue', '/v1/enqueue');

    const error = await rejection(notifier({ eventsUrl: wrongUrl }).notify(trigger));

    expect(pd.requests).toHaveLength(1);
    expect(error).toMatchObject({ retryable: false, status: 404 });
    expect(error.message).toContain(wrongUrl);
  });

  it('cannot reach the real PagerDuty from a test (nock blocks it), and treats that as a network failure', async () => {
    const error = await rejection(notifier({ eventsUrl: 'https://events.pagerduty.com/v2/enqueue', retry: { budgetMs: 300, baseDelayMs: 20 } }).notify(trigger));

    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/network error: .*Disallowed net connect/);
  });

  it('names the receiver when its routing key cannot be resolved', async () => {
    const error = await rejection(notifier().notify({ ...trigger, receiver: 'payments' }));

    expect(error).toMatchObject({ retryable: true, receiver: 'payments' });
    expect(error.message).toContain('Could not resolve the PagerDuty routing key of receiver "payments"');
    expect(pd.requests).toEqual([]);
  });

  it('refuses an empty routing key without sending', async () => {
    const error = await rejection(notifier({ routingKey: '' }).notify(trigger));

    expect(error).toMatchObject({ retryable: false, receiver: 'data-oncall' });
    expect(pd.requests).toEqual([]);
  });

  it('refuses an events URL that is not http(s) at construction', () => {
    expect(() => notifier({ eventsUrl: 'events.pagerduty.com/v2/enqueue' })).toThrow(ConfigError);
  });
});

describe('parseRetryAfter', () => {
  it.each<[string | undefined, number | undefined]>([
    ['3', 3_000],
    ['0', 0],
    ['1.5', 1_500],
    ['Sun, 22 Nov 2026 00:00:10 GMT', 10_000],
    ['Sun, 22 Nov 2026 00:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads %j as %j ms', (header, ms) => {
    expect(parseRetryAfter(header, Date.parse('2026-11-22T00:00:00Z'))).toBe(ms);
  });
});
