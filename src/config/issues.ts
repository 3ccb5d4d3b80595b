import * as z from 'zod/mini';

/** One problem found in a config: where (a path into the document) and what. */
export interface ConfigIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * `paging.route.routes[0].receiver`; keys that are not plain words are
 * quoted: `tags["aws:cloudformation:stack-name"]`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** `path: message`, the form every config problem is reported in. */
export function formatIssue(issue: ConfigIssue): string {
  return `${formatPath(issue.path)}: ${issue.message}`;
}

/**
 * Turns zod issues into config issues with messages a person can act on.
 * Inputs are shown only for enum-like fields (never for a secret reference).
 */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], root: z.core.$ZodType): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: [...issue.path, key], message: unknownKeyMessage(root, issue.path, key) });
      }
      continue;
    }
    out.push({ path: issue.path, message: messageOf(issue) });
  }
  return out;
}

function messageOf(issue: z.core.$ZodIssue): string {
  // Custom messages from the schemas are already written for people.
  const isDefault = /^(Invalid input|Invalid option|Too small|Too big)/.test(issue.message);
  if (!isDefault) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return `missing (expected ${article(issue.expected)})`;
      const got = `expected ${article(issue.expected)}, got ${kindOf(issue.input)}`;
      // YAML reads an unquoted account id or `true` as a number or boolean.
      const scalar = typeof issue.input === 'number' || typeof issue.input === 'boolean';
      return issue.expected === 'string' && scalar ? `${got}; put the value in quotes` : got;
    }
    case 'invalid_value': {
      const allowed =
        issue.values.length === 1
          ? String(showValue(issue.values[0]))
          : `one of ${issue.values.map((v) => showValue(v)).join(', ')}`;
      return issue.input === undefined ? `missing (must be ${allowed})` : `must be ${allowed} (got ${showValue(issue.input)})`;
    }
    case 'invalid_union':
      return 'does not match any of the allowed forms';
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return article(typeof value);
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return kindOf(value);
}

function unknownKeyMessage(root: z.core.$ZodType, path: readonly PropertyKey[], key: string): string {
  if (path.length === 2 && path[0] === 'paging' && path[1] === 'route' && (key === 'match' || key === 'continue')) {
    return `unknown key; the root route matches every alarm, so put "${key}" on a child route under routes`;
  }
  const known = knownKeysAt(root, path);
  if (known.length === 0) return 'unknown key';
  const suggestion = closest(key, known);
  return suggestion !== undefined
    ? `unknown key; did you mean "${suggestion}"?`
    : `unknown key; expected one of ${known.join(', ')}`;
}

/** The keys an object schema at `path` accepts (all alternatives of a union). */
export function knownKeysAt(root: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let current = alternatives(root);
  for (const key of path) {
    const next: z.core.$ZodType[] = [];
    for (const schema of current) {
      if (schema instanceof z.ZodMiniObject && typeof key === 'string') {
        const child: z.core.$ZodType | undefined = schema.shape[key];
        if (child !== undefined) next.push(...alternatives(child));
      } else if (schema instanceof z.ZodMiniArray && typeof key === 'number') {
        next.push(...alternatives(schema._zod.def.element));
      } else if (schema instanceof z.ZodMiniRecord && typeof key === 'string') {
        next.push(...alternatives(schema._zod.def.valueType));
      }
    }
    current = next;
  }
  const keys = new Set<string>();
  for (const schema of current) {
    if (schema instanceof z.ZodMiniObject) for (const k of Object.keys(schema.shape)) keys.add(k);
  }
  return [...keys];
}

function alternatives(schema: z.core.$ZodType): z.core.$ZodType[] {
  if (
    schema instanceof z.ZodMiniOptional ||
    schema instanceof z.ZodMiniDefault ||
    schema instanceof z.ZodMiniPrefault ||
    schema instanceof z.ZodMiniNullable
  ) {
    return alternatives(schema._zod.def.innerType);
  }
  if (schema instanceof z.ZodMiniPipe) return alternatives(schema._zod.def.in);
  if (schema instanceof z.ZodMiniUnion) return schema._zod.def.options.flatMap((o: z.core.$ZodType) => alternatives(o));
  return [schema];
}

function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Beyond a couple of edits the "suggestion" is a guess, not a typo fix.
  return bestDistance <= Math.min(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
