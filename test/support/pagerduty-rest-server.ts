import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the PagerDuty REST API v2 `GET /incidents`, for the
 * console's incident reader. Like PagerDuty it needs
 * `Authorization: Token token=<key>` (401 otherwise) and the
 * `application/vnd.pagerduty+json;version=2` Accept header, filters by
 * `statuses[]`, pages with `limit` (at most 100, default 25) / `offset` /
 * `more`, and can be told to fail the next requests.
 *
 * Docs: https://developer.pagerduty.com/api-reference/9d0b4b12e36f9-list-incidents
 * and the pagination guide (offset pagination, 10,000 results at most).
 */
export interface FakeIncident {
  id: string;
  title: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  urgency?: 'high' | 'low';
  created_at: string;
  html_url?: string;
  incident_key?: string;
  service?: { id: string; summary: string };
}

export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
}

export interface PagerDutyRestServer {
  readonly url: string;
  readonly incidents: FakeIncident[];
  readonly requests: RestRequest[];
  /** The next requests answer with these statuses (and PagerDuty-shaped error bodies). */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

const ACCEPT = 'application/vnd.pagerduty+json;version=2';

export async function startPagerDutyRestServer(options: { token: string; incidents?: FakeIncident[] }): Promise<PagerDutyRestServer> {
  const incidents = [...(options.incidents ?? [])];
  const requests: RestRequest[] = [];
  const faults: number[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers });
    req.resume();
    req.on('end', () => answer(req, res, url));
  });

  function answer(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const fault = faults.shift();
    if (fault !== undefined) return sendError(res, fault, fault === 429 ? 'Rate Limit Exceeded' : 'Internal Server Error', 2010);
    if (req.headers.authorization !== `Token token=${options.token}`) return sendError(res, 401, 'Unauthorized', 2006);
    if (req.headers.accept !== ACCEPT) return sendError(res, 406, `Accept must be ${ACCEPT}`, 2001);
    if (url.pathname !== '/incidents') return sendError(res, 404, 'Not Found', 2100);
    if (req.method !== 'GET') return sendError(res, 405, 'Method Not Allowed', 2001);
    const limit = Number(url.searchParams.get('limit') ?? 25);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) return sendError(res, 400, 'Invalid Input Provided', 2001);
    if (offset + Math.min(limit, 100) > 10_000) return sendError(res, 400, 'Offset must be less than 10000', 2001);
    const statuses = url.searchParams.getAll('statuses[]');
    const matching = incidents.filter((i) => statuses.length === 0 || statuses.includes(i.status));
    const pageLimit = Math.min(limit, 100);
    const page = matching.slice(offset, offset + pageLimit);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        incidents: page.map((i) => ({ type: 'incident', summary: i.title, incident_number: 1, ...i })),
        limit: pageLimit,
        offset,
        total: null,
        more: offset + pageLimit < matching.length,
      }),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    incidents,
    requests,
    failNext: (...statuses) => faults.push(...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendError(res: ServerResponse, status: number, message: string, code: number): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, code } }));
}
