import type { AlarmTransition } from '../domain/alarm.js';

/**
 * A one-line summary of a transition for logs. Holds nothing secret: alarm
 * payloads carry no credentials, and the reason text is left out (it is long
 * and already in the transition).
 *
 * @example describeTransition(t)
 * // '"ServerCpuTooHigh" OK -> ALARM at 2019-10-02T17:04:40.989Z (123456789012/us-east-1, eventbridge c4c1c1c9-6542-e61b-6ef0-8c4d36933a92)'
 */
export function describeTransition(t: AlarmTransition): string {
  const from = t.previousState === undefined ? '' : `${t.previousState} -> `;
  const suppressed = t.actionsSuppressedBy === undefined ? '' : `; actions suppressed by ${t.actionsSuppressedBy}`;
  return `${JSON.stringify(t.alarmName)} ${from}${t.state} at ${t.stateTimestamp} (${t.accountId}/${t.region}, ${t.shape} ${t.deliveryId})${suppressed}`;
}
