import { InputError } from '../../errors.js';
import type { Received } from './messages.js';

/**
 * Which messages a selective redrive moves. Grammar (documented in
 * `tripline dlq redrive --help`):
 *
 *   filter  := clause ( " and " clause )*
 *   clause  := target op value
 *   target  := body | body.<path> | attr.<Name> | sys.<Name>
 *   op      := "=" (equals) | "!=" (differs or is missing) | "~" (regular expression search)
 *   value   := text up to the next " and ", or a "double-quoted" string (\" and \\ escapes)
 *
 * `body.<path>` reads the body as JSON (dot-separated keys; a number indexes
 * an array); `attr.<Name>` is a message attribute's string value; `sys.<Name>`
 * a system attribute (MessageGroupId, SentTimestamp, …). A JSON number,
 * boolean or null compares by its text (`body.retry=3`).
 *
 * @example parseFilter('attr.errorType=Timeout and body.app.version~^2\\.3')
 */
export interface MessageFilter {
  readonly text: string;
  matches(message: Pick<Received, 'body' | 'messageAttributes' | 'attributes'>): boolean;
}

type Target = { readonly kind: 'body'; readonly path: readonly string[] } | { readonly kind: 'attr' | 'sys'; readonly name: string };

interface Clause {
  readonly target: Target;
  readonly op: '=' | '!=' | '~';
  readonly value: string;
  readonly regex?: RegExp;
}

const CLAUSE = /^(body(?:\.[^\s=!~]+)?|attr\.[^\s=!~]+|sys\.[^\s=!~]+)\s*(!=|=|~)\s*/;
const HELP = 'write clauses such as body.error.code=TIMEOUT, body.platform~^ios, attr.errorType=Timeout, joined with " and "';

/** @throws InputError naming the bad part of the expression. */
export function parseFilter(text: string): MessageFilter {
  const clauses: Clause[] = [];
  let rest = text.trim();
  if (rest === '') throw new InputError(`--filter is empty; ${HELP}`);
  while (rest !== '') {
    const m = CLAUSE.exec(rest);
    if (!m) throw new InputError(`--filter: cannot read "${rest}": expected body, body.<path>, attr.<Name> or sys.<Name>, then =, != or ~; ${HELP}`);
    const [whole, rawTarget = '', op = '='] = m;
    rest = rest.slice(whole.length);
    let value: string;
    if (rest.startsWith('"')) {
      const end = closingQuote(rest);
      if (end === -1) throw new InputError(`--filter: unterminated quoted value in "${text}"; close it with "`);
      value = rest.slice(1, end).replace(/\\(["\\])/g, '$1');
      rest = rest.slice(end + 1).trimStart();
      if (rest !== '' && !/^and\s/i.test(rest)) throw new InputError(`--filter: expected " and " after ${rawTarget}${op}"${value}", found "${rest}"`);
      rest = rest.replace(/^and\s+/i, '');
    } else {
      const and = /\s+and\s+/i.exec(rest);
      value = (and ? rest.slice(0, and.index) : rest).trim();
      rest = and ? rest.slice(and.index + and[0].length) : '';
    }
    if (value === '' && op === '~') throw new InputError(`--filter: ${rawTarget}~ needs a regular expression`);
    const target = parseTarget(rawTarget);
    let regex: RegExp | undefined;
    if (op === '~') {
      try {
        regex = new RegExp(value);
      } catch (error) {
        throw new InputError(`--filter: "${value}" is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    clauses.push({ target, op: op === '!=' ? '!=' : op === '~' ? '~' : '=', value, ...(regex ? { regex } : {}) });
    if (rest === '' && /\s+and\s*$/i.test(text)) throw new InputError(`--filter ends with "and"; add a clause after it`);
  }
  return {
    text: text.trim(),
    matches: (message) => {
      let json: { value: unknown } | undefined;
      const body = (): { value: unknown } | undefined => {
        if (json === undefined) {
          try {
            json = { value: JSON.parse(message.body) as unknown };
          } catch {
            json = { value: undefined };
          }
        }
        return json;
      };
      return clauses.every((c) => test(c, valueOf(c.target, message, body)));
    },
  };
}

function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

function parseTarget(raw: string): Target {
  if (raw === 'body') return { kind: 'body', path: [] };
  if (raw.startsWith('body.')) {
    const path = raw.slice(5).split('.');
    if (path.some((p) => p === '')) throw new InputError(`--filter: "${raw}" has an empty path segment; write body.a.b`);
    return { kind: 'body', path };
  }
  const [kind, ...name] = raw.split('.');
  return { kind: kind === 'sys' ? 'sys' : 'attr', name: name.join('.') };
}

function valueOf(
  target: Target,
  message: Pick<Received, 'body' | 'messageAttributes' | 'attributes'>,
  json: () => { value: unknown } | undefined,
): string | undefined {
  if (target.kind !== 'body') {
    if (target.kind === 'sys') return message.attributes[target.name];
    const a = message.messageAttributes[target.name];
    if (!a) return undefined;
    if (a.StringValue !== undefined) return a.StringValue;
    return a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue).toString('base64') : undefined;
  }
  if (target.path.length === 0) return message.body;
  let v: unknown = json()?.value;
  for (const key of target.path) {
    if (Array.isArray(v) && /^\d+$/.test(key)) v = v[Number(key)];
    else if (typeof v === 'object' && v !== null && Object.hasOwn(v, key)) v = Object.getOwnPropertyDescriptor(v, key)?.value;
    else return undefined;
  }
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function test(c: Clause, value: string | undefined): boolean {
  if (c.op === '!=') return value !== c.value;
  if (value === undefined) return false;
  return c.op === '=' ? value === c.value : (c.regex?.test(value) ?? false);
}
