import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function configFor(receiver: string): string {
  return [
    'version: 1',
    'paging:',
    '  receivers:',
    `    - name: ${receiver}`,
    '      slack: { channel: "#alerts" }',
    `  route: { receiver: ${receiver} }`,
  ].join('\n');
}

const inlineJson = JSON.stringify({
  version: 1,
  paging: { receivers: [{ name: 'inline', slack: { channel: '#c' } }], route: { receiver: 'inline' } },
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-config-'));
  await writeFile(path.join(dir, 'tripline.config.yaml'), configFor('from-cwd'));
  await writeFile(path.join(dir, 'cli.yaml'), configFor('from-cli'));
  await writeFile(path.join(dir, 'env.yaml'), configFor('from-env-file'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loaded(opts: Parameters<typeof loadConfig>[0]): Promise<string> {
  const { config, source } = await loadConfig(opts);
  return `${config.paging.route.receiver} <- ${source}`;
}

async function failure(opts: Parameters<typeof loadConfig>[0]): Promise<ConfigError> {
  try {
    await loadConfig(opts);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig precedence', () => {
  const env = { TRIPLINE_CONFIG: inlineJson, TRIPLINE_CONFIG_FILE: 'env.yaml', PAGERDUTY_ROUTING_KEY: 'k' };

  it('--config wins over everything', async () => {
    expect(await loaded({ file: 'cli.yaml', env, cwd: dir })).toBe('from-cli <- cli.yaml');
  });

  it('then TRIPLINE_CONFIG (inline JSON or YAML)', async () => {
    expect(await loaded({ env, cwd: dir })).toBe('inline <- TRIPLINE_CONFIG');
    expect(await loaded({ env: { TRIPLINE_CONFIG: configFor('inline-yaml') }, cwd: dir })).toBe('inline-yaml <- TRIPLINE_CONFIG');
  });

  it('then TRIPLINE_CONFIG_FILE, relative to cwd', async () => {
    expect(await loaded({ env: { ...env, TRIPLINE_CONFIG: '' }, cwd: dir })).toBe('from-env-file <- env.yaml');
  });

  it('then ./tripline.config.yaml when a cwd is given (the CLI)', async () => {
    expect(await loaded({ env: { PAGERDUTY_ROUTING_KEY: 'k' }, cwd: dir })).toBe('from-cwd <- tripline.config.yaml');
  });

  it('then the defaults from the environment; without cwd the local file is not looked for (the Lambda)', async () => {
    const before = process.cwd();
    process.chdir(dir);
    try {
      expect(await loaded({ env: { PAGERDUTY_ROUTING_KEY: 'k' } })).toBe('default <- environment (no config file)');
    } finally {
      process.chdir(before);
    }
  });

  it('uses the defaults when cwd has no config file', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    expect(await loaded({ env: { PAGERDUTY_ROUTING_KEY: 'k' }, cwd: empty })).toBe('default <- environment (no config file)');
  });
});

describe('loadConfig errors', () => {
  it('says which path is missing and how to fix it (--config)', async () => {
    const error = await failure({ file: 'nope.yaml', env: {}, cwd: dir });
    expect(error.message).toBe(
      `config file nope.yaml (${path.join(dir, 'nope.yaml')}) named by --config does not exist; check the path, or leave out --config to use ./tripline.config.yaml`,
    );
    expect(error.exitCode).toBe(2);
  });

  it('says which path is missing and how to fix it (TRIPLINE_CONFIG_FILE)', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const error = await failure({ env: { TRIPLINE_CONFIG_FILE: missing } });
    expect(error.message).toBe(
      `config file ${missing} named by TRIPLINE_CONFIG_FILE does not exist; fix TRIPLINE_CONFIG_FILE, or unset it to use TRIPLINE_CONFIG or the environment defaults`,
    );
  });

  it('refuses a directory', async () => {
    const error = await failure({ file: dir, env: {} });
    expect(error.message).toBe(`config file ${dir} named by --config is a directory; name the file itself`);
  });

  it('names the file in validation errors', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), configFor('x').replace('route: { receiver: x }', 'route: { receiver: team-x }'));
    const error = await failure({ file: 'bad.yaml', env: {}, cwd: dir });
    expect(error.message).toBe('bad.yaml is not valid (1 problem):\n  - paging.route.receiver: undefined receiver "team-x" used in route');
  });

  it('names TRIPLINE_CONFIG in validation errors', async () => {
    const error = await failure({ env: { TRIPLINE_CONFIG: '{"version": 1}' } });
    expect(error.message).toBe('TRIPLINE_CONFIG is not valid (1 problem):\n  - paging: missing (expected a mapping)');
  });

  it('falls through to the defaults error when nothing is configured', async () => {
    const error = await failure({ env: {} });
    expect(error.message).toBe(
      'no receiver: set PAGERDUTY_ROUTING_KEY (and/or SLACK_BOT_TOKEN + SLACK_CHANNEL), or provide tripline.config.yaml (TRIPLINE_CONFIG_FILE / TRIPLINE_CONFIG)',
    );
  });
});
