import { beforeAll, describe, expect, it } from 'vitest';
import { deadLetterSources, parseQueueSpec, queueStats, resolveQueue, SqsQueueReader } from '../../src/aws/queues.js';
import { AwsError, InputError } from '../../src/errors.js';
import { startExpiredTokenServer, useSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';

let sqs: SqsEmulator;

const emulator = useSqsEmulator();
beforeAll(() => {
  sqs = emulator();
});

describe('parseQueueSpec', () => {
  it.each([
    ['web-dlq', { kind: 'name', name: 'web-dlq' }],
    ['orders.fifo', { kind: 'name', name: 'orders.fifo' }],
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/web-dlq', { kind: 'url', name: 'web-dlq' }],
    ['arn:aws:sqs:eu-west-1:123456789012:web-dlq', { kind: 'arn', name: 'web-dlq', account: '123456789012', region: 'eu-west-1' }],
  ])('%s', (ref, expected) => {
    expect(parseQueueSpec(ref)).toMatchObject(expected);
  });

  it.each([
    ['web dlq', /not a queue name, URL or ARN/],
    ['arn:aws:sns:eu-west-1:123456789012:topic', /not an SQS queue ARN/],
    ['https://sqs.eu-west-1.amazonaws.com/', /not a queue URL/],
  ])('rejects %j', (ref, message) => {
    expect(() => parseQueueSpec(ref)).toThrow(message);
  });
});

describe('resolveQueue / queueStats', () => {
  it('resolves the same queue by name, URL and ARN', async () => {
    const { source, dlq } = await sqs.createPair('resolve');
    const client = sqs.client();
    const byName = await resolveQueue(client, dlq.name);
    expect(byName).toEqual({ name: dlq.name, url: dlq.url, arn: dlq.arn, fifo: false });
    expect(await resolveQueue(client, dlq.url)).toEqual(byName);
    expect(await resolveQueue(client, dlq.arn)).toEqual(byName);
    const src = await queueStats(client, source.name);
    expect(src.redrivePolicy).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 });
    expect(await deadLetterSources(client, byName)).toEqual([source.url]);
    expect(await deadLetterSources(client, await resolveQueue(client, source.name))).toEqual([]);
  });

  it('reports FIFO queues and live depth', async () => {
    const q = await sqs.createQueue('depth.fifo', { FifoQueue: 'true' });
    await sqs.seed(q, [{ body: 'a', groupId: 'g' }, { body: 'b', groupId: 'g' }]);
    const stats = await new SqsQueueReader(sqs.client()).stats('depth.fifo');
    expect(stats).toMatchObject({ name: 'depth.fifo', fifo: true, visible: 2, inFlight: 0, delayed: 0 });
  });

  it('reads a queue on every refresh with one GetQueueAttributes (its URL is looked up once), and names it once deleted', async () => {
    const q = await sqs.createQueue('refresh-depth');
    const reader = new SqsQueueReader(sqs.client());
    sqs.resetCounts();
    await reader.stats('refresh-depth');
    await sqs.seed(q, [{ body: 'a' }]);
    expect(await reader.stats('refresh-depth')).toMatchObject({ name: 'refresh-depth', visible: 1 });
    expect(await reader.stats('refresh-depth')).toMatchObject({ name: 'refresh-depth', visible: 1 });
    expect(sqs.count('GetQueueUrl')).toBe(1);
    expect(sqs.count('GetQueueAttributes')).toBe(3);

    await sqs.client().send(new DeleteQueueCommand({ QueueUrl: q.url }));
    const error = await reader.stats('refresh-depth').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^queue "refresh-depth" does not exist in region us-east-1/);
  });

  it('names an unknown queue, the region and what to check (exit 2)', async () => {
    const error = await resolveQueue(sqs.client(), 'no-such-queue').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      'queue "no-such-queue" does not exist in region us-east-1 for the account of the current credentials; check the name (FIFO queues end in ".fifo"), AWS_REGION / AWS_PROFILE, and that the queue is in this account',
    );
  });

  it('explains expired credentials as an AWS failure (exit 3)', async () => {
    const server = await startExpiredTokenServer();
    try {
      const client = new SQSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
      const error = await queueStats(client, 'web-dlq').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwsError);
      expect((error as AwsError).exitCode).toBe(3);
      expect((error as AwsError).message).toMatch(/SQS GetQueueUrl failed for queue "web-dlq": the AWS credentials have expired \(ExpiredToken\); refresh them/);
    } finally {
      await server.close();
    }
  });
});
