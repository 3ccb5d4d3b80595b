import * as z from 'zod/mini';
import '../../zod-config.js';
import type { Delivery, Notifier, NotifyOutcome } from '../../domain/delivery.js';
import type { Log } from '../../domain/log.js';
import { ConfigError, NotifyError } from '../../errors.js';
import { RetryBudgetExhausted, withRetry, type AttemptContext, type AttemptFailure, type RetryPolicy } from '../retry.js';
import { buildPagerDutyEvent, isHttpUrl, type PagerDutyEvent } from './event.js';
import { event as pdjsEvent } from '@pagerduty/pdjs';
import type { HttpRequest } from '../http.js';
import { PagerDutyHttpError, type PdjsFetchInit } from './pdjs-fetch.js';

/** PagerDuty's Events API v2 endpoint (US service region). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** The endpoint for accounts in PagerDuty's EU service region. */
export const PAGERDUTY_EU_EVENTS_URL = 'https://events.eu.pagerduty.com/v2/enqueue';

export interface PagerDutyNotifierOptions {
  /** Events API v2 URL; defaults to {@link PAGERDUTY_EVENTS_URL}. Any http(s) URL works (the sandbox and tests use loopback). */
  readonly eventsUrl?: string;
  /** Resolves a receiver's routing (integration) key. Its value is never logged nor put in an error. */
  readonly routingKeyFor: (receiver: string) => Promise<string>;
  /** Attempts and waits all fit in `retry.budgetMs`. */
  readonly retry: RetryPolicy;
  readonly log: Log;
  /**
   * Longest wait for one answer, so one hung connection leaves budget for
   * another attempt. Capped by what is left of the budget. Default 10 s.
   */
  readonly attemptTimeoutMs?: number;
  /** The HTTP seam under pdjs; default node:http with keep-alive (src/notify/http.ts). */
  readonly send?: HttpRequest;
}

// PagerDuty answers `{status, message, dedup_key}` on 202 and `{status, message, errors}` on 400.
const ResponseBodySchema = z.object({
  status: z.optional(z.string()),
  message: z.optional(z.string()),
  errors: z.optional(z.array(z.unknown())),
  dedup_key: z.optional(z.string()),
});

/** Why one attempt failed; `classify` reads `retryable` and `retryAfterMs`. */
class AttemptFailed extends Error {
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, fields: { status?: number; retryable: boolean; retryAfterMs?: number }, options?: { cause?: unknown }) {
    super(message, options);
    this.status = fields.status;
    this.retryable = fields.retryable;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

interface Context {
  readonly receiver: string;
  readonly dedupKey: string;
  readonly action: 'trigger' | 'resolve';
  readonly routingKey: string;
}

/**
 * Sends a delivery's PagerDuty trigger or resolve to the Events API v2, with
 * bounded retries (429 honouring Retry-After, 5xx, network errors, timeouts)
 * inside the caller's time budget. A 400 is final and never retried.
 *
 * Sends through `@pagerduty/pdjs`, whose `cross-fetch` is replaced by
 * ./pdjs-fetch.ts in every build: pdjs alone would only reach
 * `https://<server>/v2/enqueue`, retry 429 with fixed unabortable waits and
 * lose the status of a non-JSON answer; the transport posts to the
 * configured URL and hands every non-2xx answer to this class's retry.
 *
 * @example
 * const pagerduty = new PagerDutyNotifier({ routingKeyFor: async () => key, retry: { budgetMs: 10_000 }, log });
 * const outcome = await pagerduty.notify(delivery); // { status: 'sent', attempts: 1, ... }
 */
export class PagerDutyNotifier implements Notifier {
  readonly channel = 'pagerduty' as const;
  readonly #eventsUrl: string;
  readonly #routingKeyFor: (receiver: string) => Promise<string>;
  readonly #retry: RetryPolicy;
  readonly #log: Log;
  readonly #attemptTimeoutMs: number;
  readonly #http: HttpRequest | undefined;

  /** @throws ConfigError when `eventsUrl` is not an http(s) URL. */
  constructor(options: PagerDutyNotifierOptions) {
    const eventsUrl = options.eventsUrl ?? PAGERDUTY_EVENTS_URL;
    if (!isHttpUrl(eventsUrl)) {
      throw new ConfigError(
        `The PagerDuty events URL "${eventsUrl}" is not an http(s) URL; use ${PAGERDUTY_EVENTS_URL} (or ${PAGERDUTY_EU_EVENTS_URL} for EU accounts).`,
      );
    }
    this.#eventsUrl = eventsUrl;
    this.#routingKeyFor = options.routingKeyFor;
    this.#retry = options.retry;
    this.#log = options.log;
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
    this.#http = options.send;
  }

  /**
   * Triggers or resolves the delivery's incident. Resolves `skipped` when the
   * delivery has no PagerDuty action.
   *
   * @throws NotifyError — `retryable: false` for a rejected event (400) or a
   *   wrong URL; `retryable: true` when the budget ran out or the caller aborted.
   */
  async notify(delivery: Delivery, options: { signal?: AbortSignal } = {}): Promise<NotifyOutcome> {
    const { receiver, dedupKey } = delivery;
    const action = delivery.pagerduty;
    if (action === undefined) {
      return { channel: 'pagerduty', receiver, dedupKey, status: 'skipped', detail: 'no PagerDuty action for this delivery', attempts: 0 };
    }

    let routingKey: string;
    try {
      routingKey = await this.#routingKeyFor(receiver);
    } catch (error) {
      throw new NotifyError(
        `Could not resolve the PagerDuty routing key of receiver "${receiver}" (dedup key "${dedupKey}"): ${messageOf(error)}`,
        { retryable: true, receiver },
        { cause: error },
      );
    }
    if (routingKey.trim() === '') {
      throw new NotifyError(
        `The PagerDuty routing key of receiver "${receiver}" is empty; set the receiver's integration key (or PAGERDUTY_ROUTING_KEY for the default receiver).`,
        { retryable: false, receiver },
      );
    }

    const ctx: Context = { receiver, dedupKey, action, routingKey };
    const event = buildPagerDutyEvent({ ...delivery, pagerduty: action }, routingKey);
    const started = Date.now();
    try {
      const { value: status, attempts } = await withRetry(
        (attempt) => this.#send(event, attempt, ctx),
        classify,
        this.#retry,
        options.signal,
      );
      this.#log.debug('PagerDuty accepted the event', { receiver, dedupKey, action, status, attempts, elapsedMs: Date.now() - started });
      return { channel: 'pagerduty', receiver, dedupKey, status: 'sent', detail: `${action} accepted (HTTP ${status})`, attempts };
    } catch (error) {
      throw this.#finalError(error, ctx, started, options.signal);
    }
  }

  async #send(event: PagerDutyEvent, attempt: AttemptContext, ctx: Context): Promise<number> {
    const timeoutMs = Math.max(1, Math.min(this.#attemptTimeoutMs, attempt.remainingMs));
    const signal = AbortSignal.any([attempt.signal, AbortSignal.timeout(timeoutMs)]);
    const where = { receiver: ctx.receiver, dedupKey: ctx.dedupKey, action: ctx.action, attempt: attempt.attempt };
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const response = await pdjsEvent(pdjsParameters(event, this.#eventsUrl, signal, this.#http));
      status = response.status;
      text = JSON.stringify(response.data);
    } catch (error) {
      if (error instanceof PagerDutyHttpError) {
        ({ status, body: text, retryAfter } = error);
      } else {
        const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : `network error: ${redact(networkMessage(error), ctx.routingKey)}`;
        this.#log.warn('PagerDuty attempt failed', { ...where, error: reason });
        throw new AttemptFailed(reason, { retryable: true }, { cause: error });
      }
    }

    const answer = parseAnswer(text);
    if (status >= 200 && status < 300) {
      if (answer?.dedup_key !== undefined && answer.dedup_key !== ctx.dedupKey) {
        this.#log.warn('PagerDuty answered with another dedup key', { ...where, answeredDedupKey: answer.dedup_key });
      }
      return status;
    }

    const pdMessage = answer?.message === undefined ? undefined : redact(answer.message, ctx.routingKey);
    const pdErrors = (answer?.errors ?? []).map((e) => redact(typeof e === 'string' ? e : JSON.stringify(e), ctx.routingKey));
    const detail = `HTTP ${status}${pdMessage === undefined ? '' : `: ${pdMessage}`}${pdErrors.length > 0 ? ` (${pdErrors.join('; ')})` : ''}`;
    const retryable = status === 429 || status === 408 || status >= 500;
    const retryAfterMs = parseRetryAfter(retryAfter, Date.now());
    if (retryable) {
      this.#log.warn('PagerDuty attempt failed', { ...where, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), message: pdMessage });
    } else {
      this.#log.error('PagerDuty rejected the event', { ...where, status, message: pdMessage, errors: pdErrors });
    }
    throw new AttemptFailed(detail, { status, retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }

  #finalError(error: unknown, ctx: Context, started: number, outer: AbortSignal | undefined): NotifyError {
    const { receiver, dedupKey, action } = ctx;
    const what = `PagerDuty ${action} for receiver "${receiver}" (dedup key "${dedupKey}")`;
    if (error instanceof RetryBudgetExhausted) {
      const last = error.lastError instanceof AttemptFailed ? error.lastError : undefined;
      const lastStatus = last?.status;
      const message =
        `${what} failed after ${error.attempts} attempt(s) in ${Date.now() - started} ms (retry budget ${this.#retry.budgetMs} ms); ` +
        `last: ${last?.message ?? redact(messageOf(error.lastError), ctx.routingKey)}` +
        (last?.retryAfterMs === undefined ? '' : ` (PagerDuty asked to retry after ${Math.ceil(last.retryAfterMs / 1000)} s)`) +
        '. Retrying the invocation later may succeed.';
      this.#log.error('PagerDuty delivery gave up', { receiver, dedupKey, action, attempts: error.attempts, status: lastStatus, elapsedMs: Date.now() - started });
      return new NotifyError(message, { retryable: true, receiver, ...(lastStatus === undefined ? {} : { status: lastStatus }) }, { cause: error });
    }
    if (outer?.aborted) {
      return new NotifyError(`${what} was aborted by the caller before PagerDuty accepted it.`, { retryable: true, receiver }, { cause: error });
    }
    if (error instanceof AttemptFailed) {
      const next =
        error.status === 400
          ? 'Not retried: PagerDuty will reject it again; check the event and the receiver\'s routing key.'
          : `Not retried: check the events URL (${this.#eventsUrl}).`;
      return new NotifyError(`${what} was rejected: ${error.message}. ${next}`, { retryable: false, receiver, ...(error.status === undefined ? {} : { status: error.status }) }, { cause: error });
    }
    return new NotifyError(`${what} failed: ${redact(messageOf(error), ctx.routingKey)}`, { retryable: false, receiver }, { cause: error });
  }
}

/**
 * The request as pdjs takes it. `requestTimeout: 0` stops pdjs arming a
 * timer it never clears (it would hold the process open for 30 s); the
 * deadline is our AbortSignal instead.
 */
type EventParameters = Parameters<typeof pdjsEvent>[0];

function pdjsParameters(event: PagerDutyEvent, eventsUrl: string, signal: AbortSignal, send: HttpRequest | undefined): EventParameters {
  const params: EventParameters & PdjsFetchInit = {
    // pdjs's types demand a payload on resolve events; the Events API does not.
    data: event as EventParameters['data'],
    server: new URL(eventsUrl).host,
    requestTimeout: 0,
    signal,
    eventsUrl,
    ...(send ? { send } : {}),
    headers: { accept: 'application/json' },
  };
  return params;
}

function classify(error: unknown): AttemptFailure {
  if (error instanceof AttemptFailed) {
    return error.retryAfterMs === undefined ? { retryable: error.retryable } : { retryable: error.retryable, retryAfterMs: error.retryAfterMs };
  }
  // Anything else is a bug in this module, not a transient failure.
  return { retryable: false };
}

function parseAnswer(text: string): z.infer<typeof ResponseBodySchema> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ResponseBodySchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`. */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Node's socket errors say little ("socket hang up") without their code (ECONNRESET).
function networkMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return code === undefined || error.message.includes(code) ? error.message : `${code}: ${error.message}`;
}

// PagerDuty's texts name fields, not values; this keeps it that way should one ever echo the key.
function redact(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[routing key]');
}
