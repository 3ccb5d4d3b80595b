// The pipelines' alarms in the CDK app (rules/build-app.ts calls addPipelineAlarms).
// They live in the alarm router's stack, so one `cdk deploy` (and `npm run synth`)
// holds the router and everything it pages for; a config without `pipelines:`
// synthesizes exactly the router stack as before.
import type { Stack } from 'aws-cdk-lib';
import { ConfigError } from '../src/errors.js';
import { catalogFromConfig, fillRunbookLink } from '../src/pipeline-alarms/definitions.js';
import { PipelineAlarms } from './pipeline-alarms.js';

/**
 * Adds every configured pipeline's alarms and composite to `stack`; undefined
 * when the config names no pipelines. Catalog warnings (a runbook template that
 * cannot be filled in at deploy time) go to `warn`.
 *
 * @throws ConfigError when the pipelines section is not valid or two pipelines share alarm names.
 */
export async function addPipelineAlarms(
  stack: Stack,
  config: unknown,
  warn: (line: string) => void,
): Promise<{ readonly construct: PipelineAlarms; readonly pipelines: readonly string[] } | undefined> {
  const section = isRecord(config) ? config['pipelines'] : undefined;
  if (!isRecord(section) || Object.keys(section).length === 0) return undefined;
  // Loaded lazily, as build-app.ts loads the config parser: the stack itself does not depend on it.
  const { PipelinesSchema } = await import('../src/config/pipelines.js');
  const parsed = PipelinesSchema.safeParse(section);
  if (!parsed.success) {
    throw new ConfigError(`the config's pipelines section is not valid: ${parsed.error.issues.map((i) => `pipelines.${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const runbookUrl = defaultRunbookUrl(config);
  const catalog = catalogFromConfig({ pipelines: parsed.data, ...(runbookUrl !== undefined ? { paging: { defaults: { runbookUrl } } } : {}) });
  for (const line of catalog.warnings) warn(line);
  return { construct: new PipelineAlarms(stack, 'PipelineAlarms', { alarms: catalog.alarms }), pipelines: Object.keys(parsed.data) };
}

/** The router-failures alarm's runbook link, from `paging.defaults.runbookUrl` when it can be filled in at deploy time. */
export function routerRunbook(config: unknown, stackName: string): { failureAlarmRunbookUrl?: string } {
  const template = defaultRunbookUrl(config);
  if (template === undefined) return {};
  const url = fillRunbookLink(template, { runbook: 'router-failures', pipeline: '', alarmName: `${stackName}-router-failures`, tags: { severity: 'critical' } });
  return url === undefined ? {} : { failureAlarmRunbookUrl: url };
}

function defaultRunbookUrl(config: unknown): string | undefined {
  const paging = isRecord(config) ? config['paging'] : undefined;
  const defaults = isRecord(paging) ? paging['defaults'] : undefined;
  const template = isRecord(defaults) ? defaults['runbookUrl'] : undefined;
  return typeof template === 'string' ? template : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
