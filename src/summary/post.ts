import { LogLevel, WebClient, type FetchFunction, type Logger } from '@slack/web-api';
import { NotifyError, ToolkitError } from '../errors.js';
import { fetchOver } from '../notify/http.js';
import { DEFAULT_SLACK_API_URL } from '../notify/slack/notifier.js';
import { adviceFor, classifySlackError, redactTokens } from '../notify/slack/slack-errors.js';
import { renderSummaryBlocks } from './render-blocks.js';
import { summaryFallbackText } from './render-text.js';
import type { ShiftSummary } from './types.js';

export interface SummaryPostOptions {
  /** Slack channel: an id such as C0123ABCD, or `#name`. */
  readonly channel: string;
  /** Resolves the bot token (config `slack.token`, default SLACK_BOT_TOKEN). */
  readonly token: () => Promise<string>;
  /** Web API base URL (SLACK_API_URL); default https://slack.com/api/. */
  readonly apiUrl?: string | undefined;
  /** The HTTP transport; default the project's node:http fetch (src/notify/http.ts). */
  readonly fetch?: FetchFunction | undefined;
  /** Per attempt; default 10 s. */
  readonly timeoutMs?: number;
  /** Retries of a 5xx or network failure (default 2); a 429 is not waited out. */
  readonly retries?: number;
  /** Where the Slack SDK's own warnings go (never the token); default nowhere. */
  readonly warn?: (line: string) => void;
}

/** Where the summary landed. */
export interface SummaryPosted {
  readonly channel: string;
  readonly ts: string;
  readonly blocks: number;
}

/**
 * Posts a shift summary to Slack with chat.postMessage: Block Kit
 * (renderSummaryBlocks, within Slack's limits) and a one-line text fallback
 * for notifications. Retries a few times on 5xx and network errors, never for
 * long: a scheduled Lambda must finish, and a person at a terminal is waiting.
 *
 * @throws NotifyError (exit 3) naming the Slack error and what to do; the token never appears.
 */
export async function postShiftSummary(summary: ShiftSummary, options: SummaryPostOptions): Promise<SummaryPosted> {
  const token = await readToken(options.token);
  const warn = options.warn;
  const client = new WebClient(token, {
    slackApiUrl: options.apiUrl ?? DEFAULT_SLACK_API_URL,
    fetch: options.fetch ?? fetchOver(),
    timeout: options.timeoutMs ?? 10_000,
    retryConfig: { retries: options.retries ?? 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    rejectRateLimitedCalls: true,
    logger: quietLogger((line) => warn?.(redactTokens(line, token))),
  });
  const blocks = renderSummaryBlocks(summary);
  try {
    const answer = await client.chat.postMessage({
      channel: options.channel,
      text: summaryFallbackText(summary),
      blocks: blocks.map((b) => ({ ...b })),
      unfurl_links: false,
      unfurl_media: false,
    });
    return { channel: answer.channel ?? options.channel, ts: answer.ts ?? '', blocks: blocks.length };
  } catch (error) {
    const failure = classifySlackError(error);
    const detail = failure.detail !== undefined ? ` (${failure.detail})` : '';
    throw new NotifyError(
      redactTokens(`Slack chat.postMessage of the shift summary to channel "${options.channel}" failed: ${failure.code}${detail}. ${advice(failure.code, options.channel)}`, token),
      { retryable: failure.retryable, receiver: 'summary', ...(failure.status !== undefined ? { status: failure.status } : {}) },
      { cause: error },
    );
  }
}

function advice(code: string, channel: string): string {
  switch (code) {
    case 'channel_not_found':
      return `Slack cannot find channel "${channel}": check --channel, summary.channel in tripline.config.yaml or SLACK_CHANNEL (an id such as C0123ABCD is safest), and for a private channel invite the bot with /invite @<bot name>.`;
    case 'is_archived':
    case 'channel_is_archived':
      return `channel "${channel}" is archived: unarchive it or set summary.channel to another channel.`;
    case 'rate_limited':
    case 'ratelimited':
      return 'Slack is rate limiting this app; try again in a minute.';
    case 'timeout':
    case 'request_failed':
      return 'Slack could not be reached in time; check SLACK_API_URL and network egress, then try again.';
    default:
      if (code.startsWith('http_')) return 'Slack answered with an HTTP error; try again later.';
      return adviceFor(code, { channel, receiver: 'summary', method: 'chat.postMessage' });
  }
}

async function readToken(read: () => Promise<string>): Promise<string> {
  let token: string;
  try {
    token = (await read()).trim();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const retryable = !(error instanceof ToolkitError && error.exitCode === 2);
    throw new NotifyError(redactTokens(`Could not read the Slack bot token to post the shift summary: ${reason}. Check SLACK_BOT_TOKEN or slack.token in tripline.config.yaml.`), { retryable, receiver: 'summary' }, { cause: error });
  }
  if (token === '') {
    throw new NotifyError('The Slack bot token is empty: set SLACK_BOT_TOKEN (or slack.token in tripline.config.yaml) to the app\'s bot token (xoxb-…) to post the shift summary.', {
      retryable: false,
      receiver: 'summary',
    });
  }
  return token;
}

/** The SDK logs retries and rate limits at warn; debug and info (request details) are dropped. */
function quietLogger(warn: (line: string) => void): Logger {
  let level = LogLevel.WARN;
  const text = (parts: unknown[]): string => parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : String(p))).join(' ');
  return {
    debug: () => {},
    info: () => {},
    warn: (...parts: unknown[]) => warn(`slack web-api: ${text(parts)}`),
    error: (...parts: unknown[]) => warn(`slack web-api: ${text(parts)}`),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
