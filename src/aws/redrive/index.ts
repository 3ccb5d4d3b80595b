/**
 * DLQ recovery: native redrive (SQS message move tasks), selective
 * client-side redrive (filter, backup first, delete only after a successful
 * send), peek and export, and the guard that refuses to redrive into a
 * processor that still fails. Every function takes an injected SQSClient;
 * long runs take a progress callback and an AbortSignal.
 */
export { parseFilter, type MessageFilter } from './filter.js';
export { enforceGuard, pipelineForQueue, processorErrorGuard, GUARD_PERIOD_SECONDS, GUARD_WINDOW_MINUTES, type GuardResult } from './guard.js';
export { toRecord, type MessageRecord, type Received } from './messages.js';
export {
  assertNoRunningTask,
  cancelMoveTask,
  listMoveTasks,
  runningMoveTask,
  startNativeRedrive,
  validateRate,
  waitForMoveTask,
  RATE_MAX,
  RATE_MIN,
  type MoveTask,
  type MoveTaskStatus,
  type NativeRedriveInput,
  type WaitOptions,
} from './native.js';
export { errorGroupOf, exportMessages, peekMessages, ERROR_ATTRIBUTES, NO_GROUP, type ExportOptions, type ExportSummary, type PeekedMessage, type PeekOptions, type PeekResult } from './peek.js';
export { isSensitiveField, redactBody, redactText, redactValue } from './redact.js';
export {
  redriveDeduplicationId,
  selectiveRedrive,
  type SelectiveProgress,
  type SelectiveRedriveInput,
  type SelectiveSummary,
  type StopReason,
} from './selective.js';
