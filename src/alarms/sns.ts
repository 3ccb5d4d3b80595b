import { accountHint, arnHints, finish, recordId, reject, tagsFrom } from './build.js';
import { kindOf } from './detect.js';
import { fromEventBridge } from './eventbridge.js';
import { describeIssues, show } from './issues.js';
import { metricsFromTrigger } from './metrics.js';
import { regionFromDisplayName } from './regions.js';
import { CloudWatchNotificationSchema } from './schemas.js';
import { normalizeTimestamp } from './timestamp.js';
import type { ParseContext, RecordOutcome } from './types.js';
import { parseJson } from './util.js';

const NOT_AN_ALARM = 'is not a CloudWatch alarm notification or EventBridge alarm event';

/**
 * Parses the `Message` of an SNS notification (the JSON string, or its decoded
 * value): a CloudWatch alarm notification, or an EventBridge alarm event that
 * a rule with an SNS target published. Anything else is rejected.
 */
export function fromSnsMessage(message: unknown, ctx: ParseContext = {}): RecordOutcome {
  let value = message;
  if (typeof message === 'string') {
    const parsed = parseJson(message);
    if (!parsed.ok) return notAnAlarm(ctx, 'it is not JSON');
    value = parsed.value;
  }
  switch (kindOf(value)) {
    case 'eventbridge':
      return fromEventBridge(value, { ...ctx, viaSns: true });
    case 'cloudwatch-notification':
      return fromCloudWatchNotification(value, ctx);
    default:
      return notAnAlarm(ctx, 'its JSON has neither AlarmName nor detail-type');
  }
}

function notAnAlarm(ctx: ParseContext, why: string): RecordOutcome {
  const subject = ctx.via !== undefined && ctx.via.length > 0 ? ctx.via.join(': ') : 'SNS message';
  return { rejected: { id: recordId(ctx, undefined), reason: `${subject} ${NOT_AN_ALARM} (${why})` } };
}

/**
 * Parses the JSON body CloudWatch publishes to SNS when an alarm changes
 * state (`AlarmName`, `NewStateValue`, `Trigger`, …). Its `Region` is a
 * display name such as "US East (N. Virginia)"; the region code comes from
 * `AlarmArn`, else from that name, else from the topic the message came through.
 */
export function fromCloudWatchNotification(message: unknown, ctx: ParseContext = {}): RecordOutcome {
  const label = 'CloudWatch alarm notification';
  const parsed = CloudWatchNotificationSchema.safeParse(message);
  if (!parsed.success) return reject(ctx, undefined, label, describeIssues(parsed.error, message));
  const m = parsed.data;

  const stateTimestamp = normalizeTimestamp(m.StateChangeTime);
  if (stateTimestamp === undefined) {
    return reject(ctx, undefined, label, `StateChangeTime ${show(m.StateChangeTime)} is not an ISO-8601 timestamp`);
  }

  const fromArn = arnHints(m.AlarmArn, 'AlarmArn');
  const displayRegion = typeof m.Region === 'string' ? regionFromDisplayName(m.Region) : undefined;
  const trigger = m.Trigger;
  return finish(
    {
      alarmName: m.AlarmName,
      deliveredArn: m.AlarmArn ?? undefined,
      regionHints: [fromArn.region, { field: 'Region', raw: m.Region, value: displayRegion }],
      // "AWSAccountId": "EXAMPLE" appears in AWS's samples; accountHint only takes 12 digits.
      accountHints: [fromArn.account, accountHint('AWSAccountId', m.AWSAccountId)],
      state: m.NewStateValue,
      previousState: m.OldStateValue,
      reason: m.NewStateReason ?? undefined,
      reasonData: undefined,
      stateTimestamp,
      description: m.AlarmDescription,
      metrics: metricsFromTrigger(trigger),
      threshold: trigger?.Threshold,
      comparisonOperator: trigger?.ComparisonOperator,
      evaluationPeriods: trigger?.EvaluationPeriods,
      datapointsToAlarm: trigger?.DatapointsToAlarm,
      treatMissingData: trigger?.TreatMissingData,
      thresholdMetricId: trigger?.ThresholdMetricId,
      alarmRule: m.AlarmRule ?? trigger?.AlarmRule,
      actionsSuppressedBy: m.ActionsSuppressedBy,
      actionsSuppressedReason: m.ActionsSuppressedReason,
      mute: undefined,
      tags: tagsFrom(m.Tags),
      shape: 'sns-cloudwatch',
      ownId: undefined,
    },
    ctx,
    label,
  );
}
