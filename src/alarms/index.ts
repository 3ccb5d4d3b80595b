/**
 * Alarm payload normalization: every shape CloudWatch alarm state changes
 * arrive in, turned into AlarmTransition values.
 */
export { normalize } from './normalize.js';
export { describeTransition } from './describe.js';
export { fromEventBridge } from './eventbridge.js';
export { fromSnsMessage, fromCloudWatchNotification } from './sns.js';
export { fromLambdaAction } from './lambda-action.js';
export { normalizeTimestamp } from './timestamp.js';
export { alarmArnOf } from './arn.js';
export { regionFromDisplayName, isRegionCode, REGION_DISPLAY_NAMES } from './regions.js';
export type { NormalizeOptions, ParseContext, RecordOutcome } from './types.js';
