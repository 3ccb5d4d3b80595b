import path from 'node:path';
import { InputError } from '../errors.js';
import { healthConditions } from '../runbooks/conditions.js';
import { runRunbook } from '../runbooks/executor.js';
import { collectedHealthSource } from '../runbooks/health-source.js';
import { loadRunbooks } from '../runbooks/load.js';
import { sqsRunbookActions } from '../runbooks/sqs-actions.js';
import type { RunbookAction, RunbookActions, RunbookEvent, RunbookRunResult } from '../runbooks/types.js';
import type { Sandbox } from './sandbox.js';

export interface SandboxRunbookOptions {
  readonly id: string;
  readonly pipeline: string;
  /** Asked before each act; default: yes (a scenario). */
  readonly confirm?: (prompt: string, action: RunbookAction) => Promise<boolean>;
  readonly onEvent?: (event: RunbookEvent) => void;
  readonly onProgress?: (line: string) => void;
}

/**
 * Runs one of the repository's runbooks against the sandbox with the real
 * executor: conditions read the sandbox's metrics and queues, acts go
 * through the redrive engine to local-aws-sqs, every step is written to the
 * sandbox's audit trail, and `wait`/`verify` poll on sandbox time. Files an
 * act writes (backups, exports) with a relative path land in the sandbox's
 * work directory, not the current one.
 */
export async function runSandboxRunbook(sandbox: Sandbox, options: SandboxRunbookOptions): Promise<RunbookRunResult> {
  const runbook = (await loadRunbooks(sandbox.runbooksDir)).find((r) => r.id === options.id);
  if (runbook === undefined) throw new InputError(`no runbook "${options.id}" in ${sandbox.runbooksDir}`);
  const pipeline = sandbox.config.pipelines[options.pipeline];
  if (pipeline === undefined) throw new InputError(`unknown pipeline "${options.pipeline}"; the sandbox runs ${Object.keys(sandbox.config.pipelines).join(', ')}`);
  const base = sqsRunbookActions({
    sqs: sandbox.sqs,
    pipeline,
    // local-aws-sqs holds a long poll for its whole wait unless 10 messages are there: no long polls here.
    waitSeconds: 0,
    visibilitySeconds: 30,
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  });
  const inWorkDir = (file: string): string => (path.isAbsolute(file) ? file : path.join(sandbox.workDir, file));
  const actions: RunbookActions = {
    redrive: (args) => base.redrive(args.backup !== undefined ? { ...args, backup: inWorkDir(args.backup) } : args),
    cancel: (args) => base.cancel(args),
    export: (args) => base.export({ ...args, file: inWorkDir(args.file) }),
  };
  return runRunbook({
    runbook,
    pipeline: { name: options.pipeline, config: pipeline },
    health: collectedHealthSource({ metrics: sandbox.readers.metrics, queues: sandbox.readers.queues, pipelines: sandbox.config.pipelines, environment: 'sandbox', now: () => sandbox.clock.date() }),
    actions,
    audit: sandbox.audit,
    conditions: healthConditions,
    confirm: options.confirm ?? (async () => true),
    yes: options.confirm === undefined,
    clock: sandbox.clock,
    ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
  });
}
