import { createHash } from 'node:crypto';
import type { AlarmTransition } from './alarm.js';

const DEDUP_KEY_MAX = 255;

/**
 * The PagerDuty dedup key of an alarm: the same for every payload shape that
 * reports it, so a trigger and its resolve always meet.
 *
 * @example dedupKeyOf({ accountId: '123456789012', region: 'us-east-1', alarmName: 'dlq-depth' })
 * // 'tripline/123456789012/us-east-1/dlq-depth'
 */
export function dedupKeyOf(alarm: Pick<AlarmTransition, 'accountId' | 'region' | 'alarmName'>): string {
  const key = `tripline/${alarm.accountId}/${alarm.region}/${alarm.alarmName}`;
  if (key.length <= DEDUP_KEY_MAX) return key;
  const digest = createHash('sha256').update(key).digest('hex');
  return `tripline/sha256/${digest}`;
}

/**
 * Link to the alarm in the CloudWatch console. The alarm name sits in the
 * URL fragment, encoded so that names with `/`, spaces or `#` still open.
 */
export function consoleUrlOf(alarm: Pick<AlarmTransition, 'region' | 'alarmName'>): string {
  const host = consoleHost(alarm.region);
  return `https://${host}/cloudwatch/home?region=${alarm.region}#alarmsV2:alarm/${encodeURIComponent(alarm.alarmName)}`;
}

function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  return `${region}.console.aws.amazon.com`;
}
