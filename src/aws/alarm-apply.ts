import {
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  TagResourceCommand,
  type CloudWatchClient,
  type CompositeAlarm,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { AwsError } from '../errors.js';
import { tagsOf, toPutCompositeAlarmInput, toPutMetricAlarmInput } from '../pipeline-alarms/cloudwatch-input.js';
import type { AlarmDiff, DeployedAlarms } from '../pipeline-alarms/diff.js';
import type { AlarmDefinition } from '../pipeline-alarms/types.js';
import { describeAlarmsByPrefix } from './alarms.js';
import { explainAwsError } from './errors.js';

/**
 * Every metric and composite alarm whose name starts with one of the
 * prefixes (DescribeAlarms with AlarmNamePrefix, paginated). An alarm under
 * two overlapping prefixes is listed once.
 *
 * @throws AwsError when CloudWatch refuses (denied, throttled, expired credentials).
 */
export async function readDeployedAlarms(client: CloudWatchClient, prefixes: readonly string[]): Promise<DeployedAlarms> {
  const metric = new Map<string, MetricAlarm>();
  const composite = new Map<string, CompositeAlarm>();
  for (const prefix of [...new Set(prefixes)]) {
    const page = await describeAlarmsByPrefix(client, prefix);
    for (const a of page.metric) if (a.AlarmName) metric.set(a.AlarmName, a);
    for (const a of page.composite) if (a.AlarmName) composite.set(a.AlarmName, a);
  }
  return { metric: [...metric.values()], composite: [...composite.values()] };
}

/** One write `alarms apply` makes. */
export interface ApplyStep {
  readonly name: string;
  readonly kind: 'metric' | 'composite';
  readonly action: 'create' | 'update';
}

/**
 * What `alarms apply` writes for a diff: missing and changed alarms, metric
 * alarms before composites (a composite's rule may only name alarms that
 * exist). Extra alarms are left alone.
 */
export function applySteps(intended: readonly AlarmDefinition[], diff: AlarmDiff): ApplyStep[] {
  const missing = new Set(diff.missing);
  const changed = new Set(diff.changed.map((c) => c.name));
  const steps = intended.flatMap((def): ApplyStep[] => {
    if (missing.has(def.name)) return [{ name: def.name, kind: def.kind, action: 'create' }];
    if (changed.has(def.name)) return [{ name: def.name, kind: def.kind, action: 'update' }];
    return [];
  });
  return [...steps.filter((s) => s.kind === 'metric'), ...steps.filter((s) => s.kind === 'composite')];
}

/**
 * Creates or updates the alarms the diff calls for, in {@link applySteps}
 * order. PutMetricAlarm / PutCompositeAlarm ignore `Tags` when the alarm
 * exists, so an updated alarm's tags are written with TagResource.
 *
 * @throws AwsError at the first failed call, saying what was already written.
 */
export async function applyAlarms(
  client: CloudWatchClient,
  intended: readonly AlarmDefinition[],
  diff: AlarmDiff,
  options: { readonly onStep?: (step: ApplyStep) => void } = {},
): Promise<ApplyStep[]> {
  const byName = new Map(intended.map((d) => [d.name, d]));
  const arns = new Map(diff.changed.flatMap((c) => (c.arn !== undefined ? [[c.name, c.arn] as const] : [])));
  const steps = applySteps(intended, diff);
  const done: ApplyStep[] = [];
  for (const step of steps) {
    const def = byName.get(step.name);
    if (def === undefined) continue;
    const operation = def.kind === 'metric' ? 'PutMetricAlarm' : 'PutCompositeAlarm';
    await call(operation, def.name, done, steps.length, () =>
      def.kind === 'metric'
        ? client.send(new PutMetricAlarmCommand(toPutMetricAlarmInput(def)))
        : client.send(new PutCompositeAlarmCommand(toPutCompositeAlarmInput(def))),
    );
    const arn = arns.get(def.name);
    if (step.action === 'update' && arn !== undefined) {
      await call('TagResource', def.name, done, steps.length, () => client.send(new TagResourceCommand({ ResourceARN: arn, Tags: tagsOf(def.tags) })));
    }
    done.push(step);
    options.onStep?.(step);
  }
  return done;
}

async function call(operation: string, name: string, done: readonly ApplyStep[], total: number, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    const progress = done.length === 0 ? 'nothing was written' : `${done.length} of ${total} alarms were written before it (${done.map((s) => s.name).join(', ')})`;
    throw new AwsError(
      `CloudWatch ${operation} failed for alarm ${name}: ${explainAwsError(error, `cloudwatch:${operation}`)}. ${progress}; fix the cause and run tripline alarms apply again (it picks up what is still missing or changed).`,
      { service: 'cloudwatch', operation },
      { cause: error },
    );
  }
}
