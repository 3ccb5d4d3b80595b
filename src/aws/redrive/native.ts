import {
  CancelMessageMoveTaskCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueRef } from '../../domain/health.js';
import { InputError } from '../../errors.js';
import { sleep, sqsError } from './messages.js';

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

/** A message move task (StartMessageMoveTask), as ListMessageMoveTasks reports it. */
export interface MoveTask {
  readonly status: MoveTaskStatus;
  /** Only while RUNNING (SQS drops it afterwards). */
  readonly taskHandle?: string;
  readonly sourceArn: string;
  /** Absent: each message goes back to the queue it came from. */
  readonly destinationArn?: string;
  readonly maxPerSecond?: number;
  readonly moved: number;
  readonly toMove: number;
  readonly failureReason?: string;
  readonly startedAt: Date;
}

export const RATE_MIN = 1;
export const RATE_MAX = 500;

/**
 * Checks a messages-per-second rate (StartMessageMoveTask accepts 1–500).
 *
 * @throws InputError (exit 2) naming the value and the range.
 */
export function validateRate(rate: number | string, option = '--rate'): number {
  const n = typeof rate === 'number' ? rate : Number(rate);
  if (!Number.isInteger(n) || n < RATE_MIN || n > RATE_MAX) {
    throw new InputError(`${option} ${String(rate)} is out of range: give a whole number of messages per second from ${RATE_MIN} to ${RATE_MAX}`);
  }
  return n;
}

function toTask(e: ListMessageMoveTasksResultEntry): MoveTask {
  const status = e.Status === 'RUNNING' || e.Status === 'COMPLETED' || e.Status === 'CANCELLING' || e.Status === 'CANCELLED' || e.Status === 'FAILED' ? e.Status : 'RUNNING';
  return {
    status,
    ...(e.TaskHandle ? { taskHandle: e.TaskHandle } : {}),
    sourceArn: e.SourceArn ?? '',
    ...(e.DestinationArn ? { destinationArn: e.DestinationArn } : {}),
    ...(e.MaxNumberOfMessagesPerSecond !== undefined ? { maxPerSecond: e.MaxNumberOfMessagesPerSecond } : {}),
    moved: e.ApproximateNumberOfMessagesMoved ?? 0,
    toMove: e.ApproximateNumberOfMessagesToMove ?? 0,
    ...(e.FailureReason ? { failureReason: e.FailureReason } : {}),
    startedAt: new Date(e.StartedTimestamp ?? 0),
  };
}

/** The most recent move tasks of a DLQ (newest first, at most 10 as SQS keeps). */
export async function listMoveTasks(sqs: SQSClient, source: QueueRef): Promise<MoveTask[]> {
  try {
    const out = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: source.arn, MaxResults: 10 }));
    return (out.Results ?? []).map(toTask);
  } catch (error) {
    throw sqsError(error, 'ListMessageMoveTasks', source);
  }
}

/** The task moving messages out of this DLQ now, if any. */
export async function runningMoveTask(sqs: SQSClient, source: QueueRef): Promise<MoveTask | undefined> {
  return (await listMoveTasks(sqs, source)).find((t) => t.status === 'RUNNING' || t.status === 'CANCELLING');
}

/**
 * Refuses before anything moves when a move task already runs on the DLQ
 * (SQS allows one per source queue, and a selective run beside it would race).
 *
 * @throws InputError (exit 2) with the task's progress and what to do.
 */
export async function assertNoRunningTask(sqs: SQSClient, source: QueueRef): Promise<void> {
  const running = await runningMoveTask(sqs, source);
  if (running) {
    throw new InputError(
      `a message move task is already ${running.status.toLowerCase()} on ${source.name} (started ${running.startedAt.toISOString()}, ` +
        `${running.moved}/${running.toMove} moved); wait for it to finish (tripline dlq list ${source.name}) or cancel it (tripline dlq cancel ${source.name})`,
    );
  }
}

export interface NativeRedriveInput {
  readonly sqs: SQSClient;
  readonly source: QueueRef;
  /** Default: each message returns to the queue it came from (DeadLetterQueueSourceArn). */
  readonly destination?: QueueRef | undefined;
  /** MaxNumberOfMessagesPerSecond, 1–500; default: SQS's own pace. */
  readonly ratePerSecond?: number | undefined;
}

/**
 * Starts a native redrive (StartMessageMoveTask): SQS moves the messages
 * itself. Returns as soon as the task is accepted; follow it with
 * {@link waitForMoveTask}.
 *
 * @throws InputError for a rate outside 1–500 or a task already running; AwsError otherwise.
 */
export async function startNativeRedrive(input: NativeRedriveInput): Promise<{ readonly taskHandle: string; readonly startedAt: Date }> {
  const { sqs, source, destination } = input;
  const rate = input.ratePerSecond === undefined ? undefined : validateRate(input.ratePerSecond);
  const startedAt = new Date();
  try {
    const out = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: source.arn,
        ...(destination ? { DestinationArn: destination.arn } : {}),
        ...(rate !== undefined ? { MaxNumberOfMessagesPerSecond: rate } : {}),
      }),
    );
    return { taskHandle: out.TaskHandle ?? '', startedAt };
  } catch (error) {
    if (error instanceof Error && /already a task running|only one active task/i.test(error.message)) {
      throw new InputError(`a message move task is already running on ${source.name}; wait for it or cancel it (tripline dlq cancel ${source.name})`, { cause: error });
    }
    throw sqsError(error, 'StartMessageMoveTask', source);
  }
}

export interface WaitOptions {
  readonly taskHandle: string;
  readonly startedAt: Date;
  /** Poll interval; default 2 s. */
  readonly intervalMs?: number;
  /** Stops waiting (the task itself goes on). */
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((task: MoveTask) => void) | undefined;
}

/**
 * Polls ListMessageMoveTasks until the task is COMPLETED, FAILED or
 * CANCELLED, reporting progress each time. Returns the last state seen
 * (still RUNNING when the signal stopped the wait).
 */
export async function waitForMoveTask(sqs: SQSClient, source: QueueRef, options: WaitOptions): Promise<MoveTask> {
  const interval = options.intervalMs ?? 2000;
  let last: MoveTask | undefined;
  for (;;) {
    const tasks = await listMoveTasks(sqs, source);
    // SQS drops the handle once a task ends: then ours is the newest one started since.
    const task =
      tasks.find((t) => options.taskHandle !== '' && t.taskHandle === options.taskHandle) ??
      tasks.find((t) => t.startedAt.getTime() >= options.startedAt.getTime() - 60_000) ??
      tasks[0];
    if (task) {
      last = task;
      options.onProgress?.(task);
      if (task.status === 'COMPLETED' || task.status === 'FAILED' || task.status === 'CANCELLED') return task;
    }
    if (options.signal?.aborted) break;
    await sleep(interval, options.signal);
    if (options.signal?.aborted && last) break;
  }
  return last ?? { status: 'RUNNING', taskHandle: options.taskHandle, sourceArn: source.arn, moved: 0, toMove: 0, startedAt: options.startedAt };
}

/**
 * Cancels the running move task of a DLQ (CancelMessageMoveTask). Messages
 * already moved stay moved.
 *
 * @throws InputError (exit 2) when no task is running.
 */
export async function cancelMoveTask(sqs: SQSClient, source: QueueRef): Promise<{ readonly task: MoveTask; readonly moved: number }> {
  const running = await runningMoveTask(sqs, source);
  if (!running?.taskHandle) {
    throw new InputError(`no message move task is running on ${source.name}; nothing to cancel (see tripline dlq list ${source.name})`);
  }
  try {
    const out = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: running.taskHandle }));
    return { task: running, moved: out.ApproximateNumberOfMessagesMoved ?? running.moved };
  } catch (error) {
    throw sqsError(error, 'CancelMessageMoveTask', source);
  }
}
