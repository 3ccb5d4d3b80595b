import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { deadLetterSources, queueError, queueNameOf, queueStats } from '../../src/aws/queues.js';
import { pipelineForQueue } from '../../src/aws/redrive/guard.js';
import { sqsError } from '../../src/aws/redrive/messages.js';
import { cancelMoveTask, listMoveTasks, runningMoveTask, type MoveTask } from '../../src/aws/redrive/native.js';
import { exportMessages, peekMessages, type PeekResult } from '../../src/aws/redrive/peek.js';
import type { QueueStats } from '../../src/domain/health.js';
import { InputError } from '../../src/errors.js';
import { optionProblems } from './dq-sql.js';
import { auditTrail, CommonOptionsSchema, confirmByName, dlqContext, interruptible, progressBar, secondsFrom, wholeNumber, type DlqContext, type DlqDeps } from './dlq-shared.js';
import type { CommandResult } from './result.js';

export { runDlqRedrive } from './dlq-redrive.js';

const ListOptionsSchema = z.extend(CommonOptionsSchema, { prefix: z.optional(z.string()) });

interface DlqRow {
  readonly queue: string;
  readonly pipeline?: string;
  readonly visible?: number;
  readonly inFlight?: number;
  readonly sources?: readonly string[];
  readonly task?: MoveTask;
  readonly problem?: string;
}

/**
 * `tripline dlq list [queues...]`: each DLQ's depth, the queues it serves,
 * and its move task (running, or the last one) with progress. Which DLQs:
 * the arguments, else the pipelines' `dlq` in the config, else every queue
 * (optionally `--prefix`) that another queue's RedrivePolicy names.
 * Exit 1 when a DLQ holds messages.
 */
export async function runDlqList(queues: readonly string[], rawOptions: Readonly<Record<string, unknown>>, deps: DlqDeps = {}): Promise<CommandResult> {
  const parsed = ListOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  const ctx = await dlqContext(options, deps);
  let names = [...queues];
  if (names.length === 0) names = Object.values(ctx.pipelines).map((p) => p.dlq);
  if (names.length === 0) names = await discoverDlqs(ctx, options.prefix);
  if (names.length === 0) {
    return { exitCode: 0, stdout: options.json ? JSON.stringify({ dlqs: [] }) : `no dead-letter queues found${options.prefix ? ` with prefix ${options.prefix}` : ''}` };
  }
  const rows = await Promise.all(names.map((name) => dlqRow(ctx, name, queues.length > 0)));
  const notEmpty = rows.some((r) => (r.visible ?? 0) + (r.inFlight ?? 0) > 0);
  const stdout = options.json ? JSON.stringify({ dlqs: rows.map(rowJson) }, null, 2) : renderRows(rows);
  return { exitCode: notEmpty ? 1 : 0, stdout };
}

async function dlqRow(ctx: DlqContext, ref: string, strict: boolean): Promise<DlqRow> {
  let stats: QueueStats;
  try {
    stats = await queueStats(ctx.sqs, ref);
  } catch (error) {
    // A queue named on the command line must exist; one from the config is reported in its row.
    if (strict) throw error;
    return { queue: queueNameOf(ref), problem: error instanceof Error ? error.message : String(error) };
  }
  const owner = pipelineForQueue(ctx.pipelines, stats.name);
  const [sources, tasks] = await Promise.all([deadLetterSources(ctx.sqs, stats), listMoveTasks(ctx.sqs, stats).catch(() => [])]);
  const task = tasks.find((t) => t.status === 'RUNNING' || t.status === 'CANCELLING') ?? tasks[0];
  return {
    queue: stats.name,
    ...(owner ? { pipeline: owner.name } : {}),
    visible: stats.visible,
    inFlight: stats.inFlight,
    sources: sources.map((u) => u.split('/').pop() ?? u),
    ...(task ? { task } : {}),
  };
}

async function discoverDlqs(ctx: DlqContext, prefix: string | undefined): Promise<string[]> {
  const urls: string[] = [];
  let next: string | undefined;
  do {
    try {
      const out = await ctx.sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken: next, ...(prefix ? { QueueNamePrefix: prefix } : {}) }));
      urls.push(...(out.QueueUrls ?? []));
      next = out.NextToken;
    } catch (error) {
      throw sqsError(error, 'ListQueues', { name: prefix ? `${prefix}*` : '(all)' });
    }
  } while (next && urls.length < 5000);
  const targets = new Set<string>();
  for (const url of urls) {
    try {
      const out = await ctx.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }));
      const policy = out.Attributes?.['RedrivePolicy'];
      const target = policy ? /"deadLetterTargetArn"\s*:\s*"([^"]+)"/.exec(policy)?.[1] : undefined;
      if (target) targets.add(target.split(':').pop() ?? target);
    } catch (error) {
      throw await queueError(ctx.sqs, error, 'GetQueueAttributes', url);
    }
  }
  const names = urls.map((u) => u.split('/').pop() ?? u);
  return names.filter((n) => targets.has(n));
}

function rowJson(r: DlqRow): Record<string, unknown> {
  return {
    queue: r.queue,
    pipeline: r.pipeline ?? null,
    visible: r.visible ?? null,
    inFlight: r.inFlight ?? null,
    sources: r.sources ?? [],
    moveTask: r.task ? { ...r.task, startedAt: r.task.startedAt.toISOString() } : null,
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

function renderRows(rows: readonly DlqRow[]): string {
  const table = rows.map((r) => [
    r.queue,
    r.pipeline ?? '-',
    r.visible === undefined ? '?' : String(r.visible),
    r.inFlight === undefined ? '?' : String(r.inFlight),
    r.sources && r.sources.length > 0 ? r.sources.join(',') : '-',
    r.problem ? `error: ${r.problem}` : r.task ? taskText(r.task) : '-',
  ]);
  const header = ['DLQ', 'PIPELINE', 'VISIBLE', 'IN FLIGHT', 'SOURCES', 'MOVE TASK'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...table.map(line)].join('\n');
}

function taskText(t: MoveTask): string {
  const pct = t.toMove > 0 ? ` (${Math.round((t.moved / t.toMove) * 100)}%)` : '';
  return `${t.status.toLowerCase()} ${t.moved}/${t.toMove}${pct} since ${t.startedAt.toISOString()}${t.failureReason ? ` — ${t.failureReason}` : ''}`;
}

const PeekOptionsSchema = z.extend(CommonOptionsSchema, {
  max: z.optional(wholeNumber('messages')),
  groupBy: z.optional(z.string().check(z.minLength(1, 'name a message attribute'))),
});

/**
 * `tripline dlq peek <dlq>`: a look at the messages without consuming them,
 * bodies redacted, grouped by their error attribute.
 */
export async function runDlqPeek(queueArg: string, rawOptions: Readonly<Record<string, unknown>>, deps: DlqDeps = {}): Promise<CommandResult> {
  const parsed = PeekOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  const max = options.max === undefined ? 10 : Number(options.max);
  if (max < 1 || max > 1000) throw new InputError(`--max ${max} is out of range: peek at 1 to 1000 messages`);
  const ctx = await dlqContext(options, deps);
  const queue = await queueStats(ctx.sqs, queueArg);
  const result = await peekMessages(ctx.sqs, queue, {
    max,
    ...(options.groupBy ? { groupBy: options.groupBy.split(',').map((s) => s.trim()) } : {}),
    // A peek should not wait out a long poll; the hidden knob (0) makes it return at once.
    waitSeconds: Math.min(1, secondsFrom(undefined, ctx.env, 'TRIPLINE_REDRIVE_WAIT_SECONDS', 1)),
  });
  for (const n of result.notes) ctx.stderr.write(`note: ${n}\n`);
  return { exitCode: 0, stdout: options.json ? JSON.stringify({ ...result, visible: queue.visible, inFlight: queue.inFlight }, null, 2) : renderPeek(result, queue) };
}

/** Peeked messages by group, largest first; bodies already redacted. */
export function renderPeek(result: PeekResult, queue: QueueStats): string {
  if (result.messages.length === 0) return `${queue.name}: no messages to peek at (${queue.visible} visible, ${queue.inFlight} in flight)`;
  const lines = [`${queue.name}: ${result.messages.length} messages peeked of ~${queue.visible} (bodies redacted)`];
  for (const g of result.groups) {
    lines.push('', `${g.group}  ×${g.count}`);
    for (const m of result.messages.filter((x) => x.group === g.group)) {
      const body = m.body.length > 300 ? `${m.body.slice(0, 299)}…` : m.body;
      lines.push(`  ${m.messageId}  received ${m.receiveCount}×${m.sentAt ? `  sent ${m.sentAt}` : ''}${m.deadLetterSource ? `  from ${m.deadLetterSource.split(':').pop() ?? ''}` : ''}`);
      lines.push(`    ${body}`);
    }
  }
  return lines.join('\n');
}

const ExportOptionsSchema = z.extend(CommonOptionsSchema, {
  out: z.string().check(z.minLength(1, 'name the NDJSON file to write')),
  max: z.optional(wholeNumber('messages')),
  yes: z._default(z.boolean(), false),
  visibilityTimeout: z.optional(z.string()),
  waitTime: z.optional(z.string()),
});

/** `tripline dlq export <dlq> --out file.ndjson`: every message to a file, nothing deleted. */
export async function runDlqExport(queueArg: string, rawOptions: Readonly<Record<string, unknown>>, deps: DlqDeps = {}): Promise<CommandResult> {
  const parsed = ExportOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  const max = options.max === undefined ? undefined : Number(options.max);
  if (max === 0) throw new InputError('--max 0 would export nothing; give at least 1');
  const env = deps.env ?? process.env;
  const visibilitySeconds = secondsFrom(options.visibilityTimeout, env, 'TRIPLINE_REDRIVE_VISIBILITY_SECONDS', 60);
  const waitSeconds = secondsFrom(options.waitTime, env, 'TRIPLINE_REDRIVE_WAIT_SECONDS', 20);
  const ctx = await dlqContext(options, deps);
  const queue = await queueStats(ctx.sqs, queueArg);
  const audit = await auditTrail(ctx);
  await confirmByName(ctx, `Export the messages of ${queue.name} to ${options.out} (they stay in the queue, hidden while the export runs).`, queue, options.yes);
  const bar = progressBar(ctx.stderr);
  const stop = interruptible();
  try {
    const summary = await exportMessages(ctx.sqs, queue, {
      file: options.out,
      max,
      visibilitySeconds: Math.max(1, visibilitySeconds),
      waitSeconds,
      signal: stop.signal,
      onProgress: (n) => bar.update(n, queue.visible + queue.inFlight, 'exported'),
    });
    bar.done();
    await audit.record({ action: 'dlq.export', source: queue.name, count: summary.exported, outcome: summary.stoppedBy === 'aborted' ? 'cancelled' : 'succeeded', detail: { file: summary.file, stoppedBy: summary.stoppedBy } });
    for (const n of summary.notes) ctx.stderr.write(`note: ${n}\n`);
    const text = `exported ${summary.exported} messages from ${queue.name} to ${summary.file}`;
    return { exitCode: summary.stoppedBy === 'drained' || summary.stoppedBy === 'max' ? 0 : 1, stdout: options.json ? JSON.stringify({ ...summary, actor: audit.actor.arn, audit: audit.file }, null, 2) : text };
  } catch (error) {
    bar.done();
    await audit.record({ action: 'dlq.export', source: queue.name, outcome: 'failed', detail: { file: options.out, error: error instanceof Error ? error.message : String(error) } });
    throw error;
  } finally {
    stop.dispose();
  }
}

const CancelOptionsSchema = z.extend(CommonOptionsSchema, { yes: z._default(z.boolean(), false) });

/** `tripline dlq cancel <dlq>`: stops the running move task; what moved stays moved. */
export async function runDlqCancel(queueArg: string, rawOptions: Readonly<Record<string, unknown>>, deps: DlqDeps = {}): Promise<CommandResult> {
  const parsed = CancelOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  const ctx = await dlqContext(options, deps);
  const queue = await queueStats(ctx.sqs, queueArg);
  const running = await runningMoveTask(ctx.sqs, queue);
  if (!running) throw new InputError(`no message move task is running on ${queue.name}; nothing to cancel (see tripline dlq list ${queue.name})`);
  const audit = await auditTrail(ctx);
  await confirmByName(ctx, `Cancel the move task on ${queue.name} (${running.moved}/${running.toMove} moved so far).`, queue, options.yes);
  const { task, moved } = await cancelMoveTask(ctx.sqs, queue);
  await audit.record({ action: 'dlq.cancel', source: queue.name, ...(task.destinationArn ? { destination: task.destinationArn.split(':').pop() ?? '' } : {}), count: moved, outcome: 'succeeded', detail: { startedAt: task.startedAt.toISOString(), toMove: task.toMove } });
  const doc = { queue: queue.name, cancelled: true, moved, toMove: task.toMove, actor: audit.actor.arn, audit: audit.file };
  return { exitCode: 0, stdout: options.json ? JSON.stringify(doc, null, 2) : `cancelled the move task on ${queue.name}: ${moved} of ${task.toMove} messages had moved (they stay moved)` };
}
