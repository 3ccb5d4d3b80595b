import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchFunction } from '@slack/web-api';

/**
 * A loopback stand-in for the Slack Web API (chat.postMessage, chat.update,
 * auth.test) that answers like Slack: HTTP 200 with `{ ok: false, error }`
 * for bad tokens, unknown channels and blocks over Block Kit's limits, 429
 * with Retry-After when told to. Point a WebClient at `url`.
 *
 * Its limit checks are written from Slack's docs, independently of the
 * message builder, so a message that passes here respects the documented
 * limits.
 *
 * Pass `fetch: server.fetch` (or {@link loopbackFetch}) to the WebClient /
 * SlackNotifier: with nock 15.0.0 loaded on Node 20, a native fetch POST
 * with a body that nock lets through fails with `TypeError: unusable`
 * (nock's `new Request(request, …)` locks the body that
 * @mswjs/interceptors then clones). node:http requests pass through fine.
 */

export interface FakeSlackUpdate {
  readonly text: string | undefined;
  readonly blocks: unknown[] | undefined;
  /** Epoch ms. */
  readonly at: number;
}

export interface FakeSlackMessage {
  readonly channel: string;
  readonly ts: string;
  readonly thread_ts: string | undefined;
  readonly reply_broadcast: boolean;
  text: string | undefined;
  blocks: unknown[] | undefined;
  metadata: unknown;
  /** Earlier versions, oldest first, each replaced by a chat.update. */
  readonly updated: FakeSlackUpdate[];
}

export interface FakeSlackRequest {
  /** API method, e.g. `chat.postMessage`. */
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly contentType: string;
  /** Parsed body; JSON-valued form fields (blocks, metadata) are parsed too. */
  readonly body: Readonly<Record<string, unknown>>;
  /** Epoch ms when the request arrived. */
  readonly at: number;
  /** HTTP status and Slack `error` code answered (undefined when ok). */
  status: number;
  error: string | undefined;
}

/** One scripted answer for the next request, whatever its method. */
export type SlackFault =
  | { readonly status: number; readonly retryAfter?: number }
  | { readonly ok: false; readonly error: string; readonly retryAfter?: number }
  /** Hold the request this long before handling it normally (to test timeouts). */
  | { readonly delayMs: number };

export interface SlackServer {
  /** Base URL for WebClient's `slackApiUrl`: `http://127.0.0.1:<port>/api/`. */
  readonly url: string;
  readonly messages: FakeSlackMessage[];
  readonly requests: FakeSlackRequest[];
  /** Top-level messages (not thread replies) in a channel. */
  topLevel(channel: string): FakeSlackMessage[];
  /** Replies in the thread whose parent has `ts`. */
  replies(threadTs: string): FakeSlackMessage[];
  failNext(faults: readonly SlackFault[]): void;
  /** A fetch for WebClient that works under nock (see above); loopback only. */
  readonly fetch: FetchFunction;
  close(): Promise<void>;
}

export interface SlackServerOptions {
  /** The only bot token accepted. */
  readonly token: string;
  /** Channels that exist and the bot is a member of (ids such as `C0ALERTS`). */
  readonly channels: readonly string[];
  /** Channels that exist but the bot has not joined: `not_in_channel`. */
  readonly channelsWithoutBot?: readonly string[];
}

/** Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks). */
const LIMITS = {
  blocks: 50,
  header: 150,
  text: 3000,
  field: 2000,
  fields: 10,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  url: 3000,
  actionId: 255,
  messageText: 40_000,
} as const;

export async function startSlackServer(options: SlackServerOptions): Promise<SlackServer> {
  const messages: FakeSlackMessage[] = [];
  const requests: FakeSlackRequest[] = [];
  const faults: SlackFault[] = [];
  let seq = 0;
  const epoch = Math.floor(Date.now() / 1000);
  const nextTs = (): string => `${epoch}.${String(++seq).padStart(6, '0')}`;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, { ok: false, error: `fake_server_error: ${String(error)}` });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const raw = Buffer.concat(chunks).toString('utf8');
    const contentType = String(req.headers['content-type'] ?? '');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const body = parseBody(raw, contentType);
    const record: FakeSlackRequest = { method, headers: { ...req.headers }, contentType, body: body instanceof Error ? {} : body, at: Date.now(), status: 200, error: undefined };
    requests.push(record);

    const send = (status: number, payload: Record<string, unknown>, headers: Record<string, string> = {}): void => {
      record.status = status;
      record.error = payload['ok'] === false && typeof payload['error'] === 'string' ? payload['error'] : undefined;
      reply(res, status, payload, headers);
    };

    const fault = faults.shift();
    if (fault !== undefined) {
      if ('delayMs' in fault) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, fault.delayMs);
          // The client gave up (timeout): stop waiting, so close() is not held up.
          res.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (res.destroyed || res.writableEnded) return;
      } else {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
        if ('status' in fault) {
          send(fault.status, { ok: false, error: fault.status === 429 ? 'ratelimited' : 'fake_http_error' }, headers);
        } else {
          send(200, { ok: false, error: fault.error }, headers);
        }
        return;
      }
    }

    if (req.method !== 'POST') return send(405, { ok: false, error: 'method_not_allowed' });
    if (body instanceof Error) return send(200, { ok: false, error: 'invalid_form_data' });

    const bearer = /^Bearer (.+)$/.exec(String(req.headers['authorization'] ?? ''))?.[1];
    const token = bearer ?? (typeof body['token'] === 'string' ? body['token'] : undefined);
    if (token === undefined) return send(200, { ok: false, error: 'not_authed' });
    if (token !== options.token) return send(200, { ok: false, error: 'invalid_auth' });

    switch (method) {
      case 'auth.test':
        return send(200, { ok: true, url: 'https://tripline-test.slack.com/', team: 'tripline', user: 'tripline-bot', team_id: 'T0TRIPLINE', user_id: 'U0TRIPLINE', bot_id: 'B0TRIPLINE' });
      case 'chat.postMessage':
        return send(200, postMessage(body));
      case 'chat.update':
        return send(200, update(body));
      default:
        return send(200, { ok: false, error: 'unknown_method' });
    }
  }

  function channelError(channel: unknown): string | undefined {
    if (typeof channel !== 'string' || channel === '') return 'channel_not_found';
    if (options.channelsWithoutBot?.includes(channel) === true) return 'not_in_channel';
    if (!options.channels.includes(channel)) return 'channel_not_found';
    return undefined;
  }

  function postMessage(body: Record<string, unknown>): Record<string, unknown> {
    const channelProblem = channelError(body['channel']);
    if (channelProblem !== undefined) return { ok: false, error: channelProblem };
    const channel = String(body['channel']);
    const content = contentOf(body);
    if ('error' in content) return content.error;
    const threadTs = typeof body['thread_ts'] === 'string' ? body['thread_ts'] : undefined;
    if (threadTs !== undefined && !messages.some((m) => m.channel === channel && m.ts === threadTs && m.thread_ts === undefined)) {
      return { ok: false, error: 'thread_not_found' };
    }
    const message: FakeSlackMessage = {
      channel,
      ts: nextTs(),
      thread_ts: threadTs,
      reply_broadcast: body['reply_broadcast'] === true || body['reply_broadcast'] === 'true',
      text: content.text,
      blocks: content.blocks,
      metadata: body['metadata'],
      updated: [],
    };
    messages.push(message);
    return { ok: true, channel, ts: message.ts, message: { type: 'message', text: message.text, ts: message.ts, bot_id: 'B0TRIPLINE', blocks: message.blocks, thread_ts: threadTs } };
  }

  function update(body: Record<string, unknown>): Record<string, unknown> {
    const channelProblem = channelError(body['channel']);
    if (channelProblem !== undefined) return { ok: false, error: channelProblem };
    const message = messages.find((m) => m.channel === body['channel'] && m.ts === body['ts']);
    if (message === undefined) return { ok: false, error: 'message_not_found' };
    const content = contentOf(body);
    if ('error' in content) return content.error;
    message.updated.push({ text: message.text, blocks: message.blocks, at: Date.now() });
    // Slack keeps the old blocks when none are sent and no text is either.
    if (content.blocks !== undefined || content.text !== undefined) message.blocks = content.blocks;
    if (content.text !== undefined) message.text = content.text;
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    messages,
    requests,
    topLevel: (channel) => messages.filter((m) => m.channel === channel && m.thread_ts === undefined),
    replies: (threadTs) => messages.filter((m) => m.thread_ts === threadTs),
    failNext(next) {
      faults.push(...next);
    },
    fetch: loopbackFetch,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

type Content = { text: string | undefined; blocks: unknown[] | undefined } | { error: Record<string, unknown> };

function contentOf(body: Record<string, unknown>): Content {
  const text = typeof body['text'] === 'string' ? body['text'] : undefined;
  const rawBlocks = body['blocks'];
  if (rawBlocks instanceof Error || (rawBlocks !== undefined && !Array.isArray(rawBlocks))) {
    return { error: { ok: false, error: 'invalid_blocks_format' } };
  }
  const blocks = rawBlocks;
  if ((text === undefined || text === '') && (blocks === undefined || blocks.length === 0)) return { error: { ok: false, error: 'no_text' } };
  if (text !== undefined && text.length > LIMITS.messageText) return { error: { ok: false, error: 'msg_too_long' } };
  if (blocks !== undefined) {
    const problems = blockProblems(blocks);
    if (problems.length > 0) return { error: { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems } } };
  }
  return { text, blocks };
}

/**
 * Block Kit violations in Slack's own message style
 * (`[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]`).
 */
export function blockProblems(blocks: readonly unknown[]): string[] {
  const problems: string[] = [];
  const err = (what: string, pointer: string): void => {
    problems.push(`[ERROR] ${what} [json-pointer:${pointer}]`);
  };
  if (blocks.length > LIMITS.blocks) err(`no more than ${LIMITS.blocks} items allowed`, '/blocks');
  const actionIds = new Set<string>();

  const checkText = (value: unknown, pointer: string, max: number, only?: 'plain_text'): void => {
    if (!isRecord(value)) return err('must provide an object', pointer);
    const type = value['type'];
    if (type !== 'plain_text' && type !== 'mrkdwn') return err('must be a valid enum value', `${pointer}/type`);
    if (only !== undefined && type !== only) return err(`must be a valid enum value (expected ${only})`, `${pointer}/type`);
    const text = value['text'];
    if (typeof text !== 'string') return err('must provide a string', `${pointer}/text`);
    if (text.length === 0) err('must be more than 0 characters', `${pointer}/text`);
    if (text.length > max) err(`must be less than ${max + 1} characters`, `${pointer}/text`);
  };

  blocks.forEach((block, i) => {
    const at = `/blocks/${i}`;
    if (!isRecord(block)) return err('must provide an object', at);
    switch (block['type']) {
      case 'header':
        return checkText(block['text'], `${at}/text`, LIMITS.header, 'plain_text');
      case 'section': {
        const fields = block['fields'];
        if (block['text'] === undefined && fields === undefined) return err('must provide either text or fields', at);
        if (block['text'] !== undefined) checkText(block['text'], `${at}/text`, LIMITS.text);
        if (fields !== undefined) {
          if (!Array.isArray(fields)) return err('must provide an array', `${at}/fields`);
          if (fields.length > LIMITS.fields) err(`no more than ${LIMITS.fields} items allowed`, `${at}/fields`);
          fields.forEach((f, j) => checkText(f, `${at}/fields/${j}`, LIMITS.field));
        }
        return;
      }
      case 'context': {
        const elements = block['elements'];
        if (!Array.isArray(elements) || elements.length === 0) return err('must provide a non-empty array', `${at}/elements`);
        if (elements.length > LIMITS.contextElements) err(`no more than ${LIMITS.contextElements} items allowed`, `${at}/elements`);
        elements.forEach((e, j) => checkText(e, `${at}/elements/${j}`, LIMITS.text));
        return;
      }
      case 'actions': {
        const elements = block['elements'];
        if (!Array.isArray(elements) || elements.length === 0) return err('must provide a non-empty array', `${at}/elements`);
        if (elements.length > LIMITS.actionsElements) err(`no more than ${LIMITS.actionsElements} items allowed`, `${at}/elements`);
        elements.forEach((e, j) => {
          const p = `${at}/elements/${j}`;
          if (!isRecord(e) || e['type'] !== 'button') return err('must be a valid element type', p);
          checkText(e['text'], `${p}/text`, LIMITS.buttonText, 'plain_text');
          const url = e['url'];
          if (url !== undefined) {
            if (typeof url !== 'string' || url.length > LIMITS.url) err(`must be less than ${LIMITS.url + 1} characters`, `${p}/url`);
            else if (!/^https?:\/\/[^\s]+$/.test(url)) err('must be a valid URL', `${p}/url`);
          }
          const actionId = e['action_id'];
          if (actionId !== undefined) {
            if (typeof actionId !== 'string' || actionId.length > LIMITS.actionId) err(`must be less than ${LIMITS.actionId + 1} characters`, `${p}/action_id`);
            else if (actionIds.has(actionId)) err('action_id must be unique within a message', `${p}/action_id`);
            else actionIds.add(actionId);
          }
        });
        return;
      }
      case 'divider':
        return;
      default:
        return err('must be a valid block type', `${at}/type`);
    }
  });
  return problems;
}

/** Form bodies carry JSON-valued fields as strings, as WebClient sends them. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);

function parseBody(raw: string, contentType: string): Record<string, unknown> | Error {
  if (contentType.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw === '' ? '{}' : raw);
      return isRecord(parsed) ? parsed : new Error('body is not an object');
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (!JSON_FIELDS.has(key)) {
      body[key] = value;
      continue;
    }
    try {
      body[key] = JSON.parse(value) as unknown;
    } catch (error) {
      body[key] = error instanceof Error ? error : new Error(String(error));
    }
  }
  return body;
}

function reply(res: ServerResponse, status: number, payload: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(payload));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A minimal fetch over node:http for loopback URLs (string bodies only),
 * honouring AbortSignal like the native one. It refuses any other host, so
 * nothing it sends can leave the machine.
 */
export const loopbackFetch: FetchFunction = (url, init = {}) =>
  new Promise((resolve, reject) => {
    const target = new URL(String(url));
    if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
      reject(new TypeError(`loopbackFetch only reaches 127.0.0.1, not ${target.host}`));
      return;
    }
    if (init.body !== undefined && typeof init.body !== 'string') {
      reject(new TypeError('loopbackFetch sends string bodies only'));
      return;
    }
    const signal = init.signal;
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      req.destroy();
      reject(signal?.reason);
    };
    const req = httpRequest(target, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
      res.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, statusText: res.statusMessage ?? '', headers: headersOf(res.headers) }));
      });
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted === true ? signal.reason : error);
    });
    req.end(init.body);
  });

function headersOf(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}
