import { request, type HttpRequest } from '../notify/http.js';
import { redactTokens } from '../notify/slack/slack-errors.js';
import type { AuditPoster } from './trail.js';

export interface SlackAuditOptions {
  readonly channel: string;
  /** Resolves the bot token (config `slack.token`, default SLACK_BOT_TOKEN). */
  readonly token: () => Promise<string>;
  /** Web API base URL (SLACK_API_URL); default https://slack.com/api/. */
  readonly apiUrl?: string | undefined;
  /** Per post; default 10 s. */
  readonly timeoutMs?: number;
  readonly send?: HttpRequest;
}

/**
 * Posts audit lines to a Slack channel with chat.postMessage (one try; the
 * file is the record, Slack the notice). Errors never contain the token.
 */
export function slackAuditPoster(options: SlackAuditOptions): AuditPoster {
  const base = (options.apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
  const send = options.send ?? request;
  return {
    target: options.channel,
    async post(text) {
      const token = (await options.token()).trim();
      const answer = await send(`${base}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: options.channel, text, unfurl_links: false }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      let ok = false;
      let error = `HTTP ${answer.status}`;
      try {
        const body: unknown = JSON.parse(answer.body);
        if (typeof body === 'object' && body !== null && 'ok' in body) {
          ok = body.ok === true;
          if ('error' in body && typeof body.error === 'string') error = body.error;
        }
      } catch {
        // not JSON: report the status
      }
      if (answer.status !== 200 || !ok) throw new Error(redactTokens(`chat.postMessage: ${error}`, token));
    },
  };
}
