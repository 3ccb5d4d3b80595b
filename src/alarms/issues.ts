import type * as z from 'zod/mini';
import { propertyOf } from './util.js';

const MAX_SHOWN = 60;
const MAX_ISSUES = 3;

/**
 * One line naming what is wrong with a payload, field by field, e.g.
 * `detail.state.value "BROKEN" is not one of OK, ALARM, INSUFFICIENT_DATA`.
 * zod's own messages do not name the field or show the value.
 */
export function describeIssues(error: z.core.$ZodError, input: unknown): string {
  const lines = error.issues.slice(0, MAX_ISSUES).map((issue) => describeIssue(issue, input));
  const more = error.issues.length - MAX_ISSUES;
  return more > 0 ? `${lines.join('; ')}; and ${more} more` : lines.join('; ');
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = pathText(issue.path);
  const value = valueAt(input, issue.path);
  if (value === undefined) return `${path} is missing`;
  switch (issue.code) {
    case 'invalid_value':
      return `${path} ${show(value)} is not one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return `${path} should be ${article(issue.expected)}, not ${kindOf(value)}${kindOf(value) === 'null' ? '' : ` ${show(value)}`}`;
    case 'too_small':
      return typeof value === 'string' && value === '' ? `${path} is empty` : `${path} ${show(value)} is too small`;
    default:
      return `${path}: ${issue.message}`;
  }
}

/** `['detail', 'state', 'value']` → `detail.state.value`; `['Records', 0]` → `Records[0]`. */
export function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the payload';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) current = propertyOf(current, key);
  return current;
}

/** A short, quoted rendering of a bad value: enough to recognise it, never a whole payload. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
