import http from 'node:http';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPagerDutyServer, validateEvent, type PagerDutyServer } from '../../support/pagerduty-server.js';
import { ROUTING_KEY } from './factories.js';

/** The smallest valid trigger; tests break one rule at a time. */
function trigger(overrides: Record<string, unknown> = {}, payload: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    routing_key: ROUTING_KEY,
    event_action: 'trigger',
    dedup_key: 'tripline/123456789012/eu-west-1/dlq-depth',
    payload: { summary: 'ALARM: dlq-depth', source: 'cloudwatch:eu-west-1:123456789012', severity: 'critical', ...payload },
    ...overrides,
  };
}

describe('validateEvent (the strict server rules)', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a short routing key', trigger({ routing_key: 'abc' }), "Length of 'routing_key' is incorrect (should be 32 characters)"],
    ['no routing key', trigger({ routing_key: undefined }), "'routing_key' is missing or blank"],
    ['an unknown action', trigger({ event_action: 'open' }), "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"],
    ['a 256-character dedup key', trigger({ dedup_key: 'k'.repeat(256) }), "'dedup_key' is too long (maximum is 255 characters)"],
    ['a resolve without dedup key', { routing_key: ROUTING_KEY, event_action: 'resolve' }, "'dedup_key' is missing or blank (required for resolve events)"],
    ['a trigger without payload', trigger({ payload: undefined }), "'payload' is missing or blank"],
    ['a blank summary', trigger({}, { summary: '  ' }), "'payload.summary' is missing or blank"],
    ['a 1025-character summary', trigger({}, { summary: 's'.repeat(1025) }), "'payload.summary' is too long (maximum is 1024 characters)"],
    ['no source', trigger({}, { source: undefined }), "'payload.source' is missing or blank"],
    ['no severity', trigger({}, { severity: undefined }), "'payload.severity' is missing or blank"],
    ['severity "high"', trigger({}, { severity: 'high' }), "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"],
    ['an unparseable timestamp', trigger({}, { timestamp: '22/11/2026 00:00' }), "'payload.timestamp' is invalid (must be an ISO 8601 date-time)"],
    ['custom_details as an array', trigger({}, { custom_details: ['a'] }), "'payload.custom_details' must be an object"],
    ['a link without href', trigger({ links: [{ text: 'Runbook' }] }), "'links[0].href' is missing or blank"],
    ['a link that is not a URL', trigger({ links: [{ href: 'runbooks/dlq.md' }] }), "'links[0].href' must be an http(s) URL"],
    ['an image served over http', trigger({ images: [{ src: 'http://example.com/graph.png' }] }), "'images[0].src' must be an https URL (images are served via HTTPS)"],
    ['a misspelt field', trigger({ dedupKey: 'x' }), "'dedupKey' is not a recognized field"],
    ['a misspelt payload field', trigger({}, { customDetails: {} }), "'payload.customDetails' is not a recognized field"],
  ])('rejects %s', (_name, body, error) => {
    expect(validateEvent(body)).toContain(error);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a minimal trigger', trigger()],
    ['a trigger without dedup key', trigger({ dedup_key: undefined })],
    ['PagerDuty’s own example timestamp', trigger({}, { timestamp: '2015-07-17T08:42:58.315+0000' })],
    ['links, images and client fields', trigger({ links: [{ href: 'https://example.com/', text: 'x' }], images: [{ src: 'https://example.com/a.png', href: 'https://example.com/', alt: 'a' }], client: 'tripline', client_url: 'https://example.com/' })],
    ['an acknowledge', { routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'k' }],
    ['a resolve', { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'k' }],
  ])('accepts %s', (_name, body) => {
    expect(validateEvent(body)).toEqual([]);
  });
});

describe('startPagerDutyServer', () => {
  let pd: PagerDutyServer;

  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => {
    nock.enableNetConnect();
  });
  beforeEach(async () => {
    pd = await startPagerDutyServer();
  });
  afterEach(async () => {
    await pd.close();
  });

  // node:http, not fetch: nock 15.0.0 on Node 20 breaks fetch POSTs it passes through.
  function send(
    body: unknown,
    options: { contentType?: string; signal?: AbortSignal } = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    const data = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        pd.url,
        { method: 'POST', headers: { 'content-type': options.contentType ?? 'application/json' }, signal: options.signal },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  async function post(body: unknown, contentType?: string): Promise<{ status: number; json: unknown }> {
    const { status, text } = await send(body, contentType === undefined ? {} : { contentType });
    return { status, json: text === '' ? undefined : JSON.parse(text) };
  }

  it('answers a valid trigger 202 with the dedup key, as PagerDuty does', async () => {
    const answer = await post(trigger());

    expect(answer).toEqual({ status: 202, json: { status: 'success', message: 'Event processed', dedup_key: 'tripline/123456789012/eu-west-1/dlq-depth' } });
    expect(pd.accepted).toHaveLength(1);
    expect(pd.openIncidents()).toEqual(['tripline/123456789012/eu-west-1/dlq-depth']);
  });

  it('answers an invalid event 400 with every error, and opens nothing', async () => {
    const answer = await post(trigger({ routing_key: 'short' }, { severity: 'high' }));

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: [
        "Length of 'routing_key' is incorrect (should be 32 characters)",
        "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
      ],
    });
    expect(pd.accepted).toEqual([]);
    expect(pd.incidents.size).toBe(0);
  });

  it('answers a body that is not JSON like PagerDuty does', async () => {
    const answer = await post('{"routing_key":');

    expect(answer).toEqual({ status: 400, json: { status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] } });
  });

  it('rejects a body over 512 KB', async () => {
    const answer = await post(trigger({}, { custom_details: { blob: 'x'.repeat(520_000) } }));

    expect(answer.status).toBe(400);
    expect(pd.requests[0]?.errors?.[0]).toMatch(/too large/);
  });

  it('models incidents: a trigger de-duplicates into the open incident, a trigger after resolve opens a new one', async () => {
    const key = 'tripline/123456789012/eu-west-1/dlq-depth';
    const resolve = { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: key };

    await post(trigger());
    await post(trigger());
    await post(resolve);
    await post(resolve);
    expect(pd.openIncidents()).toEqual([]);
    await post(trigger());

    const incident = pd.incidents.get(key);
    expect(incident).toMatchObject({ status: 'triggered', triggers: 3, resolves: 2, opened: 2 });
    expect(incident?.events.map((e) => e.effect)).toEqual(['opened', 'deduplicated', 'resolved', 'dropped', 'opened']);
    expect(pd.openIncidents()).toEqual([key]);
  });

  it('drops a resolve sent through another routing key than the trigger', async () => {
    await post(trigger());

    await post({ routing_key: 'x'.repeat(32), event_action: 'resolve', dedup_key: 'tripline/123456789012/eu-west-1/dlq-depth' });

    expect(pd.openIncidents()).toEqual(['tripline/123456789012/eu-west-1/dlq-depth']);
  });

  it('generates a dedup key for a trigger without one, so each opens its own incident', async () => {
    const first = await post(trigger({ dedup_key: undefined }));
    const second = await post(trigger({ dedup_key: undefined }));

    expect(first.json).toMatchObject({ status: 'success', dedup_key: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(pd.openIncidents()).toHaveLength(2);
    expect(second.json).not.toEqual(first.json);
  });

  it('plays scripted faults in order, then processes normally', async () => {
    pd.failNext(429, { status: 503, retryAfter: 7 }, 'reset');

    const throttled = await send(trigger());
    const unavailable = await send(trigger());
    await expect(send(trigger())).rejects.toThrow(/socket hang up/);
    const ok = await post(trigger());

    expect(throttled.status).toBe(429);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers['retry-after']).toBe('7');
    expect(ok.status).toBe(202);
    expect(pd.requests.map((r) => r.answer)).toEqual([
      { kind: 'status', status: 429 },
      { kind: 'status', status: 503 },
      { kind: 'reset' },
      { kind: 'status', status: 202 },
    ]);
    expect(pd.accepted).toHaveLength(1);
  });

  it('delays an answer when told to, then processes the event', async () => {
    pd.failNext({ delayMs: 150 });
    const started = Date.now();

    const answer = await post(trigger());

    expect(answer.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(pd.accepted).toHaveLength(1);
  });

  it('rejects a body that is not declared as JSON', async () => {
    const answer = await post(trigger(), 'text/plain');

    expect(answer.status).toBe(400);
    expect(pd.accepted).toEqual([]);
  });

  it('hangs a request until the client gives up, and still closes promptly', async () => {
    pd.failNext('hang');
    const started = Date.now();

    await expect(send(trigger(), { signal: AbortSignal.timeout(200) })).rejects.toThrow(/aborted/i);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(pd.requests[0]?.answer).toEqual({ kind: 'hang' });
  });

  it('handles hundreds of events quickly', async () => {
    const started = Date.now();
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => post(trigger({ dedup_key: `k${i}` }))));
      await Promise.all(Array.from({ length: 20 }, (_, i) => post({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `k${i}` })));
    }

    expect(pd.accepted).toHaveLength(400);
    expect(pd.openIncidents()).toEqual([]);
    expect(pd.incidents.get('k0')).toMatchObject({ status: 'resolved', opened: 10, triggers: 10, resolves: 10 });
    // nock's interceptor (active in this file) costs ~1 ms a request; the server alone is several times faster.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
