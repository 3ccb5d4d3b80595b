import { accountHint, arnHints, finish, fromAlarmDetail, regionHint, reject, tagsFrom } from './build.js';
import { stateTimestamp } from './eventbridge.js';
import { describeIssues } from './issues.js';
import { LambdaAlarmActionSchema } from './schemas.js';
import type { ParseContext, RecordOutcome } from './types.js';
import { propertyOf } from './util.js';

/**
 * Parses the event CloudWatch sends when it invokes a Lambda function as an
 * alarm action (`{ source: 'aws.cloudwatch', alarmArn, alarmData: {…} }`).
 *
 * AWS's published samples disagree with themselves: the ARN's alarm name can
 * differ from `alarmData.alarmName`, and the ARN's account from `accountId`.
 * The alarm is the one named in `alarmData.alarmName` (what CloudWatch and
 * DescribeAlarms call it); the account and region come from the ARN, because
 * the ARN is the alarm's address while `accountId` may be the invoker's.
 */
export function fromLambdaAction(event: unknown, ctx: ParseContext = {}): RecordOutcome {
  const rawArn = propertyOf(event, 'alarmArn');
  const arnText = typeof rawArn === 'string' && rawArn !== '' ? rawArn : undefined;
  const label = arnText === undefined ? 'Lambda alarm action' : `Lambda alarm action ${arnText}`;

  const parsed = LambdaAlarmActionSchema.safeParse(event);
  if (!parsed.success) return reject(ctx, undefined, label, describeIssues(parsed.error, event));
  const e = parsed.data;
  const data = e.alarmData;

  const timestamp = stateTimestamp(data.state.timestamp, 'alarmData.state.timestamp', e.time, 'time');
  if ('problem' in timestamp) return reject(ctx, undefined, label, timestamp.problem);

  const fromArn = arnHints(e.alarmArn, 'alarmArn');
  return finish(
    {
      ...fromAlarmDetail(data, timestamp.value),
      deliveredArn: e.alarmArn,
      regionHints: [fromArn.region, regionHint('region', e.region)],
      accountHints: [fromArn.account, accountHint('accountId', e.accountId)],
      tags: tagsFrom(data.tags, e.tags),
      shape: 'lambda-action',
      ownId: undefined,
    },
    ctx,
    label,
  );
}
