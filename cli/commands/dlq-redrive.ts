import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { deadLetterSources, queueStats, resolveQueue } from '../../src/aws/queues.js';
import { parseFilter } from '../../src/aws/redrive/filter.js';
import { enforceGuard, pipelineForQueue, processorErrorGuard } from '../../src/aws/redrive/guard.js';
import { assertNoRunningTask, startNativeRedrive, validateRate, waitForMoveTask, type MoveTask } from '../../src/aws/redrive/native.js';
import { selectiveRedrive, type SelectiveSummary } from '../../src/aws/redrive/selective.js';
import type { AuditTrail } from '../../src/audit/trail.js';
import type { QueueRef, QueueStats } from '../../src/domain/health.js';
import { AwsError, InputError } from '../../src/errors.js';
import { optionProblems } from './dq-sql.js';
import { auditTrail, CommonOptionsSchema, confirmByName, dlqContext, interruptible, progressBar, secondsFrom, wholeNumber, type DlqContext, type DlqDeps } from './dlq-shared.js';
import type { CommandResult } from './result.js';

const OptionsSchema = z.extend(CommonOptionsSchema, {
  to: z.optional(z.string().check(z.minLength(1, 'name the destination queue (name, URL or ARN)'))),
  native: z._default(z.boolean(), false),
  selective: z._default(z.boolean(), false),
  filter: z.optional(z.string()),
  rate: z.optional(z.string()),
  max: z.optional(wholeNumber('messages')),
  backup: z.optional(z.string().check(z.minLength(1, 'name the backup file'))),
  dryRun: z._default(z.boolean(), false),
  yes: z._default(z.boolean(), false),
  force: z._default(z.boolean(), false),
  wait: z._default(z.boolean(), true),
  visibilityTimeout: z.optional(z.string()),
  waitTime: z.optional(z.string()),
});

/**
 * `tripline dlq redrive <dlq>`: native (a message move task) or selective
 * (client-side, filtered, backed up) redrive, after checking the queue is a
 * DLQ, no move task is running, and the pipeline's processor is healthy.
 * Every run is audited (who, what, when, how many).
 */
export async function runDlqRedrive(queueArg: string, rawOptions: Readonly<Record<string, unknown>>, deps: DlqDeps = {}): Promise<CommandResult> {
  const parsed = OptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  if (options.native && options.selective) throw new InputError('--native and --selective exclude each other; choose one');
  const selectiveOnly = [options.filter !== undefined && '--filter', options.max !== undefined && '--max', options.backup !== undefined && '--backup'].filter(
    (x): x is string => typeof x === 'string',
  );
  const mode = options.native ? 'native' : options.selective || selectiveOnly.length > 0 ? 'selective' : 'native';
  if (mode === 'native' && selectiveOnly.length > 0) {
    throw new InputError(`${selectiveOnly.join(', ')} work only with --selective: a native move task moves every message`);
  }
  const rate = options.rate === undefined ? undefined : validateRate(options.rate);
  const filter = options.filter === undefined ? undefined : parseFilter(options.filter);
  const max = options.max === undefined ? undefined : Number(options.max);
  if (max === 0) throw new InputError('--max 0 would move nothing; give at least 1');
  const env = deps.env ?? process.env;
  const visibilitySeconds = secondsFrom(options.visibilityTimeout, env, 'TRIPLINE_REDRIVE_VISIBILITY_SECONDS', 30);
  const waitSeconds = secondsFrom(options.waitTime, env, 'TRIPLINE_REDRIVE_WAIT_SECONDS', 20);
  if (visibilitySeconds < 1) throw new InputError('the visibility timeout must be at least 1 second');

  const ctx = await dlqContext(options, deps);
  // Everything that can refuse runs before anything moves.
  const dlq = await queueStats(ctx.sqs, queueArg);
  const sources = await deadLetterSources(ctx.sqs, dlq);
  if (sources.length === 0) {
    throw new InputError(
      `${dlq.name} is not a dead-letter queue: no queue names it in its RedrivePolicy (ListDeadLetterSourceQueues is empty); give the DLQ itself, e.g. the pipeline's "dlq" in tripline.config.yaml`,
    );
  }
  await assertNoRunningTask(ctx.sqs, dlq);
  let destination: QueueRef | undefined;
  if (options.to !== undefined) destination = await resolveQueue(ctx.sqs, options.to);
  else if (mode === 'selective') {
    const [only, ...more] = sources;
    if (only === undefined || more.length > 0) {
      throw new InputError(`${dlq.name} is the DLQ of ${sources.length} queues (${sources.map(lastSegment).join(', ')}); pass --to <queue> to choose where messages go`);
    }
    destination = await resolveQueue(ctx.sqs, only);
  }
  if (destination !== undefined && destination.arn === dlq.arn) throw new InputError(`--to ${options.to ?? ''} is the DLQ itself; name the queue the messages should go to`);
  if (destination !== undefined && mode === 'selective' && !destination.fifo && dlq.fifo) {
    ctx.stderr.write(`note: ${destination.name} is a standard queue: the messages' FIFO order and group ids do not carry over\n`);
  }

  const audit = await auditTrail(ctx);
  const action = mode === 'native' ? 'dlq.redrive.native' : 'dlq.redrive.selective';
  const where = { source: dlq.name, ...(destination ? { destination: destination.name } : {}) };
  await guard(ctx, dlq, options.force, deps, async (reason) => audit.record({ action, ...where, outcome: 'refused', detail: { reason } }));

  if (!options.dryRun) {
    const to = destination ? destination.name : "each message's source queue";
    await confirmByName(ctx, `${mode === 'native' ? 'Native' : 'Selective'} redrive from ${dlq.name} to ${to}${filter ? ` (filter: ${filter.text})` : ''}.`, dlq, options.yes);
  }

  if (mode === 'native') return native(ctx, audit, { dlq, destination, rate, dryRun: options.dryRun, wait: options.wait, json: options.json });
  if (!destination) throw new InputError('no destination queue: pass --to <queue>');
  const bar = progressBar(ctx.stderr);
  const stop = interruptible();
  if (!options.dryRun) {
    await audit.record({ action, ...where, count: dlq.visible, outcome: 'started', detail: { filter: filter?.text, rate, max, backup: options.backup } });
  }
  let summary: SelectiveSummary;
  try {
    summary = await selectiveRedrive({
      sqs: ctx.sqs,
      source: dlq,
      destination,
      filter,
      ratePerSecond: rate,
      max,
      backupFile: options.backup,
      dryRun: options.dryRun,
      visibilitySeconds,
      waitSeconds,
      signal: stop.signal,
      onProgress: (p) =>
        bar.update(
          p.examined,
          Math.max(dlq.visible + dlq.inFlight, p.examined),
          `examined · ${options.dryRun ? `${p.wouldMove} would move` : `${p.moved} moved`} · ${p.skipped} skipped · ${p.failed} failed`,
        ),
    });
  } finally {
    stop.dispose();
    bar.done();
  }
  const outcome = options.dryRun ? 'dry-run' : summary.stoppedBy === 'error' ? 'failed' : summary.stoppedBy === 'aborted' ? 'cancelled' : 'succeeded';
  await audit.record({
    action,
    ...where,
    count: options.dryRun ? summary.wouldMove : summary.moved,
    outcome,
    detail: {
      examined: summary.examined,
      moved: summary.moved,
      skipped: summary.skipped,
      failed: summary.failed,
      duplicatesPossible: summary.duplicatesPossible,
      stoppedBy: summary.stoppedBy,
      ...(summary.filter ? { filter: summary.filter } : {}),
      ...(summary.backup ? { backup: summary.backup.file } : {}),
      ...(summary.error ? { error: summary.error } : {}),
    },
  });
  if (summary.error !== undefined) ctx.stderr.write(`tripline: the redrive stopped: ${summary.error}\n`);
  const stdout = options.json ? JSON.stringify({ ...summary, actor: audit.actor.arn, audit: audit.file }, null, 2) : renderSelective(summary);
  const incomplete = summary.failed > 0 || ['aborted', 'still-reported', 'in-flight-limit'].includes(summary.stoppedBy);
  return { exitCode: summary.stoppedBy === 'error' ? 3 : incomplete ? 1 : 0, stdout };
}

async function guard(ctx: DlqContext, dlq: QueueStats, force: boolean, deps: DlqDeps, onRefused: (reason: string) => Promise<void>): Promise<void> {
  const owner = pipelineForQueue(ctx.pipelines, dlq.name);
  if (!owner) {
    ctx.stderr.write(
      `note: ${dlq.name} is not the dlq of any pipeline in the config (${ctx.configSource}); the processor error-rate check is skipped\n`,
    );
    return;
  }
  const metrics =
    deps.metrics ??
    new (await import('../../src/aws/metrics-reader.js')).CloudWatchMetricsReader(
      new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient(ctx.region ? { region: ctx.region } : {}),
    );
  let result;
  try {
    result = await processorErrorGuard(metrics, owner.name, owner.pipeline, new Date());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (force) {
      ctx.stderr.write(`warn: --force: redriving without the processor error-rate check, which failed: ${reason}\n`);
      return;
    }
    if (error instanceof AwsError) {
      throw new AwsError(`cannot check the processor error rate of pipeline ${owner.name}: ${reason}; fix access to CloudWatch or pass --force to redrive without the check`, { service: error.service, operation: error.operation }, { cause: error });
    }
    throw error;
  }
  if (!result.allowed && !force) {
    await onRefused(result.reason);
    enforceGuard(result, false);
  }
  ctx.stderr.write(result.allowed ? `check: ${result.reason}\n` : `warn: --force: redriving although ${result.reason}\n`);
}

async function native(
  ctx: DlqContext,
  audit: AuditTrail,
  run: { dlq: QueueStats; destination: QueueRef | undefined; rate: number | undefined; dryRun: boolean; wait: boolean; json: boolean },
): Promise<CommandResult> {
  const { dlq, destination, rate } = run;
  const action = 'dlq.redrive.native';
  const where = { source: dlq.name, ...(destination ? { destination: destination.name } : {}) };
  const to = destination ? destination.name : "each message's source queue";
  if (run.dryRun) {
    await audit.record({ action, ...where, count: dlq.visible, outcome: 'dry-run', detail: { rate } });
    const doc = { mode: 'native', dryRun: true, source: dlq.name, destination: destination?.name ?? null, messages: dlq.visible, rate: rate ?? null };
    return {
      exitCode: 0,
      stdout: run.json ? JSON.stringify(doc, null, 2) : `dry run: would start a message move task for ~${dlq.visible} messages from ${dlq.name} to ${to}${rate ? ` at ${rate}/s` : ''}; nothing moved`,
    };
  }
  await audit.record({ action, ...where, count: dlq.visible, outcome: 'started', detail: { rate } });
  const started = await startNativeRedrive({ sqs: ctx.sqs, source: dlq, destination, ratePerSecond: rate });
  if (!run.wait) {
    const doc = { mode: 'native', source: dlq.name, destination: destination?.name ?? null, status: 'RUNNING', taskHandle: started.taskHandle };
    return { exitCode: 0, stdout: run.json ? JSON.stringify(doc, null, 2) : `started a message move task on ${dlq.name} → ${to}; follow it with: tripline dlq list ${dlq.name}` };
  }
  const bar = progressBar(ctx.stderr);
  const stop = interruptible();
  let task: MoveTask;
  try {
    const poll = Number(ctx.env['TRIPLINE_REDRIVE_POLL_MS'] ?? '');
    task = await waitForMoveTask(ctx.sqs, dlq, {
      ...started,
      intervalMs: Number.isFinite(poll) && poll > 0 ? poll : 2000,
      signal: stop.signal,
      onProgress: (t) => bar.update(t.moved, t.toMove, `moved · ${t.status.toLowerCase()}`),
    });
  } finally {
    stop.dispose();
    bar.done();
  }
  const outcome = task.status === 'COMPLETED' ? 'succeeded' : task.status === 'FAILED' ? 'failed' : task.status === 'CANCELLED' ? 'cancelled' : undefined;
  if (outcome) {
    await audit.record({ action, ...where, count: task.moved, outcome, detail: { status: task.status, toMove: task.toMove, rate, ...(task.failureReason ? { failureReason: task.failureReason } : {}) } });
  }
  const doc = {
    mode: 'native',
    source: dlq.name,
    destination: destination?.name ?? null,
    status: task.status,
    moved: task.moved,
    toMove: task.toMove,
    rate: rate ?? null,
    ...(task.failureReason ? { failureReason: task.failureReason } : {}),
    actor: audit.actor.arn,
    audit: audit.file,
  };
  const text =
    `native redrive ${dlq.name} → ${to}: ${task.status}, ${task.moved} of ${task.toMove} moved` +
    (task.failureReason ? `\n  failure: ${task.failureReason}` : '') +
    (task.failureReason === 'CouldNotDetermineMessageSource'
      ? `\n  hint: some messages did not reach ${dlq.name} through a queue's redrive policy, so they have no source queue; redrive them with --to <queue>`
      : '') +
    (task.status === 'RUNNING' ? `\n  still running: stopped waiting; follow it with tripline dlq list ${dlq.name}, stop it with tripline dlq cancel ${dlq.name}` : '');
  return { exitCode: task.status === 'COMPLETED' || task.status === 'RUNNING' ? 0 : 1, stdout: run.json ? JSON.stringify(doc, null, 2) : text };
}

const STOPPED: Readonly<Record<SelectiveSummary['stoppedBy'], string>> = {
  drained: 'the DLQ is drained',
  max: 'reached --max',
  aborted: 'interrupted',
  'still-reported': 'the DLQ still reports messages it did not hand out',
  'in-flight-limit': 'too many messages held in flight',
  error: 'an AWS call failed',
};

/** The human summary of a selective run. */
export function renderSelective(s: SelectiveSummary): string {
  const head = s.dryRun
    ? `dry run ${s.source} → ${s.destination}: ${s.wouldMove} would move, ${s.skipped} skipped (did not match); nothing moved`
    : `selective redrive ${s.source} → ${s.destination}: ${s.moved} moved, ${s.skipped} skipped (did not match), ${s.failed} failed, ${s.duplicatesPossible} duplicates possible`;
  const lines = [head, `  examined ${s.examined} messages in ${(s.elapsedMs / 1000).toFixed(1)} s; stopped: ${STOPPED[s.stoppedBy]}`];
  if (s.filter) lines.push(`  filter: ${s.filter}`);
  if (s.backup) lines.push(`  backup: ${s.backup.file} (${s.backup.lines} messages)`);
  for (const f of s.failures) lines.push(`  failed: ${f.messageId}: ${f.reason}`);
  for (const n of s.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

function lastSegment(url: string): string {
  return url.split('/').pop() ?? url;
}
