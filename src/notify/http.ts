import http from 'node:http';
import https from 'node:https';

/** An HTTP answer, whatever its status. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Body as text, cut at {@link ANSWER_MAX_BYTES}. */
  readonly body: string;
}

// A warm Lambda sends many events to one host: reuse connections (TLS handshakes cost more than the request).
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

/**
 * PagerDuty's answers are tiny and Slack's echo the message (≤ ~200 KB of
 * blocks); a misbehaving proxy must not fill the Lambda's memory.
 */
export const ANSWER_MAX_BYTES = 1024 * 1024;

/**
 * One HTTP request over node:http(s) with keep-alive connections; resolves
 * with the answer whatever its status, rejects on network errors and when
 * `signal` aborts (also mid-body). The answer is cut at {@link ANSWER_MAX_BYTES}.
 *
 * node:http rather than the global fetch: it costs a fraction of undici's
 * CPU per request, which matters when one alarm means several calls.
 */
export interface HttpRequestOptions {
  readonly method?: string;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The one network seam of the notifiers: {@link request}, or a stand-in (benchmarks). */
export type HttpRequest = (url: string, options: HttpRequestOptions) => Promise<HttpAnswer>;

export function request(url: string, options: HttpRequestOptions): Promise<HttpAnswer> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const send = secure ? https.request : http.request;
  const body = options.body ?? '';
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'POST',
        agent: secure ? httpsAgent : httpAgent,
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(body, 'utf8')) },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size >= ANSWER_MAX_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, ANSWER_MAX_BYTES) });
        });
        res.on('error', reject);
        // A connection dropped mid-body ends the stream without 'end'.
        res.on('close', () => {
          if (!res.complete) reject(new Error('the connection closed before the answer was complete'));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A `fetch` for clients that take one (@slack/web-api), over {@link request}
 * (or `send`): string, URLSearchParams or absent bodies; the answer is buffered.
 */
export function fetchOver(send: HttpRequest = request): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return (input, init) => nodeFetch(send, input, init);
}

async function nodeFetch(send: HttpRequest, input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = input instanceof Request ? input.url : String(input);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    headers[key] = value;
  });
  let body: string | undefined;
  if (typeof init.body === 'string') body = init.body;
  else if (init.body instanceof URLSearchParams) {
    body = init.body.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
  } else if (init.body !== undefined && init.body !== null) {
    throw new TypeError('nodeFetch sends string or URLSearchParams bodies only');
  }
  const answer = await send(url, { method: init.method ?? 'GET', ...(body !== undefined ? { body } : {}), signal: init.signal ?? undefined, headers });
  const responseHeaders = new Headers();
  for (const [key, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
  }
  return new Response(answer.status === 204 || answer.status === 304 ? null : answer.body, { status: answer.status, headers: responseHeaders });
}
