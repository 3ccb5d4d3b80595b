import { readFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import type { Delivery, NotifyOutcome } from '../../src/domain/delivery.js';
import { InputError } from '../../src/errors.js';
import { describeSecretRef, type Config } from '../../src/config/index.js';
import { buildPagerDutyEvent, type PagerDutyEvent } from '../../src/notify/pagerduty/event.js';
import { buildChildThreadReply, buildSlackMessage } from '../../src/notify/slack/message.js';
import { routeAlarmEvent, type RouterReport } from '../../src/paging/router.js';
import { threadParentOf } from '../../src/routing/thread-parent.js';
import { createRouterDeps } from '../../src/paging/wiring.js';
import { stderrLog } from '../stderr-log.js';
import type { CommandResult } from './result.js';

const OptionsSchema = z.object({
  config: z.optional(z.string()),
  aws: z._default(z.boolean(), false),
  send: z._default(z.boolean(), false),
  json: z._default(z.boolean(), false),
  now: z.optional(
    z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time such as 2026-11-22T03:00:00Z')),
  ),
});

/**
 * `tripline alarm test <event.json>`: the router's whole decision for one
 * payload, offline by default. Prints the exact PagerDuty and Slack payloads,
 * secrets replaced by where they would come from.
 */
export async function runAlarmTest(file: string, rawOptions: Record<string, unknown>): Promise<CommandResult> {
  const parsed = OptionsSchema.safeParse(rawOptions);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  const options = parsed.data;
  const event = await readEvent(file);
  const log = stderrLog({ verbose: false });
  const deps = await createRouterDeps({
    env: process.env,
    log,
    cwd: process.cwd(),
    aws: options.aws,
    ...(options.config ? { configFile: options.config } : {}),
  });
  const report = await routeAlarmEvent(event, {
    ...deps,
    log,
    dryRun: !options.send,
    ...(options.now ? { now: () => new Date(options.now ?? '') } : {}),
  });

  if (report.converged.length === 0 && report.rejected.length > 0) {
    throw new InputError(
      `${file}: no CloudWatch alarm state change found:\n${report.rejected.map((r) => `  - ${r.reason}`).join('\n')}`,
    );
  }
  const exitCode = report.failures.length > 0 ? 3 : 0;
  const deliveries = report.deliveries.map((d) => describeDelivery(d, deps.config));
  if (options.json) {
    return {
      exitCode,
      stdout: JSON.stringify(
        {
          file,
          config: deps.configSource,
          convergence: report.convergence,
          transitions: report.converged.map((c) => ({ ...c.transition, basis: c.basis, deliveries: c.delivered.length })),
          skipped: report.skipped,
          rejected: report.rejected,
          deliveries,
          sent: options.send,
          outcomes: report.outcomes,
          failures: report.failures.map((f) => ({ channel: f.channel, receiver: f.delivery.receiver, alarm: f.delivery.transition.alarmName, retryable: f.error.retryable, error: f.error.message })),
        },
        null,
        2,
      ),
    };
  }
  return { exitCode, stdout: renderText(file, deps.configSource, report, deliveries, options.send) };
}

async function readEvent(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new InputError(`${file}: cannot read the event (${why}); pass a JSON file holding a Lambda event`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)}); pass a Lambda event as JSON`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

interface DescribedDelivery {
  readonly alarm: string;
  readonly state: string;
  readonly receiver: string;
  readonly route: string;
  readonly severity: string;
  readonly runbookUrl?: string;
  readonly dedupKey: string;
  readonly muted?: Delivery['muted'];
  readonly pagerduty?: { readonly action: 'trigger' | 'resolve'; readonly event: PagerDutyEvent };
  readonly slack?: { readonly channel: string; readonly message: unknown };
  /** A child held back while its composite pages: its reply in the composite's Slack thread. */
  readonly slackReply?: { readonly inThreadOf: string; readonly parentDedupKey: string; readonly channel: string; readonly message: unknown };
}

/** The payloads as they would be sent, the routing key replaced by where it comes from. */
function describeDelivery(d: Delivery, config: Config): DescribedDelivery {
  const receiver = config.paging.receivers.find((r) => r.name === d.receiver);
  const keyRef = receiver?.pagerduty?.routingKey;
  const channel = receiver?.slack?.channel;
  const parent = threadParentOf(d);
  return {
    alarm: d.transition.alarmName,
    state: d.transition.state,
    receiver: d.receiver,
    route: d.routePath,
    severity: d.severity,
    ...(d.runbookUrl ? { runbookUrl: d.runbookUrl } : {}),
    dedupKey: d.dedupKey,
    ...(d.muted ? { muted: d.muted } : {}),
    ...(d.pagerduty && keyRef
      ? { pagerduty: { action: d.pagerduty, event: buildPagerDutyEvent(d, `<${describeSecretRef(keyRef)}>`) } }
      : {}),
    ...(d.slack && channel ? { slack: { channel, message: buildSlackMessage(d, channel) } } : {}),
    ...(parent !== undefined && channel ? { slackReply: { inThreadOf: parent.alarmName, parentDedupKey: parent.dedupKey, channel, message: buildChildThreadReply(d) } } : {}),
  };
}

function renderText(
  file: string,
  configSource: string,
  report: RouterReport,
  deliveries: readonly DescribedDelivery[],
  sent: boolean,
): string {
  const lines: string[] = [];
  const convergence = {
    offline: 'offline (add --aws to check the current state in CloudWatch)',
    'describe-alarms': 'checked with CloudWatch DescribeAlarms',
    'describe-alarms-failed': 'CloudWatch could not be read; acting on the delivered state',
  }[report.convergence];
  lines.push(`${file} · config: ${configSource}`);
  lines.push(
    `${report.converged.length} alarm transition(s) · ${report.skipped.length} skipped · ${report.rejected.length} rejected · convergence: ${convergence}`,
  );
  for (const s of report.skipped) lines.push(`  skipped ${s.id}: ${s.detail}`);
  for (const r of report.rejected) lines.push(`  rejected ${r.id}: ${r.reason}`);

  for (const c of report.converged) {
    const t = c.transition;
    lines.push('');
    lines.push(`${t.state}  ${t.alarmName}  (${t.previousState ?? '?'} → ${t.state} at ${t.stateTimestamp}, via ${t.shape})`);
    lines.push(`  reason: ${t.reason}`);
    if (c.basis === 'current') lines.push('  note: CloudWatch reports a newer state than the delivery; acting on it');
    for (const d of deliveries.filter((x) => x.alarm === t.alarmName)) {
      lines.push(`  route ${d.route} → receiver ${d.receiver} (severity ${d.severity}${d.runbookUrl ? `, runbook ${d.runbookUrl}` : ''})`);
      if (d.muted) lines.push(`  held back by ${d.muted.by}: ${d.muted.detail}`);
      if (d.pagerduty) {
        lines.push(`  PagerDuty ${d.pagerduty.action}, dedup_key ${d.dedupKey}:`);
        lines.push(indent(JSON.stringify(d.pagerduty.event, null, 2), 4));
      }
      if (d.slack) {
        lines.push(`  Slack ${d.slack.channel}:`);
        lines.push(indent(JSON.stringify(d.slack.message, null, 2), 4));
      }
      if (d.slackReply) {
        lines.push(
          `  Slack: a reply in the thread of ${d.slackReply.inThreadOf} (looked up in slack.threadStore under ${d.slackReply.parentDedupKey}; without a thread store, a post in ${d.slackReply.channel}):`,
        );
        lines.push(indent(JSON.stringify(d.slackReply.message, null, 2), 4));
      }
      if (!d.pagerduty && !d.slack && !d.slackReply) lines.push('  nothing to send');
    }
  }
  if (sent) {
    lines.push('');
    for (const o of report.outcomes) lines.push(outcomeLine(o));
    for (const f of report.failures) lines.push(`FAILED ${f.channel} → ${f.delivery.receiver}: ${f.error.message}`);
  } else if (report.deliveries.length > 0) {
    lines.push('');
    lines.push('Nothing was sent. Add --send to deliver (PAGERDUTY_EVENTS_URL, SLACK_API_URL and the secrets above are used).');
  }
  return lines.join('\n');
}

function outcomeLine(o: NotifyOutcome): string {
  return `${o.status === 'sent' ? 'sent' : 'skipped'} ${o.channel} → ${o.receiver} (${o.dedupKey}, ${o.attempts} attempt(s))${o.detail ? `: ${o.detail}` : ''}`;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
