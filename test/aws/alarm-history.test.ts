import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarmHistoryReader, historyItemOf } from '../../src/aws/alarm-history.js';
import { AwsError } from '../../src/errors.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';

/*
 * The AWS CLI documentation's describe-alarm-history output (aws-cli
 * examples/cloudwatch/describe-alarm-history.rst): a real StateUpdate item,
 * HistoryData as CloudWatch writes it.
 */
const DOCS_ITEM = {
  Timestamp: new Date('2014-04-09T18:59:06.442Z'),
  HistoryItemType: 'StateUpdate' as const,
  AlarmName: 'myalarm',
  HistoryData:
    '{"version":"1.0","oldState":{"stateValue":"ALARM","stateReason":"testing purposes"},"newState":{"stateValue":"OK","stateReason":"Threshold Crossed: 2 datapoints were not greater than the threshold (70.0). The most recent datapoints: [38.958, 40.292].","stateReasonData":{"version":"1.0","queryDate":"2014-04-09T18:59:06.419+0000","startDate":"2014-04-09T18:44:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[38.958,40.292],"threshold":70.0}}}',
  HistorySummary: 'Alarm updated from ALARM to OK',
};

const T0 = Date.parse('2026-11-22T20:00:00Z');
const MIN = 60_000;
const window = { start: new Date(T0), end: new Date(T0 + 12 * 60 * MIN) };

describe('historyItemOf', () => {
  it('reads the states and reason from a real HistoryData', () => {
    expect(historyItemOf(DOCS_ITEM)).toEqual({
      alarmName: 'myalarm',
      kind: 'metric',
      at: new Date('2014-04-09T18:59:06.442Z'),
      from: 'ALARM',
      to: 'OK',
      reason: expect.stringMatching(/^Threshold Crossed: 2 datapoints were not greater/) as unknown,
    });
  });

  it.each([
    ['HistoryData that is not JSON', { ...DOCS_ITEM, HistoryData: '{"version":' }, { from: 'ALARM', to: 'OK' }],
    ['no HistoryData', { ...DOCS_ITEM, HistoryData: undefined }, { from: 'ALARM', to: 'OK' }],
    ['a composite', { ...DOCS_ITEM, AlarmType: 'CompositeAlarm' as const }, { kind: 'composite' }],
  ])('%s', (_, raw, expected) => {
    expect(historyItemOf(raw)).toMatchObject(expected);
  });

  it.each([
    ['an unknown state', { ...DOCS_ITEM, HistoryData: '{"oldState":{"stateValue":"OK"},"newState":{"stateValue":"BROKEN"}}', HistorySummary: 'Alarm updated' }],
    ['no time', { ...DOCS_ITEM, Timestamp: undefined }],
    ['a summary that names no states', { ...DOCS_ITEM, HistoryData: 'x', HistorySummary: 'Alarm "myalarm" updated' }],
  ])('leaves out an item with %s', (_, raw) => {
    expect(historyItemOf(raw)).toBeUndefined();
  });
});

describe('CloudWatchAlarmHistoryReader against a CloudWatch stand-in', () => {
  let cw: CloudWatchServer;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    cw = await startCloudWatchServer();
  });
  afterAll(async () => {
    await cw.close();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    cw.history.length = 0;
    cw.historyRequests.length = 0;
    cw.calls.length = 0;
  });

  it('pages through 250 changes, keeps the prefixes asked for, oldest first', async () => {
    for (let i = 0; i < 250; i++) {
      const alarmName = i % 5 === 0 ? 'other-team-cpu' : `tripline-web-dlq-depth`;
      cw.history.push({ alarmName, kind: 'metric', at: T0 + (250 - i) * MIN, from: i % 2 === 0 ? 'OK' : 'ALARM', to: i % 2 === 0 ? 'ALARM' : 'OK' });
    }
    cw.history.push({ alarmName: 'tripline-web-pipeline', kind: 'composite', at: T0 + 5 * MIN, from: 'OK', to: 'ALARM' });
    const reader = new CloudWatchAlarmHistoryReader(cw.client());

    const items = await reader.history(window, ['tripline-web-']);

    expect(items).toHaveLength(201);
    expect(items.every((i) => i.alarmName.startsWith('tripline-web-'))).toBe(true);
    const times = items.map((i) => i.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(items.find((i) => i.alarmName === 'tripline-web-pipeline')?.kind).toBe('composite');
    expect(reader.calls).toBe(3);
    expect(cw.historyRequests[0]).toMatchObject({
      HistoryItemType: 'StateUpdate',
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      ScanBy: 'TimestampAscending',
      MaxRecords: 100,
      StartDate: T0 / 1000,
      EndDate: window.end.getTime() / 1000,
    });
  });

  it('reads only the window', async () => {
    cw.history.push(
      { alarmName: 'tripline-web-lag', kind: 'metric', at: T0 - MIN, from: 'OK', to: 'ALARM' },
      { alarmName: 'tripline-web-lag', kind: 'metric', at: T0 + MIN, from: 'ALARM', to: 'OK' },
      { alarmName: 'tripline-web-lag', kind: 'metric', at: window.end.getTime() + MIN, from: 'OK', to: 'ALARM' },
    );
    const items = await new CloudWatchAlarmHistoryReader(cw.client()).history(window, ['tripline-']);
    expect(items.map((i) => [i.from, i.to])).toEqual([['ALARM', 'OK']]);
  });

  it('falls back to HistorySummary, and reports items neither explains', async () => {
    cw.history.push(
      { alarmName: 'tripline-web-lag', kind: 'metric', at: T0 + MIN, from: 'OK', to: 'ALARM' },
      { alarmName: 'tripline-web-lag', kind: 'metric', at: T0 + 2 * MIN, from: 'ALARM', to: 'OK', historyData: '{"oldState":{"stateValue":"ALARM"},"newState":{"stateValue":"PAUSED"}}' },
      { alarmName: 'tripline-web-lag', kind: 'metric', at: T0 + 3 * MIN, from: 'OK', to: 'ALARM', historyData: 'not json', historySummary: 'Alarm updated' },
    );
    const skipped: [number, string][] = [];
    const reader = new CloudWatchAlarmHistoryReader(cw.client(), { onSkipped: (n, example) => skipped.push([n, example]) });
    const items = await reader.history(window, ['tripline-']);
    expect(items.map((i) => i.to)).toEqual(['ALARM', 'OK']);
    expect(skipped).toEqual([[1, 'tripline-web-lag: Alarm updated']]);
  });

  it('says which permission is missing when CloudWatch refuses', async () => {
    cw.failNext('AccessDenied');
    const error: unknown = await new CloudWatchAlarmHistoryReader(cw.client()).history(window, ['tripline-']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).exitCode).toBe(3);
    expect((error as AwsError).message).toMatch(/DescribeAlarmHistory .* failed: access denied .*grant cloudwatch:DescribeAlarmHistory/);
  });

  it('says what to do when the endpoint cannot be reached', async () => {
    const client = new CloudWatchClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
    const error: unknown = await new CloudWatchAlarmHistoryReader(client).history(window, []).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/could not reach the AWS endpoint \(ECONNREFUSED\)/);
  });
});
