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

/** Events API answers are tiny; a misbehaving proxy must not fill the Lambda's memory. */
export const ANSWER_MAX_BYTES = 64 * 1024;

/**
 * POSTs a JSON body over node:http(s) and resolves with the answer, any
 * status. Rejects on network errors and when `signal` aborts (also mid-body).
 *
 * node:http rather than `fetch`: the same code path runs in tests (where nock
 * 15.0.0 on Node 20 breaks `fetch` POSTs it passes through) and in the Lambda.
 */
export function postJson(
  url: string,
  body: string,
  options: { readonly signal: AbortSignal; readonly headers?: Readonly<Record<string, string>> },
): Promise<HttpAnswer> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const request = secure ? https.request : http.request;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        agent: secure ? httpsAgent : httpAgent,
        headers: { ...options.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body, 'utf8')) },
        signal: options.signal,
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
