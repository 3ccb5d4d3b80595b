/*
 * The condition language of runbook checks, e.g.
 *   dlq.depth == 0
 *   processor.errorRate < threshold.processorErrorRate
 *   quality.invalidRate < 2% and (dlq.oldestAgeSeconds < 3600 or dlq.depth == 0)
 *
 * Grammar (keywords case-insensitive):
 *   condition  := or
 *   or         := and ("or" and)*
 *   and        := primary ("and" primary)*
 *   primary    := "(" or ")" | comparison
 *   comparison := operand ("<" | "<=" | ">" | ">=" | "==" | "!=") operand
 *   operand    := path | "threshold." name | number ["%"]
 *
 * A hand-written parser over a fixed list of paths: nothing is evaluated as
 * code. A comparison with a missing value (no data) is false, and says so.
 */
import { PipelineThresholdsSchema } from '../config/pipelines.js';
import type { PipelineHealth, QueueStats } from '../domain/health.js';
import { ConditionError } from '../errors.js';

/** What a condition is evaluated against: a snapshot row, and queue attributes read since (they win). */
export interface ConditionContext {
  readonly health?: PipelineHealth;
  readonly queues?: { readonly failed?: QueueStats | undefined; readonly dlq?: QueueStats | undefined };
  /** Default: `health.thresholds`. */
  readonly thresholds?: Readonly<Record<string, number>>;
  /** For `warehouse.lastDeliveryAgeSeconds`; default the time of the call. */
  readonly now?: Date;
}

type Getter = (c: ConditionContext) => number | undefined;

const depthOf = (queue: 'failed' | 'dlq'): Getter => (c) => {
  const live = c.queues?.[queue];
  if (live) return live.visible;
  return queue === 'failed' ? c.health?.failedQueue.depth.value : c.health?.dlq.depth.value;
};
const statOf = (queue: 'failed' | 'dlq', field: 'visible' | 'inFlight' | 'delayed'): Getter => (c) =>
  (c.queues?.[queue] ?? (queue === 'failed' ? c.health?.failedQueue.stats : c.health?.dlq.stats))?.[field];

/** Every path a condition may name, with where its value comes from. Rates are 0–1, ages seconds. */
const GETTERS: Readonly<Record<string, Getter>> = {
  'lag.seconds': (c) => c.health?.lagSeconds.value,
  'processor.errors': (c) => c.health?.processorErrors.value,
  'processor.errorRate': (c) => c.health?.processorErrorRate.value,
  'processor.throttles': (c) => c.health?.throttles.value,
  'failed.depth': depthOf('failed'),
  'failed.oldestAgeSeconds': (c) => c.health?.failedQueue.oldestAgeSeconds.value,
  'failed.visible': statOf('failed', 'visible'),
  'failed.inFlight': statOf('failed', 'inFlight'),
  'failed.delayed': statOf('failed', 'delayed'),
  'dlq.depth': depthOf('dlq'),
  'dlq.oldestAgeSeconds': (c) => c.health?.dlq.oldestAgeSeconds.value,
  'dlq.visible': statOf('dlq', 'visible'),
  'dlq.inFlight': statOf('dlq', 'inFlight'),
  'dlq.delayed': statOf('dlq', 'delayed'),
  'freshness.seconds': (c) => c.health?.freshnessSeconds.value,
  'quality.invalidRate': (c) => c.health?.invalidRate.value,
  'quality.duplicateRate': (c) => c.health?.duplicateRate.value,
  'quality.lateRate': (c) => c.health?.lateRate.value,
  'collector.requestsPerMinute': (c) => c.health?.collector?.requestsPerMinute.value,
  'collector.errorRate5xx': (c) => c.health?.collector?.errorRate5xx.value,
  'collector.p99LatencyMs': (c) => c.health?.collector?.p99LatencyMs.value,
  'warehouse.deliverySuccessRate': (c) => c.health?.deliverySuccessRate?.value,
  'warehouse.lastDeliveryAgeSeconds': (c) => {
    const at = c.health?.lastDeliveryAt;
    return at === undefined ? undefined : Math.max(0, ((c.now ?? new Date()).getTime() - at.getTime()) / 1000);
  },
};

/** The paths a condition may name (`dlq.depth`, `processor.errorRate`, …). */
export const CONDITION_PATHS: readonly string[] = Object.keys(GETTERS);
/** The names `threshold.<name>` may use: the fields of `pipelines.<name>.thresholds`. */
export const THRESHOLD_NAMES: readonly string[] = Object.keys(PipelineThresholdsSchema.shape);

export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Operand =
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'threshold'; readonly name: string };

export type ConditionNode =
  | { readonly kind: 'compare'; readonly left: Operand; readonly op: ComparisonOp; readonly right: Operand }
  | { readonly kind: 'and' | 'or'; readonly items: readonly ConditionNode[] };

/** A parsed condition; evaluate it many times with {@link evaluateCondition}. */
export interface Condition {
  readonly source: string;
  readonly root: ConditionNode;
}

export interface ConditionResult {
  readonly ok: boolean;
  /** Every path and `threshold.<name>` the condition names, with its value (undefined: no data). */
  readonly values: Record<string, number | undefined>;
  /** One line per comparison, e.g. `dlq.depth == 0 → false (dlq.depth = 3)`. */
  readonly text: string;
}

// ── tokens ──

type Token =
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly column: number }
  | { readonly kind: 'name'; readonly text: string; readonly column: number }
  | { readonly kind: 'op'; readonly text: ComparisonOp; readonly column: number }
  | { readonly kind: 'and' | 'or' | '(' | ')'; readonly text: string; readonly column: number }
  | { readonly kind: 'end'; readonly text: ''; readonly column: number };

const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?%?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;
const OPS: readonly ComparisonOp[] = ['<=', '>=', '==', '!=', '<', '>'];
const MISTAKES: Readonly<Record<string, string>> = { '&&': 'use "and"', '||': 'use "or"', '=': 'use "==" to compare', '!': 'use "!=" to compare' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const column = i + 1;
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number && !(tokens.length > 0 && isOperandEnd(tokens[tokens.length - 1]) && rest.startsWith('-'))) {
      const text = number[0];
      const percent = text.endsWith('%');
      const value = Number(percent ? text.slice(0, -1) : text) / (percent ? 100 : 1);
      tokens.push({ kind: 'number', value, text, column });
      i += text.length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      const word = name[0].toLowerCase();
      tokens.push(word === 'and' || word === 'or' ? { kind: word, text: name[0], column } : { kind: 'name', text: name[0], column });
      i += name[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: 'op', text: op, column });
      i += op.length;
      continue;
    }
    if (rest[0] === '(' || rest[0] === ')') {
      tokens.push({ kind: rest[0], text: rest[0], column });
      i += 1;
      continue;
    }
    const mistake = Object.keys(MISTAKES).find((m) => rest.startsWith(m));
    const shown = mistake ?? rest[0] ?? '';
    throw fail(source, column, `unexpected "${shown}"${mistake ? `: ${MISTAKES[mistake] ?? ''}` : ''}`);
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}

function isOperandEnd(token: Token | undefined): boolean {
  return token !== undefined && (token.kind === 'number' || token.kind === 'name' || token.kind === ')');
}

function fail(source: string, column: number, what: string): ConditionError {
  return new ConditionError(`condition "${source}": ${what} at column ${column}`, { condition: source, column });
}

// ── parser ──

/**
 * Parses a condition, checking every path and threshold name.
 *
 * @throws ConditionError naming the bad token, its column and what is valid there.
 * @example
 * const check = parseCondition('dlq.depth == 0 and lag.seconds <= 60');
 */
export function parseCondition(source: string): Condition {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token => tokens[pos] ?? { kind: 'end', text: '', column: source.length + 1 };
  const describe = (t: Token): string => (t.kind === 'end' ? 'the end' : `"${t.text}"`);

  const operand = (after: string): Operand => {
    const t = peek();
    if (t.kind === 'number') {
      pos++;
      return { kind: 'number', value: t.value, text: t.text };
    }
    if (t.kind === 'name') {
      pos++;
      if (t.text.startsWith('threshold.')) {
        const name = t.text.slice('threshold.'.length);
        if (!THRESHOLD_NAMES.includes(name)) {
          throw fail(source, t.column, `unknown threshold "${t.text}"${suggest(name, THRESHOLD_NAMES, 'threshold.')}; valid: ${THRESHOLD_NAMES.map((n) => `threshold.${n}`).join(', ')}`);
        }
        return { kind: 'threshold', name };
      }
      if (!CONDITION_PATHS.includes(t.text)) {
        throw fail(source, t.column, `unknown path "${t.text}"${suggest(t.text, CONDITION_PATHS, '')}; valid paths: ${CONDITION_PATHS.join(', ')}`);
      }
      return { kind: 'path', path: t.text };
    }
    throw fail(source, t.column, `expected a path, a number or threshold.<name> ${after}, found ${describe(t)}`);
  };

  const primary = (): ConditionNode => {
    const t = peek();
    if (t.kind === '(') {
      pos++;
      const inner = or();
      const close = peek();
      if (close.kind !== ')') throw fail(source, close.column, `expected ")" to close the "(" at column ${t.column}, found ${describe(close)}`);
      pos++;
      return inner;
    }
    const left = operand(t.kind === 'end' && pos === 0 ? '(the condition is empty)' : 'to compare');
    const op = peek();
    if (op.kind !== 'op') {
      throw fail(source, op.column, `expected a comparison (${OPS.join(' ')}) after ${left.kind === 'number' ? left.text : left.kind === 'path' ? left.path : `threshold.${left.name}`}, found ${describe(op)}`);
    }
    pos++;
    const right = operand(`after "${op.text}"`);
    return { kind: 'compare', left, op: op.text, right };
  };

  const and = (): ConditionNode => {
    const items = [primary()];
    while (peek().kind === 'and') {
      pos++;
      items.push(primary());
    }
    return items.length === 1 && items[0] ? items[0] : { kind: 'and', items };
  };

  const or = (): ConditionNode => {
    const items = [and()];
    while (peek().kind === 'or') {
      pos++;
      items.push(and());
    }
    return items.length === 1 && items[0] ? items[0] : { kind: 'or', items };
  };

  const root = or();
  const rest = peek();
  if (rest.kind !== 'end') throw fail(source, rest.column, `unexpected ${describe(rest)}; expected "and", "or"${rest.kind === ')' ? '' : ', ")"'} or the end`);
  return { source, root };
}

/** ` (did you mean x?)` for a name one or two edits away from a valid one. */
function suggest(name: string, valid: readonly string[], prefix: string): string {
  let best: { name: string; distance: number } | undefined;
  for (const v of valid) {
    const d = distance(name.toLowerCase(), v.toLowerCase());
    if (d <= 2 && (best === undefined || d < best.distance)) best = { name: v, distance: d };
  }
  return best === undefined ? '' : ` (did you mean ${prefix}${best.name}?)`;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

// ── evaluation ──

/**
 * Evaluates a condition against a pipeline's health (and queue attributes).
 * Every comparison is evaluated (so `values` is complete); one with a missing
 * value is false.
 *
 * @throws ConditionError when `condition` is text that does not parse.
 * @example
 * evaluateCondition('dlq.depth == 0', { health }).ok;
 */
export function evaluateCondition(condition: string | Condition, context: ConditionContext): ConditionResult {
  const parsed = typeof condition === 'string' ? parseCondition(condition) : condition;
  const thresholds = context.thresholds ?? context.health?.thresholds ?? {};
  const values: Record<string, number | undefined> = {};
  const lines: string[] = [];

  const valueOf = (o: Operand): number | undefined => {
    if (o.kind === 'number') return o.value;
    const key = nameOf(o);
    const value = o.kind === 'path' ? GETTERS[o.path]?.(context) : thresholds[o.name];
    const v = value !== undefined && Number.isFinite(value) ? value : undefined;
    values[key] = v;
    return v;
  };

  const visit = (node: ConditionNode): boolean => {
    if (node.kind !== 'compare') {
      const results = node.items.map(visit);
      return node.kind === 'and' ? results.every(Boolean) : results.some(Boolean);
    }
    const left = valueOf(node.left);
    const right = valueOf(node.right);
    const text = `${nameOf(node.left)} ${node.op} ${nameOf(node.right)}`;
    const named = [node.left, node.right].filter((o) => o.kind !== 'number');
    const missing = named.filter((o) => values[nameOf(o)] === undefined).map(nameOf);
    if (left === undefined || right === undefined) {
      lines.push(`${text} → false: no data for ${missing.join(', ')}`);
      return false;
    }
    const ok = compare(left, node.op, right);
    const shown = named.map((o) => `${nameOf(o)} = ${formatNumber(values[nameOf(o)])}`).join(', ');
    lines.push(`${text} → ${ok}${shown === '' ? '' : ` (${shown})`}`);
    return ok;
  };

  const ok = visit(parsed.root);
  return { ok, values, text: lines.join('\n') };
}

function nameOf(o: Operand): string {
  return o.kind === 'number' ? o.text : o.kind === 'path' ? o.path : `threshold.${o.name}`;
}

function compare(left: number, op: ComparisonOp, right: number): boolean {
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '==':
      return left === right;
    case '!=':
      return left !== right;
  }
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return 'no data';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
