import { createInterface } from 'node:readline/promises';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { alarmPrefixOf, loadConfig, type Config } from '../../src/config/index.js';
import { AwsError, ConfigError, InputError } from '../../src/errors.js';
import type { ApplyStep } from '../../src/aws/alarm-apply.js';
import { catalogFromConfig, COMPOSITE_KEY, conditionText, type AlarmCatalog } from '../../src/pipeline-alarms/definitions.js';
import { diffAlarms, type AlarmDiff } from '../../src/pipeline-alarms/diff.js';
import type { AlarmDefinition } from '../../src/pipeline-alarms/types.js';
import type { CommandResult } from './result.js';

const CommonOptions = {
  config: z.optional(z.string()),
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'))),
  json: z._default(z.boolean(), false),
};
const PlanOptionsSchema = z.object({ ...CommonOptions, aws: z._default(z.boolean(), false) });
const ApplyOptionsSchema = z.object({ ...CommonOptions, yes: z._default(z.boolean(), false) });

/** What the commands reach outside themselves; tests inject them, the CLI uses the defaults. */
export interface AlarmsDeps {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly cloudWatch?: CloudWatchClient;
  /** Whether a person can answer a prompt (stdin is a terminal). */
  readonly interactive?: boolean;
  /** Asks one question (on stderr) and returns the answer. */
  readonly ask?: (question: string) => Promise<string>;
  /** Progress and the plan shown before a confirmation (stderr). */
  readonly note?: (line: string) => void;
}

/**
 * `tripline alarms plan [--aws] [--json]`: the alarms the config's pipelines
 * should have; with `--aws`, what differs in CloudWatch (missing, changed,
 * extra under a pipeline prefix). Exit 1 when something differs.
 */
export async function runAlarmsPlan(rawOptions: Record<string, unknown>, deps: AlarmsDeps = {}): Promise<CommandResult> {
  const options = parseOptions(PlanOptionsSchema, rawOptions);
  const { config, source, catalog } = await loadCatalog(options.config, deps);
  const note = deps.note ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const warning of catalog.warnings) note(`tripline: warning: ${warning}`);

  let aws: { region: string; diff: AlarmDiff } | undefined;
  if (options.aws) {
    const client = await cloudWatchOf(options.region, deps);
    const { readDeployedAlarms } = await import('../../src/aws/alarm-apply.js');
    const deployed = await readDeployedAlarms(client, prefixesOf(config));
    aws = { region: await regionOf(client), diff: diffAlarms(catalog.alarms, deployed) };
  }
  const differs = aws !== undefined && (aws.diff.missing.length > 0 || aws.diff.changed.length > 0 || aws.diff.extra.length > 0);
  const exitCode = differs ? 1 : 0;
  if (options.json) {
    return {
      exitCode,
      stdout: JSON.stringify(
        {
          config: source,
          pipelines: pipelinesOf(config),
          alarms: catalog.alarms,
          warnings: catalog.warnings,
          aws: aws === undefined ? null : { region: aws.region, ...aws.diff },
        },
        null,
        2,
      ),
    };
  }
  const lines = [`${catalog.alarms.length} alarms for ${Object.keys(config.pipelines).length} pipeline(s) in ${source}:`, '', ...renderAlarms(config, catalog.alarms)];
  if (aws !== undefined) lines.push('', ...renderDiff(aws.region, aws.diff));
  else lines.push('', 'Compare with CloudWatch: tripline alarms plan --aws (uses your AWS credentials).');
  return { exitCode, stdout: lines.join('\n') };
}

/**
 * `tripline alarms apply [--yes]`: creates and updates the alarms the plan
 * says are missing or changed (PutMetricAlarm, then PutCompositeAlarm),
 * after the user types the region to confirm. Extra alarms are left alone.
 */
export async function runAlarmsApply(rawOptions: Record<string, unknown>, deps: AlarmsDeps = {}): Promise<CommandResult> {
  const options = parseOptions(ApplyOptionsSchema, rawOptions);
  const interactive = deps.interactive ?? process.stdin.isTTY === true;
  if (!options.yes && !interactive) {
    throw new InputError(
      'alarms apply creates and updates CloudWatch alarms and asks you to confirm, but stdin is not a terminal: pass --yes to apply without asking (review the changes first with tripline alarms plan --aws)',
    );
  }
  const note = deps.note ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { config, catalog } = await loadCatalog(options.config, deps);
  for (const warning of catalog.warnings) note(`tripline: warning: ${warning}`);

  const client = await cloudWatchOf(options.region, deps);
  const { applyAlarms, applySteps, readDeployedAlarms } = await import('../../src/aws/alarm-apply.js');
  const region = await regionOf(client);
  const diff = diffAlarms(catalog.alarms, await readDeployedAlarms(client, prefixesOf(config)));
  const steps = applySteps(catalog.alarms, diff);
  const extraNote = diff.extra.length > 0 ? [`${diff.extra.length} alarm(s) under a pipeline prefix are not in the config and stay as they are: ${diff.extra.map((e) => e.name).join(', ')}`] : [];

  if (steps.length === 0) {
    if (options.json) return { exitCode: 0, stdout: JSON.stringify({ region, applied: [], unchanged: diff.unchanged, extra: diff.extra }, null, 2) };
    return { exitCode: 0, stdout: [`Nothing to apply: all ${catalog.alarms.length} alarms in ${region} match the config.`, ...extraNote].join('\n') };
  }

  if (!options.yes) {
    for (const line of renderDiff(region, diff)) note(line);
    const creates = steps.filter((s) => s.action === 'create').length;
    const answer = await (deps.ask ?? askOnTerminal)(
      `\nType the region (${region}) to create ${creates} and update ${steps.length - creates} alarm(s); anything else cancels: `,
    );
    if (answer.trim() !== region) {
      return { exitCode: 1, stdout: options.json ? JSON.stringify({ region, applied: [], cancelled: true }, null, 2) : 'Cancelled: nothing was changed.' };
    }
  }

  const applied = await applyAlarms(client, catalog.alarms, diff, {
    onStep: (step) => note(`${step.action === 'create' ? 'created' : 'updated'} ${step.name}`),
  });
  if (options.json) return { exitCode: 0, stdout: JSON.stringify({ region, applied, unchanged: diff.unchanged, extra: diff.extra }, null, 2) };
  return { exitCode: 0, stdout: [summaryOf(applied, region), ...extraNote].join('\n') };
}

function parseOptions<T>(schema: z.ZodMiniType<T>, raw: Record<string, unknown>): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InputError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  return parsed.data;
}

async function loadCatalog(file: string | undefined, deps: AlarmsDeps): Promise<{ config: Config; source: string; catalog: AlarmCatalog }> {
  const { config, source } = await loadConfig({ env: deps.env ?? process.env, cwd: deps.cwd ?? process.cwd(), ...(file !== undefined ? { file } : {}) });
  if (Object.keys(config.pipelines).length === 0) {
    throw new ConfigError(
      `${source} configures no pipelines, so there are no alarms to plan: add a pipelines: section (stream, processor, failedQueue, dlq, and optionally firehose and collector per pipeline) as in the repository's tripline.config.yaml`,
    );
  }
  return { config, source, catalog: catalogFromConfig(config) };
}

async function cloudWatchOf(region: string | undefined, deps: AlarmsDeps): Promise<CloudWatchClient> {
  if (deps.cloudWatch !== undefined) return deps.cloudWatch;
  const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
  return new CloudWatchClient(region !== undefined ? { region } : {});
}

async function regionOf(client: CloudWatchClient): Promise<string> {
  try {
    return await client.config.region();
  } catch (error) {
    const { explainAwsError } = await import('../../src/aws/errors.js');
    throw new AwsError(`cannot tell which AWS region to use: ${explainAwsError(error, 'cloudwatch:DescribeAlarms')}`, { service: 'cloudwatch', operation: 'DescribeAlarms' }, { cause: error });
  }
}

function prefixesOf(config: Config): string[] {
  return Object.entries(config.pipelines).map(([name, p]) => alarmPrefixOf(name, p));
}

function pipelinesOf(config: Config): { name: string; prefix: string; composite: string }[] {
  return Object.entries(config.pipelines).map(([name, p]) => {
    const prefix = alarmPrefixOf(name, p);
    return { name, prefix, composite: `${prefix}${COMPOSITE_KEY}` };
  });
}

async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** One block per pipeline: `*` marks the composite's children (their ALARM pages through it). */
function renderAlarms(config: Config, alarms: readonly AlarmDefinition[]): string[] {
  const lines: string[] = [];
  for (const pipeline of pipelinesOf(config)) {
    const mine = alarms.filter((a) => a.pipeline === pipeline.name);
    lines.push(`Pipeline ${pipeline.name}: ${mine.length} alarms; ${pipeline.composite} pages, the others post to Slack (* = in the composite)`);
    const rows = mine.map((a) => [
      a.kind === 'composite' ? `${a.name} (composite)` : `${a.name}${a.inComposite ? ' *' : ''}`,
      a.kind === 'composite' ? `${a.children.length} children, any in ALARM` : conditionText(a),
      a.severity,
      a.runbook,
    ]);
    const widths = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    for (const r of rows) {
      lines.push(`  ${(r[0] ?? '').padEnd(widths[0] ?? 0)}  ${(r[1] ?? '').padEnd(widths[1] ?? 0)}  ${(r[2] ?? '').padEnd(8)}  ${r[3] ?? ''}`);
    }
    lines.push('');
  }
  return lines.slice(0, -1);
}

function renderDiff(region: string, diff: AlarmDiff): string[] {
  const head = `CloudWatch (${region}): ${diff.missing.length} missing, ${diff.changed.length} changed, ${diff.extra.length} extra, ${diff.unchanged.length} as configured`;
  const lines = [head];
  for (const name of diff.missing) lines.push(`  + ${name}  (missing: apply creates it)`);
  for (const c of diff.changed) {
    lines.push(`  ~ ${c.name}`);
    for (const f of c.changes) {
      const shown = f.field === 'description' ? '(text differs)' : `${f.deployed || '(none)'} → ${f.intended || '(none)'}`;
      lines.push(`      ${f.field}: ${shown}`);
    }
  }
  for (const e of diff.extra) lines.push(`  - ${e.name}  (extra: not in the config; tripline never deletes alarms)`);
  if (diff.missing.length + diff.changed.length > 0) lines.push('', 'Apply the missing and changed ones: tripline alarms apply');
  return lines;
}

function summaryOf(applied: readonly ApplyStep[], region: string): string {
  const created = applied.filter((s) => s.action === 'create');
  const updated = applied.filter((s) => s.action === 'update');
  return [
    `Applied in ${region}: ${created.length} created, ${updated.length} updated.`,
    ...created.map((s) => `  + ${s.name}`),
    ...updated.map((s) => `  ~ ${s.name}`),
  ].join('\n');
}
