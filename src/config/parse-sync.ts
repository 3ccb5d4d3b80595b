import { parseDocument } from 'yaml';
import { parseYaml, validateConfig } from './parse.js';
import type { Config } from './schema.js';

/**
 * Parses and validates a config written as JSON or YAML, synchronously.
 * It imports the YAML parser eagerly, so it is kept out of `config/index.ts`
 * (and thus out of Lambda bundles); prefer `parseConfigText` there.
 *
 * @throws ConfigError with `issues` as `path: message` lines; syntax errors give line and column.
 */
export function parseConfig(text: string, source: string): Config {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = parseYaml(parseDocument, text, source);
  }
  return validateConfig(data, source);
}
