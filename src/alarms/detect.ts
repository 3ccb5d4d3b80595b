import { isObject, propertyOf } from './util.js';

export type PayloadKind =
  | 'lambda-batch'
  | 'eventbridge'
  | 'lambda-action'
  | 'sns-notification'
  | 'cloudwatch-notification'
  | 'unknown';

/**
 * Which payload this is, by the fields only that shape has. Validation comes
 * after, so a damaged payload of a known shape gets a precise reason.
 */
export function kindOf(value: unknown): PayloadKind {
  if (!isObject(value)) return 'unknown';
  if (Array.isArray(propertyOf(value, 'Records'))) return 'lambda-batch';
  if ('detail-type' in value) return 'eventbridge';
  if ('alarmData' in value) return 'lambda-action';
  if (propertyOf(value, 'Type') === 'Notification' && 'Message' in value) return 'sns-notification';
  if ('AlarmName' in value || 'NewStateValue' in value) return 'cloudwatch-notification';
  return 'unknown';
}
