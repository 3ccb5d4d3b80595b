import { formatDuration } from './parse.js';
import type { Runbook, RunbookEvent, RunbookRunResult, RunbookStep, StepOutcome } from './types.js';

/**
 * Markdown made easy to read in a terminal: headings underlined, links as
 * `text (url)`, emphasis markers dropped, code blocks indented. Pure.
 */
export function renderMarkdown(text: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      else out.push(`    ${line}`);
      continue;
    }
    if (marker !== undefined) {
      fence = marker;
      continue;
    }
    const heading = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading !== null) {
      const title = inline(heading[2] ?? '');
      out.push(title, (heading[1] === '#' ? '═' : '─').repeat(Math.max(3, title.length)));
      continue;
    }
    out.push(inline(line));
  }
  return out.join('\n');
}

function inline(line: string): string {
  return line
    .replace(/!?\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => (label === url || label === '' ? url : `${label} (${url})`))
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/^(\s*)[*+] /, '$1• ')
    .replace(/^(\s*)- /, '$1• ');
}

/** `Step 2 of 5 · act: Back up the DLQ` (without `of 5` when the total is not given). */
export function stepHeading(step: RunbookStep, total?: number): string {
  return `Step ${step.index}${total !== undefined ? ` of ${total}` : ''} · ${step.kind}${step.label !== undefined ? `: ${step.label}` : ''}`;
}

/** What the step does when it runs, in a few words. */
export function stepBehaviour(step: RunbookStep): string {
  switch (step.kind) {
    case 'check':
      return 'stops the runbook when false';
    case 'act':
      return 'asks before it acts, unless --yes';
    case 'wait':
      return `checks every ${formatDuration(step.everySeconds)} until true; gives up after ${formatDuration(step.timeoutSeconds)}`;
    case 'verify':
      return step.forSeconds !== undefined
        ? `must hold for ${formatDuration(step.forSeconds)}, checked every ${formatDuration(step.everySeconds)}`
        : 'must hold now';
  }
}

/**
 * `tripline runbook show`: the runbook as it reads in a terminal, steps
 * numbered and set off from the prose. Pure.
 */
export function renderRunbookText(runbook: Runbook): string {
  const total = runbook.steps.length;
  const lines: string[] = [
    `${runbook.id} · ${runbook.title}`,
    `  file:     ${runbook.file}`,
    `  alarms:   ${runbook.alarms.join(', ')}`,
    `  pipeline: ${runbook.pipelineFrom === 'ask' ? '--pipeline (required)' : "--pipeline, else the alarm's pipeline"}`,
    `  steps:    ${runbook.steps.map((s) => s.kind).join(' → ')}`,
  ];
  if (runbook.summary !== undefined) lines.push('', wrap(runbook.summary.trim(), 100));
  for (const block of runbook.blocks) {
    lines.push('');
    if (block.kind === 'markdown') {
      lines.push(renderMarkdown(block.text));
      continue;
    }
    const step = block.step;
    lines.push(`  ▶ ${stepHeading(step, total)}`, `      ${step.source}`, `      (${stepBehaviour(step)})`);
  }
  return lines.join('\n');
}

/** Greedy word wrap; a word longer than the width gets its own line. */
export function wrap(text: string, width: number): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') out.push(line);
  return out.join('\n');
}

const OUTCOME_MARK: Readonly<Record<StepOutcome, string>> = {
  passed: '✔ passed',
  done: '✔ done',
  failed: '✘ failed',
  'timed-out': '✘ timed out',
  error: '✘ error',
  declined: '■ declined',
  'dry-run': '◦ dry run',
};

/**
 * The lines a run prints as it goes (the CLI on stderr, the console in its
 * runbook view). `poll` events are left to the caller, which may thin them out.
 */
export function formatRunbookEvent(event: RunbookEvent): string[] {
  switch (event.type) {
    case 'start':
      return [`Runbook ${event.runbook.id} · ${event.runbook.title} — pipeline ${event.pipeline}${event.dryRun ? ' (dry run: nothing is changed)' : ''}`];
    case 'markdown':
      return ['', renderMarkdown(event.text)];
    case 'step':
      return ['', `▶ ${stepHeading(event.step)}`, `  ${event.step.source}`];
    case 'poll':
      return [`  … ${formatDuration(event.elapsedSeconds)}: ${event.result.text}`];
    case 'step-done':
      return [`  ${OUTCOME_MARK[event.record.outcome]}: ${event.record.message}`];
    case 'done':
      return ['', runOutcomeLine(event.result)];
  }
}

/** `dlq-redrive on web: succeeded, 5 of 5 steps` / `… stopped at step 2 (declined)`. */
export function runOutcomeLine(result: RunbookRunResult): string {
  const head = `${result.runbook} on ${result.pipeline}${result.dryRun ? ' (dry run)' : ''}`;
  if (result.outcome === 'succeeded') return `${head}: succeeded, ${result.steps.length} of ${result.steps.length} steps`;
  const last = result.steps.at(-1);
  return `${head}: stopped at step ${result.stoppedAt ?? '?'}${last !== undefined ? ` (${last.kind} ${last.outcome})` : ''}`;
}

/** `tripline runbook run`'s result on stdout: the outcome, then one line per step that ran. */
export function renderRunResult(result: RunbookRunResult): string {
  const lines = [runOutcomeLine(result)];
  for (const step of result.steps) {
    lines.push(`  ${String(step.index).padStart(2)} ${step.kind.padEnd(6)} ${step.outcome.padEnd(9)} ${step.message}`);
  }
  return lines.join('\n');
}
