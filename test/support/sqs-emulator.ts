import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';

/**
 * local-aws-sqs (an in-memory SQS) on loopback, in the test process, with
 * every request counted by its `x-amz-target` operation and per queue, so
 * tests can assert costs and act at a given point of a run (e.g. kill the
 * CLI after its n-th request).
 *
 * What it does differently from SQS (tests must allow for it):
 * ApproximateNumberOfMessages includes in-flight messages;
 * MessageSystemAttributeNames is ignored (AttributeNames works); FIFO
 * de-duplication looks at messages still in the queue, not a 5-minute
 * window; a long poll waits its full WaitTimeSeconds unless it has 10
 * messages. Queue URLs are built from one static port, so use one emulator
 * per test file.
 */
export interface SqsEmulator {
  readonly endpoint: string;
  /** Operation names (`ReceiveMessage`, …) of every request, in order. */
  readonly calls: string[];
  /** Requests per operation since the last reset (all operations when `op` is absent). */
  count(op?: string): number;
  /** Requests about one queue (by name in its QueueUrl / SourceArn). */
  countFor(queueName: string): number;
  resetCounts(): void;
  /** Called before each request is handled. */
  onRequest(listener: (request: EmulatorRequest) => void): () => void;
  /** A client with fake credentials and no retries. */
  client(): SQSClient;
  /** Environment for the built CLI: fake credentials, region, and this endpoint. */
  env(): Record<string, string>;
  createQueue(name: string, attributes?: Record<string, string>): Promise<TestQueue>;
  /**
   * A source queue and its DLQ; FIFO when `fifo`. maxReceiveCount defaults to 1 (so `failIntoDlq`
   * works); raise it when the test receives from the source, or those messages go back to the DLQ.
   */
  createPair(base: string, options?: { fifo?: boolean; maxReceiveCount?: number }): Promise<{ source: TestQueue; dlq: TestQueue }>;
  /** Sends messages, 10 per call; returns their MessageIds in order. */
  seed(queue: TestQueue, messages: readonly SeedMessage[]): Promise<string[]>;
  /** Every message now in the queue, in flight or not, read without deleting (they stay invisible `holdSeconds`). */
  snapshot(queue: TestQueue, holdSeconds?: number): Promise<Message[]>;
  /** Sends through the source queue and fails each once, so SQS itself puts them in the DLQ (DeadLetterQueueSourceArn set). */
  failIntoDlq(pair: { source: TestQueue; dlq: TestQueue }, messages: readonly SeedMessage[]): Promise<void>;
  attributes(queue: TestQueue): Promise<Record<string, string>>;
  /** Messages in the queue, in flight or not (the emulator's ApproximateNumberOfMessages), without touching them. */
  depth(queue: TestQueue): Promise<number>;
  close(): Promise<void>;
}

export interface EmulatorRequest {
  readonly op: string;
  readonly body: Record<string, unknown>;
  readonly queue: string | undefined;
}

export interface TestQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface SeedMessage {
  readonly body: string;
  readonly attributes?: Record<string, MessageAttributeValue>;
  readonly groupId?: string;
  readonly dedupId?: string;
}

export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDTESTTESTTEST', secretAccessKey: 'test-secret-not-real' };
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

/**
 * For a test file (or describe) against one local-aws-sqs: no network but
 * loopback, the emulator started before and closed after. The getter is valid
 * from the caller's own beforeAll on.
 *
 * @example const emulator = useSqsEmulator(); let sqs: SqsEmulator; beforeAll(() => { sqs = emulator(); });
 */
export function useSqsEmulator(): () => SqsEmulator {
  let sqs: SqsEmulator | undefined;
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    sqs = await startSqsEmulator();
  });
  afterAll(async () => {
    await sqs?.close();
    nock.enableNetConnect();
  });
  return () => {
    if (sqs === undefined) throw new Error('useSqsEmulator: the emulator starts in beforeAll; use it inside a hook or test');
    return sqs;
  };
}

export async function startSqsEmulator(): Promise<SqsEmulator> {
  const handler = createRequestHandler({ port: 0, hostname: '127.0.0.1', region: REGION, accountId: ACCOUNT, emulateQueueCreationLifecycle: false });
  const calls: string[] = [];
  const perQueue = new Map<string, number>();
  const listeners = new Set<(r: EmulatorRequest) => void>();

  const server = createServer((req, res) => {
    // The emulator reads the body with its own 'data'/'end' listeners; ours are
    // added first, so a test sees each request just before the emulator acts on it.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const body = jsonObject(Buffer.concat(chunks).toString('utf8'));
      const queue = queueNameIn(body);
      calls.push(op);
      if (queue) perQueue.set(queue, (perQueue.get(queue) ?? 0) + 1);
      for (const l of listeners) l({ op, body, queue });
    });
    void handler.requestHandler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  handler.service.PORT = port;
  const endpoint = `http://127.0.0.1:${port}`;
  const sqs = new SQSClient({ endpoint, region: REGION, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });

  const emulator: SqsEmulator = {
    endpoint,
    calls,
    count: (op) => (op === undefined ? calls.length : calls.filter((c) => c === op).length),
    countFor: (name) => perQueue.get(name) ?? 0,
    resetCounts: () => {
      calls.length = 0;
      perQueue.clear();
    },
    onRequest: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    client: () => new SQSClient({ endpoint, region: REGION, credentials: FAKE_CREDENTIALS, maxAttempts: 1 }),
    env: () => ({
      AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_SQS: endpoint,
    }),
    async createQueue(name, attributes) {
      const out = await sqs.send(new CreateQueueCommand({ QueueName: name, ...(attributes ? { Attributes: attributes } : {}) }));
      const url = out.QueueUrl ?? '';
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
      return { name, url, arn: attrs.Attributes?.['QueueArn'] ?? '' };
    },
    async createPair(base, options = {}) {
      const suffix = options.fifo ? '.fifo' : '';
      const fifoAttrs: Record<string, string> = options.fifo ? { FifoQueue: 'true' } : {};
      const dlq = await emulator.createQueue(`${base}-dlq${suffix}`, fifoAttrs);
      const source = await emulator.createQueue(`${base}${suffix}`, {
        ...fifoAttrs,
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: options.maxReceiveCount ?? 1 }),
      });
      return { source, dlq };
    },
    async seed(queue, messages) {
      const ids: string[] = [];
      for (let i = 0; i < messages.length; i += 10) {
        const chunk = messages.slice(i, i + 10);
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: chunk.map((m, j) => ({
              Id: String(j),
              MessageBody: m.body,
              ...(m.attributes ? { MessageAttributes: m.attributes } : {}),
              ...(m.groupId ? { MessageGroupId: m.groupId, MessageDeduplicationId: m.dedupId ?? `${queue.name}-${i + j}-${m.body.length}` } : {}),
            })),
          }),
        );
        if ((out.Failed ?? []).length > 0) throw new Error(`seed failed: ${JSON.stringify(out.Failed)}`);
        const byId = new Map((out.Successful ?? []).map((s) => [s.Id, s.MessageId ?? '']));
        chunk.forEach((_, j) => ids.push(byId.get(String(j)) ?? ''));
      }
      return ids;
    },
    async snapshot(queue, holdSeconds = 300) {
      const seen = new Map<string, Message>();
      for (let empty = 0; empty < 2; ) {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: holdSeconds,
            WaitTimeSeconds: 0,
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
        if (fresh.length === 0) empty++;
        for (const m of fresh) seen.set(m.MessageId ?? '', m);
      }
      return [...seen.values()];
    },
    async failIntoDlq(pair, messages) {
      await emulator.seed(pair.source, messages);
      // maxReceiveCount 1: a receive with visibility 0 sends each message to the DLQ at once.
      for (let i = 0; i < 200; i++) {
        const attrs = await emulator.attributes(pair.source);
        if (Number(attrs['ApproximateNumberOfMessages'] ?? 0) === 0) return;
        await sqs.send(new ReceiveMessageCommand({ QueueUrl: pair.source.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
      }
      throw new Error('messages did not reach the DLQ');
    },
    async attributes(queue) {
      const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }));
      return out.Attributes ?? {};
    },
    async depth(queue) {
      return Number((await emulator.attributes(queue))['ApproximateNumberOfMessages'] ?? 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return emulator;
}

function jsonObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? Object.fromEntries(Object.entries(parsed)) : {};
  } catch {
    return {};
  }
}

function queueNameIn(body: Record<string, unknown>): string | undefined {
  for (const key of ['QueueUrl', 'SourceArn', 'QueueName']) {
    const v = body[key];
    if (typeof v === 'string' && v !== '') return v.split(/[/:]/).pop();
  }
  return undefined;
}

/**
 * A loopback "SQS" that answers every call with the JSON-protocol
 * ExpiredToken error, as SQS does for an expired session.
 */
export async function startExpiredTokenServer(): Promise<{ endpoint: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(String(req.headers['x-amz-target'] ?? ''));
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'ExpiredToken;Sender' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#ExpiredToken', message: 'The security token included in the request is expired' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
