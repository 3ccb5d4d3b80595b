import type { SQSClient } from '@aws-sdk/client-sqs';
import { queueStats, resolveQueue } from '../aws/queues.js';
import { parseFilter } from '../aws/redrive/filter.js';
import { assertNoRunningTask, cancelMoveTask, startNativeRedrive } from '../aws/redrive/native.js';
import { exportMessages } from '../aws/redrive/peek.js';
import { selectiveRedrive } from '../aws/redrive/selective.js';
import type { Pipeline } from '../config/pipelines.js';
import { AwsError } from '../errors.js';
import type { ActOutcome, RunbookActions } from './types.js';

export interface SqsRunbookActionsOptions {
  readonly sqs: SQSClient;
  /** The pipeline the runbook runs for: a selective redrive from its DLQ goes to its failed-event queue by default. */
  readonly pipeline: Pipeline;
  /** Progress of long acts (selective redrive, export), one line at a time. */
  readonly onProgress?: (text: string) => void;
  readonly signal?: AbortSignal;
  /** Long-poll wait per receive (selective redrive, export); default 20 s. */
  readonly waitSeconds?: number;
  /** Visibility timeout of messages in hand (selective redrive, export); default 30 s / 60 s. */
  readonly visibilitySeconds?: number;
}

/**
 * Runbook `act` steps on SQS, through src/aws/redrive:
 * - `redrive mode=native`: starts a message move task (StartMessageMoveTask)
 *   and returns; the runbook's next `wait` step follows the DLQ draining, so
 *   its timeout is the one that counts;
 * - `redrive mode=selective`: moves matching messages client-side (backup
 *   first, delete only after a successful send) and returns when done;
 * - `cancel`: cancels the running move task; `export`: copies messages to
 *   an NDJSON file, leaving them in the queue.
 *
 * @example const actions = sqsRunbookActions({ sqs: new SQSClient({}), pipeline: config.pipelines.web });
 */
export function sqsRunbookActions(options: SqsRunbookActionsOptions): RunbookActions {
  const { sqs, pipeline } = options;
  return {
    async redrive(args): Promise<ActOutcome> {
      const source = await resolveQueue(sqs, args.queue);
      if (args.mode === 'native') {
        const destination = args.to !== undefined ? await resolveQueue(sqs, args.to) : undefined;
        await assertNoRunningTask(sqs, source);
        const before = await queueStats(sqs, source.url);
        const task = await startNativeRedrive({ sqs, source, destination, ratePerSecond: args.rate });
        return {
          count: before.visible,
          summary:
            `started a message move task for ${before.visible.toLocaleString('en-US')} messages from ${source.name} to ${destination?.name ?? 'their source queue'}` +
            `${args.rate !== undefined ? ` at ${args.rate} messages/s` : ''} at ${task.startedAt.toISOString()}; SQS moves them in the background`,
        };
      }
      const destination = await resolveQueue(sqs, args.to ?? pipeline.failedQueue);
      const summary = await selectiveRedrive({
        sqs,
        source,
        destination,
        filter: args.filter !== undefined ? parseFilter(args.filter) : undefined,
        ratePerSecond: args.rate,
        max: args.max,
        backupFile: args.backup,
        waitSeconds: options.waitSeconds,
        visibilitySeconds: options.visibilitySeconds,
        signal: options.signal,
        onProgress: (p) => options.onProgress?.(`moved ${p.moved}, skipped ${p.skipped}, failed ${p.failed} of ${p.examined} examined`),
      });
      if (summary.stoppedBy === 'error') {
        throw new AwsError(`selective redrive from ${source.name} stopped after moving ${summary.moved}: ${summary.error ?? 'an AWS call failed'}`, {
          service: 'SQS',
          operation: 'SelectiveRedrive',
        });
      }
      const parts = [
        `moved ${summary.moved.toLocaleString('en-US')} messages from ${source.name} to ${destination.name}`,
        summary.skipped > 0 ? `${summary.skipped} did not match the filter` : undefined,
        summary.failed > 0 ? `${summary.failed} could not be sent (left in ${source.name})` : undefined,
        summary.backup !== undefined ? `backup ${summary.backup.file} (${summary.backup.lines} lines)` : undefined,
      ].filter((p) => p !== undefined);
      return { count: summary.moved, summary: parts.join('; ') };
    },

    async cancel(args): Promise<ActOutcome> {
      const source = await resolveQueue(sqs, args.queue);
      const { moved, task } = await cancelMoveTask(sqs, source);
      return { count: moved, summary: `cancelled the message move task on ${source.name} after ${moved.toLocaleString('en-US')} of ${task.toMove.toLocaleString('en-US')} messages moved` };
    },

    async export(args): Promise<ActOutcome> {
      const queue = await resolveQueue(sqs, args.queue);
      const summary = await exportMessages(sqs, queue, {
        file: args.file,
        max: args.max,
        waitSeconds: options.waitSeconds,
        visibilitySeconds: options.visibilitySeconds,
        signal: options.signal,
        onProgress: (n) => options.onProgress?.(`exported ${n} messages`),
      });
      const notes = summary.stoppedBy === 'still-reported' || summary.stoppedBy === 'in-flight-limit' ? ` (${summary.notes[0] ?? 'incomplete'})` : '';
      return { count: summary.exported, summary: `exported ${summary.exported.toLocaleString('en-US')} messages from ${queue.name} to ${summary.file}; they stay in the queue${notes}` };
    },
  };
}
