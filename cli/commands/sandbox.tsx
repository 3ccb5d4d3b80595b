import { render } from 'ink';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { InputError } from '../../src/errors.js';
import { Sandbox, type TimelineEvent } from '../../src/sandbox/sandbox.js';
import { runScenario, SCENARIOS, type ScenarioName } from '../../src/sandbox/scenarios.js';
import { sandboxConsoleBackend } from '../sandbox/backend.js';
import { faultKeys, sandboxBanner } from '../sandbox/fault-keys.js';
import { App } from '../tui/App.js';
import { optionProblems } from './dq-sql.js';
import type { CommandResult } from './result.js';

const SandboxOptionsSchema = z.object({
  scenario: z.optional(z.enum(SCENARIOS, { error: () => `must be one of ${SCENARIOS.join(', ')}` })),
  headless: z._default(z.boolean(), false),
  json: z._default(z.boolean(), false),
  speed: z.optional(z.string()),
  seed: z.optional(z.string()),
  config: z.optional(z.string()),
});

function numberOption(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new InputError(`${flag} "${text}" is not a number from ${min} to ${max}`);
  return n;
}

/**
 * `tripline sandbox`: the whole loop on one machine, no AWS account. With a
 * terminal, the console attached to the sandbox with fault keys; with
 * `--scenario <name> --headless`, a scripted game day whose timeline is
 * printed (exit 0 when its expectations hold, 1 otherwise).
 */
export async function runSandbox(rawOptions: Readonly<Record<string, unknown>>): Promise<CommandResult> {
  const parsed = SandboxOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  const speed = numberOption('--speed', options.speed, 1, 600);
  const seed = numberOption('--seed', options.seed, 0, 2 ** 31);
  const base = { ...(options.config !== undefined ? { configFile: options.config } : {}), ...(seed !== undefined ? { seed } : {}) };

  if (options.headless) {
    if (options.scenario === undefined) throw new InputError(`--headless runs a scenario: add --scenario ${SCENARIOS.join('|')}`);
    const result = await runScenario(options.scenario as ScenarioName, {
      ...base,
      ...(speed !== undefined ? { speed } : {}),
      ...(options.json ? {} : { onEvent: (e: TimelineEvent) => process.stderr.write(`${timelineLine(e)}\n`) }),
    });
    const stdout = options.json
      ? JSON.stringify(result, null, 2)
      : [
          `scenario ${result.scenario}: ${result.ok ? 'passed' : 'FAILED'} in ${(result.realMs / 1000).toFixed(1)} s (speed ×${result.speed}, seed ${result.seed})`,
          ...result.expectations.map((e) => `  ${e.ok ? '✓' : '✗'} ${e.text}`),
        ].join('\n');
    return { exitCode: result.ok ? 0 : 1, stdout };
  }

  if (options.scenario !== undefined) throw new InputError('--scenario runs headless: add --headless (and --json for the timeline as JSON)');
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
    throw new InputError('tripline sandbox shows the console and needs a terminal; without one, run a scenario: tripline sandbox --scenario dlq-incident --headless --json');
  }
  process.stderr.write('Starting the sandbox (local SQS, PagerDuty and Slack inboxes on 127.0.0.1)…\n');
  const sandbox = await Sandbox.start({ ...base, speed: speed ?? 20 });
  const app = render(
    <App
      backend={sandboxConsoleBackend(sandbox)}
      environment="sandbox"
      readOnly={false}
      refreshMs={1000}
      dlqOf={(name) => sandbox.config.pipelines[name]?.dlq}
      incidentsConfigured={true}
      extraKeys={faultKeys(sandbox)}
      banner={() => sandboxBanner(sandbox)}
    />,
    { exitOnCtrlC: true },
  );
  await app.waitUntilExit();
  await sandbox.stop();
  return { exitCode: 0, stdout: `Sandbox stopped. Audit trail: ${sandbox.audit.file}` };
}

function timelineLine(e: TimelineEvent): string {
  const { at, realMs, type, ...rest } = e;
  const detail = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${at.slice(11, 19)} +${(realMs / 1000).toFixed(1)}s ${type.padEnd(11)} ${detail}`.slice(0, 400);
}
