import { parseArn } from './arn.js';
import { accountHint, arnHints, finish, fromAlarmDetail, regionHint, reject, tagsFrom } from './build.js';
import { describeIssues, show } from './issues.js';
import { AlarmStateChangeEventSchema, EventBridgeEnvelopeSchema, OtherAlarmEventDetailSchema } from './schemas.js';
import { normalizeTimestamp } from './timestamp.js';
import type { ParseContext, RecordOutcome } from './types.js';
import { propertyOf } from './util.js';

export const STATE_CHANGE = 'CloudWatch Alarm State Change';
export const CONFIGURATION_CHANGE = 'CloudWatch Alarm Configuration Change';
export const CONTRIBUTOR_STATE_CHANGE = 'CloudWatch Alarm Contributor State Change';

/**
 * Parses an EventBridge event from `aws.cloudwatch`. State changes become
 * transitions; configuration changes and per-contributor state changes are
 * skipped; anything else is rejected.
 *
 * @example fromEventBridge(event) // { transition: { alarmName: 'ServerCpuTooHigh', state: 'ALARM', shape: 'eventbridge', … } }
 */
export function fromEventBridge(event: unknown, ctx: ParseContext = {}): RecordOutcome {
  const rawId = propertyOf(event, 'id');
  const ownId = typeof rawId === 'string' && rawId !== '' ? rawId : undefined;
  const label = ownId === undefined ? 'EventBridge alarm event' : `EventBridge alarm event ${ownId}`;

  const envelope = EventBridgeEnvelopeSchema.safeParse(event);
  if (!envelope.success) return reject(ctx, ownId, label, describeIssues(envelope.error, event));
  const { source, 'detail-type': detailType } = envelope.data;
  if (source !== 'aws.cloudwatch') {
    return reject(
      ctx,
      ownId,
      `EventBridge event ${envelope.data.id}`,
      `source ${show(source)} (detail-type ${show(detailType)}) is not a CloudWatch alarm event; send only source aws.cloudwatch here`,
    );
  }

  if (detailType === CONFIGURATION_CHANGE || detailType === CONTRIBUTOR_STATE_CHANGE) {
    const detail = OtherAlarmEventDetailSchema.parse(propertyOf(event, 'detail'));
    const alarm = detail?.alarmName === undefined ? 'an alarm' : `alarm ${show(detail.alarmName)}`;
    const id = ctx.deliveryId ?? envelope.data.id;
    if (detailType === CONFIGURATION_CHANGE) {
      const operation = detail?.operation ?? 'change';
      return { skipped: { id, reason: 'configuration-change', detail: `configuration ${operation} of ${alarm}` } };
    }
    const contributor = detail?.alarmContributor?.id;
    return {
      skipped: {
        id,
        reason: 'not-a-state-change',
        detail: `contributor ${contributor ?? '(unnamed)'} of ${alarm} went to ${detail?.state?.value ?? 'an unknown state'}; the alarm's own state change carries the page`,
      },
    };
  }
  if (detailType !== STATE_CHANGE) {
    return reject(ctx, ownId, label, `detail-type ${show(detailType)} is not one of ${STATE_CHANGE}, ${CONFIGURATION_CHANGE}, ${CONTRIBUTOR_STATE_CHANGE}`);
  }

  const parsed = AlarmStateChangeEventSchema.safeParse(event);
  if (!parsed.success) return reject(ctx, ownId, label, describeIssues(parsed.error, event));
  const e = parsed.data;
  const d = e.detail;

  const timestamp = stateTimestamp(d.state.timestamp, 'detail.state.timestamp', e.time, 'time');
  if ('problem' in timestamp) return reject(ctx, ownId, label, timestamp.problem);

  // The alarm's ARN is the event's resource; `account`/`region` name where the
  // event was emitted, which is the same place, so they only back the ARN up.
  const resources = e.resources ?? [];
  const alarmArn = resources.find((r) => parseArn(r)?.service === 'cloudwatch') ?? resources[0];
  const fromArn = arnHints(alarmArn, 'resources[0]');
  return finish(
    {
      ...fromAlarmDetail(d, timestamp.value),
      deliveredArn: alarmArn,
      regionHints: [fromArn.region, regionHint('region', e.region)],
      accountHints: [fromArn.account, accountHint('account', e.account)],
      tags: tagsFrom(d.tags, e.tags),
      shape: ctx.viaSns === true ? 'sns-eventbridge' : 'eventbridge',
      ownId,
    },
    ctx,
    label,
  );
}

/**
 * The state's own timestamp, or the envelope's when the state has none (the
 * envelope time is when CloudWatch emitted the change: seconds, not ms).
 */
export function stateTimestamp(
  own: string | undefined,
  ownField: string,
  envelope: string | undefined,
  envelopeField: string,
): { value: string } | { problem: string } {
  if (own !== undefined) {
    const value = normalizeTimestamp(own);
    return value === undefined ? { problem: `${ownField} ${show(own)} is not an ISO-8601 timestamp` } : { value };
  }
  const value = envelope === undefined ? undefined : normalizeTimestamp(envelope);
  if (value !== undefined) return { value };
  return { problem: `${ownField} is missing${envelope === undefined ? '' : ` and ${envelopeField} ${show(envelope)} is not a timestamp`}` };
}
