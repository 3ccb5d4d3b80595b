import type { HealthSnapshot } from '../../src/domain/health.js';

/**
 * Everything the console needs from the world. The AWS backend
 * (aws-backend.ts) wires CloudWatch, SQS, PagerDuty, the redrive engine, the
 * audit trail and the runbooks; the sandbox wires its local pipeline; tests
 * wire fakes. The console never knows which.
 */
export interface ConsoleBackend {
  /** One refresh: metrics (one GetMetricData call), queue depths, alarms, incidents. */
  snapshot(): Promise<HealthSnapshot>;
  /** Receive up to `max` messages and make them visible again at once. Receive counts rise. */
  peek(queue: string, max: number): Promise<readonly PeekedMessage[]>;
  /** Message move tasks of a DLQ, newest first. */
  moveTasks(queue: string): Promise<readonly MoveTaskView[]>;
  redriveNative(queue: string, options: { readonly rate: number }): Promise<string>;
  redriveSelective(
    queue: string,
    options: { readonly filter?: string; readonly max?: number; readonly rate?: number },
    onProgress: (progress: ActionProgress) => void,
  ): Promise<string>;
  cancelMoveTask(queue: string): Promise<string>;
  exportMessages(queue: string, file: string, onProgress: (progress: ActionProgress) => void): Promise<string>;
  /** The runbook that applies to an alarm, if any. */
  runbookFor(alarmName: string): Promise<RunbookView | undefined>;
  /** Run a runbook's steps; every `act` asks `confirm` with the queue to type. */
  runRunbook(id: string, pipeline: string, hooks: RunbookHooks): Promise<{ readonly ok: boolean; readonly summary: string }>;
}

/** A DLQ message as the console shows it: body with PII redacted. */
export interface PeekedMessage {
  readonly messageId: string;
  /** The error attribute's value, or "(none)": messages are grouped by it. */
  readonly group: string;
  readonly body: string;
  readonly receiveCount?: number;
  readonly sentAt?: Date;
}

export interface MoveTaskView {
  readonly status: 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';
  readonly moved: number;
  readonly toMove?: number;
  readonly rate?: number;
  readonly startedAt?: Date;
  readonly destination?: string;
  readonly failureReason?: string;
}

export interface ActionProgress {
  readonly done: number;
  readonly total?: number;
  readonly note?: string;
}

export interface RunbookView {
  readonly id: string;
  readonly title: string;
  /** The runbook as terminal text: prose and numbered steps. */
  readonly text: string;
}

export interface RunbookHooks {
  /** Ask the user to type `typed` (a queue name) to allow `prompt`. */
  confirm(prompt: string, typed: string): Promise<boolean>;
  onLine(line: string): void;
}
