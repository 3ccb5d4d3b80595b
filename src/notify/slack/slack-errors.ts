import { ErrorCode } from '@slack/web-api';
import * as z from 'zod/mini';
import '../../zod-config.js';
import type { AttemptFailure } from '../retry.js';

/** One failed Slack call, reduced to what retrying and explaining need. */
export interface SlackFailure extends AttemptFailure {
  /** Slack's `error` code (`channel_not_found`), or `http_500`, `rate_limited`, `request_failed`. */
  readonly code: string;
  /** HTTP status when Slack answered with one other than 200. */
  readonly status?: number;
  /** Safe, human-readable detail from Slack (`response_metadata.messages`, `needed` scope). */
  readonly detail?: string;
}

/** Platform errors that say "try again later" rather than "fix something". */
const TRANSIENT_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

const PlatformErrorShape = z.object({
  code: z.literal(ErrorCode.PlatformError),
  data: z.object({
    error: z.catch(z.string(), 'unknown_error'),
    needed: z.catch(z.optional(z.string()), undefined),
    response_metadata: z.catch(
      z.optional(
        z.object({
          retryAfter: z.catch(z.optional(z.number()), undefined),
          messages: z.catch(z.optional(z.array(z.string())), undefined),
        }),
      ),
      undefined,
    ),
  }),
});
const RateLimitedShape = z.object({ code: z.literal(ErrorCode.RateLimitedError), retryAfter: z.catch(z.number(), 1) });
const HttpErrorShape = z.object({ code: z.literal(ErrorCode.HTTPError), statusCode: z.catch(z.number(), 0) });
const RequestErrorShape = z.object({ code: z.literal(ErrorCode.RequestError), original: z.catch(z.optional(z.instanceof(Error)), undefined) });

/**
 * Reads an error thrown by @slack/web-api (matched by its `code`, since the
 * SDK's error data arrives untyped) into retry and explanation facts.
 */
export function classifySlackError(error: unknown): SlackFailure {
  const platform = PlatformErrorShape.safeParse(error);
  if (platform.success) {
    const data = platform.data.data;
    const slackCode = data.error;
    const retryAfter = data.response_metadata?.retryAfter;
    const details = [
      ...(data.needed !== undefined ? [`needed scope: ${data.needed}`] : []),
      ...(data.response_metadata?.messages ?? []),
    ];
    return {
      code: slackCode,
      retryable: TRANSIENT_CODES.has(slackCode),
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}),
      ...(details.length > 0 ? { detail: details.join('; ') } : {}),
    };
  }
  const limited = RateLimitedShape.safeParse(error);
  if (limited.success) {
    return { code: 'rate_limited', status: 429, retryable: true, retryAfterMs: limited.data.retryAfter * 1000 };
  }
  const http = HttpErrorShape.safeParse(error);
  if (http.success) {
    const status = http.data.statusCode;
    return { code: `http_${status}`, status, retryable: status >= 500 || status === 408 || status === 429 };
  }
  const request = RequestErrorShape.safeParse(error);
  if (request.success) {
    const original = request.data.original;
    const timedOut = original?.name === 'TimeoutError' || original?.name === 'AbortError';
    return { code: timedOut ? 'timeout' : 'request_failed', retryable: true, ...(original ? { detail: original.message } : {}) };
  }
  // A 429 without a usable Retry-After reaches us as a plain Error from the SDK.
  return { code: 'request_failed', retryable: true, detail: error instanceof Error ? error.message : String(error) };
}

/** What to do about a Slack error code, for the NotifyError message. */
export function adviceFor(code: string, context: { channel: string; receiver: string; method: string }): string {
  const channel = `channel "${context.channel}"`;
  switch (code) {
    case 'channel_not_found':
      return `Slack cannot find ${channel}: check the channel id configured for receiver "${context.receiver}" (SLACK_CHANNEL or the receiver's slack.channel; use the id such as C0123ABCD), and for a private channel invite the bot with /invite @<bot name>.`;
    case 'not_in_channel':
      return `the bot is not a member of ${channel}: invite it with /invite @<bot name> in that channel, or add the chat:write.public scope so it can post to public channels without joining.`;
    case 'is_archived':
    case 'channel_is_archived':
      return `${channel} is archived: unarchive it or point receiver "${context.receiver}" at another channel.`;
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
    case 'not_allowed_token_type':
      return 'Slack rejected the bot token: check that SLACK_BOT_TOKEN (or the configured secret) holds a current bot token (xoxb-…) of an app installed in this workspace.';
    case 'missing_scope':
      return 'the bot token lacks a scope: add chat:write under OAuth & Permissions (and chat:write.public for public channels the bot has not joined), then reinstall the app.';
    case 'restricted_action':
    case 'restricted_action_read_only_channel':
    case 'restricted_action_thread_only_channel':
    case 'restricted_action_non_threadable_channel':
    case 'ekm_access_denied':
      return `the workspace does not let the bot post in ${channel}: ask a Slack admin to allow it, or use another channel.`;
    case 'invalid_blocks':
    case 'invalid_blocks_format':
    case 'invalid_arguments':
    case 'invalid_metadata_format':
    case 'invalid_metadata_schema':
    case 'metadata_too_large':
    case 'msg_too_long':
    case 'no_text':
    case 'too_many_attachments':
      return 'Slack refused the message itself; this is a tripline bug, please report it with the alarm name and this error.';
    case 'message_not_found':
    case 'cant_update_message':
    case 'edit_window_closed':
      return 'the original message was deleted or can no longer be edited.';
    case 'rate_limited':
    case 'ratelimited':
      return 'Slack is rate limiting this app; the transition stays for a later retry.';
    case 'timeout':
    case 'request_failed':
      return 'Slack could not be reached in time; the transition stays for a later retry (check SLACK_API_URL and network egress if it persists).';
    default:
      if (code.startsWith('http_')) return 'Slack answered with an HTTP error; the transition stays for a later retry.';
      return `see https://docs.slack.dev/reference/methods/${context.method}#errors`;
  }
}

const TOKEN_PATTERN = /xox[a-z]-[A-Za-z0-9-]+/g;

/**
 * Removes Slack tokens from text meant for logs and errors: the given token
 * verbatim, and anything shaped like one.
 */
export function redactTokens(text: string, token?: string): string {
  const withoutToken = token !== undefined && token !== '' ? text.split(token).join('[redacted token]') : text;
  return withoutToken.replace(TOKEN_PATTERN, '[redacted token]');
}
