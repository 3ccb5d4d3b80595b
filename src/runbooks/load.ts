import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { alarmPrefixOf, type Pipeline, type Pipelines } from '../config/pipelines.js';
import { ConfigError, InputError, RunbookError } from '../errors.js';
import { compilePattern } from '../routing/match.js';
import { parseRunbookCollecting, type ParseRunbookOptions } from './parse.js';
import type { Runbook } from './types.js';

export interface LoadedRunbooks {
  /** Usable runbooks, by file name. */
  readonly runbooks: readonly Runbook[];
  /** `runbooks/<file>:<line>: <what>` for every file that cannot be used. */
  readonly issues: readonly string[];
}

/**
 * Reads every `*.md` in `dir` (not `README.md`), sorted by file name. A file
 * that does not parse is left out and its problems listed; so is a second
 * runbook with an id already taken.
 *
 * @throws RunbookError (exit 2) when the directory cannot be read.
 */
export async function loadRunbooksCollecting(dir: string, options: ParseRunbookOptions = {}): Promise<LoadedRunbooks> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.md') && e.name.toLowerCase() !== 'readme.md')
      .map((e) => e.name)
      .sort();
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code})`;
    throw new RunbookError(`runbooks directory ${dir} ${why}; set console.runbooks in tripline.config.yaml, or run from the directory that holds runbooks/`, [], {
      cause: error,
    });
  }
  const runbooks: Runbook[] = [];
  const issues: string[] = [];
  const byId = new Map<string, Runbook>();
  for (const name of names) {
    const file = path.join(dir, name);
    const text = await readFile(file, 'utf8');
    const parsed = parseRunbookCollecting(text, file, options);
    issues.push(...parsed.issues);
    const runbook = parsed.runbook;
    if (runbook === undefined || parsed.issues.length > 0) continue;
    const taken = byId.get(runbook.id);
    if (taken !== undefined) {
      const line = text.split(/\r?\n/).findIndex((l) => /^id\s*:/.test(l)) + 1;
      issues.push(`${file}:${line > 0 ? line : 1}: id "${runbook.id}" is already used by ${taken.file}; give each runbook its own id`);
      continue;
    }
    byId.set(runbook.id, runbook);
    runbooks.push(runbook);
  }
  return { runbooks, issues };
}

/**
 * Every runbook in `dir`, or an error listing every problem in every file.
 *
 * @example const runbooks = await loadRunbooks(config.console.runbooks, { conditions });
 * @throws RunbookError (exit 2)
 */
export async function loadRunbooks(dir: string, options: ParseRunbookOptions = {}): Promise<readonly Runbook[]> {
  const { runbooks, issues } = await loadRunbooksCollecting(dir, options);
  if (issues.length > 0) throw new RunbookError(`runbooks in ${dir} cannot be used; fix:`, issues);
  return runbooks;
}

/**
 * The first runbook (by file name) with an `alarms` glob matching the alarm name.
 *
 * @example runbookForAlarm(runbooks, 'tripline-web-dlq-depth')?.id // 'dlq-redrive'
 */
export function runbookForAlarm(runbooks: readonly Runbook[], alarmName: string): Runbook | undefined {
  return runbooks.find((r) => r.alarms.some((glob) => compilePattern(glob)(alarmName)));
}

/**
 * The runbook with this id.
 *
 * @throws RunbookError (exit 2) naming the ids there are, or the problems of files that did not load.
 */
export function findRunbook(loaded: LoadedRunbooks, id: string, dir: string): Runbook {
  const found = loaded.runbooks.find((r) => r.id === id);
  if (found !== undefined) return found;
  const known = loaded.runbooks.map((r) => r.id).join(', ') || 'none';
  throw new RunbookError(
    `no runbook "${id}" in ${dir} (the runbooks there: ${known}); \`tripline runbook list\` shows them` +
      (loaded.issues.length > 0 ? '. Some files cannot be used, one of them may be it:' : ''),
    loaded.issues,
  );
}

/**
 * Which pipeline a run acts on: `--pipeline`; else (`pipelineFrom: alarm`)
 * the pipeline whose alarm prefix the alarm name starts with; else the only
 * pipeline in the config.
 *
 * @throws InputError (exit 2) for an unknown pipeline or when none can be chosen; ConfigError when the config has no pipelines.
 */
export function pipelineForRun(
  runbook: Runbook,
  given: { readonly pipeline?: string; readonly alarm?: string },
  pipelines: Pipelines,
): { readonly name: string; readonly config: Pipeline } {
  const names = Object.keys(pipelines);
  if (names.length === 0) {
    throw new ConfigError('the config defines no pipelines, so a runbook has nothing to act on; add a `pipelines:` section (see tripline.config.yaml)');
  }
  const pick = (name: string): { name: string; config: Pipeline } | undefined => {
    const config = pipelines[name];
    return config === undefined ? undefined : { name, config };
  };
  if (given.pipeline !== undefined) {
    const chosen = pick(given.pipeline);
    if (chosen === undefined) throw new InputError(`unknown pipeline "${given.pipeline}"; the config defines ${names.join(', ')}`);
    return chosen;
  }
  if (given.alarm !== undefined && runbook.pipelineFrom === 'alarm') {
    const owner = names.find((name) => {
      const config = pipelines[name];
      return config !== undefined && given.alarm?.startsWith(alarmPrefixOf(name, config)) === true;
    });
    const chosen = owner === undefined ? undefined : pick(owner);
    if (chosen === undefined) {
      throw new InputError(
        `alarm "${given.alarm}" belongs to no pipeline (no pipeline's alarm prefix starts it: ${Object.entries(pipelines).map(([n, p]) => `${n} → ${alarmPrefixOf(n, p)}`).join(', ')}); pass --pipeline <name>`,
      );
    }
    return chosen;
  }
  const only = names.length === 1 && names[0] !== undefined ? pick(names[0]) : undefined;
  if (only !== undefined) return only;
  throw new InputError(`runbook ${runbook.id} needs a pipeline: pass --pipeline <name> (${names.join(', ')})`);
}
