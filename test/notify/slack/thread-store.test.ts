import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../../../src/errors.js';
import { DynamoDbThreadStore, MemoryThreadStore, threadKeyOf, type ThreadRef } from '../../../src/notify/slack/thread-store.js';

const ENDPOINT = 'https://dynamodb.eu-west-1.amazonaws.com';
const TABLE = 'tripline-slack-threads';
const NOW = Date.parse('2026-11-22T00:00:05.000Z');
const KEY = threadKeyOf('tripline/123456789012/eu-west-1/web-dlq-depth', 'C0ALERTS');

const ref: ThreadRef = {
  channel: 'C0ALERTS',
  ts: '1795305605.000100',
  postedAt: '2026-11-22T00:00:05.000Z',
  state: 'ALARM',
  stateTimestamp: '2026-11-22T00:00:00.000Z',
  message: {
    text: '🔴 ALARM: web-dlq-depth',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: '🔴 ALARM: web-dlq-depth', emoji: true } },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: 'https://runbooks.example.com/dlq', action_id: 'tripline_open_runbook' }] },
    ],
  },
};

function store(): DynamoDbThreadStore {
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: ENDPOINT,
    credentials: { accessKeyId: 'AKIDTRIPLINETEST', secretAccessKey: 'tripline-test-secret' },
    maxAttempts: 1,
  });
  return new DynamoDbThreadStore({ client, tableName: TABLE, now: () => NOW });
}

/** Intercepts one DynamoDB JSON 1.0 call and keeps the body it carried. */
function expectCall(operation: string, status: number, response: unknown): { body: () => unknown } {
  let body: unknown;
  nock(ENDPOINT)
    .matchHeader('x-amz-target', `DynamoDB_20120810.${operation}`)
    .post('/', (b: unknown) => {
      body = b;
      return true;
    })
    .reply(status, JSON.stringify(response), { 'content-type': 'application/x-amz-json-1.0' });
  return { body: () => body };
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('MemoryThreadStore', () => {
  it('keeps, returns and forgets a ref', async () => {
    const memory = new MemoryThreadStore();

    await memory.put(KEY, ref);
    const kept = await memory.get(KEY);
    await memory.delete(KEY);

    expect(kept).toEqual(ref);
    expect(await memory.get(KEY)).toBeUndefined();
    expect(memory.keys()).toEqual([]);
  });
});

describe('DynamoDbThreadStore', () => {
  it('puts the ref under pk with a 30-day TTL', async () => {
    const call = expectCall('PutItem', 200, {});

    await store().put(KEY, ref);

    expect(call.body()).toEqual({
      TableName: TABLE,
      Item: {
        pk: { S: 'slack/C0ALERTS/tripline/123456789012/eu-west-1/web-dlq-depth' },
        channel: { S: 'C0ALERTS' },
        ts: { S: '1795305605.000100' },
        postedAt: { S: '2026-11-22T00:00:05.000Z' },
        state: { S: 'ALARM' },
        stateTimestamp: { S: '2026-11-22T00:00:00.000Z' },
        message: { S: JSON.stringify(ref.message) },
        expiresAt: { N: String(Math.floor(NOW / 1000) + 30 * 86_400) },
      },
    });
  });

  it('gets the ref back by pk with a consistent read', async () => {
    const call = expectCall('GetItem', 200, {
      Item: {
        pk: { S: KEY },
        channel: { S: 'C0ALERTS' },
        ts: { S: '1795305605.000100' },
        postedAt: { S: '2026-11-22T00:00:05.000Z' },
        state: { S: 'ALARM' },
        stateTimestamp: { S: '2026-11-22T00:00:00.000Z' },
        message: { S: JSON.stringify(ref.message) },
        expiresAt: { N: String(Math.floor(NOW / 1000) + 3600) },
      },
    });

    const got = await store().get(KEY);

    expect(call.body()).toEqual({ TableName: TABLE, Key: { pk: { S: KEY } }, ConsistentRead: true });
    expect(got).toEqual(ref);
  });

  it('treats a missing item, an expired one and a malformed one as no thread', async () => {
    expectCall('GetItem', 200, {});
    expectCall('GetItem', 200, { Item: { pk: { S: KEY }, channel: { S: 'C0ALERTS' }, ts: { S: '1.2' }, postedAt: { S: 'x' }, expiresAt: { N: String(Math.floor(NOW / 1000) - 1) } } });
    expectCall('GetItem', 200, { Item: { pk: { S: KEY }, channel: { S: 'C0ALERTS' } } });
    const s = store();

    expect(await s.get(KEY)).toBeUndefined();
    expect(await s.get(KEY)).toBeUndefined();
    expect(await s.get(KEY)).toBeUndefined();
  });

  it('drops a stored message that is not a valid one, keeping the thread', async () => {
    expectCall('GetItem', 200, { Item: { pk: { S: KEY }, channel: { S: 'C0ALERTS' }, ts: { S: '1.2' }, postedAt: { S: 'x' }, message: { S: '{"text":1}' } } });

    expect(await store().get(KEY)).toEqual({ channel: 'C0ALERTS', ts: '1.2', postedAt: 'x' });
  });

  it('deletes by pk', async () => {
    const call = expectCall('DeleteItem', 200, {});

    await store().delete(KEY);

    expect(call.body()).toEqual({ TableName: TABLE, Key: { pk: { S: KEY } } });
  });

  it('says to create the table when it is missing', async () => {
    expectCall('GetItem', 400, { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' });

    const error = await store().get(KEY).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ service: 'DynamoDB', operation: 'GetItem' });
    expect(String(error)).toContain(
      'DynamoDB GetItem on the Slack thread table "tripline-slack-threads" failed with ResourceNotFoundException: Requested resource not found. Create the table (partition key "pk" of type String, TTL on "expiresAt")',
    );
  });

  it('says which permissions to grant when access is denied, without the credentials', async () => {
    expectCall('PutItem', 400, {
      __type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
      message: 'User: arn:aws:sts::123456789012:assumed-role/tripline-alarm-router/fn is not authorized to perform: dynamodb:PutItem',
    });

    const error = await store().put(KEY, ref).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ service: 'DynamoDB', operation: 'PutItem' });
    expect(String(error)).toContain('Allow dynamodb:GetItem, dynamodb:PutItem and dynamodb:DeleteItem on table "tripline-slack-threads"');
    expect(String(error)).not.toContain('tripline-test-secret');
  });
});
