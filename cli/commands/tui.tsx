import { render } from 'ink';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { resolveActor } from '../../src/audit/actor.js';
import { InputError } from '../../src/errors.js';
import { App } from '../tui/App.js';
import { awsConsoleBackend } from '../tui/aws-backend.js';
import { auditTrail, dlqContext, type DlqDeps } from './dlq-shared.js';
import { optionProblems } from './dq-sql.js';
import type { CommandResult } from './result.js';

const TuiOptionsSchema = z.object({
  readOnly: z._default(z.boolean(), false),
  refresh: z._default(z.string(), '5s'),
  config: z.optional(z.string()),
  region: z.optional(z.string().check(z.minLength(1, 'name an AWS region, e.g. eu-west-1'))),
  force: z._default(z.boolean(), false),
});

/** "5s", "500ms", "1m" or a number of seconds → milliseconds; 1 s to 10 min. */
export function parseRefresh(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const ms = match === null ? Number.NaN : Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000);
  if (!Number.isFinite(ms) || ms < 1000 || ms > 600_000) {
    throw new InputError(`--refresh "${text}" is not a duration from 1s to 10m; write e.g. 5s, 30s or 1m`);
  }
  return ms;
}

/**
 * `tripline tui`: the oncall console against AWS. Needs a terminal; uses the
 * standard credential chain and AWS_ENDPOINT_URL_* like every command.
 */
export async function runTui(rawOptions: Readonly<Record<string, unknown>>, deps: DlqDeps = {}): Promise<CommandResult> {
  const parsed = TuiOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw optionProblems(parsed.error.issues);
  const options = parsed.data;
  const refreshMs = parseRefresh(options.refresh);
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
    throw new InputError('tripline tui needs a terminal (stdin and stdout a TTY); for scripts use tripline dlq list --json or tripline alarms plan --json');
  }
  const ctx = await dlqContext(options, deps);
  const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
  const { STSClient } = await import('@aws-sdk/client-sts');
  const clientConfig = options.region ? { region: options.region } : {};
  const cloudwatch = new CloudWatchClient(clientConfig);
  const region = await cloudwatch.config.region().catch(() => undefined);
  // Who we are, for the header; a failure here shows up in the first refresh's status line instead.
  const identity = await resolveActor(deps.sts ?? new STSClient(clientConfig), { onFallback: () => undefined }).catch(() => undefined);
  let audit: ReturnType<typeof auditTrail> | undefined;
  const backend = awsConsoleBackend({
    cloudwatch,
    sqs: ctx.sqs,
    pipelines: ctx.pipelines,
    console: ctx.console,
    env: ctx.env,
    ...(identity?.account !== undefined ? { account: identity.account } : {}),
    ...(region !== undefined ? { region } : {}),
    // The header's STS answer is the actor; without an account it was a fallback, so ask again (and fail on bad credentials).
    audit: () => (audit ??= auditTrail({ ...ctx, stderr: { write: () => true } }, identity?.account !== undefined ? identity : undefined)),
    force: options.force,
  });
  const app = render(
    <App
      backend={backend}
      environment={ctx.console.environment}
      readOnly={options.readOnly}
      refreshMs={refreshMs}
      dlqOf={(name) => ctx.pipelines[name]?.dlq}
      incidentsConfigured={ctx.console.pagerdutyApiToken !== undefined}
    />,
    { exitOnCtrlC: true },
  );
  await app.waitUntilExit();
  return { exitCode: 0 };
}
