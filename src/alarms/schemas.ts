import * as z from 'zod/mini';
import '../zod-config.js';
import { ALARM_STATES } from '../domain/alarm.js';

/*
 * Schemas for every alarm payload shape. They are strict about what a page
 * needs (alarm name, state, timestamp, where the alarm lives) and lenient
 * about the rest: AWS adds fields over time, and a malformed optional field
 * (a metric, a description) must not cost us the page, so those fall back to
 * undefined with `z.catch`.
 */

const looseString = z.catch(z.optional(z.string()), undefined);
const looseNullableString = z.catch(z.nullish(z.string()), undefined);
const looseNumber = z.catch(z.optional(z.number()), undefined);
const looseBoolean = z.catch(z.optional(z.boolean()), undefined);

/** `state` / `alarmData.state` of EventBridge events and Lambda alarm actions. */
export const AlarmStateSchema = z.object({
  value: z.enum(ALARM_STATES),
  reason: looseString,
  reasonData: z.optional(z.unknown()),
  // Not loose: when it is there it must be usable, it orders deliveries.
  timestamp: z.optional(z.string()),
  actionsSuppressedBy: looseString,
  actionsSuppressedReason: looseString,
});

const PreviousStateSchema = z.catch(z.optional(z.object({ value: z.string() })), undefined);

export const AlarmMetricSchema = z.object({
  id: looseString,
  expression: looseString,
  label: looseString,
  returnData: looseBoolean,
  // Metrics Insights queries carry the period beside the expression.
  period: looseNumber,
  metricStat: z.catch(
    z.optional(
      z.object({
        metric: z.catch(
          z.optional(
            z.object({
              namespace: looseString,
              name: looseString,
              dimensions: z.catch(z.optional(z.record(z.string(), z.string())), undefined),
            }),
          ),
          undefined,
        ),
        period: looseNumber,
        stat: looseString,
        unit: looseString,
      }),
    ),
    undefined,
  ),
});
export type AlarmMetricPayload = z.infer<typeof AlarmMetricSchema>;

export const AlarmConfigurationSchema = z.catch(
  z.optional(
    z.object({
      description: looseNullableString,
      metrics: z.catch(z.optional(z.array(AlarmMetricSchema)), undefined),
      alarmRule: looseString,
      threshold: looseNumber,
      comparisonOperator: looseString,
      evaluationPeriods: looseNumber,
      datapointsToAlarm: looseNumber,
      treatMissingData: looseString,
      thresholdMetricId: looseString,
    }),
  ),
  undefined,
);
export type AlarmConfigurationPayload = z.infer<typeof AlarmConfigurationSchema>;

/** The fields every EventBridge event has. */
export const EventBridgeEnvelopeSchema = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string(),
  source: z.string(),
  account: looseString,
  region: looseString,
  time: looseString,
  resources: z.catch(z.optional(z.array(z.string())), undefined),
  tags: z.optional(z.unknown()),
});

/** An alarm mute rule in force (`muteDetail`, added to alarm events in 2025). */
const MuteDetailSchema = z.catch(
  z.optional(
    z.object({
      mutedByArn: z.string().check(z.minLength(1)),
      muteWindowStart: looseString,
      muteWindowEnd: looseString,
    }),
  ),
  undefined,
);

/**
 * The alarm itself: EventBridge's `detail` and a Lambda alarm action's
 * `alarmData` carry the same object.
 */
export const AlarmDetailSchema = z.object({
  alarmName: z.string().check(z.minLength(1)),
  state: AlarmStateSchema,
  previousState: PreviousStateSchema,
  configuration: AlarmConfigurationSchema,
  muteDetail: MuteDetailSchema,
  tags: z.optional(z.unknown()),
});
export type AlarmDetail = z.infer<typeof AlarmDetailSchema>;

/** `detail-type: "CloudWatch Alarm State Change"`. */
export const AlarmStateChangeEventSchema = z.extend(EventBridgeEnvelopeSchema, {
  detail: AlarmDetailSchema,
});
export type AlarmStateChangeEvent = z.infer<typeof AlarmStateChangeEventSchema>;

/** `detail-type: "CloudWatch Alarm Configuration Change"` and contributor events: only what we report. */
export const OtherAlarmEventDetailSchema = z.catch(
  z.optional(
    z.object({
      alarmName: looseString,
      operation: looseString,
      state: z.catch(z.optional(z.object({ value: looseString })), undefined),
      alarmContributor: z.catch(z.optional(z.object({ id: looseString })), undefined),
    }),
  ),
  undefined,
);

/** CloudWatch invoking a Lambda function as an alarm action. */
export const LambdaAlarmActionSchema = z.object({
  source: looseString,
  alarmArn: looseString,
  accountId: looseString,
  region: looseString,
  time: looseString,
  alarmData: AlarmDetailSchema,
  tags: z.optional(z.unknown()),
});
export type LambdaAlarmAction = z.infer<typeof LambdaAlarmActionSchema>;

const SnsDimensionSchema = z.object({
  name: looseString,
  value: looseString,
  Name: looseString,
  Value: looseString,
});
export type SnsDimension = z.infer<typeof SnsDimensionSchema>;

const SnsDimensionsSchema = z.catch(z.nullish(z.array(SnsDimensionSchema)), undefined);

export const SnsTriggerMetricSchema = z.object({
  Id: looseString,
  Expression: looseString,
  Label: looseString,
  ReturnData: looseBoolean,
  Period: looseNumber,
  MetricStat: z.catch(
    z.optional(
      z.object({
        Metric: z.catch(
          z.optional(
            z.object({
              Namespace: looseString,
              MetricName: looseString,
              Dimensions: SnsDimensionsSchema,
            }),
          ),
          undefined,
        ),
        Period: looseNumber,
        Stat: looseString,
        Unit: looseNullableString,
      }),
    ),
    undefined,
  ),
});
export type SnsTriggerMetric = z.infer<typeof SnsTriggerMetricSchema>;

export const SnsTriggerSchema = z.catch(
  z.nullish(
    z.object({
      MetricName: looseNullableString,
      Namespace: looseNullableString,
      Statistic: looseNullableString,
      ExtendedStatistic: looseNullableString,
      Unit: looseNullableString,
      Dimensions: SnsDimensionsSchema,
      Period: looseNumber,
      EvaluationPeriods: looseNumber,
      DatapointsToAlarm: looseNumber,
      ComparisonOperator: looseNullableString,
      Threshold: looseNumber,
      TreatMissingData: looseNullableString,
      ThresholdMetricId: looseNullableString,
      Metrics: z.catch(z.nullish(z.array(SnsTriggerMetricSchema)), undefined),
      AlarmRule: looseNullableString,
    }),
  ),
  undefined,
);
export type SnsTrigger = z.infer<typeof SnsTriggerSchema>;

/** The JSON body CloudWatch publishes to an SNS topic (the decoded `Sns.Message`). */
export const CloudWatchNotificationSchema = z.object({
  AlarmName: z.string().check(z.minLength(1)),
  AlarmDescription: looseNullableString,
  AWSAccountId: looseNullableString,
  NewStateValue: z.enum(ALARM_STATES),
  NewStateReason: looseNullableString,
  StateChangeTime: z.string(),
  Region: looseNullableString,
  AlarmArn: looseNullableString,
  OldStateValue: z.optional(z.unknown()),
  Trigger: SnsTriggerSchema,
  AlarmRule: looseNullableString,
  ActionsSuppressedBy: looseNullableString,
  ActionsSuppressedReason: looseNullableString,
  Tags: z.optional(z.unknown()),
});
export type CloudWatchNotification = z.infer<typeof CloudWatchNotificationSchema>;

/** One record of a Lambda SNS event. */
export const LambdaSnsRecordSchema = z.object({
  Sns: z.object({
    MessageId: z.string().check(z.minLength(1)),
    Message: z.string(),
    TopicArn: looseString,
  }),
});

/** One record of a Lambda SQS event. */
export const LambdaSqsRecordSchema = z.object({
  messageId: z.string().check(z.minLength(1)),
  body: z.string(),
});

/** An SNS notification as delivered to SQS (or HTTP) without raw message delivery. */
export const SnsNotificationSchema = z.object({
  Type: z.literal('Notification'),
  MessageId: z.string().check(z.minLength(1)),
  Message: z.string(),
  TopicArn: looseString,
});
