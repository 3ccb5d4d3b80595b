import globToRegExp from 'glob-to-regexp';
import type { Matcher } from '../config/paging.js';
import { regexSourceOf } from '../config/pattern.js';
import type { AlarmLabels } from '../domain/labels.js';

type Test = (value: string) => boolean;

// Config patterns are few and long-lived; compiling each once keeps routing cheap on warm invocations.
const compiled = new Map<string, Test>();
// Not `globstar`: a lone `*` must cross `/` (alarm names are not paths). `extended`: `?`, `[...]`, `{a,b}`.
const GLOB_OPTIONS = { extended: true } as const;

/**
 * Compiles a matcher value: a glob (`*` crosses `/`, case-sensitive, whole
 * value) or `/regex/` (JavaScript regex, unanchored). A lone `*` matches any
 * value, the empty one included.
 */
export function compilePattern(pattern: string): Test {
  const cached = compiled.get(pattern);
  if (cached !== undefined) return cached;
  const source = regexSourceOf(pattern);
  let test: Test;
  if (source !== undefined) {
    const regex = new RegExp(source);
    test = (value) => regex.test(value);
  } else if (pattern === '*') {
    test = () => true;
  } else {
    const regex = globToRegExp(pattern, GLOB_OPTIONS);
    test = (value) => regex.test(value);
  }
  compiled.set(pattern, test);
  return test;
}

function matchesRecord(patterns: Readonly<Record<string, string>>, values: Readonly<Record<string, string>>): boolean {
  for (const [key, pattern] of Object.entries(patterns)) {
    const value = values[key];
    if (value === undefined || !compilePattern(pattern)(value)) return false;
  }
  return true;
}

/**
 * True when every field given in `matcher` matches the alarm:
 * `alarmName`, `account`, `region` against the single value; `namespace`
 * and `metric` when any of the alarm's metrics matches (a composite alarm
 * has none, so never matches them); `dimensions` and `tags` when every
 * listed key is present and matches. An empty matcher matches everything.
 *
 * @example matches({ alarmName: 'tripline-*-dlq', namespace: 'AWS/SQS' }, labels)
 */
export function matches(matcher: Matcher, labels: AlarmLabels): boolean {
  if (matcher.alarmName !== undefined && !compilePattern(matcher.alarmName)(labels.alarmName)) return false;
  if (matcher.account !== undefined && !compilePattern(matcher.account)(labels.account)) return false;
  if (matcher.region !== undefined && !compilePattern(matcher.region)(labels.region)) return false;
  if (matcher.namespace !== undefined && !labels.namespaces.some(compilePattern(matcher.namespace))) return false;
  if (matcher.metric !== undefined && !labels.metrics.some(compilePattern(matcher.metric))) return false;
  if (matcher.dimensions !== undefined && !matchesRecord(matcher.dimensions, labels.dimensions)) return false;
  if (matcher.tags !== undefined && !matchesRecord(matcher.tags, labels.tags)) return false;
  return true;
}
