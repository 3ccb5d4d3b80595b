import { request, type HttpRequest } from '../http.js';

/**
 * The `cross-fetch` module as @pagerduty/pdjs sees it, in every build (the
 * esbuild bundles and vitest alias `cross-fetch` to this file).
 *
 * pdjs only ever requests `https://<server>/v2/enqueue`, retries 429 by itself
 * with fixed, unabortable waits, and reads every answer as JSON. Through this
 * transport it posts to the configured PAGERDUTY_EVENTS_URL (passed as the
 * `eventsUrl` request option, so loopback inboxes and EU accounts work), and a
 * non-2xx answer becomes a {@link PagerDutyHttpError} that the notifier's own
 * budgeted retry handles with the status, body and Retry-After intact.
 */
export class PagerDutyHttpError extends Error {
  readonly status: number;
  readonly body: string;
  readonly retryAfter: string | undefined;
  constructor(status: number, body: string, retryAfter: string | undefined) {
    super(`PagerDuty answered HTTP ${status}`);
    this.name = 'PagerDutyHttpError';
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

/** Request options pdjs passes through to fetch, plus the real endpoint and the HTTP seam. */
export interface PdjsFetchInit extends RequestInit {
  readonly eventsUrl?: string;
  readonly send?: HttpRequest;
}

export async function fetch(url: string | URL, init: PdjsFetchInit = {}): Promise<Response> {
  const target = init.eventsUrl ?? String(url);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    headers[key] = value;
  });
  const body = typeof init.body === 'string' ? init.body : '';
  const send = init.send ?? request;
  const answer = await send(target, { body, signal: init.signal ?? undefined, headers: { ...headers, 'content-type': 'application/json' } });
  const retryAfter = answer.headers['retry-after'];
  if (answer.status < 200 || answer.status > 299) {
    throw new PagerDutyHttpError(answer.status, answer.body, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  }
  return new Response(answer.body, { status: answer.status, headers: { 'content-type': 'application/json' } });
}

export default fetch;
export const Headers = globalThis.Headers;
export const Request = globalThis.Request;
export const Response = globalThis.Response;
