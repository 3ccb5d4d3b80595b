import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fieldOf,
  listFixtures,
  loadFixture,
  patched,
  recordsOf,
  REMOVE,
  snsNotificationEnvelope,
  wrapInSns,
  wrapInSqs,
} from '../support/fixtures.js';

describe('fixture helpers', () => {
  it('lists fixtures per service with paths loadFixture accepts', () => {
    const sns = listFixtures('sns');

    expect(sns).toContain('sns/single-metric-alarm.json');
    expect(sns.every((p) => p.startsWith('sns/'))).toBe(true);
    expect(listFixtures()).toEqual(expect.arrayContaining(['eventbridge/single-metric-alarm.json', 'sqs/non-alarm-body.json']));
    for (const p of listFixtures()) expect(loadFixture(p)).toBeTypeOf('object');
  });

  it('wrapInSns delivers the message as a JSON string in a real Lambda SNS record', () => {
    const event = loadFixture('eventbridge/single-metric-alarm.json');

    const [record] = recordsOf(wrapInSns(event, { messageId: 'sns-1', topicArn: 'arn:aws:sns:us-east-1:123456789012:alarms' }));

    expect(fieldOf(record, 'EventSource')).toBe('aws:sns');
    expect(fieldOf(record, 'Sns', 'Type')).toBe('Notification');
    expect(fieldOf(record, 'Sns', 'MessageId')).toBe('sns-1');
    expect(fieldOf(record, 'Sns', 'TopicArn')).toBe('arn:aws:sns:us-east-1:123456789012:alarms');
    expect(JSON.parse(String(fieldOf(record, 'Sns', 'Message')))).toEqual(event);
  });

  it('wrapInSqs makes one record per body with the md5 SQS would report', () => {
    const records = recordsOf(wrapInSqs([{ a: 1 }, 'plain text'], { messageIds: ['m-1'] }));

    expect(records.map((r) => fieldOf(r, 'messageId'))).toEqual(['m-1', 'sqs-message-2']);
    expect(records.map((r) => fieldOf(r, 'eventSource'))).toEqual(['aws:sqs', 'aws:sqs']);
    expect(fieldOf(records[0], 'body')).toBe('{"a":1}');
    expect(fieldOf(records[1], 'md5OfBody')).toBe(createHash('md5').update('plain text').digest('hex'));
  });

  it('snsNotificationEnvelope is the document SNS puts on a queue without raw delivery', () => {
    const envelope = snsNotificationEnvelope({ hello: 'world' }, { messageId: 'n-1' });

    expect(envelope['Type']).toBe('Notification');
    expect(envelope['MessageId']).toBe('n-1');
    expect(envelope['Message']).toBe('{"hello":"world"}');
    expect(envelope['TopicArn']).toBe('arn:aws:sns:eu-west-1:231436140809:powertools265');
  });

  it('patched changes one field of a copy and leaves the fixture alone', () => {
    const original = loadFixture('eventbridge/single-metric-alarm.json');

    const changed = patched(original, ['detail', 'state', 'value'], 'OK');
    const removed = patched(original, ['detail', 'state'], REMOVE);

    expect(fieldOf(changed, 'detail', 'state', 'value')).toBe('OK');
    expect(fieldOf(removed, 'detail', 'state')).toBeUndefined();
    expect(fieldOf(original, 'detail', 'state', 'value')).toBe('ALARM');
  });
});
