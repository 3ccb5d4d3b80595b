import { createInterface } from 'node:readline';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { ConsoleSectionSchema, loadConfig, NoReceiverError, type ConsoleSection } from '../../src/config/index.js';
import type { MetricsReader } from '../../src/domain/health.js';
import { InputError, ToolkitError } from '../../src/errors.js';
import { healthConditions } from '../../src/runbooks/conditions.js';
import { runRunbook, systemClock } from '../../src/runbooks/executor.js';
import { collectedHealthSource } from '../../src/runbooks/health-source.js';
import { findRunbook, loadRunbooksCollecting, pipelineForRun, runbookForAlarm, type LoadedRunbooks } from '../../src/runbooks/load.js';
import { formatRunbookEvent, renderRunbookText, renderRunResult } from '../../src/runbooks/render.js';
import { sqsRunbookActions } from '../../src/runbooks/sqs-actions.js';
import type { Runbook, RunbookAction, RunbookClock, RunbookEvent } from '../../src/runbooks/types.js';
import { auditTrail, dlqContext, interruptible, secondsFrom, type DlqDeps } from './dlq-shared.js';
import type { CommandResult } from './result.js';
import { queueNameOf } from '../../src/aws/queue-spec.js';

const optionalText = (what: string) => z.optional(z.string().check(z.minLength(1, `must not be empty: ${what}`)));

const ListOptionsSchema = z.object({
  config: z.optional(z.string()),
  alarm: optionalText('an alarm name such as tripline-web-dlq-depth'),
  json: z._default(z.boolean(), false),
});

const ShowOptionsSchema = z.object({
  config: z.optional(z.string()),
  json: z._default(z.boolean(), false),
});

const RunOptionsSchema = z.object({
  config: z.optional(z.string()),
  pipeline: optionalText('a pipeline name from the config, e.g. web'),
  alarm: optionalText('an alarm name such as tripline-web-dlq-depth'),
  yes: z._default(z.boolean(), false),
  dryRun: z._default(z.boolean(), false),
  region: optionalText('an AWS region, e.g. eu-west-1'),
  json: z._default(z.boolean(), false),
});

function parseOptions<T>(schema: z.ZodMiniType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `--${i.path.map(String).join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

/** Clients and terminal seams for `runbook run`: real ones by default, loopback ones in tests and the sandbox. */
export interface RunbookDeps extends DlqDeps {
  readonly cloudwatch?: CloudWatchClient;
  readonly clock?: RunbookClock;
}

/** The `console:` section (runbooks directory): without any config file, its defaults. */
async function consoleSection(config: string | undefined, env: NodeJS.ProcessEnv): Promise<ConsoleSection> {
  try {
    return (await loadConfig({ env, cwd: process.cwd(), ...(config !== undefined ? { file: config } : {}) })).config.console;
  } catch (error) {
    if (config !== undefined || !(error instanceof NoReceiverError)) throw error;
    return ConsoleSectionSchema.parse({});
  }
}

async function load(dir: string, stderr: { write(text: string): unknown }, warnOthers: boolean): Promise<LoadedRunbooks> {
  const loaded = await loadRunbooksCollecting(dir, { conditions: healthConditions });
  if (warnOthers) for (const issue of loaded.issues) stderr.write(`warn: ${issue}\n`);
  return loaded;
}

/**
 * `tripline runbook list [--alarm <name>]`: every runbook in the runbooks
 * directory, or the one an alarm leads to (exit 1 when none does). Files that
 * cannot be used are listed on stderr, and the exit code is 2.
 */
export async function runRunbookList(rawOptions: Readonly<Record<string, unknown>>, deps: RunbookDeps = {}): Promise<CommandResult> {
  const options = parseOptions(ListOptionsSchema, rawOptions);
  const stderr = deps.stderr ?? process.stderr;
  const dir = (await consoleSection(options.config, deps.env ?? process.env)).runbooks;
  const loaded = await load(dir, stderr, false);
  for (const issue of loaded.issues) stderr.write(`tripline: ${issue}\n`);
  const chosen = options.alarm !== undefined ? runbookForAlarm(loaded.runbooks, options.alarm) : undefined;
  const runbooks = options.alarm !== undefined ? (chosen !== undefined ? [chosen] : []) : loaded.runbooks;
  const exitCode = loaded.issues.length > 0 ? 2 : options.alarm !== undefined && chosen === undefined ? 1 : 0;

  if (options.json) {
    const doc = {
      dir,
      ...(options.alarm !== undefined ? { alarm: options.alarm } : {}),
      runbooks: runbooks.map((r) => ({ id: r.id, title: r.title, ...(r.summary !== undefined ? { summary: r.summary } : {}), alarms: r.alarms, file: r.file, steps: r.steps.map((s) => s.kind) })),
      problems: loaded.issues,
    };
    return { exitCode, stdout: JSON.stringify(doc, null, 2) };
  }
  if (options.alarm !== undefined && chosen === undefined) {
    return { exitCode, stdout: `no runbook in ${dir} answers alarm ${options.alarm} (their alarms: globs in each runbook's front matter)` };
  }
  if (runbooks.length === 0) return { exitCode, stdout: `no runbooks in ${dir}` };
  return { exitCode, stdout: table(runbooks) };
}

function table(runbooks: readonly Runbook[]): string {
  const rows = runbooks.map((r) => [r.id, r.title, r.alarms.join(', ')] as const);
  const idWidth = Math.max(2, ...rows.map((r) => r[0].length));
  const titleWidth = Math.max(5, ...rows.map((r) => r[1].length));
  const line = (a: string, b: string, c: string): string => `${a.padEnd(idWidth)}  ${b.padEnd(titleWidth)}  ${c}`.trimEnd();
  return [line('ID', 'TITLE', 'ALARMS'), ...rows.map((r) => line(...r))].join('\n');
}

/** `tripline runbook show <id>`: the runbook as it reads in a terminal, steps numbered. */
export async function runRunbookShow(id: string, rawOptions: Readonly<Record<string, unknown>>, deps: RunbookDeps = {}): Promise<CommandResult> {
  const options = parseOptions(ShowOptionsSchema, rawOptions);
  const stderr = deps.stderr ?? process.stderr;
  const dir = (await consoleSection(options.config, deps.env ?? process.env)).runbooks;
  const runbook = findRunbook(await load(dir, stderr, false), id, dir);
  if (options.json) return { exitCode: 0, stdout: JSON.stringify(runbook, null, 2) };
  return { exitCode: 0, stdout: renderRunbookText(runbook) };
}

/**
 * `tripline runbook run <id> --pipeline <name>`: runs the steps in order
 * against the pipeline (CloudWatch metrics and SQS queue attributes), asking
 * before each act unless --yes, recording every step in the audit trail.
 * Progress goes to stderr as it happens; the result to stdout.
 * Exit 0 every step held, 1 a check, wait or verify failed or an act was declined.
 */
export async function runRunbookRun(id: string, rawOptions: Readonly<Record<string, unknown>>, deps: RunbookDeps = {}): Promise<CommandResult> {
  const options = parseOptions(RunOptionsSchema, rawOptions);
  const ctx = await dlqContext({ region: options.region, config: options.config }, deps);
  const stderr = ctx.stderr;
  const dir = ctx.console.runbooks;
  const runbook = findRunbook(await load(dir, stderr, true), id, dir);
  const pipeline = pipelineForRun(runbook, { ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}), ...(options.alarm !== undefined ? { alarm: options.alarm } : {}) }, ctx.pipelines);

  const asks = runbook.steps.some((s) => s.kind === 'act') && !options.yes && !options.dryRun;
  const interactive = deps.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
  if (asks && !interactive) {
    throw new InputError(
      `runbook ${runbook.id} has act steps that need confirmation, and there is no terminal to ask on; pass --yes to run them without asking, or --dry-run to see what they would do (nothing was run)`,
    );
  }

  const audit = await auditTrail(ctx);
  const cloudwatch = deps.cloudwatch ?? new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient(options.region !== undefined ? { region: options.region } : {});
  const { CloudWatchMetricsReader } = await import('../../src/aws/metrics-reader.js');
  const { SqsQueueReader } = await import('../../src/aws/queues.js');
  const metrics: MetricsReader = deps.metrics ?? new CloudWatchMetricsReader(cloudwatch);
  const health = collectedHealthSource({
    metrics,
    queues: new SqsQueueReader(ctx.sqs),
    pipelines: ctx.pipelines,
    environment: ctx.console.environment,
    onProblem: (text) => stderr.write(`warn: ${text}\n`),
  });
  const stop = interruptible();
  const actions = sqsRunbookActions({
    sqs: ctx.sqs,
    pipeline: pipeline.config,
    signal: stop.signal,
    onProgress: throttled((line) => stderr.write(`  … ${line}\n`)),
    // The same hidden knobs as `tripline dlq` (tests and the sandbox shorten the long polls).
    waitSeconds: secondsFrom(undefined, ctx.env, 'TRIPLINE_REDRIVE_WAIT_SECONDS', 20),
    visibilitySeconds: Math.max(1, secondsFrom(undefined, ctx.env, 'TRIPLINE_REDRIVE_VISIBILITY_SECONDS', 60)),
  });
  const reader = deps.ask === undefined ? lineReader() : undefined;
  const ask = deps.ask ?? ((prompt: string) => reader?.ask(prompt) ?? Promise.resolve(''));

  try {
    const result = await runRunbook({
      runbook,
      pipeline,
      health,
      actions,
      audit,
      conditions: healthConditions,
      confirm: async (prompt, action) => {
        const queue = queueNameOf(action.queue);
        const answer = await ask(`\n${prompt}\nType the queue name (${queue}) to go ahead, anything else to stop: `);
        return answer.trim() === queue;
      },
      yes: options.yes,
      dryRun: options.dryRun,
      clock: interruptibleClock(deps.clock ?? systemClock, stop.signal),
      onEvent: printer(stderr),
    });
    return { exitCode: result.outcome === 'succeeded' ? 0 : 1, stdout: options.json ? JSON.stringify({ ...result, auditFile: audit.file }, null, 2) : renderRunResult(result) };
  } finally {
    stop.dispose();
    reader?.close();
  }
}

/** Progress lines: prose and steps as they come; a wait's polls only when the values change, or every 5 minutes. */
function printer(stderr: { write(text: string): unknown }): (event: RunbookEvent) => void {
  let lastPoll: { step: number; text: string; at: number } | undefined;
  return (event) => {
    // The outcome is the result on stdout.
    if (event.type === 'done') return;
    if (event.type === 'poll') {
      const same = lastPoll !== undefined && lastPoll.step === event.step.index && lastPoll.text === event.result.text;
      if (same && lastPoll !== undefined && event.elapsedSeconds - lastPoll.at < 300) return;
      lastPoll = { step: event.step.index, text: event.result.text, at: event.elapsedSeconds };
    }
    stderr.write(`${formatRunbookEvent(event).join('\n')}\n`);
  };
}

/** At most one progress line every 5 seconds. */
function throttled(write: (line: string) => void): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = Date.now();
    if (now - last < 5000) return;
    last = now;
    write(line);
  };
}

/** Ctrl-C ends a wait at once instead of after its poll interval. */
function interruptibleClock(clock: RunbookClock, signal: AbortSignal): RunbookClock {
  return {
    now: () => clock.now(),
    sleep: (ms) =>
      new Promise<void>((resolve, reject) => {
        const stopped = (): void => reject(new ToolkitError('stopped by Ctrl-C; the runbook did not finish (every step so far is in the audit trail)'));
        if (signal.aborted) return stopped();
        signal.addEventListener('abort', stopped, { once: true });
        clock.sleep(ms).then(() => {
          signal.removeEventListener('abort', stopped);
          resolve();
        }, reject);
      }),
  };
}

/**
 * Answers from stdin, one line per question. One reader for the whole run, so
 * answers piped in ahead are not lost between questions; end of input is "no".
 */
function lineReader(): { ask(prompt: string): Promise<string>; close(): void } {
  let rl: ReturnType<typeof createInterface> | undefined;
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let closed = false;
  return {
    ask(prompt) {
      process.stderr.write(prompt);
      if (rl === undefined) {
        rl = createInterface({ input: process.stdin, terminal: false });
        rl.on('line', (line) => {
          const next = waiting.shift();
          if (next) next(line);
          else lines.push(line);
        });
        rl.on('close', () => {
          closed = true;
          for (const next of waiting.splice(0)) next('');
        });
      }
      const ready = lines.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (closed) return Promise.resolve('');
      return new Promise<string>((resolve) => waiting.push(resolve));
    },
    // An open reader would keep the process alive after the run.
    close: () => rl?.close(),
  };
}
