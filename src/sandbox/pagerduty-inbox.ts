import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A strict loopback stand-in for the PagerDuty Events API v2
 * (`POST /v2/enqueue`), for notifier, router and bundle tests.
 *
 * It validates every documented rule and answers like PagerDuty does
 * (202 `{status:"success", message:"Event processed", dedup_key}` or 400
 * `{status:"invalid event", message:"Event object is invalid", errors}`),
 * models incidents per dedup key, records every request, and can be told to
 * fail the next requests (`failNext`).
 *
 * Where the docs leave room it is stricter than PagerDuty, so that what it
 * accepts PagerDuty accepts too:
 * - lengths count UTF-16 code units (PagerDuty counts characters; a code-unit
 *   count is never smaller);
 * - unknown fields at the top level and in `payload` are rejected (PagerDuty
 *   ignores them, which hides typos such as `dedupKey`);
 * - `Content-Type` must be JSON;
 * - a body over 512 KB is a 400 (the documented size limit; PagerDuty's exact
 *   answer is undocumented).
 *
 * Docs: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and
 * the Events API v2 overview (response codes, 512 KB limit).
 *
 * Clients: in a test file that imports nock 15.0.0 (Node 20), a global `fetch`
 * POST that nock passes through fails with `TypeError: unusable`; use node:http
 * (PagerDutyNotifier does). The server answers in well under a millisecond;
 * nock's interceptor adds roughly 1 ms per request.
 *
 * @example
 * const pd = await startPagerDutyServer();
 * pd.failNext(429, 'reset');          // next two requests: throttled, then connection reset
 * // ... point the notifier at pd.url ...
 * expect(pd.openIncidents()).toEqual(['tripline/123456789012/us-east-1/dlq-depth']);
 * await pd.close();
 */

export const EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];
export const EVENT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

export const ROUTING_KEY_LENGTH = 32;
export const DEDUP_KEY_MAX = 255;
export const SUMMARY_MAX = 1024;
/** The documented 512 KB, read as decimal kilobytes (the stricter reading). */
export const EVENT_MAX_BYTES = 512_000;

export interface EventLink {
  readonly href: string;
  readonly text?: string;
}

export interface EventImage {
  readonly src: string;
  readonly href?: string;
  readonly alt?: string;
}

export interface EventPayload {
  readonly summary: string;
  readonly source: string;
  readonly severity: EventSeverity;
  readonly timestamp?: string;
  readonly component?: string;
  readonly group?: string;
  readonly class?: string;
  readonly custom_details?: Readonly<Record<string, unknown>>;
}

/** An event that passed validation, as received (dedup_key filled in when PagerDuty generated it). */
export interface AcceptedEvent {
  readonly routing_key: string;
  readonly event_action: EventAction;
  readonly dedup_key: string;
  readonly payload?: EventPayload;
  readonly links?: readonly EventLink[];
  readonly images?: readonly EventImage[];
  readonly client?: string;
  readonly client_url?: string;
}

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

/**
 * What happened to one dedup key. An entry exists for every dedup key an
 * accepted event named, even a resolve for an alert that was never open
 * (`opened: 0`).
 */
export interface Incident {
  status: IncidentStatus;
  /** Accepted trigger events for this key (including those de-duplicated into an open incident). */
  triggers: number;
  /** Accepted resolve events for this key (including those PagerDuty dropped). */
  resolves: number;
  acknowledges: number;
  /** Times an incident was opened: a trigger while none is open opens a new one. */
  opened: number;
  /** Routing key of the trigger that opened the current (or last) incident. */
  routingKey: string | undefined;
  readonly events: IncidentEvent[];
}

export interface IncidentEvent {
  readonly event: AcceptedEvent;
  /**
   * What the event did: `opened` a new incident, `deduplicated` into the open
   * one, `acknowledged` / `resolved` it, or was `dropped` (ack or resolve with
   * no open incident, or sent with another routing key than the trigger).
   */
  readonly effect: 'opened' | 'deduplicated' | 'acknowledged' | 'resolved' | 'dropped';
}

/** How one request was answered. */
export type Answer =
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw body as received. */
  readonly body: string;
  /** Parsed body, when it was JSON. */
  readonly json?: unknown;
  /** Filled in once answered (a hung request stays `undefined`). */
  answer?: Answer;
  /** Validation errors, when the event was rejected. */
  errors?: readonly string[];
  /** `Date.now()` when the request arrived. */
  readonly receivedAt: number;
}

/**
 * A scripted answer for one upcoming request:
 * - a status code (429, 500, 503, …) answered without processing the event;
 * - `'reset'`: the connection is destroyed without an answer;
 * - `'hang'`: never answered (until `close()`);
 * - an object: `status` with an optional `Retry-After` (seconds, or a string
 *   such as an HTTP date) and body; with no `status`, the event is processed
 *   normally after `delayMs`.
 */
export type Fault =
  | number
  | 'reset'
  | 'hang'
  | {
      readonly status?: number;
      readonly retryAfter?: number | string;
      /** Body to send instead of the default one for that status. */
      readonly body?: string;
      readonly delayMs?: number;
    };

export interface PagerDutyServer {
  /** `http://127.0.0.1:<port>/v2/enqueue`. */
  readonly url: string;
  /** Every request received, in order (faulted ones included). */
  readonly requests: RecordedRequest[];
  /** Every event answered 202, in order. */
  readonly accepted: AcceptedEvent[];
  readonly incidents: Map<string, Incident>;
  /** Dedup keys with an incident triggered or acknowledged now, sorted. */
  openIncidents(): string[];
  /** Answer the next requests with these faults, in order; later requests are processed normally. */
  failNext(...faults: Fault[]): void;
  /** Forget requests, accepted events, incidents and pending faults. */
  reset(): void;
  /** Stops the server, dropping hung and keep-alive connections. */
  close(): Promise<void>;
}

const TOP_LEVEL_FIELDS = new Set(['routing_key', 'event_action', 'dedup_key', 'payload', 'links', 'images', 'client', 'client_url']);
const PAYLOAD_FIELDS = new Set(['summary', 'source', 'severity', 'timestamp', 'component', 'group', 'class', 'custom_details']);
const LINK_FIELDS = new Set(['href', 'text']);
const IMAGE_FIELDS = new Set(['src', 'href', 'alt']);
// ISO-8601 date-time with a zone, as PagerDuty's examples use (`2015-07-17T08:42:58.315+0000`).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function isUrl(value: unknown, schemes: readonly string[]): boolean {
  if (typeof value !== 'string') return false;
  try {
    return schemes.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function checkUnknown(object: Record<string, unknown>, known: Set<string>, prefix: string, errors: string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) errors.push(`'${prefix}${key}' is not a recognized field`);
  }
}

function checkOptionalString(object: Record<string, unknown>, key: string, path: string, errors: string[]): void {
  const value = object[key];
  if (value !== undefined && typeof value !== 'string') errors.push(`'${path}' must be a string`);
}

/**
 * Validates one Events API v2 alert event body (already parsed) by every
 * documented rule; returns PagerDuty-style error strings, empty when valid.
 * Exported so payload builders can be checked without HTTP.
 */
export function validateEvent(body: unknown): string[] {
  if (!isRecord(body)) return ['Event object must be a JSON object'];
  const errors: string[] = [];
  checkUnknown(body, TOP_LEVEL_FIELDS, '', errors);

  const routingKey = body['routing_key'];
  if (isBlank(routingKey)) errors.push("'routing_key' is missing or blank");
  else if (typeof routingKey !== 'string' || routingKey.length !== ROUTING_KEY_LENGTH) {
    errors.push(`Length of 'routing_key' is incorrect (should be ${ROUTING_KEY_LENGTH} characters)`);
  }

  const action = body['event_action'];
  const isAction = typeof action === 'string' && (EVENT_ACTIONS as readonly string[]).includes(action);
  if (isBlank(action)) errors.push("'event_action' is missing or blank");
  else if (!isAction) {
    errors.push("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')");
  }

  const dedupKey = body['dedup_key'];
  if (dedupKey !== undefined) {
    if (typeof dedupKey !== 'string') errors.push("'dedup_key' must be a string");
    else if (dedupKey.length > DEDUP_KEY_MAX) errors.push(`'dedup_key' is too long (maximum is ${DEDUP_KEY_MAX} characters)`);
  }
  if (isAction && action !== 'trigger' && isBlank(dedupKey)) {
    errors.push(`'dedup_key' is missing or blank (required for ${action} events)`);
  }

  if (action === 'trigger') validatePayload(body['payload'], errors);
  else if (body['payload'] !== undefined && !isRecord(body['payload'])) errors.push("'payload' must be an object");

  validateLinks(body['links'], errors);
  validateImages(body['images'], errors);
  checkOptionalString(body, 'client', 'client', errors);
  if (body['client_url'] !== undefined && !isUrl(body['client_url'], ['http:', 'https:'])) {
    errors.push("'client_url' must be an http(s) URL");
  }
  return errors;
}

function validatePayload(payload: unknown, errors: string[]): void {
  if (payload === undefined || payload === null) {
    errors.push("'payload' is missing or blank");
    return;
  }
  if (!isRecord(payload)) {
    errors.push("'payload' must be an object");
    return;
  }
  checkUnknown(payload, PAYLOAD_FIELDS, 'payload.', errors);

  const summary = payload['summary'];
  if (isBlank(summary)) errors.push("'payload.summary' is missing or blank");
  else if (typeof summary !== 'string') errors.push("'payload.summary' must be a string");
  else if (summary.length > SUMMARY_MAX) errors.push(`'payload.summary' is too long (maximum is ${SUMMARY_MAX} characters)`);

  const source = payload['source'];
  if (isBlank(source)) errors.push("'payload.source' is missing or blank");
  else if (typeof source !== 'string') errors.push("'payload.source' must be a string");

  const severity = payload['severity'];
  if (isBlank(severity)) errors.push("'payload.severity' is missing or blank");
  else if (typeof severity !== 'string' || !(EVENT_SEVERITIES as readonly string[]).includes(severity)) {
    errors.push("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')");
  }

  const timestamp = payload['timestamp'];
  if (timestamp !== undefined) {
    if (typeof timestamp !== 'string' || !ISO_DATE_TIME.test(timestamp) || !Number.isFinite(Date.parse(normalizeZone(timestamp)))) {
      errors.push("'payload.timestamp' is invalid (must be an ISO 8601 date-time)");
    }
  }
  for (const key of ['component', 'group', 'class']) checkOptionalString(payload, key, `payload.${key}`, errors);
  const details = payload['custom_details'];
  if (details !== undefined && !isRecord(details)) errors.push("'payload.custom_details' must be an object");
}

// Date.parse rejects `+0000` (no colon), which PagerDuty's own examples use.
function normalizeZone(timestamp: string): string {
  return timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

function validateLinks(links: unknown, errors: string[]): void {
  if (links === undefined) return;
  if (!Array.isArray(links)) {
    errors.push("'links' must be an array");
    return;
  }
  links.forEach((link: unknown, i) => {
    if (!isRecord(link)) {
      errors.push(`'links[${i}]' must be an object`);
      return;
    }
    checkUnknown(link, LINK_FIELDS, `links[${i}].`, errors);
    if (isBlank(link['href'])) errors.push(`'links[${i}].href' is missing or blank`);
    else if (!isUrl(link['href'], ['http:', 'https:'])) errors.push(`'links[${i}].href' must be an http(s) URL`);
    checkOptionalString(link, 'text', `links[${i}].text`, errors);
  });
}

function validateImages(images: unknown, errors: string[]): void {
  if (images === undefined) return;
  if (!Array.isArray(images)) {
    errors.push("'images' must be an array");
    return;
  }
  images.forEach((image: unknown, i) => {
    if (!isRecord(image)) {
      errors.push(`'images[${i}]' must be an object`);
      return;
    }
    checkUnknown(image, IMAGE_FIELDS, `images[${i}].`, errors);
    if (isBlank(image['src'])) errors.push(`'images[${i}].src' is missing or blank`);
    else if (!isUrl(image['src'], ['https:'])) errors.push(`'images[${i}].src' must be an https URL (images are served via HTTPS)`);
    if (image['href'] !== undefined && !isUrl(image['href'], ['http:', 'https:'])) {
      errors.push(`'images[${i}].href' must be an http(s) URL`);
    }
    checkOptionalString(image, 'alt', `images[${i}].alt`, errors);
  });
}

/** Narrows a body `validateEvent` found valid; `dedupKey` is the key to report. */
function acceptedEventOf(body: Record<string, unknown>, dedupKey: string): AcceptedEvent {
  const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const routingKey = str(body['routing_key']) ?? '';
  const action = EVENT_ACTIONS.find((a) => a === body['event_action']) ?? 'trigger';
  const event: {
    -readonly [K in keyof AcceptedEvent]: AcceptedEvent[K];
  } = { routing_key: routingKey, event_action: action, dedup_key: dedupKey };
  const payload = body['payload'];
  if (action === 'trigger' && isRecord(payload)) {
    const severity = EVENT_SEVERITIES.find((s) => s === payload['severity']) ?? 'info';
    const details = payload['custom_details'];
    event.payload = {
      summary: str(payload['summary']) ?? '',
      source: str(payload['source']) ?? '',
      severity,
      ...(typeof payload['timestamp'] === 'string' ? { timestamp: payload['timestamp'] } : {}),
      ...(typeof payload['component'] === 'string' ? { component: payload['component'] } : {}),
      ...(typeof payload['group'] === 'string' ? { group: payload['group'] } : {}),
      ...(typeof payload['class'] === 'string' ? { class: payload['class'] } : {}),
      ...(isRecord(details) ? { custom_details: details } : {}),
    };
  }
  const links = body['links'];
  if (Array.isArray(links)) {
    event.links = links.filter(isRecord).map((l) => ({ href: str(l['href']) ?? '', ...(typeof l['text'] === 'string' ? { text: l['text'] } : {}) }));
  }
  const images = body['images'];
  if (Array.isArray(images)) {
    event.images = images.filter(isRecord).map((i) => ({
      src: str(i['src']) ?? '',
      ...(typeof i['href'] === 'string' ? { href: i['href'] } : {}),
      ...(typeof i['alt'] === 'string' ? { alt: i['alt'] } : {}),
    }));
  }
  const client = str(body['client']);
  if (client !== undefined) event.client = client;
  const clientUrl = str(body['client_url']);
  if (clientUrl !== undefined) event.client_url = clientUrl;
  return event;
}

function defaultFaultBody(status: number): { contentType: string; body: string } {
  if (status === 429) {
    return {
      contentType: 'application/json',
      body: JSON.stringify({ status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' }),
    };
  }
  if (status >= 500) {
    // What a load balancer in front of an API answers: not JSON.
    return { contentType: 'text/html', body: `<html><body><h1>${status}</h1>Service temporarily unavailable</body></html>` };
  }
  return { contentType: 'application/json', body: JSON.stringify({ status: 'error', message: `HTTP ${status}` }) };
}

/** Starts a strict Events API v2 server on 127.0.0.1 (random port). */
export async function startPagerDutyServer(): Promise<PagerDutyServer> {
  const requests: RecordedRequest[] = [];
  const accepted: AcceptedEvent[] = [];
  const incidents = new Map<string, Incident>();
  const faults: Fault[] = [];

  function apply(event: AcceptedEvent): void {
    let incident = incidents.get(event.dedup_key);
    if (incident === undefined) {
      incident = { status: 'resolved', triggers: 0, resolves: 0, acknowledges: 0, opened: 0, routingKey: undefined, events: [] };
      incidents.set(event.dedup_key, incident);
    }
    const open = incident.status !== 'resolved';
    // Follow-up events only reach an alert through the routing key that opened it.
    const sameService = incident.routingKey === event.routing_key;
    let effect: IncidentEvent['effect'];
    switch (event.event_action) {
      case 'trigger':
        incident.triggers += 1;
        if (open && sameService) effect = 'deduplicated';
        else {
          incident.status = 'triggered';
          incident.opened += 1;
          incident.routingKey = event.routing_key;
          effect = 'opened';
        }
        break;
      case 'acknowledge':
        incident.acknowledges += 1;
        if (open && sameService) {
          incident.status = 'acknowledged';
          effect = 'acknowledged';
        } else effect = 'dropped';
        break;
      case 'resolve':
        incident.resolves += 1;
        if (open && sameService) {
          incident.status = 'resolved';
          effect = 'resolved';
        } else effect = 'dropped';
        break;
    }
    incident.events.push({ event, effect });
  }

  function send(res: ServerResponse, record: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
    record.answer = { kind: 'status', status };
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function invalid(res: ServerResponse, record: RecordedRequest, errors: string[]): void {
    record.errors = errors;
    send(res, record, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
  }

  function processEvent(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): void {
    if (record.path !== '/v2/enqueue') {
      send(res, record, 404, { status: 'not found', message: `No route for ${record.path}` });
      return;
    }
    if (record.method !== 'POST') {
      send(res, record, 405, { status: 'method not allowed', message: 'Use POST' }, { allow: 'POST' });
      return;
    }
    const contentType = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(contentType)) {
      invalid(res, record, [`Content-Type must be application/json (got '${contentType}')`]);
      return;
    }
    if (Buffer.byteLength(record.body, 'utf8') > EVENT_MAX_BYTES) {
      invalid(res, record, [`Event is too large (maximum is 512 KB, got ${Buffer.byteLength(record.body, 'utf8')} bytes)`]);
      return;
    }
    if (record.json === undefined) {
      record.errors = ['JSON parse error'];
      send(res, record, 400, { status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] });
      return;
    }
    const errors = validateEvent(record.json);
    if (errors.length > 0 || !isRecord(record.json)) {
      invalid(res, record, errors);
      return;
    }
    const given = record.json['dedup_key'];
    // A trigger without a dedup key always opens a new alert under a generated key.
    const dedupKey = typeof given === 'string' && given !== '' ? given : randomUUID().replaceAll('-', '');
    const event = acceptedEventOf(record.json, dedupKey);
    accepted.push(event);
    apply(event);
    send(res, record, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: { ...req.headers },
      body,
      ...(json === undefined ? {} : { json }),
      receivedAt: Date.now(),
    };
    requests.push(record);

    const fault = faults.shift();
    if (fault === undefined) return processEvent(req, res, record);
    if (fault === 'hang') {
      record.answer = { kind: 'hang' };
      return;
    }
    if (fault === 'reset') {
      record.answer = { kind: 'reset' };
      req.socket.destroy();
      return;
    }
    const scripted = typeof fault === 'number' ? { status: fault } : fault;
    if (scripted.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    if (scripted.status === undefined) return processEvent(req, res, record);
    const { contentType, body: defaultBody } = defaultFaultBody(scripted.status);
    const headers: Record<string, string> = { 'content-type': scripted.body === undefined ? contentType : 'text/plain' };
    if (scripted.retryAfter !== undefined) headers['retry-after'] = String(scripted.retryAfter);
    record.answer = { kind: 'status', status: scripted.status };
    res.writeHead(scripted.status, headers);
    res.end(scripted.body ?? defaultBody);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string') throw new Error('the PagerDuty test server has no TCP address');
  const { port } = address;

  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    requests,
    accepted,
    incidents,
    openIncidents: () =>
      [...incidents.entries()]
        .filter(([, incident]) => incident.status !== 'resolved')
        .map(([key]) => key)
        .sort(),
    failNext: (...next) => {
      faults.push(...next);
    },
    reset: () => {
      requests.length = 0;
      accepted.length = 0;
      incidents.clear();
      faults.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
