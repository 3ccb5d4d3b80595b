import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loopbackFetch, startSlackServer, type SlackServer } from '../../support/slack-server.js';

const TOKEN = 'xoxb-fake-server-test';
let server: SlackServer;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
});
beforeEach(async () => {
  server = await startSlackServer({ token: TOKEN, channels: ['C0ALERTS'] });
});
afterEach(async () => {
  await server.close();
});

async function call(method: string, body: Record<string, unknown>, token = TOKEN): Promise<{ status: number; json: unknown }> {
  const res = await loopbackFetch(`${server.url}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('fake Slack server', () => {
  it('accepts JSON bodies, answers auth.test and keeps posted messages and updates', async () => {
    const auth = await call('auth.test', {});
    const posted = await call('chat.postMessage', { channel: 'C0ALERTS', text: 'first', blocks: [{ type: 'divider' }] });
    const ts = (posted.json as { ts: string }).ts;
    const updated = await call('chat.update', { channel: 'C0ALERTS', ts, text: 'second' });

    expect(auth.json).toMatchObject({ ok: true, bot_id: 'B0TRIPLINE' });
    expect(posted.json).toMatchObject({ ok: true, channel: 'C0ALERTS', ts });
    expect(updated.json).toMatchObject({ ok: true, ts, text: 'second' });
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]).toMatchObject({ text: 'second', updated: [{ text: 'first', blocks: [{ type: 'divider' }] }] });
  });

  it('answers like Slack for a bad token, an unknown channel, bad blocks and a missing message', async () => {
    expect((await call('chat.postMessage', { channel: 'C0ALERTS', text: 'x' }, 'xoxb-wrong')).json).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await call('chat.postMessage', { channel: 'C0NOPE', text: 'x' })).json).toEqual({ ok: false, error: 'channel_not_found' });
    expect((await call('chat.postMessage', { channel: 'C0ALERTS', text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] })).json).toEqual({
      ok: false,
      error: 'invalid_blocks',
      response_metadata: { messages: ['[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]'] },
    });
    expect((await call('chat.update', { channel: 'C0ALERTS', ts: '1.000001', text: 'x' })).json).toEqual({ ok: false, error: 'message_not_found' });
    expect(server.messages).toHaveLength(0);
  });

  it('plays scripted faults in order, then answers normally', async () => {
    server.failNext([{ status: 429, retryAfter: 2 }, { status: 500 }, { ok: false, error: 'ratelimited' }]);

    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call('auth.test', {}));

    expect(answers.map((a) => [a.status, (a.json as { error?: string }).error])).toEqual([
      [429, 'ratelimited'],
      [500, 'fake_http_error'],
      [200, 'ratelimited'],
      [200, undefined],
    ]);
    expect(server.requests.map((r) => r.status)).toEqual([429, 500, 200, 200]);
  });

  it('loopbackFetch refuses to leave the machine', async () => {
    await expect(loopbackFetch('https://slack.com/api/auth.test', { method: 'POST', body: '' })).rejects.toThrow('loopbackFetch only reaches 127.0.0.1, not slack.com');
  });
});
