import { AsyncLocalStorage } from 'node:async_hooks';
import { LogLevel, WebClient, type FetchFunction, type Logger } from '@slack/web-api';
import type { AlarmTransition } from '../../domain/alarm.js';
import type { Delivery, Notifier, NotifyOutcome } from '../../domain/delivery.js';
import type { Log } from '../../domain/log.js';
import { NotifyError, ToolkitError } from '../../errors.js';
import { RetryBudgetExhausted, withRetry } from '../retry.js';
import type { SlackBlock, StoredMessage } from './blocks.js';
import { threadParentOf, type ThreadParent } from '../../routing/thread-parent.js';
import {
  buildChildThreadReply,
  buildResolvedThreadReply,
  buildSlackMessage,
  buildStateThreadReply,
  buildUpdatedOriginal,
  type MessageOptions,
} from './message.js';
import { adviceFor, classifySlackError, redactTokens } from './slack-errors.js';
import { threadKeyOf, type ThreadRef, type ThreadStore } from './thread-store.js';

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

export interface SlackNotifierOptions {
  /** Resolves the bot token (env, SSM or Secrets Manager); called once per notify. */
  readonly token: () => Promise<string>;
  /** Base URL of the Web API (SLACK_API_URL); default https://slack.com/api/. */
  readonly apiUrl?: string;
  /** The channel (id preferred) a receiver posts to; undefined when it has none. */
  readonly channelFor: (receiver: string) => string | undefined;
  /** Without one, every state change is a top-level post and duplicates are not detected. */
  readonly threadStore?: ThreadStore;
  readonly retry: {
    /** Total time for one notify, all calls, retries and waits included. */
    readonly budgetMs: number;
    /** Retries per Slack call (default 3). */
    readonly maxRetries?: number;
    /** First backoff delay (default 200 ms). */
    readonly baseDelayMs?: number;
  };
  readonly log: Log;
  /**
   * The fetch WebClient uses (a proxy-aware one, or a loopback one in tests);
   * default: the global fetch.
   */
  readonly fetch?: FetchFunction;
  /** Forward @slack/web-api's debug log (request headers, scrubbed); off by default, it costs CPU per call. */
  readonly sdkDebug?: boolean;
}

/** What the notifier does with a trigger (ALARM / INSUFFICIENT_DATA), given the thread on record. */
export type TriggerPlan = 'post' | 'reply' | 'duplicate' | 'stale';

/**
 * Decides how a trigger meets the thread already on record, so a duplicate
 * or late delivery never opens a second top-level message:
 * - no thread → post;
 * - older than what the thread reports → stale (skipped);
 * - same state at the same time → duplicate (skipped);
 * - another state → reply in the thread (ALARM ↔ INSUFFICIENT_DATA);
 * - same state, newer → a new episode whose OK was missed → post anew;
 * - a thread whose state or time is unknown → reply (never a second post).
 */
export function planTrigger(ref: ThreadRef | undefined, t: Pick<AlarmTransition, 'state' | 'stateTimestamp'>): TriggerPlan {
  if (ref === undefined) return 'post';
  const order = compareTimes(t.stateTimestamp, ref.stateTimestamp);
  if (order === undefined || ref.state === undefined) return 'reply';
  if (order < 0) return 'stale';
  if (ref.state !== t.state) return 'reply';
  return order === 0 ? 'duplicate' : 'post';
}

/** The deadline of the Slack call running now, so a shared WebClient still honours each attempt's budget. */
const attemptSignal = new AsyncLocalStorage<AbortSignal>();

function signalAware(base: FetchFunction | undefined): FetchFunction {
  return (url, init) => {
    // Looked up per call (not captured once) so a fetch patched later, e.g. by a proxy agent, is used.
    const fetchFn: FetchFunction = base ?? ((u, i) => globalThis.fetch(u, i));
    const attempt = attemptSignal.getStore();
    if (attempt === undefined) return fetchFn(url, init);
    const signal = init?.signal !== undefined ? AbortSignal.any([init.signal, attempt]) : attempt;
    return fetchFn(url, { ...init, signal });
  };
}

const CLIENT_CACHE_SIZE = 4;

interface Run {
  readonly delivery: Delivery;
  readonly channel: string;
  readonly client: WebClient;
  readonly token: string;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  attempts: number;
}

type SlackMethod = 'chat.postMessage' | 'chat.update';

/**
 * Posts alarm state changes to Slack: one top-level message per alarm
 * episode, state changes and the resolve in its thread, the original
 * message marked resolved. Each notify stays inside `retry.budgetMs`:
 * the WebClient's own retries are off (its default runs ~30 min) and a
 * 429's Retry-After is honoured only when it fits the budget left.
 */
export class SlackNotifier implements Notifier {
  readonly channel = 'slack' as const;
  readonly #options: SlackNotifierOptions;
  readonly #clients = new Map<string, WebClient>();

  constructor(options: SlackNotifierOptions) {
    this.#options = options;
  }

  async notify(delivery: Delivery, options: { signal?: AbortSignal } = {}): Promise<NotifyOutcome> {
    const parent = threadParentOf(delivery);
    // A child held back while its composite pages still reports, in the composite's thread.
    if (!delivery.slack && parent === undefined) return outcome(delivery, 'skipped', 'Slack is off for this delivery', 0);
    const channel = this.#options.channelFor(delivery.receiver);
    if (channel === undefined || channel.trim() === '') {
      throw new NotifyError(
        `No Slack channel is configured for receiver "${delivery.receiver}": set SLACK_CHANNEL or the receiver's slack.channel in tripline.config.yaml.`,
        { retryable: false, receiver: delivery.receiver },
      );
    }
    const deadline = Date.now() + this.#options.retry.budgetMs;
    const token = await this.#readToken(delivery.receiver);
    const run: Run = { delivery, channel, client: this.#clientFor(token), token, deadline, signal: options.signal, attempts: 0 };
    return delivery.transition.state === 'OK' ? this.#resolve(run) : this.#trigger(run, parent);
  }

  async #trigger(run: Run, parent: ThreadParent | undefined): Promise<NotifyOutcome> {
    const { delivery } = run;
    const t = delivery.transition;
    const key = threadKeyOf(delivery.dedupKey, run.channel);
    const ref = await this.#lookup(run, key);
    const plan = planTrigger(ref, t);

    if (ref !== undefined && (plan === 'duplicate' || plan === 'stale')) {
      const why = plan === 'duplicate' ? `duplicate: ${t.state} at ${t.stateTimestamp} is already in thread ${ref.ts}` : `stale: thread ${ref.ts} already reports ${ref.state ?? 'a newer state'} at ${ref.stateTimestamp ?? 'a later time'}`;
      this.#options.log.info('slack delivery skipped', { receiver: delivery.receiver, dedupKey: delivery.dedupKey, channel: ref.channel, reason: plan });
      return outcome(delivery, 'skipped', why, run.attempts);
    }

    if (ref !== undefined && plan === 'reply') {
      const inParent = ref.inThreadOf !== undefined;
      const reply = inParent ? buildChildThreadReply(delivery) : buildStateThreadReply(delivery);
      // An alarm firing again after INSUFFICIENT_DATA deserves the channel's attention, not just the thread's
      // (a child inside its composite's thread does not: the composite has it).
      await this.#call(run, 'chat.postMessage', () =>
        run.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text: reply.text, reply_broadcast: t.state === 'ALARM' && !inParent, unfurl_links: false }),
      );
      await this.#remember(run, key, { ...ref, state: t.state, stateTimestamp: t.stateTimestamp });
      this.#options.log.debug('slack thread reply posted', { receiver: delivery.receiver, dedupKey: delivery.dedupKey, channel: ref.channel, threadTs: ref.ts, state: t.state });
      return outcome(delivery, 'sent', `replied in thread ${ref.ts} of ${ref.channel}`, run.attempts);
    }

    if (parent !== undefined) {
      const thread = await this.#parentThread(run, parent);
      if (thread !== undefined) {
        const reply = buildChildThreadReply(delivery);
        await this.#call(run, 'chat.postMessage', () =>
          run.client.chat.postMessage({ channel: thread.channel, thread_ts: thread.ts, text: reply.text, unfurl_links: false }),
        );
        await this.#remember(run, key, {
          channel: thread.channel,
          ts: thread.ts,
          postedAt: new Date().toISOString(),
          state: t.state,
          stateTimestamp: t.stateTimestamp,
          inThreadOf: parent.dedupKey,
        });
        this.#options.log.debug('slack reply posted in the composite thread', { receiver: delivery.receiver, dedupKey: delivery.dedupKey, parent: parent.alarmName, channel: thread.channel, threadTs: thread.ts });
        return outcome(delivery, 'sent', `replied in the thread of ${parent.alarmName} (${thread.ts} in ${thread.channel})`, run.attempts);
      }
      // No thread known (no thread store, or the composite's post is not on record): a plain post, never a page.
    }

    const { message, posted, postedChannel } = await this.#postTopLevel(run);
    if (posted.ts !== undefined) {
      await this.#remember(run, key, {
        channel: postedChannel,
        ts: posted.ts,
        postedAt: new Date().toISOString(),
        state: t.state,
        stateTimestamp: t.stateTimestamp,
        message: { text: message.text, blocks: message.blocks },
      });
    }
    this.#options.log.debug('slack message posted', { receiver: delivery.receiver, dedupKey: delivery.dedupKey, channel: postedChannel, ts: posted.ts, state: t.state, attempts: run.attempts });
    return outcome(delivery, 'sent', `posted ${t.state} to ${postedChannel} (ts ${posted.ts ?? 'unknown'})`, run.attempts);
  }

  /** A new top-level message for the delivery (not a thread reply). */
  async #postTopLevel(run: Run) {
    const message = buildSlackMessage(run.delivery, run.channel);
    const posted = await this.#call(run, 'chat.postMessage', () =>
      run.client.chat.postMessage({
        channel: message.channel,
        text: message.text,
        blocks: mutable(message.blocks),
        ...(message.metadata !== undefined ? { metadata: message.metadata } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return { message, posted, postedChannel: posted.channel ?? run.channel };
  }

  async #resolve(run: Run): Promise<NotifyOutcome> {
    const { delivery } = run;
    const t = delivery.transition;
    const key = threadKeyOf(delivery.dedupKey, run.channel);
    const ref = await this.#lookup(run, key);
    const order = ref !== undefined ? compareTimes(t.stateTimestamp, ref.stateTimestamp) : undefined;

    if (ref !== undefined && order !== undefined && order < 0) {
      this.#options.log.info('slack delivery skipped', { receiver: delivery.receiver, dedupKey: delivery.dedupKey, channel: ref.channel, reason: 'stale' });
      return outcome(delivery, 'skipped', `stale: thread ${ref.ts} already reports ${ref.state ?? 'a state'} at ${ref.stateTimestamp ?? 'a later time'}`, run.attempts);
    }

    if (ref === undefined) {
      const { posted, postedChannel } = await this.#postTopLevel(run);
      this.#options.log.debug('slack message posted', { receiver: delivery.receiver, dedupKey: delivery.dedupKey, channel: postedChannel, ts: posted.ts, state: t.state, attempts: run.attempts });
      return outcome(delivery, 'sent', `posted OK to ${postedChannel} (ts ${posted.ts ?? 'unknown'})`, run.attempts);
    }

    const since: MessageOptions = ref.state === 'ALARM' && ref.stateTimestamp !== undefined ? { alarmSince: ref.stateTimestamp } : {};
    if (ref.inThreadOf !== undefined) {
      // The thread is the composite's: say so in it, and leave its message alone.
      const reply = buildChildThreadReply(delivery, since);
      await this.#call(run, 'chat.postMessage', () =>
        run.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text: reply.text, unfurl_links: false }),
      );
      await this.#forget(run, key);
      return outcome(delivery, 'sent', `replied OK in the composite thread ${ref.ts} of ${ref.channel}`, run.attempts);
    }
    const updated: StoredMessage =
      ref.message !== undefined ? buildUpdatedOriginal(ref.message, delivery, since) : toStored(buildSlackMessage(delivery, ref.channel, since));
    // Update first: it is idempotent, so a retried invocation does not stack anything; the reply is not.
    try {
      await this.#call(run, 'chat.update', () =>
        run.client.chat.update({ channel: ref.channel, ts: ref.ts, text: updated.text, blocks: mutable(updated.blocks) }),
      );
    } catch (error) {
      if (!(error instanceof NotifyError) || error.retryable) throw error;
      // The thread reply still tells the channel; a deleted original is no reason to fail the resolve.
      this.#options.log.warn('could not mark the original Slack message resolved', { receiver: delivery.receiver, dedupKey: delivery.dedupKey, channel: ref.channel, ts: ref.ts, error: error.message });
    }
    const reply = buildResolvedThreadReply(delivery, since);
    await this.#call(run, 'chat.postMessage', () =>
      run.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text: reply.text, unfurl_links: false }),
    );
    await this.#forget(run, key);
    this.#options.log.debug('slack thread resolved', { receiver: delivery.receiver, dedupKey: delivery.dedupKey, channel: ref.channel, threadTs: ref.ts, attempts: run.attempts });
    return outcome(delivery, 'sent', `resolved thread ${ref.ts} in ${ref.channel}`, run.attempts);
  }

  /** One Slack call with bounded retries inside what is left of the notify budget. */
  async #call<T>(run: Run, method: SlackMethod, send: () => Promise<T>): Promise<T> {
    const { delivery } = run;
    const remainingMs = run.deadline - Date.now();
    if (remainingMs <= 0) {
      throw new NotifyError(
        `Slack ${method} to channel "${run.channel}" for ${delivery.dedupKey} was not attempted: the ${this.#options.retry.budgetMs} ms budget was spent by earlier calls; the transition stays for a later retry.`,
        { retryable: true, receiver: delivery.receiver },
      );
    }
    try {
      const { value } = await withRetry(
        ({ signal }) => {
          run.attempts += 1;
          return attemptSignal.run(signal, send);
        },
        (error) => {
          const failure = classifySlackError(error);
          if (failure.retryable) {
            this.#options.log.warn('slack call failed, will retry if the budget allows', {
              method,
              channel: run.channel,
              dedupKey: delivery.dedupKey,
              code: failure.code,
              ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
            });
          }
          return failure;
        },
        {
          budgetMs: remainingMs,
          maxAttempts: (this.#options.retry.maxRetries ?? 3) + 1,
          ...(this.#options.retry.baseDelayMs !== undefined ? { baseDelayMs: this.#options.retry.baseDelayMs } : {}),
        },
        run.signal,
      );
      return value;
    } catch (error) {
      throw this.#notifyError(run, method, error);
    }
  }

  #notifyError(run: Run, method: SlackMethod, error: unknown): NotifyError {
    const { delivery } = run;
    const context = { channel: run.channel, receiver: delivery.receiver, method };
    const where = `Slack ${method} to channel "${run.channel}" for ${delivery.dedupKey}`;
    const safe = (text: string): string => redactTokens(text, run.token);

    if (run.signal?.aborted === true) {
      return new NotifyError(safe(`${where} was aborted by the caller; the transition stays for a later retry.`), { retryable: true, receiver: delivery.receiver }, { cause: error });
    }
    if (error instanceof RetryBudgetExhausted) {
      const last = classifySlackError(error.lastError);
      const waitNote =
        last.retryAfterMs !== undefined ? ` Slack asked to wait ${Math.ceil(last.retryAfterMs / 1000)} s (Retry-After), more than the budget left.` : '';
      const detail = last.detail !== undefined ? ` (${last.detail})` : '';
      return new NotifyError(
        safe(`${where} gave up after ${error.attempts} attempt(s) within the ${this.#options.retry.budgetMs} ms budget: ${last.code}${detail}.${waitNote} ${adviceFor(last.code, context)}`),
        { retryable: true, receiver: delivery.receiver, ...(last.status !== undefined ? { status: last.status } : {}) },
        { cause: error },
      );
    }
    const failure = classifySlackError(error);
    const detail = failure.detail !== undefined ? ` (${failure.detail})` : '';
    return new NotifyError(
      safe(`${where} failed: ${failure.code}${detail}. ${adviceFor(failure.code, context)}`),
      { retryable: failure.retryable, receiver: delivery.receiver, ...(failure.status !== undefined ? { status: failure.status } : {}) },
      { cause: error },
    );
  }

  async #readToken(receiver: string): Promise<string> {
    let token: string;
    try {
      token = (await this.#options.token()).trim();
    } catch (error) {
      // A configuration problem (exit code 2) will not fix itself on retry; a throttled SSM call will.
      const retryable = !(error instanceof ToolkitError && error.exitCode === 2);
      const reason = error instanceof Error ? error.message : String(error);
      throw new NotifyError(
        redactTokens(`Could not read the Slack bot token for receiver "${receiver}": ${reason}. Check SLACK_BOT_TOKEN or the configured secret.`),
        { retryable, receiver },
        { cause: error },
      );
    }
    if (token === '') {
      throw new NotifyError(`The Slack bot token for receiver "${receiver}" is empty: set SLACK_BOT_TOKEN or the configured secret to the app's bot token (xoxb-…).`, {
        retryable: false,
        receiver,
      });
    }
    return token;
  }

  #clientFor(token: string): WebClient {
    const cached = this.#clients.get(token);
    if (cached !== undefined) return cached;
    const client = new WebClient(token, {
      slackApiUrl: this.#options.apiUrl ?? DEFAULT_SLACK_API_URL,
      // Retries are ours (withRetry, inside the budget); the SDK's default runs ~30 min.
      retryConfig: { retries: 0 },
      // A 429 comes back to us at once instead of the SDK sleeping Retry-After unbounded.
      rejectRateLimitedCalls: true,
      // Backstop only: each attempt is cut by its own budget signal (attemptSignal).
      timeout: this.#options.retry.budgetMs,
      // Unbounded so a call runs at once, inside the caller's async context (attemptSignal).
      maxRequestConcurrency: Number.POSITIVE_INFINITY,
      fetch: signalAware(this.#options.fetch),
      // (WebClient ignores `logLevel` when given a logger: the level lives in ours.)
      logger: scrubbingLogger(this.#options.log, token, this.#options.sdkDebug === true ? LogLevel.DEBUG : LogLevel.INFO),
    });
    if (this.#clients.size >= CLIENT_CACHE_SIZE) {
      const oldest = this.#clients.keys().next();
      if (oldest.done !== true) this.#clients.delete(oldest.value);
    }
    this.#clients.set(token, client);
    return client;
  }

  /** The composite's own thread: in the channel of one of its receivers, or this delivery's channel. */
  async #parentThread(run: Run, parent: ThreadParent): Promise<ThreadRef | undefined> {
    if (this.#options.threadStore === undefined) return undefined;
    const channels = new Set<string>();
    for (const receiver of parent.receivers) {
      const channel = this.#options.channelFor(receiver);
      if (channel !== undefined && channel.trim() !== '') channels.add(channel);
    }
    channels.add(run.channel);
    for (const channel of channels) {
      const ref = await this.#lookup(run, threadKeyOf(parent.dedupKey, channel));
      // Only a thread of the composite itself, not one it replies in.
      if (ref !== undefined && ref.inThreadOf === undefined) return ref;
    }
    return undefined;
  }

  async #lookup(run: Run, key: string): Promise<ThreadRef | undefined> {
    const store = this.#options.threadStore;
    if (store === undefined) return undefined;
    try {
      return await store.get(key);
    } catch (error) {
      // Posting without the thread risks a duplicate; not posting risks a missed alarm. Post.
      this.#options.log.warn('slack thread store lookup failed; posting without thread', { dedupKey: run.delivery.dedupKey, channel: run.channel, error: messageOf(error) });
      return undefined;
    }
  }

  async #remember(run: Run, key: string, ref: ThreadRef): Promise<void> {
    const store = this.#options.threadStore;
    if (store === undefined) return;
    try {
      await store.put(key, ref);
    } catch (error) {
      // The message is out; failing now would make a Lambda retry post it twice.
      this.#options.log.error('slack thread store write failed; the resolve will post a new message', { dedupKey: run.delivery.dedupKey, channel: ref.channel, ts: ref.ts, error: messageOf(error) });
    }
  }

  async #forget(run: Run, key: string): Promise<void> {
    const store = this.#options.threadStore;
    if (store === undefined) return;
    try {
      await store.delete(key);
    } catch (error) {
      this.#options.log.warn('slack thread store delete failed; the entry expires with its TTL', { dedupKey: run.delivery.dedupKey, channel: run.channel, error: messageOf(error) });
    }
  }
}

function outcome(delivery: Delivery, status: NotifyOutcome['status'], detail: string, attempts: number): NotifyOutcome {
  return { channel: 'slack', receiver: delivery.receiver, dedupKey: delivery.dedupKey, status, detail, attempts };
}

function toStored(message: StoredMessage): StoredMessage {
  return { text: message.text, blocks: message.blocks };
}

function mutable(blocks: readonly SlackBlock[]): SlackBlock[] {
  return [...blocks];
}

/** Orders two ISO timestamps; undefined when either is missing or unreadable. */
function compareTimes(a: string | undefined, b: string | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const x = Date.parse(a);
  const y = Date.parse(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return undefined;
  return Math.sign(x - y);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The WebClient's logger, forwarded to ours with tokens removed. The SDK
 * redacts `token` / `Authorization` keys itself; this also catches a token
 * inside free text (an error message, a URL).
 */
function scrubbingLogger(log: Log, token: string, initial: LogLevel): Logger {
  // The SDK logs every request's headers at debug; formatting and scrubbing
  // them costs more than the request, so debug is off unless asked for.
  let level: LogLevel = initial;
  const text = (parts: unknown[]): string =>
    redactTokens(parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' '), token);
  return {
    debug: (...parts: unknown[]) => {
      if (level === LogLevel.DEBUG) log.debug(`slack web-api: ${text(parts)}`);
    },
    info: (...parts: unknown[]) => log.info(`slack web-api: ${text(parts)}`),
    warn: (...parts: unknown[]) => log.warn(`slack web-api: ${text(parts)}`),
    error: (...parts: unknown[]) => log.error(`slack web-api: ${text(parts)}`),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

