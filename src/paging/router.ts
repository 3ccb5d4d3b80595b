import type { AlarmTransition, CurrentAlarmState, RejectedRecord, SkippedRecord } from '../domain/alarm.js';
import { dedupKeyOf } from '../domain/alarm-links.js';
import type { Delivery, FindingsSource, Notifier, NotifyChannel, NotifyOutcome } from '../domain/delivery.js';
import type { AlarmLabels } from '../domain/labels.js';
import type { Log } from '../domain/log.js';
import { NotifyError } from '../errors.js';
import { alarmArnOf, normalize } from '../alarms/index.js';
import type { Config } from '../config/index.js';
import { inhibitionSourcesNeeded, plan, tagKeysUsedByInhibition } from '../routing/index.js';
import { converge, type Converged } from './converge.js';

/** What the router needs to read CloudWatch; CloudWatchAlarmReader implements it. */
export interface AlarmStateSource {
  currentStates(names: readonly string[]): Promise<Map<string, CurrentAlarmState>>;
  alarmsInAlarm(options: { withTags: boolean }): Promise<AlarmLabels[]>;
  /** The alarm's tags (ListTagsForResource); alarm events do not carry them. */
  tagsOf(alarmArn: string): Promise<Record<string, string>>;
}

/** Counters the Lambda publishes as EMF metrics. */
export interface RouterMetrics {
  count(metric: 'Sent' | 'Failed' | 'Skipped' | 'Rejected' | 'Muted', dimension: string): void;
}

export interface RouterDeps {
  readonly config: Config;
  /** CloudWatch, for convergence and inhibition. Absent offline (`tripline alarm test` without --aws). */
  readonly alarms?: AlarmStateSource;
  /** Looks things up for a page (the top invalid reasons of a quality alarm). Absent offline. */
  readonly findings?: FindingsSource;
  readonly notifiers: readonly Notifier[];
  readonly log: Log;
  readonly metrics?: RouterMetrics;
  readonly now?: () => Date;
  /** The caller's own account (from the Lambda's ARN): DescribeAlarms sees only its alarms. */
  readonly ownAccount?: string;
  readonly ownRegion?: string;
  /** Aborts in-flight notifications (the Lambda's deadline). */
  readonly signal?: AbortSignal;
  /** Plan and report only; send nothing. */
  readonly dryRun?: boolean;
}

export interface NotifyFailure {
  readonly delivery: Delivery;
  readonly channel: NotifyChannel;
  readonly error: NotifyError;
}

export interface RouterReport {
  readonly skipped: readonly SkippedRecord[];
  readonly rejected: readonly RejectedRecord[];
  readonly converged: readonly Converged[];
  readonly deliveries: readonly Delivery[];
  readonly outcomes: readonly NotifyOutcome[];
  readonly failures: readonly NotifyFailure[];
  /** How the current states were obtained. */
  readonly convergence: 'describe-alarms' | 'describe-alarms-failed' | 'offline';
  /** SQS-delivered invocations: message ids to hand back as batchItemFailures. */
  readonly failedSqsMessageIds: readonly string[];
}

/**
 * Routes one Lambda event end to end: normalize every record, converge each
 * alarm to its current state, plan deliveries per route, and notify.
 * Notification failures are collected, not thrown: the caller decides (the
 * Lambda throws or reports a partial batch failure so nothing is lost).
 */
export async function routeAlarmEvent(event: unknown, deps: RouterDeps): Promise<RouterReport> {
  const { log } = deps;
  const now = deps.now?.() ?? new Date();
  // AWS's own samples carry placeholder ARNs; the caller's account and region fill the gaps.
  const normalized = normalize(event, {
    ...(deps.ownAccount ? { fallbackAccountId: deps.ownAccount } : {}),
    ...(deps.ownRegion ? { fallbackRegion: deps.ownRegion } : {}),
  });

  for (const s of normalized.skipped) {
    log.info('record skipped', { recordId: s.id, reason: s.reason, detail: s.detail });
    deps.metrics?.count('Skipped', s.reason);
  }
  for (const r of normalized.rejected) {
    log.warn('record is not a CloudWatch alarm state change; not paged', { recordId: r.id, reason: r.reason });
    deps.metrics?.count('Rejected', 'not-an-alarm');
  }

  const owns = (t: AlarmTransition): boolean =>
    (!deps.ownAccount || t.accountId === deps.ownAccount) && (!deps.ownRegion || t.region === deps.ownRegion);
  const { states, convergence } = await readCurrentStates(normalized.transitions.filter(owns), deps);
  const converged = await withTags(converge(normalized.transitions, states, owns), owns, deps);

  const sources = await readInhibitionSources(converged, deps);
  const deliveries: Delivery[] = [];
  for (const c of converged) {
    let planned: readonly Delivery[] = plan(c.transition, deps.config.paging, { now, ...(sources ? { inhibitionSources: sources } : {}) });
    // What the responder should see with the page (and the post): looked up once per alarm going to ALARM.
    if (deps.findings !== undefined && c.transition.state === 'ALARM' && planned.some((d) => d.pagerduty === 'trigger' || d.slack)) {
      const findings = await deps.findings.findingsFor(c.transition);
      if (findings.length > 0) planned = planned.map((d) => ({ ...d, findings }));
    }
    for (const d of planned) {
      if (d.muted) {
        log.info('page held back', { alarm: d.transition.alarmName, receiver: d.receiver, by: d.muted.by, detail: d.muted.detail });
        deps.metrics?.count('Muted', d.muted.by);
      }
    }
    deliveries.push(...planned);
  }

  const outcomes: NotifyOutcome[] = [];
  const failures: NotifyFailure[] = [];
  if (!deps.dryRun) {
    await Promise.all(
      deliveries.flatMap((delivery) =>
        deps.notifiers.map(async (notifier) => {
          try {
            const outcome = await notifier.notify(delivery, deps.signal ? { signal: deps.signal } : undefined);
            outcomes.push(outcome);
            // The notifier logs what it sent; counting is enough here.
            if (outcome.status === 'sent') deps.metrics?.count('Sent', notifier.channel);
          } catch (error) {
            const failure = asNotifyError(error, notifier.channel, delivery.receiver);
            failures.push({ delivery, channel: notifier.channel, error: failure });
            deps.metrics?.count('Failed', notifier.channel);
            log.error(`${notifier.channel} notification failed`, {
              alarm: delivery.transition.alarmName,
              receiver: delivery.receiver,
              dedupKey: delivery.dedupKey,
              retryable: failure.retryable,
              status: failure.status,
              error: failure.message,
            });
          }
        }),
      ),
    );
  }

  logDecisions(log, converged, deliveries, outcomes, failures);

  return {
    skipped: normalized.skipped,
    rejected: normalized.rejected,
    converged,
    deliveries,
    outcomes,
    failures,
    convergence,
    failedSqsMessageIds: failedSqsIds(failures, converged, normalized.sqsMessageIds),
  };
}

/** One log line per alarm: what was delivered, what it converged to, and what was sent. */
function logDecisions(
  log: Log,
  converged: readonly Converged[],
  deliveries: readonly Delivery[],
  outcomes: readonly NotifyOutcome[],
  failures: readonly NotifyFailure[],
): void {
  for (const c of converged) {
    const t = c.transition;
    const dedupKey = dedupKeyOf(t);
    const mine = deliveries.filter((d) => d.dedupKey === dedupKey);
    log.info('alarm routed', {
      alarm: t.alarmName,
      transition: `${t.previousState ?? '?'} -> ${t.state}`,
      basis: c.basis,
      deliveredStates: c.delivered.map((d) => d.state),
      dedupKey,
      receivers: mine.map((d) => d.receiver),
      sent: outcomes
        .filter((o) => o.dedupKey === dedupKey && o.status === 'sent')
        .map((o) => `${o.channel}/${o.receiver}${o.channel === 'pagerduty' ? `:${mine.find((d) => d.receiver === o.receiver)?.pagerduty ?? ''}` : ''}`),
      failed: failures.filter((f) => f.delivery.dedupKey === dedupKey).map((f) => `${f.channel}/${f.delivery.receiver}`),
    });
  }
}

async function readCurrentStates(
  transitions: readonly AlarmTransition[],
  deps: RouterDeps,
): Promise<{ states: Map<string, CurrentAlarmState> | undefined; convergence: RouterReport['convergence'] }> {
  if (!deps.alarms) return { states: undefined, convergence: 'offline' };
  if (transitions.length === 0) return { states: new Map(), convergence: 'describe-alarms' };
  try {
    const states = await deps.alarms.currentStates(transitions.map((t) => t.alarmName));
    return { states, convergence: 'describe-alarms' };
  } catch (error) {
    deps.log.warn('could not read current alarm states; acting on the delivered states', {
      error: error instanceof Error ? error.message : String(error),
    });
    return { states: undefined, convergence: 'describe-alarms-failed' };
  }
}

/**
 * Alarm events carry no tags, yet routes, silences, inhibition, severity and
 * runbook links read them: fetch each of our own alarms' tags from
 * CloudWatch. A failure leaves the alarm untagged (and is logged): routing
 * on what is known beats not paging.
 */
async function withTags(
  converged: Converged[],
  owns: (t: AlarmTransition) => boolean,
  deps: RouterDeps,
): Promise<Converged[]> {
  const alarms = deps.alarms;
  if (!alarms) return converged;
  return Promise.all(
    converged.map(async (c) => {
      const t = c.transition;
      if (Object.keys(t.tags).length > 0 || !owns(t)) return c;
      try {
        const tags = await alarms.tagsOf(alarmArnOf(t.alarmName, t.region, t.accountId));
        return Object.keys(tags).length === 0 ? c : { ...c, transition: { ...t, tags } };
      } catch (error) {
        deps.log.warn('could not read the alarm\'s tags; routing without them', {
          alarm: t.alarmName,
          error: error instanceof Error ? error.message : String(error),
        });
        return c;
      }
    }),
  );
}

/** Alarms in ALARM, read only when an inhibition rule could hold back a page. */
async function readInhibitionSources(
  converged: readonly Converged[],
  deps: RouterDeps,
): Promise<AlarmLabels[] | undefined> {
  const paging = deps.config.paging;
  if (!deps.alarms || !inhibitionSourcesNeeded(paging)) return undefined;
  if (!converged.some((c) => c.transition.state !== 'OK')) return undefined;
  try {
    return await deps.alarms.alarmsInAlarm({ withTags: tagKeysUsedByInhibition(paging).length > 0 });
  } catch (error) {
    // Better a page too many than a missed one.
    deps.log.warn('could not read inhibition sources; paging without inhibition', {
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

function asNotifyError(error: unknown, channel: NotifyChannel, receiver: string): NotifyError {
  if (error instanceof NotifyError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new NotifyError(`${channel} notification for receiver ${receiver} failed: ${message}`, { retryable: true, receiver }, { cause: error });
}

/** Every SQS record that carried a transition of an alarm whose notification failed. */
function failedSqsIds(
  failures: readonly NotifyFailure[],
  converged: readonly Converged[],
  sqsIds: ReadonlyMap<AlarmTransition, string> | undefined,
): string[] {
  if (!sqsIds || failures.length === 0) return [];
  const failedKeys = new Set(failures.map((f) => f.delivery.dedupKey));
  const ids = new Set<string>();
  for (const c of converged) {
    if (!failedKeys.has(dedupKeyOf(c.transition))) continue;
    for (const t of c.delivered) {
      const id = sqsIds.get(t);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}
