import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';
import * as z from 'zod/mini';
import '../zod-config.js';
import { parseFilter } from '../aws/redrive/filter.js';
import { patternProblem } from '../config/pattern.js';
import { RunbookError } from '../errors.js';
import {
  STEP_KINDS,
  type ActStep,
  type ConditionCompiler,
  type Runbook,
  type RunbookAction,
  type RunbookBlock,
  type RunbookStep,
  type StepKind,
} from './types.js';

/** Placeholders an act step may use; filled from the pipeline's config when the step runs. */
export const ACT_PLACEHOLDERS = ['pipeline', 'dlq', 'failedQueue', 'stream', 'processor', 'timestamp'] as const;

/** SQS StartMessageMoveTask's MaxNumberOfMessagesPerSecond ceiling. */
export const NATIVE_MAX_RATE = 500;

const DEFAULT_EVERY_SECONDS = 30;

const requiredText = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `is required: ${what}` : `must be text: ${what}`) })
    .check(z.minLength(1, `must not be empty: ${what}`));

export const RunbookFrontMatterSchema = z.strictObject({
  id: requiredText('a short name such as dlq-redrive').check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and "-" (at most 64), e.g. dlq-redrive'),
  ),
  title: requiredText('one line saying what the runbook fixes'),
  summary: z.optional(z.string({ error: 'must be text' })),
  alarms: z
    .array(
      z
        .string({ error: 'must be an alarm-name glob such as "tripline-*-dlq-depth"' })
        .check(z.refine((p) => patternProblem(p) === undefined, { error: (issue) => patternProblem(String(issue.input)) ?? 'is not a valid pattern' })),
      { error: (issue) => (issue.input === undefined ? 'is required: a list of alarm-name globs, e.g. ["tripline-*-dlq-depth"]' : 'must be a list of alarm-name globs, e.g. ["tripline-*-dlq-depth"]') },
    )
    .check(z.minLength(1, 'must list at least one alarm-name glob, e.g. "tripline-*-dlq-depth"')),
  pipelineFrom: z.optional(z.enum(['alarm', 'ask'], { error: 'must be "alarm" (the default: --pipeline, else the alarm\'s pipeline) or "ask" (--pipeline is required)' })),
});
export type RunbookFrontMatter = z.infer<typeof RunbookFrontMatterSchema>;

export interface ParseRunbookOptions {
  /** Checks every condition when given (a bad condition is reported with its line). */
  readonly conditions?: ConditionCompiler;
}

/**
 * Parses one runbook file. Every problem is collected and reported together
 * as `<file>:<line>: <what>`.
 *
 * @example parseRunbook(await readFile('runbooks/dlq-redrive.md', 'utf8'), 'runbooks/dlq-redrive.md', { conditions })
 * @throws RunbookError (exit 2) listing every problem.
 */
export function parseRunbook(text: string, file: string, options: ParseRunbookOptions = {}): Runbook {
  const { runbook, issues } = parseRunbookCollecting(text, file, options);
  if (runbook === undefined || issues.length > 0) {
    throw new RunbookError(`${file}: the runbook cannot be used; fix:`, issues);
  }
  return runbook;
}

/** parseRunbook without throwing: the runbook (when usable) and every problem found. */
export function parseRunbookCollecting(text: string, file: string, options: ParseRunbookOptions = {}): { runbook?: Runbook; issues: string[] } {
  const issues: string[] = [];
  const report = (line: number, message: string): void => {
    issues.push(`${file}:${line}: ${message}`);
  };
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');

  if ((lines[0] ?? '').trim() !== '---') {
    report(1, 'no front matter: start the file with a "---" line, then id, title and alarms, then "---"');
    return { issues };
  }
  const close = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(l));
  if (close < 0) {
    report(1, 'the front matter is never closed: end it with a "---" line before the Markdown');
    return { issues };
  }
  const front = parseFrontMatter(lines.slice(1, close).join('\n'), 2, report);
  const body = parseBody(lines, close + 1, report, options.conditions);
  if (body.stepBlocks === 0 && body.complete) {
    report(close + 2 > lines.length ? close + 1 : close + 2, 'no steps: add at least one ```check, ```act, ```wait or ```verify block');
  }
  if (front === undefined) return { issues };
  return {
    issues,
    runbook: {
      id: front.id,
      title: front.title,
      ...(front.summary !== undefined ? { summary: front.summary } : {}),
      alarms: front.alarms,
      pipelineFrom: front.pipelineFrom ?? 'alarm',
      file,
      blocks: body.blocks,
      steps: body.steps,
    },
  };
}

type Report = (line: number, message: string) => void;

function parseFrontMatter(text: string, firstLine: number, report: Report): RunbookFrontMatter | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line + firstLine - 1;
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    // Only the first: after one syntax error most later tokens are reported too.
    report(lineAt(syntax.pos[0]), `front matter is not valid YAML: ${syntax.message.split('\n')[0] ?? syntax.message}`);
    return undefined;
  }
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    report(firstLine, 'the front matter must be a mapping: id, title, alarms (and optionally summary, pipelineFrom)');
    return undefined;
  }
  const parsed = RunbookFrontMatterSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        report(keyLine(doc, key, lineAt) ?? firstLine, `unknown front-matter key "${key}"; the keys are id, title, summary, alarms, pipelineFrom`);
      }
      continue;
    }
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const node = doc.getIn(path, true);
    const line = isNode(node) && node.range ? lineAt(node.range[0]) : (keyLine(doc, String(path[0] ?? ''), lineAt) ?? firstLine);
    report(line, `${path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace('.[', '[') || 'front matter'}: ${issue.message}`);
  }
  return undefined;
}

function keyLine(doc: Document, key: string, lineAt: (offset: number) => number): number | undefined {
  if (!isMap(doc.contents)) return undefined;
  for (const pair of doc.contents.items) {
    if (isScalar(pair.key) && pair.key.value === key && pair.key.range) return lineAt(pair.key.range[0]);
  }
  return undefined;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

function parseBody(
  lines: readonly string[],
  start: number,
  report: Report,
  conditions: ConditionCompiler | undefined,
): { blocks: RunbookBlock[]; steps: RunbookStep[]; stepBlocks: number; complete: boolean } {
  const blocks: RunbookBlock[] = [];
  let stepBlocks = 0;
  const steps: RunbookStep[] = [];
  let prose: string[] = [];
  let proseLine = start + 1;
  const flush = (): void => {
    while (prose.length > 0 && (prose[0] ?? '').trim() === '') {
      prose.shift();
      proseLine += 1;
    }
    while (prose.length > 0 && (prose[prose.length - 1] ?? '').trim() === '') prose.pop();
    if (prose.length > 0) blocks.push({ kind: 'markdown', text: prose.join('\n'), line: proseLine });
    prose = [];
  };

  let i = start;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const open = FENCE_OPEN.exec(line);
    const fence = open?.[1];
    const info = (open?.[2] ?? '').trim();
    if (open === null || fence === undefined || (fence.startsWith('`') && info.includes('`'))) {
      if (prose.length === 0) proseLine = i + 1;
      prose.push(line);
      i += 1;
      continue;
    }
    const closeRe = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !closeRe.test(lines[end] ?? '')) end += 1;
    const word = info.split(/\s+/)[0] ?? '';
    const kind = STEP_KINDS.find((k) => k === word);
    if (end >= lines.length) {
      report(
        i + 1,
        kind !== undefined
          ? `the ${fence}${kind} block opened here is never closed; end it with ${fence}`
          : `the code block opened here is never closed (it would hide every step after it); end it with ${fence}`,
      );
      return { blocks, steps, stepBlocks, complete: false };
    }
    if (kind === undefined) {
      // A step fence inside an unclosed code block would silently become part of it.
      const swallowed = lines.slice(i + 1, end).findIndex((l) => new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{3,}\\s*(${STEP_KINDS.join('|')})\\b`).test(l));
      if (swallowed >= 0) {
        stepBlocks += 1;
        report(i + swallowed + 2, `this ${(lines[i + swallowed + 1] ?? '').trim()} line is inside the code block opened on line ${i + 1}; close that block with ${fence} first`);
      }
      if (prose.length === 0) proseLine = i + 1;
      prose.push(...lines.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    flush();
    stepBlocks += 1;
    const label = info.slice(word.length).trim();
    const step = parseStep(kind, label, lines, i, end, steps.length + 1, report, conditions);
    if (step !== undefined) {
      steps.push(step);
      blocks.push({ kind: 'step', step });
    }
    i = end + 1;
  }
  flush();
  return { blocks, steps, stepBlocks, complete: true };
}

function parseStep(
  kind: StepKind,
  label: string,
  lines: readonly string[],
  open: number,
  close: number,
  index: number,
  report: Report,
  conditions: ConditionCompiler | undefined,
): RunbookStep | undefined {
  const content: { text: string; line: number }[] = [];
  for (let j = open + 1; j < close; j += 1) {
    const text = (lines[j] ?? '').trim();
    if (text === '' || text.startsWith('#')) continue;
    content.push({ text, line: j + 1 });
  }
  const first = content[0];
  if (first === undefined) {
    report(open + 1, `empty ${kind} step: ${EXPECTED[kind]}`);
    return undefined;
  }
  const line = first.line;
  const source = content.map((c) => c.text).join(' ');
  const base = { index, line, source, ...(label !== '' ? { label } : {}) };
  const at = (message: string): undefined => {
    report(line, message);
    return undefined;
  };

  const checkCondition = (condition: string): boolean => {
    if (condition === '') {
      at(`${kind} step without a condition: ${EXPECTED[kind]}`);
      return false;
    }
    const stray = /(?:^|\s)([a-zA-Z]+)=(?!=)(\S*)/.exec(condition);
    if (stray !== null) {
      at(`${stray[1] ?? ''}=${stray[2] ?? ''}: options come after the condition, each a key=value without spaces (e.g. timeout=10m)`);
      return false;
    }
    if (conditions === undefined) return true;
    try {
      conditions(condition);
      return true;
    } catch (error) {
      // The compiler's message may name the condition itself; say it once.
      const message = (error instanceof Error ? error.message : String(error)).replace(`condition "${condition}": `, '');
      at(`${kind} condition "${condition}": ${message}`);
      return false;
    }
  };

  switch (kind) {
    case 'check': {
      const { condition, options } = splitOptions(source);
      if (options.length > 0) {
        return at(`a check takes no options (found ${options.map((o) => `${o.key}=`).join(', ')}); to require a condition over time use \`\`\`verify <condition> for=10m`);
      }
      return checkCondition(condition) ? { ...base, kind, condition } : undefined;
    }
    case 'verify': {
      const { condition, options } = splitOptions(source);
      const opts = durations(options, ['for', 'every'], 'verify', at);
      if (opts === undefined) return undefined;
      if (opts['every'] !== undefined && opts['for'] === undefined) return at('every= needs for=: a verify without for= is evaluated once');
      if (!checkCondition(condition)) return undefined;
      const forSeconds = opts['for'];
      const everySeconds = opts['every'] ?? Math.min(DEFAULT_EVERY_SECONDS, forSeconds ?? DEFAULT_EVERY_SECONDS);
      return { ...base, kind, condition, everySeconds, ...(forSeconds !== undefined ? { forSeconds } : {}) };
    }
    case 'wait': {
      const match = /^until\s+(.*)$/.exec(source);
      if (match === null) return at(`a wait step reads "until <condition> timeout=<duration> [every=<duration>]", got "${source}"`);
      const { condition, options } = splitOptions(match[1] ?? '');
      const opts = durations(options, ['timeout', 'every'], 'wait', at);
      if (opts === undefined || !checkCondition(condition)) return undefined;
      const timeoutSeconds = opts['timeout'];
      if (timeoutSeconds === undefined) return at('a wait step needs timeout=<duration> (e.g. timeout=30m), so it cannot wait forever');
      const everySeconds = opts['every'] ?? Math.min(DEFAULT_EVERY_SECONDS, timeoutSeconds);
      if (everySeconds > timeoutSeconds) return at(`every=${everySeconds}s is longer than timeout=${timeoutSeconds}s; poll more often than the timeout`);
      return { ...base, kind, condition, timeoutSeconds, everySeconds };
    }
    case 'act': {
      if (content.length > 1) return at('an act step holds one action; put each action in its own ```act block');
      const action = parseAction(source, at);
      return action === undefined ? undefined : ({ ...base, kind, action } satisfies ActStep);
    }
  }
}

const EXPECTED: Readonly<Record<StepKind, string>> = {
  check: 'write the condition between the fences, e.g. processor.errorRate < threshold.processorErrorRate',
  verify: 'write the condition between the fences, e.g. processor.errorRate < threshold.processorErrorRate for=10m',
  wait: 'write "until <condition> timeout=<duration>", e.g. until dlq.depth == 0 timeout=30m every=30s',
  act: 'write one action: redrive [mode=native|selective] [rate=<n>] [to=<queue>] ..., cancel, or export file=<path>',
};

/** Trailing `key=value` words are options; the rest is the condition. */
function splitOptions(text: string): { condition: string; options: { key: string; value: string }[] } {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const options: { key: string; value: string }[] = [];
  for (;;) {
    const last = words[words.length - 1];
    const m = last === undefined ? null : /^([a-zA-Z]+)=([^=].*)$/.exec(last);
    if (m === null) break;
    options.unshift({ key: m[1] ?? '', value: m[2] ?? '' });
    words.pop();
  }
  return { condition: words.join(' '), options };
}

function durations(
  options: readonly { key: string; value: string }[],
  allowed: readonly string[],
  kind: string,
  at: (message: string) => undefined,
): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const { key, value } of options) {
    if (!allowed.includes(key)) return at(`unknown option ${key}= for ${kind}; ${kind} takes ${allowed.map((a) => `${a}=`).join(' and ')}`);
    if (out[key] !== undefined) return at(`${key}= is given twice`);
    const seconds = parseDuration(value);
    if (seconds === undefined) return at(`${key}=${value} is not a duration; write e.g. 30s, 10m, 1h or 1h30m`);
    out[key] = seconds;
  }
  return out;
}

/**
 * `30s`, `10m`, `2h`, `1h30m` → seconds; undefined when not a positive duration.
 *
 * @example parseDuration('1h30m') // 5400
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (m === null || text === '') return undefined;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds > 0 ? seconds : undefined;
}

/** Formats seconds the way runbooks write them: `1h30m`, `10m`, `45s`. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  const out = `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
  return out === '' ? '0s' : out;
}

const ACT_KEYS: Readonly<Record<RunbookAction['verb'], readonly string[]>> = {
  redrive: ['queue', 'to', 'mode', 'rate', 'filter', 'max', 'backup'],
  cancel: ['queue'],
  export: ['queue', 'file', 'max'],
};

function parseAction(source: string, at: (message: string) => undefined): RunbookAction | undefined {
  const tokens = tokenize(source);
  if (typeof tokens === 'string') return at(tokens);
  const [verb, ...rest] = tokens;
  if (verb !== 'redrive' && verb !== 'cancel' && verb !== 'export') {
    return at(`unknown action "${verb ?? ''}"; an act step is redrive, cancel or export`);
  }
  const args = new Map<string, string>();
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq <= 0) return at(`expected key=value after ${verb}, got "${token}"`);
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (!ACT_KEYS[verb].includes(key)) return at(`unknown option ${key}= for ${verb}; ${verb} takes ${ACT_KEYS[verb].map((k) => `${k}=`).join(' ')}`);
    if (args.has(key)) return at(`${key}= is given twice`);
    if (value === '') return at(`${key}= has no value`);
    const bad = unknownPlaceholder(value);
    if (bad !== undefined) return at(`${key}=${value}: unknown placeholder ${bad}; use ${ACT_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
    args.set(key, value);
  }
  const queue = args.get('queue') ?? '{dlq}';
  if (verb === 'cancel') return { verb, queue };
  const max = args.get('max');
  const maxValue = max === undefined ? undefined : Number(max);
  if (maxValue !== undefined && !(Number.isInteger(maxValue) && maxValue > 0)) return at(`max=${max ?? ''} must be a whole number of messages above 0`);
  if (verb === 'export') {
    const file = args.get('file');
    if (file === undefined) return at('export needs file=<path>, e.g. file=.tripline/backups/{pipeline}-dlq-{timestamp}.jsonl');
    return { verb, queue, file, ...(maxValue !== undefined ? { max: maxValue } : {}) };
  }
  const mode = args.get('mode') ?? 'native';
  if (mode !== 'native' && mode !== 'selective') return at(`mode=${mode} is not a redrive mode; use mode=native or mode=selective`);
  const rate = args.get('rate');
  const rateValue = rate === undefined ? undefined : Number(rate);
  if (rateValue !== undefined) {
    if (mode === 'native' && !(Number.isInteger(rateValue) && rateValue >= 1 && rateValue <= NATIVE_MAX_RATE)) {
      return at(`rate=${rate ?? ''} must be a whole number of messages per second from 1 to ${NATIVE_MAX_RATE} (SQS's limit for a native redrive)`);
    }
    if (!(Number.isFinite(rateValue) && rateValue > 0)) return at(`rate=${rate ?? ''} must be a number of messages per second above 0`);
  }
  if (mode === 'native') {
    for (const key of ['filter', 'max', 'backup']) {
      if (args.has(key)) {
        return at(
          key === 'backup'
            ? 'backup= needs mode=selective; before a native redrive, back up with its own step: ```act then export file=<path>'
            : `${key}= needs mode=selective: a native redrive moves every message`,
        );
      }
    }
  }
  const backup = args.get('backup');
  if (backup !== undefined && /^(yes|true|no|false)$/i.test(backup)) {
    return at(`backup=${backup}: name the backup file, e.g. backup=.tripline/backups/{pipeline}-dlq-{timestamp}.jsonl`);
  }
  const to = args.get('to');
  const filter = args.get('filter');
  if (filter !== undefined) {
    try {
      parseFilter(filter);
    } catch (error) {
      return at(`filter=${filter}: ${(error instanceof Error ? error.message : String(error)).replace(/^--filter:?\s*/, '')}`);
    }
  }
  return {
    verb,
    queue,
    mode,
    ...(rateValue !== undefined ? { rate: rateValue } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(maxValue !== undefined ? { max: maxValue } : {}),
    ...(backup !== undefined ? { backup } : {}),
  };
}

function unknownPlaceholder(value: string): string | undefined {
  for (const m of value.matchAll(/\{([^{}]*)\}/g)) {
    if (!(ACT_PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')) return m[0];
  }
  return undefined;
}

/** Splits on blanks; `"..."` and `'...'` keep blanks inside a value (`filter="a b"`). A string is an error message. */
function tokenize(text: string): string[] | string {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote !== undefined) return `a ${quote} quote is never closed`;
  if (inToken) tokens.push(current);
  return tokens;
}
