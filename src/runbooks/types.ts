import type { Pipeline, PipelineThresholds } from '../config/pipelines.js';
import type { AuditSink, PipelineHealth } from '../domain/health.js';

/**
 * A runbook: Markdown with YAML front matter (`runbooks/*.md`). Steps are
 * fenced code blocks whose info string names the kind (`check`, `act`,
 * `wait`, `verify`); everything else is prose for the person running it.
 * See README "Runbooks" for the grammar.
 */
export interface Runbook {
  readonly id: string;
  readonly title: string;
  readonly summary?: string;
  /** Alarm-name globs (or `/regex/`) this runbook answers, e.g. `tripline-*-dlq-depth`. */
  readonly alarms: readonly string[];
  /**
   * Where the pipeline comes from: `alarm` (default) — `--pipeline`, else the
   * pipeline the alarm belongs to (its name starts with the pipeline's alarm
   * prefix); `ask` — the alarms are not per pipeline, so it must be named.
   */
  readonly pipelineFrom: 'alarm' | 'ask';
  /** The file as the user named it, e.g. `runbooks/dlq-redrive.md`. */
  readonly file: string;
  /** Prose and steps in document order. */
  readonly blocks: readonly RunbookBlock[];
  /** The steps alone, in order (the same objects as in `blocks`). */
  readonly steps: readonly RunbookStep[];
}

export type RunbookBlock = { readonly kind: 'markdown'; readonly text: string; readonly line: number } | { readonly kind: 'step'; readonly step: RunbookStep };

export type StepKind = 'check' | 'act' | 'wait' | 'verify';
export const STEP_KINDS: readonly StepKind[] = ['check', 'act', 'wait', 'verify'];

interface StepBase {
  /** 1-based position among the runbook's steps. */
  readonly index: number;
  /** Line of the step's text in the file. */
  readonly line: number;
  /** Words after the kind in the info string (```` ```act Back up the DLQ ````), if any. */
  readonly label?: string;
  /** The step's text as written (comment lines dropped, lines joined). */
  readonly source: string;
}

/** Stops the runbook (exit 1) when the condition is false. */
export interface CheckStep extends StepBase {
  readonly kind: 'check';
  readonly condition: string;
}

/** Holds now, or with `forSeconds`, at every poll over that span. */
export interface VerifyStep extends StepBase {
  readonly kind: 'verify';
  readonly condition: string;
  readonly forSeconds?: number;
  readonly everySeconds: number;
}

/** Polls until the condition holds; fails at the timeout. */
export interface WaitStep extends StepBase {
  readonly kind: 'wait';
  readonly condition: string;
  readonly timeoutSeconds: number;
  readonly everySeconds: number;
}

/** Queue names and files may hold `{pipeline}`, `{dlq}`, `{failedQueue}`, `{stream}`, `{processor}`, `{timestamp}`. */
export type RunbookAction =
  | {
      readonly verb: 'redrive';
      readonly queue: string;
      readonly mode: 'native' | 'selective';
      /** Messages per second. */
      readonly rate?: number;
      /** Destination; default the queue's source (native) / the failed-event queue (selective). */
      readonly to?: string;
      /** Selective only: which messages to move. */
      readonly filter?: string;
      /** Selective only: at most this many messages. */
      readonly max?: number;
      /** Selective only: write every message to this file before it is deleted. */
      readonly backup?: string;
    }
  | { readonly verb: 'cancel'; readonly queue: string }
  | { readonly verb: 'export'; readonly queue: string; readonly file: string; readonly max?: number };

/** Changes something; asks first unless `--yes`. */
export interface ActStep extends StepBase {
  readonly kind: 'act';
  readonly action: RunbookAction;
}

export type RunbookStep = CheckStep | ActStep | WaitStep | VerifyStep;

/** The values a condition saw, for messages and the audit trail. */
export interface ConditionResult {
  readonly ok: boolean;
  /** e.g. `dlq.depth == 0 → false (dlq.depth = 3)`. */
  readonly text: string;
  /** Every path and `threshold.<name>` the condition names, with its value (undefined: no data). */
  readonly values?: Readonly<Record<string, number | undefined>>;
}

export interface CompiledCondition {
  evaluate(health: PipelineHealth, thresholds: PipelineThresholds): ConditionResult;
}

/** Compiles a condition's text. @throws Error whose message says what is wrong with it. */
export type ConditionCompiler = (text: string) => CompiledCondition;

export interface ActOutcome {
  /** Messages moved, exported or left when cancelled. */
  readonly count: number;
  /** One line for the person running the runbook, e.g. `moved 42 messages to tripline-web-failed`. */
  readonly summary: string;
}

/**
 * What `act` steps can do. The CLI wires these to src/aws/redrive; tests use
 * fakes. Each throws a ToolkitError when it fails (AwsError → exit 3).
 */
export interface RunbookActions {
  redrive(args: {
    readonly queue: string;
    readonly to?: string;
    readonly mode: 'native' | 'selective';
    readonly rate?: number;
    readonly filter?: string;
    readonly max?: number;
    readonly backup?: string;
  }): Promise<ActOutcome>;
  cancel(args: { readonly queue: string }): Promise<ActOutcome>;
  export(args: { readonly queue: string; readonly file: string; readonly max?: number }): Promise<ActOutcome>;
}

/** Fresh health of one pipeline; called before every condition evaluation and act prompt. */
export type HealthSource = (pipeline: string) => Promise<PipelineHealth>;

export interface RunbookClock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** How a step ended. */
export type StepOutcome = 'passed' | 'failed' | 'timed-out' | 'declined' | 'done' | 'dry-run' | 'error';

export interface StepRecord {
  readonly index: number;
  readonly kind: StepKind;
  readonly label?: string;
  readonly source: string;
  readonly outcome: StepOutcome;
  /** What happened, with the values seen. */
  readonly message: string;
  /** The values the condition saw last (paths and thresholds). */
  readonly values?: Readonly<Record<string, number | undefined>>;
  /** The act with its placeholders filled in. */
  readonly action?: RunbookAction;
  readonly count?: number;
}

export interface RunbookRunResult {
  readonly runbook: string;
  readonly pipeline: string;
  readonly dryRun: boolean;
  /** `succeeded`: every step ran and held; `failed`: a check, wait or verify failed; `declined`: an act was not confirmed. */
  readonly outcome: 'succeeded' | 'failed' | 'declined';
  readonly steps: readonly StepRecord[];
  /** Index of the step that stopped the run. */
  readonly stoppedAt?: number;
}

/** Progress, for the CLI to print and the TUI to show as it happens. */
export type RunbookEvent =
  | { readonly type: 'start'; readonly runbook: Runbook; readonly pipeline: string; readonly dryRun: boolean }
  | { readonly type: 'markdown'; readonly text: string }
  | { readonly type: 'step'; readonly step: RunbookStep; readonly action?: RunbookAction }
  | { readonly type: 'poll'; readonly step: RunbookStep; readonly elapsedSeconds: number; readonly result: ConditionResult }
  | { readonly type: 'step-done'; readonly step: RunbookStep; readonly record: StepRecord }
  | { readonly type: 'done'; readonly result: RunbookRunResult };

export interface RunbookRunOptions {
  readonly runbook: Runbook;
  /** The pipeline's name and config (resources, thresholds). */
  readonly pipeline: { readonly name: string; readonly config: Pipeline };
  readonly health: HealthSource;
  readonly actions: RunbookActions;
  readonly audit: AuditSink;
  readonly conditions: ConditionCompiler;
  /**
   * Asked before each act unless `yes`; false stops the runbook. The prompt
   * names the action, its queue and message count; `action` (placeholders
   * filled) lets a UI ask to type `action.queue`.
   */
  readonly confirm: (prompt: string, action: RunbookAction) => Promise<boolean>;
  readonly yes?: boolean;
  /** Evaluate checks, print what each act would do, act on nothing. */
  readonly dryRun?: boolean;
  readonly clock?: RunbookClock;
  readonly onEvent?: (event: RunbookEvent) => void;
}
