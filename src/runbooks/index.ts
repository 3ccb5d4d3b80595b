/** Runbooks (runbooks/*.md): parser, loader, executor, rendering and the SQS-backed act steps. */
export { ACT_PLACEHOLDERS, NATIVE_MAX_RATE, RunbookFrontMatterSchema, formatDuration, parseDuration, parseRunbook, parseRunbookCollecting, type ParseRunbookOptions, type RunbookFrontMatter } from './parse.js';
export { findRunbook, loadRunbooks, loadRunbooksCollecting, pipelineForRun, runbookForAlarm, type LoadedRunbooks } from './load.js';
export { compactTimestamp, describeAction, resolveAction, runRunbook, systemClock } from './executor.js';
export { formatRunbookEvent, renderMarkdown, renderRunResult, renderRunbookText, runOutcomeLine, stepBehaviour, stepHeading, wrap } from './render.js';
export { healthConditions } from './conditions.js';
export { collectedHealthSource, type CollectedHealthOptions } from './health-source.js';
export { sqsRunbookActions, type SqsRunbookActionsOptions } from './sqs-actions.js';
export { STEP_KINDS } from './types.js';
export type {
  ActOutcome,
  ActStep,
  CheckStep,
  CompiledCondition,
  ConditionCompiler,
  ConditionResult,
  HealthSource,
  Runbook,
  RunbookAction,
  RunbookActions,
  RunbookBlock,
  RunbookClock,
  RunbookEvent,
  RunbookRunOptions,
  RunbookRunResult,
  RunbookStep,
  StepKind,
  StepOutcome,
  StepRecord,
  VerifyStep,
  WaitStep,
} from './types.js';
