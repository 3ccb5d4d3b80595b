// The quality-monitor stack's place in the CDK app (rules/build-app.ts calls
// addQualityMonitorStack). It is added only when a tracking stream is named, so
// an app without one synthesizes exactly the alarm-router stack as before.
import path from 'node:path';
import type { App } from 'aws-cdk-lib';
import type { QualitySection } from '../src/config/quality.js';
import { ConfigError } from '../src/errors.js';
import { QualityMonitorStack } from './quality-monitor-stack.js';
import type { AddStackOptions } from './stack-helpers.js';

/** Stack name when neither context `qualityStackName` nor `TRIPLINE_QUALITY_STACK_NAME` says otherwise. */
export const DEFAULT_QUALITY_STACK_NAME = 'tripline-quality-monitor';

/** What the app reads for the quality stack (context first, then environment). */
export interface QualityAppSettings {
  readonly stackName: string;
  readonly streamArn: string | undefined;
  readonly streamName: string | undefined;
  readonly streamKmsKeyArn: string | undefined;
  readonly bundleDir: string | undefined;
  readonly pipeline: string | undefined;
  readonly runbookUrl: string | undefined;
  readonly quarantine: boolean;
  readonly quarantineSample: number | undefined;
  readonly dedupWindowKeys: number | undefined;
}

/**
 * Reads the quality stack's settings; `undefined` when no stream is named
 * (`-c qualityStreamArn=…` / `TRIPLINE_QUALITY_STREAM_ARN`, or
 * `-c qualityStreamName=…` / `TRIPLINE_QUALITY_STREAM_NAME`).
 *
 * @throws ConfigError for a setting that is not a string, a boolean or a whole number where one is expected.
 */
export function readQualitySettings(
  context: (key: string) => unknown,
  env: NodeJS.ProcessEnv,
  cwd: string,
): QualityAppSettings | undefined {
  const pick = (key: string, envName?: string): string | undefined => {
    const fromContext: unknown = context(key);
    if (fromContext !== undefined && fromContext !== null) {
      if (typeof fromContext === 'boolean' || typeof fromContext === 'number') return String(fromContext);
      if (typeof fromContext !== 'string') {
        throw new ConfigError(`context "${key}" must be a string, got ${JSON.stringify(fromContext)}: pass -c ${key}=<value>`);
      }
      return fromContext === '' ? undefined : fromContext;
    }
    const fromEnv = envName === undefined ? undefined : env[envName];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const streamArn = pick('qualityStreamArn', 'TRIPLINE_QUALITY_STREAM_ARN');
  const streamName = pick('qualityStreamName', 'TRIPLINE_QUALITY_STREAM_NAME');
  if (streamArn === undefined && streamName === undefined) return undefined;

  const flag = (key: string): boolean => {
    const value = pick(key);
    if (value === undefined || value === 'false') return false;
    if (value === 'true') return true;
    throw new ConfigError(`context "${key}" must be true or false, got "${value}"`);
  };
  const whole = (key: string): number | undefined => {
    const value = pick(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`context "${key}" must be a whole number, got "${value}"`);
    return n;
  };
  const bundleDir = pick('qualityBundleDir');
  return {
    stackName: pick('qualityStackName', 'TRIPLINE_QUALITY_STACK_NAME') ?? DEFAULT_QUALITY_STACK_NAME,
    streamArn,
    streamName,
    streamKmsKeyArn: pick('qualityStreamKmsKeyArn'),
    bundleDir: bundleDir === undefined ? undefined : path.resolve(cwd, bundleDir),
    pipeline: pick('qualityPipeline'),
    runbookUrl: pick('qualityRunbookUrl'),
    quarantine: flag('qualityQuarantine'),
    quarantineSample: whole('qualityQuarantineSample'),
    dedupWindowKeys: whole('qualityDedupWindowKeys'),
  };
}

/**
 * Adds the quality-monitor stack when a stream is named. Its `quality`
 * settings come from the config the router stack uses (already validated), or
 * the section's defaults; its runbook URL from `-c qualityRunbookUrl=…`, else the
 * config's `paging.defaults.runbookUrl` when that needs nothing known only at
 * alarm time.
 */
export async function addQualityMonitorStack(
  app: App,
  options: AddStackOptions & {
    /** Pipelines whose quality alarms the router stack creates (rules/pipeline-alarms-app.ts). */
    readonly pipelinesWithAlarms?: readonly string[];
  },
): Promise<QualityMonitorStack | undefined> {
  const settings = readQualitySettings((key) => app.node.tryGetContext(key), options.env, options.cwd);
  if (settings === undefined) return undefined;
  const quality = await qualitySectionOf(options.config);
  const runbookUrl = settings.runbookUrl ?? configRunbookUrl(options.config, options.warn);
  return new QualityMonitorStack(app, settings.stackName, {
    env: { account: options.env['CDK_DEFAULT_ACCOUNT'], region: options.env['CDK_DEFAULT_REGION'] },
    description: 'tripline quality monitor: tracked events checked against the tracking plan, with quality alarms',
    ...(settings.streamArn !== undefined ? { streamArn: settings.streamArn } : {}),
    ...(settings.streamName !== undefined ? { streamName: settings.streamName } : {}),
    ...(settings.streamKmsKeyArn !== undefined ? { streamKmsKeyArn: settings.streamKmsKeyArn } : {}),
    ...(settings.bundleDir !== undefined ? { bundleDir: settings.bundleDir } : {}),
    ...(settings.pipeline !== undefined ? { pipeline: settings.pipeline } : {}),
    ...(runbookUrl !== undefined ? { runbookUrl } : {}),
    ...(settings.quarantineSample !== undefined ? { quarantineSample: settings.quarantineSample } : {}),
    ...(settings.dedupWindowKeys !== undefined ? { dedupWindowKeys: settings.dedupWindowKeys } : {}),
    quarantine: settings.quarantine,
    quality,
    ...(options.pipelinesWithAlarms !== undefined ? { pipelinesWithAlarms: options.pipelinesWithAlarms } : {}),
  });
}

async function qualitySectionOf(config: unknown): Promise<QualitySection> {
  // Loaded lazily, as build-app.ts loads the config parser: the stack itself does not depend on it.
  const { QualitySectionSchema } = await import('../src/config/quality.js');
  const section = isRecord(config) ? config['quality'] : undefined;
  const parsed = QualitySectionSchema.safeParse(section ?? {});
  if (!parsed.success) throw new ConfigError(`the config's quality section is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

function configRunbookUrl(config: unknown, warn: (line: string) => void): string | undefined {
  const paging = isRecord(config) ? config['paging'] : undefined;
  const defaults = isRecord(paging) ? paging['defaults'] : undefined;
  const template = isRecord(defaults) ? defaults['runbookUrl'] : undefined;
  if (typeof template !== 'string') return undefined;
  if (template.includes('{state}')) {
    warn(
      `paging.defaults.runbookUrl uses {state}, which is unknown when the quality alarms are created: they get no runbook tag (the router still applies the template); set -c qualityRunbookUrl=… to tag them`,
    );
    return undefined;
  }
  return template;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
