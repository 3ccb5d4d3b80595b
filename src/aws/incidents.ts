import * as z from 'zod/mini';
import '../zod-config.js';
import type { ConsoleSection } from '../config/pipelines.js';
import type { SecretRef } from '../config/secret-ref.js';
import type { SecretResolver } from '../config/secrets.js';
import type { Incident, IncidentReader } from '../domain/health.js';
import { ConfigError, PagerDutyApiError } from '../errors.js';
import { request, type HttpRequest } from '../notify/http.js';

/** PagerDuty's largest page. */
const PAGE_LIMIT = 100;
/** Offset pagination stops at 10,000 results (PagerDuty answers 400 past it). */
const MAX_RESULTS = 10_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const TOKEN_SETTING = 'console.pagerdutyApiToken';

const IncidentJsonSchema = z.object({
  id: z.string(),
  title: z.optional(z.string()),
  summary: z.optional(z.string()),
  status: z.string(),
  urgency: z.optional(z.nullable(z.string())),
  created_at: z.string(),
  html_url: z.optional(z.nullable(z.string())),
  incident_key: z.optional(z.nullable(z.string())),
  service: z.optional(z.nullable(z.object({ summary: z.optional(z.nullable(z.string())) }))),
});
type IncidentJson = z.infer<typeof IncidentJsonSchema>;

const IncidentPageSchema = z.object({
  incidents: z.array(IncidentJsonSchema),
  more: z.optional(z.nullable(z.boolean())),
});

export interface PagerDutyIncidentReaderOptions {
  /** REST API base URL, `console.pagerdutyApiUrl` (https://api.pagerduty.com; EU: https://api.eu.pagerduty.com). */
  readonly apiUrl: string;
  /** `console.pagerdutyApiToken`: resolved on every read (the resolver caches SSM / Secrets Manager values). */
  readonly token: SecretRef;
  readonly secrets: SecretResolver;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  /** The HTTP seam (src/notify/http.ts `request` by default). */
  readonly send?: HttpRequest;
}

/**
 * Open PagerDuty incidents (triggered and acknowledged) through the REST API
 * v2, 100 a page, following `more`.
 *
 * Not @pagerduty/pdjs's `api`: the project's pdjs transport (pdjs-fetch.ts)
 * is built for the Events API and always POSTs, and pdjs would wait 3 × 20 s
 * on a 429 the console cannot cancel. Plain GETs over src/notify/http.ts.
 *
 * @example
 * const reader = new PagerDutyIncidentReader({ apiUrl: 'https://api.pagerduty.com', token: { env: 'PAGERDUTY_API_TOKEN' }, secrets });
 * const open = await reader.open();
 */
export class PagerDutyIncidentReader implements IncidentReader {
  readonly #base: string;
  readonly #options: PagerDutyIncidentReaderOptions;

  /** @throws ConfigError when `apiUrl` is not an http(s) URL. */
  constructor(options: PagerDutyIncidentReaderOptions) {
    this.#base = baseUrlOf(options.apiUrl);
    this.#options = options;
  }

  /**
   * Oldest first, as PagerDuty lists them.
   *
   * @throws PagerDutyApiError (rejected token, no access, throttled, unreachable) or SecretError (token not resolvable).
   */
  async open(): Promise<readonly Incident[]> {
    const token = await this.#options.secrets.resolve(this.#options.token, TOKEN_SETTING);
    const incidents: Incident[] = [];
    for (let offset = 0; offset < MAX_RESULTS; offset += PAGE_LIMIT) {
      const page = await this.#page(token, offset);
      for (const item of page.incidents) {
        const incident = toIncident(item);
        if (incident) incidents.push(incident);
      }
      if (page.more !== true || page.incidents.length === 0) break;
    }
    return incidents;
  }

  async #page(token: string, offset: number): Promise<z.infer<typeof IncidentPageSchema>> {
    const query = new URLSearchParams([
      ['statuses[]', 'triggered'],
      ['statuses[]', 'acknowledged'],
      ['limit', String(PAGE_LIMIT)],
      ['offset', String(offset)],
    ]);
    const url = `${this.#base}/incidents?${query.toString()}`;
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const send = this.#options.send ?? request;
    let answer;
    try {
      answer = await send(url, {
        method: 'GET',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          Accept: 'application/vnd.pagerduty+json;version=2',
          Authorization: `Token token=${token}`,
        },
      });
    } catch (error) {
      throw new PagerDutyApiError(unreachable(this.#base, error, timeoutMs), {}, { cause: error });
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new PagerDutyApiError(refused(answer.status, answer.body, this.#base), { status: answer.status });
    }
    let data: unknown;
    try {
      data = JSON.parse(answer.body);
    } catch {
      throw new PagerDutyApiError(
        `the PagerDuty API at ${this.#base} answered HTTP ${answer.status} with something that is not JSON; check console.pagerdutyApiUrl`,
        { status: answer.status },
      );
    }
    const parsed = IncidentPageSchema.safeParse(data);
    if (!parsed.success) {
      throw new PagerDutyApiError(
        `the PagerDuty API at ${this.#base} answered without an incident list (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}); check console.pagerdutyApiUrl`,
        { status: answer.status },
      );
    }
    return parsed.data;
  }
}

/**
 * The console's incident reader: undefined when `console.pagerdutyApiToken` is not set
 * (the console then shows no incidents column rather than an error).
 */
export function incidentReaderFromConsole(
  section: Pick<ConsoleSection, 'pagerdutyApiToken' | 'pagerdutyApiUrl'>,
  secrets: SecretResolver,
  options: { timeoutMs?: number; send?: HttpRequest } = {},
): PagerDutyIncidentReader | undefined {
  if (section.pagerdutyApiToken === undefined) return undefined;
  return new PagerDutyIncidentReader({ apiUrl: section.pagerdutyApiUrl, token: section.pagerdutyApiToken, secrets, ...options });
}

function baseUrlOf(apiUrl: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new ConfigError(`console.pagerdutyApiUrl: "${apiUrl}" is not a URL; use https://api.pagerduty.com (EU accounts: https://api.eu.pagerduty.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`console.pagerdutyApiUrl: "${apiUrl}" is not an http(s) URL; use https://api.pagerduty.com`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('console.pagerdutyApiUrl must not carry credentials; put the token in console.pagerdutyApiToken');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function toIncident(item: IncidentJson): Incident | undefined {
  if (item.status !== 'triggered' && item.status !== 'acknowledged' && item.status !== 'resolved') return undefined;
  const createdAt = new Date(item.created_at);
  return {
    id: item.id,
    title: item.title ?? item.summary ?? item.id,
    status: item.status,
    ...(item.urgency === 'high' || item.urgency === 'low' ? { urgency: item.urgency } : {}),
    createdAt: Number.isNaN(createdAt.getTime()) ? new Date(0) : createdAt,
    ...(item.html_url ? { url: item.html_url } : {}),
    ...(item.service?.summary ? { service: item.service.summary } : {}),
    ...(item.incident_key ? { dedupKey: item.incident_key } : {}),
  };
}

function refused(status: number, body: string, base: string): string {
  const detail = errorDetail(body);
  switch (status) {
    case 401:
      return `PagerDuty API token rejected (HTTP 401); check ${TOKEN_SETTING}: it must be a REST API key (read-only is enough), not an Events API routing key`;
    case 403:
      return `the PagerDuty API token may not list incidents (HTTP 403${detail}); use a REST API key with read access in ${TOKEN_SETTING}`;
    case 404:
      return `the PagerDuty API at ${base} has no /incidents (HTTP 404); check console.pagerdutyApiUrl (https://api.pagerduty.com)`;
    case 429:
      return 'the PagerDuty API is rate limiting this token (HTTP 429); the next refresh retries';
    default:
      return status >= 500
        ? `the PagerDuty API answered HTTP ${status}${detail}; the next refresh retries (status: https://status.pagerduty.com)`
        : `the PagerDuty API refused the incident list (HTTP ${status}${detail})`;
  }
}

/** PagerDuty's `{ error: { message, errors } }`, which never holds the token. */
function errorDetail(body: string): string {
  try {
    const data: unknown = JSON.parse(body);
    if (typeof data !== 'object' || data === null || !('error' in data)) return '';
    const error = data.error;
    if (typeof error !== 'object' || error === null) return '';
    const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
    const errors = 'errors' in error && Array.isArray(error.errors) ? error.errors.filter((e): e is string => typeof e === 'string') : [];
    const text = [message, ...errors].filter((s) => s !== '').join('; ');
    return text === '' ? '' : `: ${text.slice(0, 300)}`;
  } catch {
    return '';
  }
}

function unreachable(base: string, error: unknown, timeoutMs: number): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `the PagerDuty API at ${base} did not answer within ${Math.round(timeoutMs / 1000)} s; the next refresh retries`;
  }
  const code = codeOf(error);
  return `could not reach the PagerDuty API at ${base}${code ? ` (${code})` : ''}; check the network and console.pagerdutyApiUrl`;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
