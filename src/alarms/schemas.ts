import * as z from 'zod';
import { ALARM_STATES } from '../domain/alarm.js';

/*
 * Schemas for every alarm payload shape. They are strict about what a page
 * needs (alarm name, state, timestamp, where the alarm lives) and lenient
 * about the rest: AWS adds fields over time, and a malformed optional field
 * (a metric, a description) must not cost us the page, so those fall back to
 * undefined with `.catch`.
 */

const looseString = z.string().optional().catch(undefined);
const looseNullableString = z.string().nullish().catch(undefined);
const looseNumber = z.number().optional().catch(undefined);
const looseBoolean = z.boolean().optional().catch(undefined);

/** `state` / `alarmData.state` of EventBridge events and Lambda alarm actions. */
export const AlarmStateSchema = z.object({
  value: z.enum(ALARM_STATES),
  reason: looseString,
  reasonData: z.unknown().optional(),
  // Not loose: when it is there it must be usable, it orders deliveries.
  timestamp: z.string().optional(),
  actionsSuppressedBy: looseString,
  actionsSuppressedReason: looseString,
});

const PreviousStateSchema = z
  .object({ value: z.string() })
  .optional()
  .catch(undefined);

export const AlarmMetricSchema = z.object({
  id: looseString,
  expression: looseString,
  label: looseString,
  returnData: looseBoolean,
  // Metrics Insights queries carry the period beside the expression.
  period: looseNumber,
  metricStat: z
    .object({
      metric: z
        .object({
          namespace: looseString,
          name: looseString,
          dimensions: z.record(z.string(), z.string()).optional().catch(undefined),
        })
        .optional()
        .catch(undefined),
      period: looseNumber,
      stat: looseString,
      unit: looseString,
    })
    .optional()
    .catch(undefined),
});
export type AlarmMetricPayload = z.infer<typeof AlarmMetricSchema>;

export const AlarmConfigurationSchema = z
  .object({
    description: looseNullableString,
    metrics: z.array(AlarmMetricSchema).optional().catch(undefined),
    alarmRule: looseString,
    threshold: looseNumber,
    comparisonOperator: looseString,
    evaluationPeriods: looseNumber,
    datapointsToAlarm: looseNumber,
    treatMissingData: looseString,
    thresholdMetricId: looseString,
  })
  .optional()
  .catch(undefined);
export type AlarmConfigurationPayload = z.infer<typeof AlarmConfigurationSchema>;

/** The fields every EventBridge event has. */
export const EventBridgeEnvelopeSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.string(),
  account: looseString,
  region: looseString,
  time: looseString,
  resources: z.array(z.string()).optional().catch(undefined),
  tags: z.unknown().optional(),
});

/** `detail-type: "CloudWatch Alarm State Change"`. */
export const AlarmStateChangeEventSchema = EventBridgeEnvelopeSchema.extend({
  detail: z.object({
    alarmName: z.string().min(1),
    state: AlarmStateSchema,
    previousState: PreviousStateSchema,
    configuration: AlarmConfigurationSchema,
    tags: z.unknown().optional(),
  }),
});
export type AlarmStateChangeEvent = z.infer<typeof AlarmStateChangeEventSchema>;

/** `detail-type: "CloudWatch Alarm Configuration Change"` and contributor events: only what we report. */
export const OtherAlarmEventDetailSchema = z
  .object({
    alarmName: looseString,
    operation: looseString,
    state: z.object({ value: looseString }).optional().catch(undefined),
    alarmContributor: z.object({ id: looseString }).optional().catch(undefined),
  })
  .optional()
  .catch(undefined);

/** CloudWatch invoking a Lambda function as an alarm action. */
export const LambdaAlarmActionSchema = z.object({
  source: looseString,
  alarmArn: looseString,
  accountId: looseString,
  region: looseString,
  time: looseString,
  alarmData: z.object({
    alarmName: z.string().min(1),
    state: AlarmStateSchema,
    previousState: PreviousStateSchema,
    configuration: AlarmConfigurationSchema,
    tags: z.unknown().optional(),
  }),
  tags: z.unknown().optional(),
});
export type LambdaAlarmAction = z.infer<typeof LambdaAlarmActionSchema>;

const SnsDimensionSchema = z.object({
  name: looseString,
  value: looseString,
  Name: looseString,
  Value: looseString,
});
export type SnsDimension = z.infer<typeof SnsDimensionSchema>;

const SnsDimensionsSchema = z.array(SnsDimensionSchema).nullish().catch(undefined);

export const SnsTriggerMetricSchema = z.object({
  Id: looseString,
  Expression: looseString,
  Label: looseString,
  ReturnData: looseBoolean,
  Period: looseNumber,
  MetricStat: z
    .object({
      Metric: z
        .object({
          Namespace: looseString,
          MetricName: looseString,
          Dimensions: SnsDimensionsSchema,
        })
        .optional()
        .catch(undefined),
      Period: looseNumber,
      Stat: looseString,
      Unit: looseNullableString,
    })
    .optional()
    .catch(undefined),
});
export type SnsTriggerMetric = z.infer<typeof SnsTriggerMetricSchema>;

export const SnsTriggerSchema = z
  .object({
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
    Metrics: z.array(SnsTriggerMetricSchema).nullish().catch(undefined),
    AlarmRule: looseNullableString,
  })
  .nullish()
  .catch(undefined);
export type SnsTrigger = z.infer<typeof SnsTriggerSchema>;

/** The JSON body CloudWatch publishes to an SNS topic (the decoded `Sns.Message`). */
export const CloudWatchNotificationSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: looseNullableString,
  AWSAccountId: looseNullableString,
  NewStateValue: z.enum(ALARM_STATES),
  NewStateReason: looseNullableString,
  StateChangeTime: z.string(),
  Region: looseNullableString,
  AlarmArn: looseNullableString,
  OldStateValue: z.unknown().optional(),
  Trigger: SnsTriggerSchema,
  AlarmRule: looseNullableString,
  ActionsSuppressedBy: looseNullableString,
  ActionsSuppressedReason: looseNullableString,
  Tags: z.unknown().optional(),
});
export type CloudWatchNotification = z.infer<typeof CloudWatchNotificationSchema>;

/** One record of a Lambda SNS event. */
export const LambdaSnsRecordSchema = z.object({
  Sns: z.object({
    MessageId: z.string().min(1),
    Message: z.string(),
    TopicArn: looseString,
  }),
});

/** One record of a Lambda SQS event. */
export const LambdaSqsRecordSchema = z.object({
  messageId: z.string().min(1),
  body: z.string(),
});

/** An SNS notification as delivered to SQS (or HTTP) without raw message delivery. */
export const SnsNotificationSchema = z.object({
  Type: z.literal('Notification'),
  MessageId: z.string().min(1),
  Message: z.string(),
  TopicArn: looseString,
});
