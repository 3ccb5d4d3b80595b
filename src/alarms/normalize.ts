import type { AlarmTransition, NormalizeResult, RejectedRecord, SkippedRecord } from '../domain/alarm.js';
import { recordId, reject, rejection } from './build.js';
import { kindOf } from './detect.js';
import { fromEventBridge } from './eventbridge.js';
import { describeIssues, show } from './issues.js';
import { fromLambdaAction } from './lambda-action.js';
import { LambdaSnsRecordSchema, LambdaSqsRecordSchema, SnsNotificationSchema } from './schemas.js';
import { fromCloudWatchNotification, fromSnsMessage } from './sns.js';
import type { NormalizeOptions, ParseContext, RecordOutcome } from './types.js';
import { parseJson, propertyOf } from './util.js';

const NOT_AN_ALARM_PAYLOAD =
  'not a CloudWatch alarm payload (expected an EventBridge alarm event, a CloudWatch SNS notification, an SNS notification envelope or a Lambda alarm action)';

/**
 * Turns any CloudWatch alarm payload into transitions: EventBridge events,
 * Lambda SNS and SQS events (many records, SNS- or SQS-wrapped, either body
 * kind), Lambda alarm actions, and the bare bodies `tripline alarm test`
 * reads from files. Pure and total: a bad record becomes a `RejectedRecord`
 * with its id and reason, and the other records still normalize.
 *
 * @example
 * const { transitions, skipped, rejected } = normalize(event, { fallbackRegion: process.env.AWS_REGION });
 */
export function normalize(event: unknown, options: NormalizeOptions = {}): NormalizeResult {
  const transitions: AlarmTransition[] = [];
  const skipped: SkippedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const sqsMessageIds = new Map<AlarmTransition, string>();
  let sawSqs = false;

  const collect = (outcome: RecordOutcome, sqsMessageId?: string): void => {
    if ('transition' in outcome) {
      transitions.push(outcome.transition);
      if (sqsMessageId !== undefined) sqsMessageIds.set(outcome.transition, sqsMessageId);
    } else if ('skipped' in outcome) {
      skipped.push(outcome.skipped);
    } else {
      rejected.push(outcome.rejected);
    }
  };

  const root = typeof event === 'string' ? parseJson(event) : { ok: true as const, value: event };
  if (!root.ok) {
    rejected.push({ id: 'event', reason: `the event is a string that is not JSON; ${NOT_AN_ALARM_PAYLOAD}` });
    return { transitions, skipped, rejected };
  }

  const payloads = Array.isArray(root.value) ? root.value : [root.value];
  payloads.forEach((payload: unknown, index) => {
    const position = Array.isArray(root.value) ? `[${index}]` : 'event';
    const records = propertyOf(payload, 'Records');
    if (!Array.isArray(records)) {
      collect(guard(() => fromPayload(payload, { options, position }), position));
      return;
    }
    records.forEach((record: unknown, recordIndex) => {
      const where = `${position === 'event' ? '' : position}Records[${recordIndex}]`;
      const source = propertyOf(record, 'EventSource') ?? propertyOf(record, 'eventSource');
      if (source === 'aws:sqs') {
        sawSqs = true;
        const messageId = propertyOf(record, 'messageId');
        const id = typeof messageId === 'string' && messageId !== '' ? messageId : where;
        collect(
          guard(() => fromSqsRecord(record, { options, position: where }), id),
          typeof messageId === 'string' ? messageId : undefined,
        );
      } else if (source === 'aws:sns') {
        collect(guard(() => fromSnsRecord(record, { options, position: where }), where));
      } else {
        rejected.push({
          id: where,
          reason: `${where}: event source ${show(source ?? null)} is not aws:sns or aws:sqs; ${NOT_AN_ALARM_PAYLOAD}`,
        });
      }
    });
  });

  return sawSqs ? { transitions, skipped, rejected, sqsMessageIds } : { transitions, skipped, rejected };
}

/** Any payload that is not a Lambda batch, by its own shape. */
function fromPayload(payload: unknown, ctx: ParseContext): RecordOutcome {
  switch (kindOf(payload)) {
    case 'eventbridge':
      return fromEventBridge(payload, ctx);
    case 'lambda-action':
      return fromLambdaAction(payload, ctx);
    case 'cloudwatch-notification':
      return fromCloudWatchNotification(payload, ctx);
    case 'sns-notification':
      return fromSnsNotification(payload, ctx);
    default:
      return ctx.via === undefined
        ? reject(ctx, undefined, ctx.position ?? 'event', NOT_AN_ALARM_PAYLOAD)
        : { rejected: rejection(recordId(ctx, undefined), ctx.via, `the body is ${NOT_AN_ALARM_PAYLOAD}`) };
  }
}

function fromSnsRecord(record: unknown, ctx: ParseContext): RecordOutcome {
  const parsed = LambdaSnsRecordSchema.safeParse(record);
  if (!parsed.success) {
    const messageId = propertyOf(propertyOf(record, 'Sns'), 'MessageId');
    const id = typeof messageId === 'string' && messageId !== '' ? messageId : undefined;
    return reject(ctx, id, id === undefined ? `SNS record ${ctx.position ?? ''}`.trim() : `SNS message ${id}`, describeIssues(parsed.error, record));
  }
  const sns = parsed.data.Sns;
  return fromSnsMessage(sns.Message, {
    ...ctx,
    deliveryId: sns.MessageId,
    ...(sns.TopicArn !== undefined ? { topicArn: sns.TopicArn } : {}),
    via: [`SNS message ${sns.MessageId}`],
  });
}

function fromSqsRecord(record: unknown, ctx: ParseContext): RecordOutcome {
  const parsed = LambdaSqsRecordSchema.safeParse(record);
  if (!parsed.success) return reject(ctx, undefined, `SQS record ${ctx.position ?? ''}`.trim(), describeIssues(parsed.error, record));
  const { messageId, body } = parsed.data;
  const inner: ParseContext = { ...ctx, deliveryId: messageId, via: [`SQS message ${messageId}`] };
  const decoded = parseJson(body);
  if (!decoded.ok) return { rejected: rejection(messageId, inner.via ?? [], `the body is not JSON; ${NOT_AN_ALARM_PAYLOAD}`) };
  return fromPayload(decoded.value, inner);
}

/** An SNS notification envelope (SNS → SQS without raw delivery, or saved to a file). */
function fromSnsNotification(envelope: unknown, ctx: ParseContext): RecordOutcome {
  const parsed = SnsNotificationSchema.safeParse(envelope);
  if (!parsed.success) return reject(ctx, undefined, 'SNS notification', describeIssues(parsed.error, envelope));
  const n = parsed.data;
  return fromSnsMessage(n.Message, {
    ...ctx,
    deliveryId: ctx.deliveryId ?? n.MessageId,
    ...(n.TopicArn !== undefined ? { topicArn: n.TopicArn } : {}),
    via: [...(ctx.via ?? []), `SNS message ${n.MessageId}`],
  });
}

/** Parsers are total by design; this keeps one surprising input from sinking the batch. */
function guard(parse: () => RecordOutcome, id: string): RecordOutcome {
  try {
    return parse();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { rejected: { id, reason: `${id}: could not be parsed (${why})` } };
  }
}
