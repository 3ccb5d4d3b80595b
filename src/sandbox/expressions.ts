/**
 * The two small languages CloudWatch alarms are written in, as far as the
 * shipped alarms use them:
 * - metric math: numbers, input ids, `+ - * /`, comparisons, `AND`/`OR`,
 *   `IF(condition, then, else)`, `FILL(series, value)` (a missing datapoint
 *   becomes `value`) and parentheses;
 * - composite alarm rules: `ALARM("name")`, `OK(name)`,
 *   `INSUFFICIENT_DATA("name")`, `TRUE`, `FALSE`, `AND`, `OR`, `NOT` and
 *   parentheses.
 * Both parse once into a closure; a syntax error throws a RangeError naming
 * the position.
 */

type Token = { kind: 'num'; value: number; at: number } | { kind: 'id'; value: string; at: number } | { kind: 'str'; value: string; at: number } | { kind: 'op'; value: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const num = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (num !== null) {
      tokens.push({ kind: 'num', value: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (id !== null) {
      tokens.push({ kind: 'id', value: id[0], at: i });
      i += id[0].length;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new RangeError(`unterminated string at ${i} in ${JSON.stringify(text)}`);
      tokens.push({ kind: 'str', value: text.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const op = /^(>=|<=|==|!=|[-+*/(),<>])/.exec(rest);
    if (op === null) throw new RangeError(`unexpected "${c}" at ${i} in ${JSON.stringify(text)}`);
    tokens.push({ kind: 'op', value: op[0], at: i });
    i += op[0].length;
  }
  return tokens;
}

class Parser {
  #i = 0;
  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
  ) {}
  peek(): Token | undefined {
    return this.tokens[this.#i];
  }
  next(): Token {
    const t = this.tokens[this.#i++];
    if (t === undefined) throw new RangeError(`unexpected end of ${JSON.stringify(this.text)}`);
    return t;
  }
  isOp(value: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'op' && t.value === value;
  }
  isWord(value: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'id' && t.value.toUpperCase() === value;
  }
  expect(value: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.value !== value) throw new RangeError(`expected "${value}" at ${t.at} in ${JSON.stringify(this.text)}`);
  }
  end(): void {
    const t = this.peek();
    if (t !== undefined) throw new RangeError(`unexpected "${String(t.value)}" at ${t.at} in ${JSON.stringify(this.text)}`);
  }
}

/** A compiled metric-math expression: undefined when an input it needs has no value (or it divides by zero). */
export type MathExpression = ((values: Readonly<Record<string, number | undefined>>) => number | undefined) & { readonly inputs: readonly string[] };

type Num = (v: Readonly<Record<string, number | undefined>>) => number | undefined;

/**
 * @example compileMath('IF(invocations > 0, 100 * errors / invocations, 0)')({ errors: 2, invocations: 50 }) // 4
 */
export function compileMath(text: string): MathExpression {
  const p = new Parser(text, tokenize(text));
  const inputs = new Set<string>();
  const lift =
    (a: Num, b: Num, f: (x: number, y: number) => number): Num =>
    (v) => {
      const x = a(v);
      const y = b(v);
      if (x === undefined || y === undefined) return undefined;
      const r = f(x, y);
      return Number.isFinite(r) ? r : undefined;
    };
  const or = (): Num => {
    let left = and();
    while (p.isWord('OR')) {
      p.next();
      left = lift(left, and(), (x, y) => (x !== 0 || y !== 0 ? 1 : 0));
    }
    return left;
  };
  const and = (): Num => {
    let left = cmp();
    while (p.isWord('AND')) {
      p.next();
      left = lift(left, cmp(), (x, y) => (x !== 0 && y !== 0 ? 1 : 0));
    }
    return left;
  };
  const cmp = (): Num => {
    const left = add();
    for (const op of ['>=', '<=', '==', '!=', '>', '<'] as const) {
      if (!p.isOp(op)) continue;
      p.next();
      const right = add();
      const test = { '>=': (x: number, y: number) => x >= y, '<=': (x: number, y: number) => x <= y, '==': (x: number, y: number) => x === y, '!=': (x: number, y: number) => x !== y, '>': (x: number, y: number) => x > y, '<': (x: number, y: number) => x < y }[op];
      return lift(left, right, (x, y) => (test(x, y) ? 1 : 0));
    }
    return left;
  };
  const add = (): Num => {
    let left = mul();
    while (p.isOp('+') || p.isOp('-')) {
      const op = p.next().value;
      left = lift(left, mul(), op === '+' ? (x, y) => x + y : (x, y) => x - y);
    }
    return left;
  };
  const mul = (): Num => {
    let left = unary();
    while (p.isOp('*') || p.isOp('/')) {
      const op = p.next().value;
      left = lift(left, unary(), op === '*' ? (x, y) => x * y : (x, y) => x / y);
    }
    return left;
  };
  const unary = (): Num => {
    if (p.isOp('-')) {
      p.next();
      const inner = unary();
      return (v) => {
        const x = inner(v);
        return x === undefined ? undefined : -x;
      };
    }
    return primary();
  };
  const primary = (): Num => {
    const t = p.next();
    if (t.kind === 'num') return () => t.value;
    if (t.kind === 'op' && t.value === '(') {
      const inner = or();
      p.expect(')');
      return inner;
    }
    if (t.kind === 'id' && t.value.toUpperCase() === 'IF' && p.isOp('(')) {
      p.next();
      const cond = or();
      p.expect(',');
      const then = or();
      p.expect(',');
      const otherwise = or();
      p.expect(')');
      return (v) => {
        const c = cond(v);
        if (c === undefined) return undefined;
        return c !== 0 ? then(v) : otherwise(v);
      };
    }
    if (t.kind === 'id' && t.value.toUpperCase() === 'FILL' && p.isOp('(')) {
      p.next();
      const series = or();
      p.expect(',');
      const fill = or();
      p.expect(')');
      return (v) => series(v) ?? fill(v);
    }
    if (t.kind === 'id') {
      inputs.add(t.value);
      return (v) => v[t.value];
    }
    throw new RangeError(`unexpected "${String(t.value)}" at ${t.at} in ${JSON.stringify(text)}`);
  };
  const root = or();
  p.end();
  return Object.assign((values: Readonly<Record<string, number | undefined>>) => root(values), { inputs: [...inputs] });
}

export type RuleState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** A compiled composite rule, over the states of the alarms it names. */
export type CompositeRule = ((stateOf: (alarmName: string) => RuleState | undefined) => boolean) & { readonly alarms: readonly string[] };

/**
 * @example compileRule('ALARM("a") OR (ALARM(b) AND NOT OK("c"))')((n) => (n === 'a' ? 'ALARM' : 'OK')) // true
 */
export function compileRule(text: string): CompositeRule {
  const p = new Parser(text, tokenizeRule(text));
  const names = new Set<string>();
  type B = (s: (n: string) => RuleState | undefined) => boolean;
  const or = (): B => {
    let left = and();
    while (p.isWord('OR')) {
      p.next();
      const l = left;
      const r = and();
      left = (s) => l(s) || r(s);
    }
    return left;
  };
  const and = (): B => {
    let left = not();
    while (p.isWord('AND')) {
      p.next();
      const l = left;
      const r = not();
      left = (s) => l(s) && r(s);
    }
    return left;
  };
  const not = (): B => {
    if (p.isWord('NOT')) {
      p.next();
      const inner = not();
      return (s) => !inner(s);
    }
    return atom();
  };
  const atom = (): B => {
    const t = p.next();
    if (t.kind === 'op' && t.value === '(') {
      const inner = or();
      p.expect(')');
      return inner;
    }
    if (t.kind === 'id') {
      const word = t.value.toUpperCase();
      if (word === 'TRUE') return () => true;
      if (word === 'FALSE') return () => false;
      if (word === 'ALARM' || word === 'OK' || word === 'INSUFFICIENT_DATA') {
        p.expect('(');
        const arg = p.next();
        if (arg.kind !== 'str' && arg.kind !== 'id') throw new RangeError(`expected an alarm name at ${arg.at} in ${JSON.stringify(text)}`);
        p.expect(')');
        names.add(arg.value);
        return (s) => s(arg.value) === word;
      }
    }
    throw new RangeError(`unexpected "${String(t.value)}" at ${t.at} in ${JSON.stringify(text)}: use ALARM("name"), OK("name"), INSUFFICIENT_DATA("name"), TRUE, FALSE, AND, OR, NOT`);
  };
  const root = or();
  p.end();
  return Object.assign((stateOf: (n: string) => RuleState | undefined) => root(stateOf), { alarms: [...names] });
}

/** Rule tokens: unquoted alarm names may hold `-`, `.`, `/` and `:` (CloudWatch allows them), so they are read up to `)`. */
function tokenizeRule(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      const prev = tokens[tokens.length - 1];
      tokens.push({ kind: 'op', value: c, at: i });
      i++;
      // ALARM(name-with-dashes): read the bare name up to ")".
      if (c === '(' && prev?.kind === 'id' && /^(ALARM|OK|INSUFFICIENT_DATA)$/i.test(prev.value)) {
        while (/\s/.test(text[i] ?? '')) i++;
        if (text[i] !== '"') {
          const end = text.indexOf(')', i);
          if (end < 0) throw new RangeError(`missing ")" after ${prev.value}( at ${i} in ${JSON.stringify(text)}`);
          tokens.push({ kind: 'id', value: text.slice(i, end).trim(), at: i });
          i = end;
        }
      }
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new RangeError(`unterminated string at ${i} in ${JSON.stringify(text)}`);
      tokens.push({ kind: 'str', value: text.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const id = /^[A-Za-z_]+/.exec(text.slice(i));
    if (id === null) throw new RangeError(`unexpected "${c}" at ${i} in ${JSON.stringify(text)}`);
    tokens.push({ kind: 'id', value: id[0], at: i });
    i += id[0].length;
  }
  return tokens;
}
