import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { defaultConfig, NoReceiverError } from './defaults.js';
import { parseConfigText } from './parse.js';
import { QualitySectionSchema, type QualitySection } from './quality.js';
import type { Config } from './schema.js';

/** The file the CLI picks up from its working directory. */
export const CONFIG_FILE_NAME = 'tripline.config.yaml';

export interface LoadConfigOptions {
  /** A path given on the command line (`--config`). */
  readonly file?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where to look for `tripline.config.yaml`; only the CLI passes it. */
  readonly cwd?: string;
}

export interface LoadedConfig {
  readonly config: Config;
  /** Where the config came from, for logs: a path, `TRIPLINE_CONFIG`, or the environment defaults. */
  readonly source: string;
}

/**
 * Finds and validates the config. First found wins: `opts.file`
 * (`--config`), `TRIPLINE_CONFIG` (inline JSON or YAML),
 * `TRIPLINE_CONFIG_FILE` (a path), `./tripline.config.yaml` in `opts.cwd`,
 * and otherwise `defaultConfig(env)`. Empty variables count as unset.
 *
 * @throws ConfigError when a named file is missing or unreadable, or the config is invalid.
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<LoadedConfig> {
  const base = opts.cwd ?? process.cwd();
  if (opts.file !== undefined) {
    return fromFile(opts.file, base, {
      origin: '--config',
      fix: `check the path, or leave out --config to use ./${CONFIG_FILE_NAME}`,
    });
  }
  const inline = opts.env['TRIPLINE_CONFIG'];
  if (inline !== undefined && inline.trim() !== '') {
    return { config: await parseConfigText(inline, 'TRIPLINE_CONFIG'), source: 'TRIPLINE_CONFIG' };
  }
  const named = opts.env['TRIPLINE_CONFIG_FILE'];
  if (named !== undefined && named.trim() !== '') {
    return fromFile(named.trim(), base, {
      origin: 'TRIPLINE_CONFIG_FILE',
      fix: 'fix TRIPLINE_CONFIG_FILE, or unset it to use TRIPLINE_CONFIG or the environment defaults',
    });
  }
  if (opts.cwd !== undefined) {
    const local = path.join(opts.cwd, CONFIG_FILE_NAME);
    const text = await readIfExists(local, CONFIG_FILE_NAME);
    if (text !== undefined) return { config: await parseConfigText(text, CONFIG_FILE_NAME), source: CONFIG_FILE_NAME };
  }
  return { config: defaultConfig(opts.env), source: 'environment (no config file)' };
}

async function fromFile(file: string, base: string, how: { origin: string; fix: string }): Promise<LoadedConfig> {
  const resolved = path.resolve(base, file);
  const shown = resolved === file ? file : `${file} (${resolved})`;
  let text: string;
  try {
    text = await readFile(resolved, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') {
      throw new ConfigError(`config file ${shown} named by ${how.origin} does not exist; ${how.fix}`, [], { cause: error });
    }
    if (code === 'EISDIR') {
      throw new ConfigError(`config file ${shown} named by ${how.origin} is a directory; name the file itself`, [], { cause: error });
    }
    throw new ConfigError(`cannot read config file ${shown} named by ${how.origin} (${code ?? 'unknown error'}); ${how.fix}`, [], {
      cause: error,
    });
  }
  return { config: await parseConfigText(text, file), source: file };
}

async function readIfExists(file: string, shown: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${shown} (${errorCode(error) ?? 'unknown error'}); fix its permissions or pass --config`, [], {
      cause: error,
    });
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * The `quality:` section, for commands that need no paging: without a config
 * file and without receivers in the environment, the section's defaults.
 */
export async function loadQualityConfig(opts: LoadConfigOptions): Promise<QualitySection> {
  try {
    return (await loadConfig(opts)).config.quality;
  } catch (error) {
    if (opts.file === undefined && error instanceof NoReceiverError) return QualitySectionSchema.parse({});
    throw error;
  }
}
