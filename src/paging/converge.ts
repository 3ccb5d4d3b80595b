import type { AlarmTransition, CurrentAlarmState } from '../domain/alarm.js';
import { dedupKeyOf } from '../domain/alarm-links.js';

/** How the state acted on for one alarm was chosen. */
export type ConvergeBasis =
  /** The newest delivered transition; CloudWatch agreed or had nothing newer. */
  | 'delivered'
  /** CloudWatch reports a newer state than any delivery: act on that. */
  | 'current'
  /** CloudWatch could not be asked (or does not know the alarm): trust the delivery. */
  | 'delivered-unverified';

export interface Converged {
  readonly transition: AlarmTransition;
  readonly basis: ConvergeBasis;
  /** Every delivered transition folded into this one (duplicates, older ones). */
  readonly delivered: readonly AlarmTransition[];
}

/**
 * Folds the transitions of one invocation into one per alarm, in the state the
 * alarm is in now.
 *
 * Deliveries are at-least-once and unordered, so the newest delivered
 * transition may already be stale: when CloudWatch reports a state that
 * entered later than it, the current state wins. Paging on the current state
 * makes every delivery idempotent — an OK that arrives before its ALARM
 * resolves nothing twice and opens nothing, and a late duplicate ALARM for an
 * alarm now OK resolves instead of re-opening.
 *
 * @param current CloudWatch's view (DescribeAlarms), or undefined when it failed.
 * @param owns whether `current` can speak for an alarm: DescribeAlarms only
 *   sees the caller's own account and region, and a same-named alarm elsewhere
 *   is a different alarm.
 */
export function converge(
  transitions: readonly AlarmTransition[],
  current: ReadonlyMap<string, CurrentAlarmState> | undefined,
  owns: (t: AlarmTransition) => boolean = () => true,
): Converged[] {
  const groups = new Map<string, AlarmTransition[]>();
  for (const t of transitions) {
    const key = dedupKeyOf(t);
    const group = groups.get(key);
    if (group) group.push(t);
    else groups.set(key, [t]);
  }

  const out: Converged[] = [];
  for (const group of groups.values()) {
    const newest = group.reduce((a, b) => (time(b.stateTimestamp) >= time(a.stateTimestamp) ? b : a));
    const now = current && owns(newest) ? current.get(newest.alarmName) : undefined;
    if (!now || !sameAlarm(newest, now)) {
      out.push({ transition: newest, basis: 'delivered-unverified', delivered: group });
    } else if (time(now.stateTimestamp) > time(newest.stateTimestamp)) {
      out.push({ transition: fromCurrent(newest, now), basis: 'current', delivered: group });
    } else {
      out.push({ transition: newest, basis: 'delivered', delivered: group });
    }
  }
  return out;
}

/** The current state dressed as a transition, keeping the delivery's description of the alarm. */
function fromCurrent(delivered: AlarmTransition, now: CurrentAlarmState): AlarmTransition {
  const {
    reasonData: _oldReasonData,
    actionsSuppressedBy: _oldSuppressed,
    actionsSuppressedReason: _oldSuppressedReason,
    previousState: _oldPrevious,
    ...rest
  } = delivered;
  return {
    ...rest,
    state: now.state,
    // The state before `now` is unknown here; the delivered state is the best clue.
    ...(delivered.state !== now.state ? { previousState: delivered.state } : {}),
    reason: now.reason,
    ...(now.reasonData !== undefined ? { reasonData: now.reasonData } : {}),
    stateTimestamp: now.stateTimestamp,
    ...(now.actionsSuppressedBy ? { actionsSuppressedBy: now.actionsSuppressedBy } : {}),
    shape: 'describe-alarms',
  };
}

/** Guards against a same-named alarm in another account or region. */
function sameAlarm(t: AlarmTransition, now: CurrentAlarmState): boolean {
  if (!now.alarmArn) return true;
  const parts = now.alarmArn.split(':');
  return parts[3] === t.region && parts[4] === t.accountId;
}

function time(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
}
