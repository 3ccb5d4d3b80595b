import type { Pipeline } from '../config/pipelines.js';
import type { AuditEntry, PipelineHealth } from '../domain/health.js';
import { RunbookError, ToolkitError } from '../errors.js';
import { formatDuration } from './parse.js';
import type {
  ActOutcome,
  ActStep,
  CompiledCondition,
  ConditionResult,
  RunbookAction,
  RunbookClock,
  RunbookEvent,
  RunbookRunOptions,
  RunbookRunResult,
  RunbookStep,
  StepOutcome,
  StepRecord,
} from './types.js';

/** Real time: `Date.now` and `setTimeout`. */
export const systemClock: RunbookClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Runs a runbook's steps in order against one pipeline:
 * - `check`: false stops the run (outcome `failed`), naming the values seen;
 * - `act`: asks `confirm` (unless `yes`) with the queue and its message count;
 *   a "no" stops the run (`declined`);
 * - `wait`: polls every `every=` until the condition holds; the timeout stops the run;
 * - `verify`: holds now, or with `for=` at every poll over that span.
 *
 * Every step is recorded to the audit trail (`runbook.step`). With `dryRun`,
 * checks before the first act are evaluated for real, acts only say what they
 * would do, and later conditions are evaluated once and reported.
 *
 * An act that throws is recorded as failed and its error rethrown (an
 * AwsError keeps exit code 3).
 *
 * @example const result = await runRunbook({ runbook, pipeline: { name: 'web', config }, health, actions, audit, conditions, confirm });
 */
export async function runRunbook(options: RunbookRunOptions): Promise<RunbookRunResult> {
  const { runbook, pipeline, audit } = options;
  const clock = options.clock ?? systemClock;
  const dryRun = options.dryRun === true;
  const emit = (event: RunbookEvent): void => options.onEvent?.(event);
  const startedAt = clock.now();
  const timestamp = compactTimestamp(startedAt);
  const records: StepRecord[] = [];
  let actedBefore = false;

  emit({ type: 'start', runbook, pipeline: pipeline.name, dryRun });

  const finish = (outcome: RunbookRunResult['outcome'], stoppedAt?: number): RunbookRunResult => {
    const result: RunbookRunResult = {
      runbook: runbook.id,
      pipeline: pipeline.name,
      dryRun,
      outcome,
      steps: records,
      ...(stoppedAt !== undefined ? { stoppedAt } : {}),
    };
    emit({ type: 'done', result });
    return result;
  };

  const record = async (step: RunbookStep, outcome: StepOutcome, message: string, extra: Partial<StepRecord> = {}, entry: Partial<AuditEntry> = {}): Promise<StepRecord> => {
    const rec: StepRecord = {
      index: step.index,
      kind: step.kind,
      ...(step.label !== undefined ? { label: step.label } : {}),
      source: step.source,
      outcome,
      message,
      ...extra,
    };
    records.push(rec);
    await audit.record({
      action: 'runbook.step',
      outcome: AUDIT_OUTCOME[outcome],
      ...entry,
      detail: {
        runbook: runbook.id,
        pipeline: pipeline.name,
        step: step.index,
        kind: step.kind,
        ...(step.label !== undefined ? { label: step.label } : {}),
        text: step.source,
        outcome,
        message,
        ...(rec.values !== undefined ? { values: rec.values } : {}),
        ...(rec.action !== undefined ? { action: rec.action } : {}),
        ...(dryRun ? { dryRun: true } : {}),
      },
    });
    emit({ type: 'step-done', step, record: rec });
    return rec;
  };

  const evaluate = async (condition: CompiledCondition): Promise<ConditionResult> =>
    condition.evaluate(await options.health(pipeline.name), pipeline.config.thresholds);

  for (const block of runbook.blocks) {
    if (block.kind === 'markdown') {
      emit({ type: 'markdown', text: block.text });
      continue;
    }
    const step = block.step;
    let stop: RunbookRunResult['outcome'] | undefined;
    try {
      stop = await runStep(step);
    } catch (error) {
      // An act records its own failure; a health read or bad condition is recorded here.
      if (!records.some((r) => r.index === step.index)) {
        await record(step, 'error', error instanceof Error ? error.message : String(error));
      }
      throw error;
    }
    if (stop !== undefined) return finish(stop, step.index);
  }
  return finish('succeeded');

  /** Runs one step; returns how the run ends when the step stops it. */
  async function runStep(step: RunbookStep): Promise<RunbookRunResult['outcome'] | undefined> {
    if (step.kind === 'act') {
      const action = resolveAction(step.action, pipeline.name, pipeline.config, timestamp);
      emit({ type: 'step', step, action });
      const outcome = await act(step, action);
      if (outcome !== 'ok') return outcome;
      actedBefore = true;
      return undefined;
    }
    emit({ type: 'step', step });
    const condition = compile(step);
    // A dry run changed nothing, so conditions after an act only describe the present.
    if (dryRun && (step.kind !== 'check' || actedBefore)) {
      const now = await evaluate(condition);
      await record(step, 'dry-run', `${describeCondition(step)}; now: ${now.text} (${now.ok ? 'holds' : 'does not hold'})`, seen(now));
      return undefined;
    }
    switch (step.kind) {
      case 'check': {
        const result = await evaluate(condition);
        if (!result.ok) {
          await record(step, 'failed', `check failed: ${result.text}`, seen(result));
          return 'failed';
        }
        await record(step, 'passed', result.text, seen(result));
        break;
      }
      case 'wait': {
        const started = clock.now();
        for (;;) {
          const result = await evaluate(condition);
          const elapsed = (clock.now() - started) / 1000;
          emit({ type: 'poll', step, elapsedSeconds: elapsed, result });
          if (result.ok) {
            await record(step, 'passed', `${result.text} after ${formatDuration(elapsed)}`, seen(result));
            break;
          }
          if (elapsed >= step.timeoutSeconds) {
            await record(step, 'timed-out', `still not true after ${formatDuration(step.timeoutSeconds)}: ${result.text}`, seen(result));
            return 'failed';
          }
          await clock.sleep(Math.min(step.everySeconds, step.timeoutSeconds - elapsed) * 1000);
        }
        break;
      }
      case 'verify': {
        const started = clock.now();
        let polls = 0;
        let last: ConditionResult | undefined;
        for (;;) {
          const result = await evaluate(condition);
          polls += 1;
          last = result;
          const elapsed = (clock.now() - started) / 1000;
          if (step.forSeconds !== undefined) emit({ type: 'poll', step, elapsedSeconds: elapsed, result });
          if (!result.ok) {
            const when = step.forSeconds !== undefined ? ` after ${formatDuration(elapsed)} of ${formatDuration(step.forSeconds)}` : '';
            await record(step, 'failed', `verify failed${when}: ${result.text}`, seen(result));
            return 'failed';
          }
          if (step.forSeconds === undefined || elapsed >= step.forSeconds) break;
          await clock.sleep(Math.min(step.everySeconds, step.forSeconds - elapsed) * 1000);
        }
        const span = step.forSeconds !== undefined ? ` (held for ${formatDuration(step.forSeconds)}, ${polls} checks)` : '';
        await record(step, 'passed', `${last.text}${span}`, seen(last));
        break;
      }
    }
    return undefined;
  }

  function compile(step: Exclude<RunbookStep, ActStep>): CompiledCondition {
    try {
      return options.conditions(step.condition);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new RunbookError(`${runbook.file}:${step.line}: ${step.kind} condition "${step.condition}": ${message}`, [], { cause: error });
    }
  }

  async function act(step: ActStep, action: RunbookAction): Promise<'ok' | 'declined'> {
    const health = await options.health(pipeline.name);
    const count = queueDepth(action.queue, pipeline.config, health);
    const what = describeAction(action, count);
    const audited = {
      source: action.queue,
      ...(action.verb === 'redrive' && action.to !== undefined ? { destination: action.to } : {}),
      ...(action.verb === 'export' ? { destination: action.file } : {}),
      ...(count !== undefined ? { count } : {}),
    };
    if (dryRun) {
      await record(step, 'dry-run', `would ${what}`, { action }, audited);
      return 'ok';
    }
    if (options.yes !== true) {
      const yes = await options.confirm(`${capitalize(what)}?`, action);
      if (!yes) {
        await record(step, 'declined', `not confirmed: did not ${what}`, { action }, audited);
        return 'declined';
      }
    }
    let outcome: ActOutcome;
    try {
      outcome = await perform(action);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await record(step, 'error', `${action.verb} failed: ${message}`, { action }, audited);
      throw error instanceof ToolkitError ? error : new ToolkitError(`runbook ${runbook.id} step ${step.index} (${action.verb}): ${message}`, { cause: error });
    }
    await record(step, 'done', outcome.summary, { action, count: outcome.count }, { ...audited, count: outcome.count });
    return 'ok';
  }

  function perform(action: RunbookAction): Promise<ActOutcome> {
    switch (action.verb) {
      case 'redrive': {
        const { verb: _verb, ...args } = action;
        return options.actions.redrive(args);
      }
      case 'cancel':
        return options.actions.cancel({ queue: action.queue });
      case 'export':
        return options.actions.export({ queue: action.queue, file: action.file, ...(action.max !== undefined ? { max: action.max } : {}) });
    }
  }
}

function seen(result: ConditionResult): Partial<StepRecord> {
  return result.values !== undefined ? { values: result.values } : {};
}

const AUDIT_OUTCOME: Readonly<Record<StepOutcome, AuditEntry['outcome']>> = {
  passed: 'succeeded',
  done: 'succeeded',
  failed: 'failed',
  'timed-out': 'failed',
  error: 'failed',
  declined: 'cancelled',
  'dry-run': 'dry-run',
};

/**
 * Fills `{pipeline}`, `{dlq}`, `{failedQueue}`, `{stream}`, `{processor}` and
 * `{timestamp}` (the run's start, `20261122T030500Z`) in an act's values.
 */
export function resolveAction(action: RunbookAction, name: string, pipeline: Pipeline, timestamp: string): RunbookAction {
  const values: Readonly<Record<string, string>> = {
    pipeline: name,
    dlq: pipeline.dlq,
    failedQueue: pipeline.failedQueue,
    stream: pipeline.stream,
    processor: pipeline.processor,
    timestamp,
  };
  const fill = (text: string): string => text.replace(/\{([^{}]*)\}/g, (raw, key: string) => values[key] ?? raw);
  switch (action.verb) {
    case 'redrive':
      return { ...action, queue: fill(action.queue), ...(action.to !== undefined ? { to: fill(action.to) } : {}), ...(action.backup !== undefined ? { backup: fill(action.backup) } : {}) };
    case 'cancel':
      return { ...action, queue: fill(action.queue) };
    case 'export':
      return { ...action, queue: fill(action.queue), file: fill(action.file) };
  }
}

/** `20261122T030500Z`: sortable and safe in a file name. */
export function compactTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Visible messages of the pipeline's DLQ or failed-event queue, when the action is on one of them. */
function queueDepth(queue: string, pipeline: Pipeline, health: PipelineHealth): number | undefined {
  const side = sameQueue(queue, pipeline.dlq) ? health.dlq : sameQueue(queue, pipeline.failedQueue) ? health.failedQueue : undefined;
  if (side === undefined) return undefined;
  return side.stats?.visible ?? side.depth.value;
}

/** A queue may be configured by name, URL or ARN: compare the names. */
function sameQueue(a: string, b: string): boolean {
  const name = (q: string): string => q.split(/[/:]/).pop() ?? q;
  return name(a) === name(b);
}

function messages(count: number | undefined): string {
  if (count === undefined) return 'the messages (count unknown)';
  return `${count.toLocaleString('en-US')} message${count === 1 ? '' : 's'}`;
}

/** One phrase saying what an act does, e.g. `redrive 42 messages from tripline-web-dlq to tripline-web-failed (native, 10 messages/s)`. */
export function describeAction(action: RunbookAction, count?: number): string {
  switch (action.verb) {
    case 'redrive': {
      const to = action.to ?? (action.mode === 'native' ? 'their source queue' : 'the failed-event queue');
      const how = [
        action.mode,
        action.rate !== undefined ? `${action.rate} messages/s` : undefined,
        action.filter !== undefined ? `filter ${action.filter}` : undefined,
        action.max !== undefined ? `at most ${action.max}` : undefined,
        action.backup !== undefined ? `backup ${action.backup}` : undefined,
      ].filter((p) => p !== undefined);
      return `redrive ${messages(count)} from ${action.queue} to ${to} (${how.join(', ')})`;
    }
    case 'cancel':
      return `cancel the message move task on ${action.queue} (${messages(count)} left)`;
    case 'export':
      return `export ${action.max !== undefined ? `at most ${action.max} of ` : ''}${messages(count)} from ${action.queue} to ${action.file} (the queue keeps them)`;
  }
}

function describeCondition(step: Exclude<RunbookStep, ActStep>): string {
  switch (step.kind) {
    case 'check':
      return `would check ${step.condition}`;
    case 'wait':
      return `would wait until ${step.condition} (at most ${formatDuration(step.timeoutSeconds)}, every ${formatDuration(step.everySeconds)})`;
    case 'verify':
      return `would verify ${step.condition}${step.forSeconds !== undefined ? ` for ${formatDuration(step.forSeconds)}` : ''}`;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
