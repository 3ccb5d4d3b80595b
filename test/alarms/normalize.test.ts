import { describe, expect, it } from 'vitest';
import type { AlarmTransition, NormalizeResult } from '../../src/domain/alarm.js';
import { dedupKeyOf } from '../../src/domain/alarm-links.js';
import { describeTransition, normalize } from '../../src/alarms/index.js';
import type { NormalizeOptions } from '../../src/alarms/index.js';
import {
  REMOVE,
  fieldOf,
  listFixtures,
  loadFixture,
  patched,
  recordsOf,
  snsMessageOf,
  snsNotificationEnvelope,
  wrapInSns,
  wrapInSqs,
} from '../support/fixtures.js';

function only(result: NormalizeResult): AlarmTransition {
  expect(result.rejected).toEqual([]);
  expect(result.skipped).toEqual([]);
  expect(result.transitions).toHaveLength(1);
  return result.transitions[0]!;
}

type Expectation =
  | { kind: 'transition'; options?: NormalizeOptions; transition: AlarmTransition }
  | { kind: 'skipped'; id: string; reason: 'configuration-change' | 'not-a-state-change'; detail: string }
  | { kind: 'rejected'; id: string; reason: string };

const CPU_REASON =
  'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).';
const EC2_INSTANCE = { InstanceId: 'i-12345678901234567' };

const expectations: Record<string, Expectation> = {
  'eventbridge/single-metric-alarm.json': {
    kind: 'transition',
    transition: {
      alarmName: 'ServerCpuTooHigh',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
      accountId: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'OK',
      reason: CPU_REASON,
      reasonData: {
        version: '1.0',
        queryDate: '2019-10-02T17:04:40.985+0000',
        startDate: '2019-10-02T16:59:00.000+0000',
        statistic: 'Average',
        period: 300,
        recentDatapoints: [99.50160229693434],
        threshold: 50,
      },
      stateTimestamp: '2019-10-02T17:04:40.989Z',
      kind: 'metric',
      description: 'Goes into alarm when server CPU utilization is too high!',
      metrics: [
        {
          id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
          namespace: 'AWS/EC2',
          metricName: 'CPUUtilization',
          dimensions: EC2_INSTANCE,
          stat: 'Average',
          period: 300,
          returnData: true,
        },
      ],
      threshold: 50,
      tags: {},
      shape: 'eventbridge',
      deliveryId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    },
  },
  'eventbridge/single-metric-alarm-mute-detail.json': {
    kind: 'transition',
    transition: {
      alarmName: 'ServerCpuTooHigh',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
      accountId: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'OK',
      reason: CPU_REASON,
      reasonData: {
        version: '1.0',
        queryDate: '2019-10-02T17:04:40.985+0000',
        startDate: '2019-10-02T16:59:00.000+0000',
        statistic: 'Average',
        period: 300,
        recentDatapoints: [99.50160229693434],
        threshold: 50,
      },
      stateTimestamp: '2019-10-02T17:04:40.989Z',
      kind: 'metric',
      description: 'Goes into alarm when server CPU utilization is too high!',
      metrics: [
        {
          id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
          namespace: 'AWS/EC2',
          metricName: 'CPUUtilization',
          dimensions: EC2_INSTANCE,
          stat: 'Average',
          period: 300,
          returnData: true,
        },
      ],
      threshold: 50,
      mute: {
        ruleArn: 'arn:aws:cloudwatch:us-east-1:1234567890:alarm-mute-rule:testMute',
        windowStart: '2026-01-01T10:00:00.000Z',
        windowEnd: '2026-01-01T12:00:00.000Z',
      },
      tags: {},
      shape: 'eventbridge',
      deliveryId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    },
  },
  'eventbridge/metric-math-alarm.json': {
    kind: 'transition',
    transition: {
      alarmName: 'TotalNetworkTrafficTooHigh',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:TotalNetworkTrafficTooHigh',
      accountId: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [45628.0 (02/10/19 17:10:00)] was greater than the threshold (10000.0) (minimum 1 datapoint for OK -> ALARM transition).',
      reasonData: {
        version: '1.0',
        queryDate: '2019-10-02T17:20:48.551+0000',
        startDate: '2019-10-02T17:10:00.000+0000',
        period: 300,
        recentDatapoints: [45628],
        threshold: 10000,
      },
      stateTimestamp: '2019-10-02T17:20:48.554Z',
      kind: 'metric',
      description: 'Goes into alarm if total network traffic exceeds 10Kb',
      metrics: [
        { id: 'e1', expression: 'SUM(METRICS())', label: 'Total Network Traffic', returnData: true, dimensions: {} },
        { id: 'm1', namespace: 'AWS/EC2', metricName: 'NetworkIn', dimensions: EC2_INSTANCE, stat: 'Maximum', period: 300, returnData: false },
        { id: 'm2', namespace: 'AWS/EC2', metricName: 'NetworkOut', dimensions: EC2_INSTANCE, stat: 'Maximum', period: 300, returnData: false },
      ],
      threshold: 10000,
      tags: {},
      shape: 'eventbridge',
      deliveryId: '2dde0eb1-528b-d2d5-9ca6-6d590caf2329',
    },
  },
  'eventbridge/anomaly-detection-alarm.json': {
    kind: 'transition',
    transition: {
      alarmName: 'EC2 CPU Utilization Anomaly',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:EC2 CPU Utilization Anomaly',
      accountId: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'OK',
      reason:
        'Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (03/10/19 15:58:00)] was less than the lower thresholds [0.020599444741798756] or greater than the upper thresholds [0.3006915352732461] (minimum 1 datapoint for OK -> ALARM transition).',
      reasonData: {
        version: '1.0',
        queryDate: '2019-10-03T16:00:04.650+0000',
        startDate: '2019-10-03T15:58:00.000+0000',
        period: 60,
        recentDatapoints: [0],
        recentLowerThresholds: [0.020599444741798756],
        recentUpperThresholds: [0.3006915352732461],
      },
      stateTimestamp: '2019-10-03T16:00:04.653Z',
      kind: 'metric',
      description: 'Goes into alarm if CPU Utilization is out of band',
      metrics: [
        { id: 'm1', namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensions: EC2_INSTANCE, stat: 'Average', period: 60, returnData: true },
        { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m1, 0.8)', label: 'CPUUtilization (expected)', returnData: true, dimensions: {} },
      ],
      thresholdMetricId: 'ad1',
      anomalyBand: { lower: 0.020599444741798756, upper: 0.3006915352732461 },
      tags: {},
      shape: 'eventbridge',
      deliveryId: 'daafc9f1-bddd-c6c9-83af-74971fcfc4ef',
    },
  },
  'eventbridge/composite-alarm-suppressed.json': {
    kind: 'transition',
    transition: {
      alarmName: 'ServiceAggregatedAlarm',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm',
      accountId: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'OK',
      reason:
        'arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo.EventBridge.FirstChild transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC',
      reasonData: {
        triggeringAlarms: [
          {
            arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
            state: { value: 'ALARM', timestamp: '2022-07-22T15:57:45.394+0000' },
          },
        ],
      },
      stateTimestamp: '2022-07-22T15:57:45.394Z',
      kind: 'composite',
      metrics: [],
      alarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)',
      actionsSuppressedBy: 'WaitPeriod',
      actionsSuppressedReason: 'Actions suppressed by WaitPeriod',
      tags: {},
      shape: 'eventbridge',
      deliveryId: 'd3dfc86d-384d-24c8-0345-9f7986db0b80',
    },
  },
  'eventbridge/multi-time-series-alarm.json': {
    kind: 'transition',
    transition: {
      alarmName: 'DynamoDBInsightsAlarm',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:DynamoDBInsightsAlarm',
      accountId: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      reason: '6 out of 6 time series evaluated to ALARM',
      stateTimestamp: '2025-12-01T13:42:04.919Z',
      kind: 'metric',
      description: 'Metrics Insights alarm for DynamoDB ConsumedWriteCapacity per TableName',
      metrics: [
        {
          id: 'm1',
          expression: 'SELECT AVG(ConsumedWriteCapacityUnits) FROM "AWS/DynamoDB" GROUP BY TableName ORDER BY MAX() DESC',
          returnData: true,
          period: 60,
          dimensions: {},
        },
      ],
      tags: {},
      shape: 'eventbridge',
      deliveryId: '80ddd249-dedf-7c4d-0708-0eb78132dd78',
    },
  },
  'eventbridge/single-metric-alarm-ok-from-sqs-body.json': {
    // Its author anonymised the account to 13 digits; the Lambda's own account stands in.
    kind: 'transition',
    options: { fallbackAccountId: '210987654321' },
    transition: {
      alarmName: 'test-service_aurora_serverless_cpu_utilization',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:210987654321:alarm:test-service_aurora_serverless_cpu_utilization',
      accountId: '210987654321',
      region: 'us-east-1',
      state: 'OK',
      previousState: 'ALARM',
      reason:
        'Threshold Crossed: 2 out of the last 2 datapoints [10.0 (05/10/20 06:42:00), 10.0 (05/10/20 06:37:00)] were not greater than or equal to the threshold (30.0) (minimum 1 datapoint for ALARM -> OK transition).',
      reasonData: {
        version: '1.0',
        queryDate: '2020-10-05T06:47:38.031+0000',
        startDate: '2020-10-05T06:37:00.000+0000',
        statistic: 'Average',
        period: 300,
        recentDatapoints: [10, 10],
        threshold: 30,
      },
      stateTimestamp: '2020-10-05T06:47:38.033Z',
      kind: 'metric',
      description: 'High CPU Utilization',
      metrics: [
        {
          id: '62ba7bc1-7c4c-3747-4ab5-3a3dc4e40530',
          namespace: 'AWS/RDS',
          metricName: 'CPUUtilization',
          dimensions: { DBClusterIdentifier: 'testdb' },
          stat: 'Average',
          period: 300,
          returnData: true,
        },
      ],
      threshold: 30,
      tags: {},
      shape: 'eventbridge',
      deliveryId: '19905c58-8563-0126-6a9d-c8530ac6c240',
    },
  },
  'eventbridge/config-change-composite-alarm-create.json': {
    kind: 'skipped',
    id: '91535fdd-1e9c-849d-624b-9a9f2b1d09d0',
    reason: 'configuration-change',
    detail: 'configuration create of alarm "ServiceAggregatedAlarm"',
  },
  'eventbridge/config-change-composite-suppressor-create.json': {
    kind: 'skipped',
    id: '454773e1-09f7-945b-aa2c-590af1c3f8e0',
    reason: 'configuration-change',
    detail: 'configuration create of alarm "ServiceAggregatedAlarm"',
  },
  'eventbridge/config-change-metric-alarm-update.json': {
    kind: 'skipped',
    id: 'bc7d3391-47f8-ae47-f457-1b4d06118d50',
    reason: 'configuration-change',
    detail: 'configuration update of alarm "ServerCpuTooHigh"',
  },
  'eventbridge/config-change-composite-suppressor-update.json': {
    kind: 'skipped',
    id: '4c6f4177-6bd5-c0ca-9f05-b4151c54568b',
    reason: 'configuration-change',
    detail: 'configuration update of alarm "ServiceAggregatedAlarm"',
  },
  'eventbridge/config-change-metric-math-alarm-delete.json': {
    kind: 'skipped',
    id: 'f171d220-9e1c-c252-5042-2677347a83ed',
    reason: 'configuration-change',
    detail: 'configuration delete of alarm "TotalNetworkTrafficTooHigh"',
  },
  'eventbridge/config-change-composite-suppressor-delete.json': {
    kind: 'skipped',
    id: 'e34592a1-46c0-b316-f614-1b17a87be9dc',
    reason: 'configuration-change',
    detail: 'configuration delete of alarm "ServiceAggregatedAlarm"',
  },
  'eventbridge/contributor-state-change.json': {
    kind: 'skipped',
    id: '6d226bbc-07f0-9a31-3359-1736968f8ded',
    reason: 'not-a-state-change',
    detail:
      'contributor 6d442278dba546f6 of alarm "DynamoDBInsightsAlarm" went to ALARM; the alarm\'s own state change carries the page',
  },
  'lambda-action/metric-alarm.json': {
    kind: 'transition',
    transition: {
      alarmName: 'lambda-demo-metric-alarm',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:444455556666:alarm:lambda-demo-metric-alarm',
      accountId: '444455556666',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      reason: 'test',
      stateTimestamp: '2023-08-04T12:36:15.490Z',
      kind: 'metric',
      description: 'Metric Alarm to test Lambda actions',
      metrics: [
        {
          id: '1234e046-06f0-a3da-9534-EXAMPLEe4c',
          namespace: 'AWS/Logs',
          metricName: 'CallCount',
          dimensions: { InstanceId: 'i-12345678' },
          stat: 'Average',
          period: 60,
          unit: 'Percent',
          returnData: true,
        },
      ],
      tags: {},
      shape: 'lambda-action',
      deliveryId: 'lambda-demo-metric-alarm@2023-08-04T12:36:15.490Z',
    },
  },
  'lambda-action/composite-alarm.json': {
    kind: 'transition',
    transition: {
      alarmName: 'CompositeDemo.Main',
      // As delivered: AWS's sample names another alarm in the ARN than in alarmData.
      alarmArn: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:SuppressionDemo.Main',
      accountId: '111122223333',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'ALARM',
      reason:
        'arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild transitioned to ALARM at Friday 04 August, 2023 12:54:46 UTC',
      reasonData: {
        triggeringAlarms: [
          {
            arn: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild',
            state: { value: 'ALARM', timestamp: '2023-08-04T12:54:46.138+0000' },
          },
        ],
      },
      stateTimestamp: '2023-08-04T12:56:46.138Z',
      kind: 'composite',
      metrics: [],
      alarmRule: 'ALARM(CompositeDemo.FirstChild) OR ALARM(CompositeDemo.SecondChild)',
      tags: {},
      shape: 'lambda-action',
      deliveryId: 'CompositeDemo.Main@2023-08-04T12:56:46.138Z',
    },
  },
  'lambda-action/metric-math-alarm.json': {
    kind: 'transition',
    transition: {
      alarmName: 'Test alert',
      alarmArn: 'arn:aws:cloudwatch:eu-west-1:912397435824:alarm:test_alarm',
      // The ARN's account, not accountId (123456789012).
      accountId: '912397435824',
      region: 'eu-west-1',
      state: 'ALARM',
      previousState: 'OK',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (17/02/24 11:51:00)] was less than the threshold (10.0) (minimum 1 datapoint for OK -> ALARM transition).',
      reasonData: {
        version: '1.0',
        queryDate: '2024-02-17T11:53:08.423+0000',
        startDate: '2024-02-17T11:51:00.000+0000',
        statistic: 'SampleCount',
        period: 60,
        recentDatapoints: [1],
        threshold: 10,
        evaluatedDatapoints: [{ timestamp: '2024-02-17T11:51:00.000+0000', sampleCount: 1, value: 1 }],
      },
      stateTimestamp: '2024-02-17T11:53:08.431Z',
      kind: 'metric',
      description: 'This is description **here**',
      metrics: [
        { id: 'e1', expression: 'm1/m2', label: 'Expression1', returnData: true, dimensions: {} },
        { id: 'm1', namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: {}, stat: 'SampleCount', period: 60, returnData: false },
        { id: 'm2', namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: {}, stat: 'SampleCount', period: 60, returnData: false },
      ],
      threshold: 10,
      tags: {},
      shape: 'lambda-action',
      deliveryId: 'Test alert@2024-02-17T11:53:08.431Z',
    },
  },
  'sns/single-metric-alarm.json': {
    // Region "EXAMPLE" and AlarmArn region "REGION" are placeholders: only the fallback can say.
    kind: 'transition',
    options: { fallbackRegion: 'us-east-1' },
    transition: {
      alarmName: 'EXAMPLE',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:EXAMPLE',
      accountId: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 17:43:27)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
      stateTimestamp: '2015-06-03T17:43:27.123Z',
      kind: 'metric',
      description: 'EXAMPLE',
      metrics: [
        { namespace: 'AWS/EC2', metricName: 'NetworkOut', dimensions: { InstanceId: 'TestInstance' }, stat: 'Average', period: 60, unit: 'Bytes' },
      ],
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      treatMissingData: 'missing',
      tags: {},
      shape: 'sns-cloudwatch',
      deliveryId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    },
  },
  'sns/metric-math-alarm.json': {
    kind: 'transition',
    options: { fallbackRegion: 'eu-central-1', fallbackAccountId: '210987654321' },
    transition: {
      alarmName: 'EXAMPLE',
      alarmArn: 'arn:aws:cloudwatch:eu-central-1:210987654321:alarm:EXAMPLE',
      accountId: '210987654321',
      region: 'eu-central-1',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 17:43:27)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
      stateTimestamp: '2015-06-03T17:43:27.123Z',
      kind: 'metric',
      description: 'EXAMPLE',
      metrics: [
        { id: 'e1', expression: 'm1*1', label: 'Expression1', returnData: true, dimensions: {} },
        { id: 'm1', namespace: 'AWS/EC2', metricName: 'NetworkOut', dimensions: { InstanceId: 'TestInstance' }, stat: 'Average', period: 60, returnData: false },
      ],
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      treatMissingData: 'missing',
      tags: {},
      shape: 'sns-cloudwatch',
      deliveryId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    },
  },
  'sns/non-alarm-message.json': {
    kind: 'rejected',
    id: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    reason:
      'SNS message 95df01b4-ee98-5cb9-9903-4c221d41eb5e is not a CloudWatch alarm notification or EventBridge alarm event (it is not JSON)',
  },
  'sns/single-metric-ok-eu-london.json': {
    kind: 'transition',
    transition: {
      alarmName: 'DBMigrationRequired',
      // No AlarmArn in the message: built from the name, "EU (London)" and AWSAccountId.
      alarmArn: 'arn:aws:cloudwatch:eu-west-2:735598076380:alarm:DBMigrationRequired',
      accountId: '735598076380',
      region: 'eu-west-2',
      state: 'OK',
      previousState: 'ALARM',
      reason: 'Threshold Crossed: 1 datapoint [1.0 (12/02/19 15:44:00)] was not less than the threshold (1.0).',
      stateTimestamp: '2019-02-12T15:45:24.006Z',
      kind: 'metric',
      description: 'App is reporting "A JPA error occurred(Unable to build EntityManagerFactory)"',
      metrics: [{ namespace: 'LogMetrics', metricName: 'DBMigrationRequired', dimensions: {}, stat: 'Sum', period: 60 }],
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      tags: {},
      shape: 'sns-cloudwatch',
      deliveryId: 'f86e3c5b-cd17-1ab8-80e9-c0776d4f1e7a',
    },
  },
  'sns/message-body-minimal-eu-ireland.json': {
    kind: 'transition',
    transition: {
      alarmName: 'Example',
      alarmArn: 'arn:aws:cloudwatch:eu-west-1:000000000000:alarm:Example',
      accountId: '000000000000',
      region: 'eu-west-1',
      state: 'ALARM',
      previousState: 'OK',
      reason: 'Threshold Crossed',
      stateTimestamp: '2017-01-12T16:30:42.236Z',
      kind: 'metric',
      description: 'Example alarm description.',
      metrics: [],
      tags: {},
      shape: 'sns-cloudwatch',
      deliveryId: 'Example@2017-01-12T16:30:42.236Z',
    },
  },
  'sqs/non-alarm-body.json': {
    kind: 'rejected',
    id: 'MessageID_1',
    reason:
      'SQS message MessageID_1: the body is not JSON; not a CloudWatch alarm payload (expected an EventBridge alarm event, a CloudWatch SNS notification, an SNS notification envelope or a Lambda alarm action)',
  },
  'sqs/sns-notification-non-alarm.json': {
    kind: 'rejected',
    id: '79406a00-bf15-46ca-978c-22c3613fcb30',
    reason:
      'SQS message 79406a00-bf15-46ca-978c-22c3613fcb30: SNS message d88d4479-6ec0-54fe-b63f-1cf9df4bb16e is not a CloudWatch alarm notification or EventBridge alarm event (its JSON has neither AlarmName nor detail-type)',
  },
};

describe('normalize: every fixture under test/fixtures/aws', () => {
  it('has an expectation for every fixture file, and a file for every expectation', () => {
    expect(Object.keys(expectations).sort()).toEqual(listFixtures());
  });

  it.each(Object.entries(expectations))('%s', (fixture, expected) => {
    const options = expected.kind === 'transition' ? expected.options : undefined;
    const result = normalize(loadFixture(fixture), options);

    if (expected.kind === 'transition') {
      expect(only(result)).toStrictEqual(expected.transition);
    } else if (expected.kind === 'skipped') {
      expect(result.transitions).toEqual([]);
      expect(result.rejected).toEqual([]);
      expect(result.skipped).toStrictEqual([{ id: expected.id, reason: expected.reason, detail: expected.detail }]);
    } else {
      expect(result.transitions).toEqual([]);
      expect(result.skipped).toEqual([]);
      expect(result.rejected).toStrictEqual([{ id: expected.id, reason: expected.reason }]);
    }
  });
});

describe('normalize: payloads without a usable account or region', () => {
  it('rejects an SNS notification whose region is only placeholders, naming each one, when no fallback is given', () => {
    const result = normalize(loadFixture('sns/single-metric-alarm.json'));

    expect(result.transitions).toEqual([]);
    expect(result.rejected).toStrictEqual([
      {
        id: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
        reason:
          'SNS message 95df01b4-ee98-5cb9-9903-4c221d41eb5e: CloudWatch alarm notification: cannot tell the alarm\'s region (AlarmArn region "REGION", Region "EXAMPLE"); pass fallbackRegion (the Lambda\'s AWS_REGION)',
      },
    ]);
  });

  it('rejects an EventBridge event whose account is not 12 digits when no fallback is given', () => {
    const result = normalize(loadFixture('eventbridge/single-metric-alarm-ok-from-sqs-body.json'));

    expect(result.rejected).toStrictEqual([
      {
        id: '19905c58-8563-0126-6a9d-c8530ac6c240',
        reason:
          'EventBridge alarm event 19905c58-8563-0126-6a9d-c8530ac6c240: cannot tell the alarm\'s account (resources[0] account "1234567890123", account "1234567890123"); pass fallbackAccountId (the Lambda\'s own account)',
      },
    ]);
  });

  it('prefers the ARN and the payload over the fallbacks', () => {
    const t = only(
      normalize(loadFixture('eventbridge/single-metric-alarm.json'), {
        fallbackRegion: 'ap-southeast-2',
        fallbackAccountId: '210987654321',
      }),
    );

    expect([t.accountId, t.region]).toEqual(['123456789012', 'us-east-1']);
  });

  it('takes the region from the SNS topic when the message names none', () => {
    const message = patched(snsMessageOf('sns/single-metric-ok-eu-london.json'), ['Region'], REMOVE);

    const t = only(normalize(wrapInSns(message, { topicArn: 'arn:aws:sns:ap-northeast-1:735598076380:alarms' })));

    expect(t.region).toBe('ap-northeast-1');
    expect(t.alarmArn).toBe('arn:aws:cloudwatch:ap-northeast-1:735598076380:alarm:DBMigrationRequired');
  });
});

describe('normalize: the same alarm through every delivery path', () => {
  const stateChanges = [
    'eventbridge/single-metric-alarm.json',
    'eventbridge/metric-math-alarm.json',
    'eventbridge/anomaly-detection-alarm.json',
    'eventbridge/composite-alarm-suppressed.json',
    'eventbridge/multi-time-series-alarm.json',
  ];

  it.each(stateChanges)('%s: EventBridge, SNS(EventBridge), SQS(SNS(EventBridge)) and SQS(EventBridge) agree', (fixture) => {
    const event = loadFixture(fixture);
    const eventId = fieldOf(event, 'id');

    const direct = normalize(event);
    const viaSns = normalize(wrapInSns(event, { messageId: 'sns-1' }));
    const viaSqsSns = normalize(wrapInSqs([snsNotificationEnvelope(event, { messageId: 'sns-2' })], { messageIds: ['sqs-1'] }));
    const viaSqs = normalize(wrapInSqs([event], { messageIds: ['sqs-2'] }));

    const all = [direct, viaSns, viaSqsSns, viaSqs].map(only);
    expect(all.map((t) => [t.shape, t.deliveryId])).toEqual([
      ['eventbridge', eventId],
      ['sns-eventbridge', 'sns-1'],
      ['sns-eventbridge', 'sqs-1'],
      ['eventbridge', 'sqs-2'],
    ]);
    const [first, ...rest] = all.map(({ shape: _shape, deliveryId: _deliveryId, ...same }) => same);
    for (const other of rest) expect(other).toStrictEqual(first);
    expect(new Set(all.map(dedupKeyOf)).size).toBe(1);
    expect(dedupKeyOf(all[0]!)).toBe(`tripline/${all[0]!.accountId}/${all[0]!.region}/${all[0]!.alarmName}`);
  });

  it('a CloudWatch SNS notification agrees through SNS, SQS(SNS), SQS(raw body) and as a bare body', () => {
    const message = snsMessageOf('sns/single-metric-ok-eu-london.json');

    const all = [
      normalize(loadFixture('sns/single-metric-ok-eu-london.json')),
      normalize(wrapInSqs([snsNotificationEnvelope(message, { messageId: 'sns-9' })], { messageIds: ['sqs-9'] })),
      normalize(wrapInSqs([message], { messageIds: ['sqs-10'] })),
      normalize(message),
    ].map(only);

    expect(all.map((t) => [t.shape, t.deliveryId])).toEqual([
      ['sns-cloudwatch', 'f86e3c5b-cd17-1ab8-80e9-c0776d4f1e7a'],
      ['sns-cloudwatch', 'sqs-9'],
      ['sns-cloudwatch', 'sqs-10'],
      ['sns-cloudwatch', 'DBMigrationRequired@2019-02-12T15:45:24.006Z'],
    ]);
    const [first, ...rest] = all.map(({ deliveryId: _deliveryId, ...same }) => same);
    for (const other of rest) expect(other).toStrictEqual(first);
    expect(new Set(all.map(dedupKeyOf)).size).toBe(1);
  });

  it('a Lambda alarm action in an SQS body normalizes like the direct invocation', () => {
    const action = loadFixture('lambda-action/metric-alarm.json');

    const [direct, viaSqs] = [normalize(action), normalize(wrapInSqs([action], { messageIds: ['sqs-11'] }))].map(only);

    expect(viaSqs).toStrictEqual({ ...direct, deliveryId: 'sqs-11' });
  });

  it('a bare event given as JSON text (as the CLI may) normalizes like the parsed one', () => {
    const event = loadFixture('eventbridge/single-metric-alarm.json');

    expect(normalize(JSON.stringify(event))).toStrictEqual(normalize(event));
  });
});

describe('normalize: batches with bad records', () => {
  it('normalizes the good SQS records, rejects each bad one with its message id and what is wrong, and maps transitions to message ids', () => {
    const good1 = loadFixture('eventbridge/single-metric-alarm.json');
    const good2 = loadFixture('eventbridge/anomaly-detection-alarm.json');
    const noState = patched(loadFixture('eventbridge/metric-math-alarm.json'), ['detail', 'state'], REMOVE);
    const wrongTypes = patched(
      patched(loadFixture('eventbridge/composite-alarm-suppressed.json'), ['detail', 'alarmName'], 42),
      ['detail', 'state', 'value'],
      'BROKEN',
    );

    const result = normalize(
      wrapInSqs([good1, '{"version":"0","id":', noState, wrongTypes, good2], {
        messageIds: ['m-good-1', 'm-bad-json', 'm-no-state', 'm-wrong-types', 'm-good-2'],
      }),
    );

    expect(result.transitions.map((t) => t.alarmName)).toEqual(['ServerCpuTooHigh', 'EC2 CPU Utilization Anomaly']);
    expect(result.transitions.map((t) => result.sqsMessageIds?.get(t))).toEqual(['m-good-1', 'm-good-2']);
    expect(result.skipped).toEqual([]);
    expect(result.rejected).toStrictEqual([
      {
        id: 'm-bad-json',
        reason:
          'SQS message m-bad-json: the body is not JSON; not a CloudWatch alarm payload (expected an EventBridge alarm event, a CloudWatch SNS notification, an SNS notification envelope or a Lambda alarm action)',
      },
      {
        id: 'm-no-state',
        reason: 'SQS message m-no-state: EventBridge alarm event 2dde0eb1-528b-d2d5-9ca6-6d590caf2329: detail.state is missing',
      },
      {
        id: 'm-wrong-types',
        reason:
          'SQS message m-wrong-types: EventBridge alarm event d3dfc86d-384d-24c8-0345-9f7986db0b80: detail.alarmName should be a string, not a number 42; detail.state.value "BROKEN" is not one of OK, ALARM, INSUFFICIENT_DATA',
      },
    ]);
  });

  it('names the bad state value the way an operator reads it', () => {
    const event = patched(
      patched(loadFixture('eventbridge/single-metric-alarm.json'), ['id'], 'abc-123'),
      ['detail', 'state', 'value'],
      'BROKEN',
    );

    expect(normalize(event).rejected).toStrictEqual([
      {
        id: 'abc-123',
        reason: 'EventBridge alarm event abc-123: detail.state.value "BROKEN" is not one of OK, ALARM, INSUFFICIENT_DATA',
      },
    ]);
  });

  it('normalizes the good SNS records and rejects a non-alarm message and a notification without a state', () => {
    const good = wrapInSns(snsMessageOf('sns/single-metric-ok-eu-london.json'), { messageId: 'sns-good' });
    const hello = loadFixture('sns/non-alarm-message.json');
    const noState = patched(snsMessageOf('sns/single-metric-ok-eu-london.json'), ['NewStateValue'], REMOVE);
    const bad = wrapInSns(noState, { messageId: 'sns-no-state' });

    const result = normalize({ Records: [...recordsOf(hello), ...recordsOf(good), ...recordsOf(bad)] });

    expect(result.transitions.map((t) => [t.alarmName, t.deliveryId])).toEqual([['DBMigrationRequired', 'sns-good']]);
    expect(result.sqsMessageIds).toBeUndefined();
    expect(result.rejected).toStrictEqual([
      {
        id: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
        reason:
          'SNS message 95df01b4-ee98-5cb9-9903-4c221d41eb5e is not a CloudWatch alarm notification or EventBridge alarm event (it is not JSON)',
      },
      { id: 'sns-no-state', reason: 'SNS message sns-no-state: CloudWatch alarm notification: NewStateValue is missing' },
    ]);
  });

  it('rejects a Lambda alarm action without a state, naming its ARN', () => {
    const action = patched(loadFixture('lambda-action/metric-alarm.json'), ['alarmData', 'state'], REMOVE);

    expect(normalize(action).rejected).toStrictEqual([
      {
        id: 'event',
        reason:
          'Lambda alarm action arn:aws:cloudwatch:us-east-1:444455556666:alarm:lambda-demo-metric-alarm: alarmData.state is missing',
      },
    ]);
  });

  it('rejects records from other event sources and EventBridge events from other services', () => {
    const ec2 = patched(
      patched(loadFixture('eventbridge/single-metric-alarm.json'), ['source'], 'aws.ec2'),
      ['detail-type'],
      'EC2 Instance State-change Notification',
    );

    const result = normalize({ Records: [{ eventSource: 'aws:kinesis', kinesis: {} }] });
    const other = normalize(ec2);

    expect(result.rejected).toStrictEqual([
      {
        id: 'Records[0]',
        reason:
          'Records[0]: event source "aws:kinesis" is not aws:sns or aws:sqs; not a CloudWatch alarm payload (expected an EventBridge alarm event, a CloudWatch SNS notification, an SNS notification envelope or a Lambda alarm action)',
      },
    ]);
    expect(other.rejected).toStrictEqual([
      {
        id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
        reason:
          'EventBridge event c4c1c1c9-6542-e61b-6ef0-8c4d36933a92: source "aws.ec2" (detail-type "EC2 Instance State-change Notification") is not a CloudWatch alarm event; send only source aws.cloudwatch here',
      },
    ]);
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [null, undefined, 42, 'garbage', {}, { Records: 'x' }, { Records: [null, 5, 'x'] }, [null], { detail: null, 'detail-type': 7 }];

    for (const input of inputs) {
      const result = normalize(input);
      expect(result.transitions).toEqual([]);
      expect(result.rejected.length + result.skipped.length).toBeGreaterThan(0);
      for (const r of result.rejected) expect(r.reason.length).toBeGreaterThan(10);
    }
  });

  it('does not copy an unparseable body into the reason (it may hold anything, secrets included)', () => {
    const result = normalize(wrapInSqs(['token=xoxb-0000-not-a-real-token and more'], { messageIds: ['m-1'] }));

    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]!.reason).not.toContain('xoxb');
  });
});

describe('normalize: field handling', () => {
  it('falls back to the event time when the state has no timestamp, and rejects a timestamp it cannot read', () => {
    const noTimestamp = patched(loadFixture('eventbridge/single-metric-alarm.json'), ['detail', 'state', 'timestamp'], REMOVE);
    const badTimestamp = patched(loadFixture('eventbridge/single-metric-alarm.json'), ['detail', 'state', 'timestamp'], 'yesterday');

    expect(only(normalize(noTimestamp)).stateTimestamp).toBe('2019-10-02T17:04:40.000Z');
    expect(normalize(badTimestamp).rejected).toStrictEqual([
      {
        id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
        reason:
          'EventBridge alarm event c4c1c1c9-6542-e61b-6ef0-8c4d36933a92: detail.state.timestamp "yesterday" is not an ISO-8601 timestamp',
      },
    ]);
  });

  it('turns +0000 timestamps into ISO-8601 UTC exact to the millisecond', () => {
    const t = only(normalize(loadFixture('eventbridge/single-metric-alarm.json')));

    expect(t.stateTimestamp).toBe('2019-10-02T17:04:40.989Z');
    expect(Date.parse(t.stateTimestamp)).toBe(Date.UTC(2019, 9, 2, 17, 4, 40, 989));
  });

  it('keeps reasonData as the raw string when it is not JSON', () => {
    const event = patched(loadFixture('eventbridge/single-metric-alarm.json'), ['detail', 'state', 'reasonData'], '{truncated');

    const t = only(normalize(event));

    expect(t.reasonData).toBe('{truncated');
    expect(t.threshold).toBeUndefined();
  });

  it('keeps tags when a payload carries them, as a map or as Key/Value pairs', () => {
    const asMap = patched(loadFixture('eventbridge/single-metric-alarm.json'), ['detail', 'tags'], {
      team: 'data-platform',
      severity: 'critical',
    });
    const asPairs = patched(loadFixture('lambda-action/metric-alarm.json'), ['alarmData', 'tags'], [{ Key: 'team', Value: 'ingest' }]);

    expect(only(normalize(asMap)).tags).toEqual({ team: 'data-platform', severity: 'critical' });
    expect(only(normalize(asPairs)).tags).toEqual({ team: 'ingest' });
  });

  it('keeps a malformed optional field from costing the page', () => {
    const event = patched(
      patched(loadFixture('eventbridge/metric-math-alarm.json'), ['detail', 'configuration', 'metrics'], 'not a list'),
      ['detail', 'configuration', 'description'],
      17,
    );

    const t = only(normalize(event));

    expect(t.alarmName).toBe('TotalNetworkTrafficTooHigh');
    expect(t.metrics).toEqual([]);
    expect(t.description).toBeUndefined();
  });
});

describe('describeTransition', () => {
  it('sums a transition up on one line', () => {
    const single = only(normalize(loadFixture('eventbridge/single-metric-alarm.json')));
    const composite = only(normalize(loadFixture('eventbridge/composite-alarm-suppressed.json')));

    expect(describeTransition(single)).toBe(
      '"ServerCpuTooHigh" OK -> ALARM at 2019-10-02T17:04:40.989Z (123456789012/us-east-1, eventbridge c4c1c1c9-6542-e61b-6ef0-8c4d36933a92)',
    );
    expect(describeTransition(composite)).toBe(
      '"ServiceAggregatedAlarm" OK -> ALARM at 2022-07-22T15:57:45.394Z (123456789012/us-east-1, eventbridge d3dfc86d-384d-24c8-0345-9f7986db0b80); actions suppressed by WaitPeriod',
    );
  });
});
