import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../src/errors.js';
import { AlarmRouterStack, ROUTER_TOPOLOGIES, type RouterTopology } from './alarm-router-stack.js';
import { configToStackProps } from './config-to-props.js';
import { addPipelineAlarms, routerRunbook } from './pipeline-alarms-app.js';
import { addQualityMonitorStack } from './quality-app.js';
import type { QualityMonitorStack } from './quality-monitor-stack.js';
import { addOncallSummaryStack, type OncallSummaryStack } from './oncall-summary-stack.js';

/** Stack name when neither context `stackName` nor `TRIPLINE_STACK_NAME` says otherwise. */
export const DEFAULT_STACK_NAME = 'tripline-alarm-router';

/** The config file looked for in the working directory when none is named. */
export const DEFAULT_CONFIG_FILE = 'tripline.config.yaml';

/** Parses config text; the default is `parseConfigText` from src/config. */
export type ConfigParser = (text: string, source: string) => Promise<unknown>;

/** Where the app's settings come from; every field has a working default. */
export interface BuildAppOptions {
  /** Cloud assembly directory; the CDK CLI sets it through `CDK_OUTDIR`. */
  readonly outdir?: string;
  /** CDK context, as `-c key=value` or cdk.json would give it. */
  readonly context?: Record<string, unknown>;
  readonly env?: NodeJS.ProcessEnv;
  /** Where `tripline.config.yaml` and relative paths are looked up. */
  readonly cwd?: string;
  /** Receives one line per synth-time warning; default writes to stderr. */
  readonly warn?: (line: string) => void;
  readonly parseConfig?: ConfigParser;
}

/** The settings the app resolved from context and environment. */
export interface AppSettings {
  readonly stackName: string;
  readonly topology: RouterTopology;
  readonly alarmNamePrefix: string | undefined;
  /** Absolute path of the config file, or undefined when there is none. */
  readonly configFile: string | undefined;
  readonly bundleDir: string | undefined;
  readonly pagerDutyEventsUrl: string | undefined;
  readonly slackChannel: string | undefined;
  readonly failureAlarmEmail: string | undefined;
  readonly kmsKeyArn: string | undefined;
}

/**
 * Resolves the app's settings: context first, then `TRIPLINE_*` environment
 * variables, then defaults.
 */
export function readAppSettings(
  context: (key: string) => unknown,
  env: NodeJS.ProcessEnv,
  cwd: string,
): AppSettings {
  const pick = (key: string, envName?: string): string | undefined => {
    const fromContext: unknown = context(key);
    if (fromContext !== undefined && fromContext !== null) {
      if (typeof fromContext !== 'string') {
        throw new ConfigError(`context "${key}" must be a string, got ${JSON.stringify(fromContext)}: pass -c ${key}=<value>`);
      }
      return fromContext === '' ? undefined : fromContext;
    }
    const fromEnv = envName === undefined ? undefined : env[envName];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };

  const topology = pick('topology', 'TRIPLINE_TOPOLOGY') ?? 'sns';
  if (!isTopology(topology)) {
    throw new ConfigError(`unknown topology "${topology}": use one of ${ROUTER_TOPOLOGIES.join(', ')} (-c topology=sns)`);
  }
  const named = pick('config', 'TRIPLINE_CONFIG_FILE');
  let configFile: string | undefined;
  if (named !== undefined) {
    configFile = path.resolve(cwd, named);
    if (!existsSync(configFile)) {
      throw new ConfigError(`config file ${named} not found: fix -c config=… / TRIPLINE_CONFIG_FILE, or unset it to use ./${DEFAULT_CONFIG_FILE}`);
    }
  } else if (existsSync(path.join(cwd, DEFAULT_CONFIG_FILE))) {
    configFile = path.join(cwd, DEFAULT_CONFIG_FILE);
  }
  const bundleDir = pick('bundleDir');
  return {
    stackName: pick('stackName', 'TRIPLINE_STACK_NAME') ?? DEFAULT_STACK_NAME,
    topology,
    alarmNamePrefix: pick('alarmNamePrefix', 'TRIPLINE_ALARM_NAME_PREFIX'),
    configFile,
    bundleDir: bundleDir === undefined ? undefined : path.resolve(cwd, bundleDir),
    pagerDutyEventsUrl: pick('pagerDutyEventsUrl'),
    slackChannel: pick('slackChannel'),
    failureAlarmEmail: pick('failureAlarmEmail'),
    kmsKeyArn: pick('kmsKeyArn'),
  };
}

/**
 * Builds the CDK app holding the alarm-router stack (and the quality-monitor
 * stack when `-c qualityStreamArn=…` names a stream). Throws `ConfigError`
 * for a bad setting or config and `BundleMissingError` before `npm run build`.
 */
export async function buildApp(
  options: BuildAppOptions = {},
): Promise<{ app: App; stack: AlarmRouterStack; qualityStack: QualityMonitorStack | undefined; summaryStack: OncallSummaryStack | undefined }> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const warn = options.warn ?? ((line: string) => process.stderr.write(`tripline: warning: ${line}\n`));
  const app = new App({
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    ...(options.context === undefined ? {} : { context: options.context }),
  });
  const settings = readAppSettings((key) => app.node.tryGetContext(key), env, cwd);

  // Held back until the stack is built, so a missing bundle is the only thing said.
  const warnings: string[] = [];
  let routerConfigJson: string | undefined;
  let fromConfig = configToStackProps(undefined);
  let parsedConfig: unknown;
  if (settings.configFile === undefined) {
    warnings.push(
      `no ${DEFAULT_CONFIG_FILE} in ${cwd} and none named (-c config=… or TRIPLINE_CONFIG_FILE): the router is deployed without TRIPLINE_CONFIG and has no receivers to page.`,
    );
  } else {
    const parse = options.parseConfig ?? defaultParser;
    const config = await parse(readFileSync(settings.configFile, 'utf8'), settings.configFile);
    parsedConfig = config;
    routerConfigJson = JSON.stringify(config);
    fromConfig = configToStackProps(config);
    for (const line of fromConfig.warnings) warnings.push(`${path.relative(cwd, settings.configFile) || settings.configFile}: ${line}`);
  }

  const stack = new AlarmRouterStack(app, settings.stackName, {
    env: { account: env['CDK_DEFAULT_ACCOUNT'], region: env['CDK_DEFAULT_REGION'] },
    description: 'tripline alarm router: CloudWatch alarm state changes to PagerDuty and Slack',
    topology: settings.topology,
    bundleDir: settings.bundleDir,
    routerConfigJson,
    alarmNamePrefix: settings.alarmNamePrefix,
    pagerDutyEventsUrl: settings.pagerDutyEventsUrl,
    slackChannel: settings.slackChannel,
    failureAlarmEmail: settings.failureAlarmEmail,
    kmsKeyArn: settings.kmsKeyArn,
    slackThreadTableName: fromConfig.slackThreadTableName,
    ssmParameterNames: fromConfig.ssmParameterNames,
    secretIds: fromConfig.secretIds,
    ...routerRunbook(parsedConfig, settings.stackName),
  });
  // The configured pipelines' alarms and composites, in the router's stack (rules/pipeline-alarms-app.ts).
  const pipelineAlarms = await addPipelineAlarms(stack, parsedConfig, (line) => warnings.push(line));
  // Data quality: a second stack, only when a tracking stream is named (rules/quality-app.ts).
  const qualityStack = await addQualityMonitorStack(app, {
    env,
    cwd,
    config: parsedConfig,
    warn: (line) => warnings.push(line),
    pipelinesWithAlarms: pipelineAlarms?.pipelines ?? [],
  });
  // Shift summaries on a schedule: a third stack, only when the config has a summary section (rules/oncall-summary-stack.ts).
  const summaryStack = await addOncallSummaryStack(app, { env, cwd, config: parsedConfig, warn: (line) => warnings.push(line) });
  for (const line of warnings) warn(line);
  return { app, stack, qualityStack, summaryStack };
}

/**
 * Synthesizes the stack into a temporary cloud assembly (removed afterwards)
 * and returns its CloudFormation template.
 */
export async function synthTemplate(options: Omit<BuildAppOptions, 'outdir'> = {}): Promise<unknown> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'tripline-synth-'));
  try {
    const { app, stack } = await buildApp({ ...options, outdir });
    const template: unknown = app.synth().getStackArtifact(stack.artifactId).template;
    return template;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

async function defaultParser(text: string, source: string): Promise<unknown> {
  // Loaded lazily so the stack and its tests do not depend on the config module.
  const { parseConfigText } = await import('../src/config/index.js');
  return parseConfigText(text, source);
}

function isTopology(value: string): value is RouterTopology {
  return (ROUTER_TOPOLOGIES as readonly string[]).includes(value);
}
