import { createInterface } from 'node:readline/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { resolveActor } from '../../src/audit/actor.js';
import { slackAuditPoster } from '../../src/audit/slack.js';
import { createAuditTrail, type AuditTrail } from '../../src/audit/trail.js';
import {
  ConsoleSectionSchema,
  loadConfig,
  NoReceiverError,
  SecretResolver,
  SlackSectionSchema,
  type ConsoleSection,
  type Pipelines,
  type SlackSection,
} from '../../src/config/index.js';
import type { Actor, MetricsReader, QueueStats } from '../../src/domain/health.js';
import { InputError } from '../../src/errors.js';

/** Options every `tripline dlq` command shares. */
export const CommonOptionsSchema = z.object({
  region: z.optional(z.string().check(z.minLength(1, 'name an AWS region, e.g. eu-west-1'))),
  config: z.optional(z.string()),
  json: z._default(z.boolean(), false),
});

export const wholeNumber = (what: string) => z.string().check(z.regex(/^\d+$/, `must be a whole number (${what})`));

/** Clients and terminal seams: real ones by default, loopback ones in tests. */
export interface DlqDeps {
  readonly sqs?: SQSClient;
  readonly sts?: STSClient;
  readonly metrics?: MetricsReader;
  readonly env?: NodeJS.ProcessEnv;
  /** Whether a person is at the terminal (stdin and stderr are TTYs). */
  readonly interactive?: boolean;
  /** Reads one answer from the person (default: a line from stdin). */
  readonly ask?: (prompt: string) => Promise<string>;
  readonly stderr?: { write(text: string): unknown; readonly isTTY?: boolean };
}

export interface DlqContext {
  readonly sqs: SQSClient;
  readonly env: NodeJS.ProcessEnv;
  readonly pipelines: Pipelines;
  readonly console: ConsoleSection;
  readonly slack: SlackSection;
  readonly configSource: string;
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly deps: DlqDeps;
  readonly region: string | undefined;
}

/**
 * The config (pipelines, audit settings) and an SQS client. Without any
 * config file the dlq commands still work: no pipelines, default audit file.
 */
export async function dlqContext(options: { region?: string | undefined; config?: string | undefined }, deps: DlqDeps = {}): Promise<DlqContext> {
  const env = deps.env ?? process.env;
  let pipelines: Pipelines = {};
  let consoleSection: ConsoleSection;
  let slack: SlackSection;
  let configSource: string;
  try {
    const loaded = await loadConfig({ env, cwd: process.cwd(), ...(options.config ? { file: options.config } : {}) });
    pipelines = loaded.config.pipelines;
    consoleSection = loaded.config.console;
    slack = loaded.config.slack;
    configSource = loaded.source;
  } catch (error) {
    if (options.config !== undefined || !(error instanceof NoReceiverError)) throw error;
    consoleSection = ConsoleSectionSchema.parse({});
    slack = SlackSectionSchema.parse({});
    configSource = 'none';
  }
  const sqs = deps.sqs ?? new (await import('@aws-sdk/client-sqs')).SQSClient(options.region ? { region: options.region } : {});
  return {
    sqs,
    env,
    pipelines,
    console: consoleSection,
    slack,
    configSource,
    stderr: deps.stderr ?? process.stderr,
    deps,
    region: options.region,
  };
}

/**
 * The audit trail for an action: the actor from STS (credential errors stop
 * the action here, exit 3) unless the caller already knows it, the file from `console.audit.file`, Slack when
 * `console.audit.slackChannel` is set.
 */
export async function auditTrail(ctx: DlqContext, known?: Actor): Promise<AuditTrail> {
  const actor = known ?? (await resolveActor(ctx.deps.sts ?? new (await import('@aws-sdk/client-sts')).STSClient(ctx.region ? { region: ctx.region } : {}), { onFallback: (reason) => ctx.stderr.write(`note: ${reason}\n`) }));
  const channel = ctx.console.audit.slackChannel;
  let slack;
  if (channel) {
    const secrets = new SecretResolver({ env: ctx.env });
    slack = slackAuditPoster({ channel, token: () => secrets.resolve(ctx.slack.token, 'Slack bot token (audit)'), apiUrl: ctx.env['SLACK_API_URL'] });
  }
  return createAuditTrail({ file: ctx.console.audit.file, actor, slack, onWarning: (m) => ctx.stderr.write(`warn: ${m}\n`) });
}

/**
 * Asks the person to type the queue name before a change. `--yes` skips it;
 * without a terminal and without `--yes` the command refuses (exit 2).
 *
 * @throws InputError when refused or the answer does not match.
 */
export async function confirmByName(ctx: DlqContext, what: string, queue: QueueStats, yes: boolean): Promise<void> {
  if (yes) return;
  const interactive = ctx.deps.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
  if (!interactive) {
    throw new InputError(`${what} needs confirmation and there is no terminal to ask on; pass --yes to go ahead (nothing was done)`);
  }
  const ask = ctx.deps.ask ?? askOnTerminal;
  const answer = await ask(
    `${what}\n  queue: ${queue.name} (${queue.arn})\n  messages: ${queue.visible} visible, ${queue.inFlight} in flight\nType the queue name to confirm: `,
  );
  if (answer.trim() !== queue.name) {
    throw new InputError(`confirmation "${answer.trim()}" does not match the queue name "${queue.name}"; nothing was done`);
  }
}

async function askOnTerminal(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(prompt);
  } finally {
    rl.close();
  }
}

/** A one-line progress bar on stderr when it is a terminal; nothing otherwise. */
export function progressBar(stderr: { write(text: string): unknown; readonly isTTY?: boolean }): { update(done: number, total: number, text: string): void; done(): void } {
  if (stderr.isTTY !== true) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update(done, total, text) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      const width = 24;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      stderr.write(`\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total > 0 ? total : '?'} ${text}`);
    },
    done() {
      if (shown) stderr.write('\r\x1b[2K');
    },
  };
}

/** Ctrl-C stops a long run at its next safe point; a second Ctrl-C exits at once. */
export function interruptible(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const onSigint = (): void => {
    count++;
    if (count === 1) {
      process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit at once; messages in hand reappear after their visibility timeout)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** Seconds from an option or an environment variable (hidden knobs for tests and the sandbox). */
export function secondsFrom(option: string | undefined, env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const text = option ?? env[variable];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 43_200) {
    throw new InputError(`${option !== undefined ? 'the option' : variable} "${text}" must be a whole number of seconds from 0 to 43200`);
  }
  return n;
}
