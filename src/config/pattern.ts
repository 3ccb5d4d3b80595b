/**
 * Matcher values are globs, unless wrapped in slashes: `"/^tripline-(web|ios)-/"`
 * is a JavaScript regular expression (unanchored, like `RegExp.test`; add `^`
 * and `$` to match the whole value).
 */
export function regexSourceOf(pattern: string): string | undefined {
  return pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/') ? pattern.slice(1, -1) : undefined;
}

/** Why a matcher value cannot be used, or undefined when it can. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'must not be empty (use "*" to match any value)';
  const source = regexSourceOf(pattern);
  if (source === undefined) return undefined;
  if (source.length === 0) return 'the regex "//" is empty; use "*" to match any value';
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `not a valid regular expression (${reason})`;
  }
}
