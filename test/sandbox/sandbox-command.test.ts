import { describe, expect, it } from 'vitest';
import { runSandbox } from '../../cli/commands/sandbox.js';
import { InputError } from '../../src/errors.js';
import { SCENARIOS } from '../../src/sandbox/scenarios.js';
import { faultKeys } from '../../cli/sandbox/fault-keys.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { tripline } from '../support/cli.js';

describe('tripline sandbox options', () => {
  it.each<[Record<string, unknown>, RegExp]>([
    [{ headless: true }, /--headless runs a scenario: add --scenario dlq-incident\|stale-platform\|bad-release\|collector-outage/],
    [{ scenario: 'dlq-incident' }, /--scenario runs headless: add --headless/],
    [{ scenario: 'chaos', headless: true }, /--scenario: must be one of dlq-incident, stale-platform, bad-release, collector-outage/],
    [{ scenario: 'dlq-incident', headless: true, speed: 'fast' }, /--speed "fast" is not a number from 1 to 600/],
  ])('%j is refused with exit 2: %s', async (options, message) => {
    const error = await runSandbox(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(message);
  });

  it('without a terminal, says to run a scenario headless instead', async () => {
    // vitest's workers have no TTY.
    await expect(runSandbox({})).rejects.toThrow(/needs a terminal; without one, run a scenario: tripline sandbox --scenario dlq-incident --headless --json/);
  });

  it('--help names every scenario and every fault key', async () => {
    const { code, stdout } = await tripline(['sandbox', '--help'], {}, process.cwd());
    expect(code).toBe(0);
    const text = stdout.replace(/\s+/g, ' ');
    for (const name of SCENARIOS) expect(text).toContain(name);
    const sandbox = { pipelines: new Map([['web', {}], ['ios', {}], ['android', {}]]) } as unknown as Sandbox;
    for (const { key } of faultKeys(sandbox)) expect(text).toMatch(new RegExp(`(: | · )${key} `));
  });
});
