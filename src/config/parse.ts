import type * as Yaml from 'yaml';
import { ConfigError } from '../errors.js';
import { crossCheck, inDocumentOrder } from './cross-check.js';
import { formatIssue, fromZodIssues, type ConfigIssue } from './issues.js';
import { ConfigSchema, type Config } from './schema.js';

/** `tripline.config.yaml is not valid (3 problems):` followed by one `path: message` per line. */
export function invalidConfig(source: string, issues: readonly string[]): ConfigError {
  const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`;
  return new ConfigError(`${source} is not valid (${count}):`, issues);
}

/**
 * Validates an already parsed document (schema and cross-field rules) and
 * fills in defaults. Every problem is collected before throwing.
 *
 * @throws ConfigError with `issues` as `path: message` lines.
 */
export function validateConfig(data: unknown, source: string): Config {
  if (data === null || data === undefined) {
    throw invalidConfig(source, ['(top level): the config is empty; start with "version: 1" and a paging section']);
  }
  const result = ConfigSchema.safeParse(data, { reportInput: true });
  const issues: ConfigIssue[] = result.success ? [] : fromZodIssues(result.error.issues, ConfigSchema);
  issues.push(...crossCheck(data));
  const lines = [...new Set(inDocumentOrder(data, issues).map(formatIssue))];
  if (lines.length > 0 || !result.success) throw invalidConfig(source, lines);
  return result.data;
}

/**
 * Parses and validates a JSON config. Synchronous and free of the YAML
 * parser, for callers that only ever see JSON.
 *
 * @throws ConfigError (syntax errors give line and column; no excerpt of the text, which may hold a secret).
 */
export function parseConfigJson(text: string, source: string): Config {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw invalidConfig(source, [jsonSyntaxIssue(text, error)]);
  }
  return validateConfig(data, source);
}

/**
 * Parses and validates a config written as JSON or YAML. The YAML parser is
 * loaded only when the text is not JSON, which keeps Lambda cold starts short.
 *
 * @example await parseConfigText(process.env.TRIPLINE_CONFIG, 'TRIPLINE_CONFIG')
 * @throws ConfigError
 */
export async function parseConfigText(text: string, source: string): Promise<Config> {
  const json = tryJson(text);
  if (json.ok) return validateConfig(json.value, source);
  const yaml = await import('yaml');
  return validateConfig(parseYaml(yaml.parseDocument, text, source), source);
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Parses YAML with the given parser; a syntax error becomes a
 * `line L, column C: message` issue.
 */
export function parseYaml(parseDocument: typeof Yaml.parseDocument, text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    // Only the first: after one syntax error the parser reports most later tokens as unexpected too.
    const { line, column } = lineColumn(text, first.pos[0]);
    throw invalidConfig(source, [`line ${line}, column ${column}: ${withoutExcerpt(first.message)} (YAML syntax)`]);
  }
  return doc.toJS();
}

function jsonSyntaxIssue(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = withoutExcerpt(message.replace(/\s*in JSON at position \d+.*$/s, ''));
  const position = /at position (\d+)/.exec(message)?.[1];
  // Some V8 messages carry no position ("Unexpected token 'x', ..."): better no location than a wrong one.
  if (position === undefined) return `not valid JSON: ${reason}`;
  const { line, column } = lineColumn(text, Number(position));
  return `line ${line}, column ${column}: ${reason} (JSON syntax)`;
}

/** Parser messages may quote the document (V8: `"…" is not valid JSON`), and the document may hold an inline secret. */
function withoutExcerpt(message: string): string {
  return message
    .replace(/:\s*".*$/s, '')
    .replace(/,\s*".*$/s, '')
    .trim();
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  return { line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
}
