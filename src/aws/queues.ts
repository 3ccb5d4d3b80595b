import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueReader, QueueRef, QueueStats } from '../domain/health.js';
import { AwsError, InputError } from '../errors.js';
import { explainAwsError } from './errors.js';
import { parseQueueSpec, type QueueSpec } from './queue-spec.js';

export { parseQueueSpec, queueNameOf, type QueueSpec } from './queue-spec.js';

const STAT_ATTRIBUTES: QueueAttributeName[] = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'RedrivePolicy',
  'FifoQueue',
];

/**
 * Resolves a queue (name, URL or ARN) and reads its live attributes in one
 * GetQueueAttributes call (plus GetQueueUrl for a name or ARN).
 *
 * Note: SQS reports ApproximateNumberOfMessages as the *visible* messages;
 * the local-aws-sqs emulator counts in-flight ones in it too.
 *
 * @throws InputError (exit 2) for an unknown queue; AwsError (exit 3) for any other AWS failure.
 */
export async function queueStats(sqs: SQSClient, ref: string): Promise<QueueStats> {
  const spec = parseQueueSpec(ref);
  const url = spec.kind === 'url' ? spec.url : await queueUrlOf(sqs, spec, ref);
  return statsAt(sqs, { name: spec.name, url }, ref);
}

async function statsAt(sqs: SQSClient, queue: { readonly name: string; readonly url: string }, ref: string): Promise<QueueStats> {
  let attributes: Record<string, string>;
  try {
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: STAT_ATTRIBUTES }));
    attributes = out.Attributes ?? {};
  } catch (error) {
    throw await queueError(sqs, error, 'GetQueueAttributes', ref);
  }
  return statsFrom(queue.name, queue.url, attributes);
}

/**
 * A queue by name, URL or ARN → its name, URL, ARN and whether it is FIFO.
 *
 * @throws InputError (exit 2) naming the queue and what to check when it does not exist;
 *   AwsError (exit 3) for any other AWS failure.
 */
export async function resolveQueue(sqs: SQSClient, ref: string): Promise<QueueRef> {
  const stats = await queueStats(sqs, ref);
  return { name: stats.name, url: stats.url, arn: stats.arn, fifo: stats.fifo };
}

/**
 * The queues whose RedrivePolicy names this queue as their dead-letter
 * queue (ListDeadLetterSourceQueues, every page), as URLs.
 */
export async function deadLetterSources(sqs: SQSClient, queue: QueueRef): Promise<string[]> {
  const urls: string[] = [];
  let next: string | undefined;
  do {
    try {
      const out = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: queue.url, MaxResults: 1000, NextToken: next }));
      urls.push(...(out.queueUrls ?? []));
      next = out.NextToken;
    } catch (error) {
      throw await queueError(sqs, error, 'ListDeadLetterSourceQueues', queue.name);
    }
  } while (next);
  return urls;
}

/** Live attributes of queues by name, URL or ARN: the console's and runbooks' QueueReader. */
export class SqsQueueReader implements QueueReader {
  readonly #sqs: SQSClient;
  /** Queue URLs do not change while a queue exists: a refresh needs only GetQueueAttributes. */
  readonly #urls = new Map<string, { readonly name: string; readonly url: string }>();
  constructor(sqs: SQSClient) {
    this.#sqs = sqs;
  }

  async stats(queue: string): Promise<QueueStats> {
    const known = this.#urls.get(queue);
    if (known === undefined) {
      const stats = await queueStats(this.#sqs, queue);
      this.#urls.set(queue, { name: stats.name, url: stats.url });
      return stats;
    }
    try {
      return await statsAt(this.#sqs, known, queue);
    } catch (error) {
      // Deleted (or recreated elsewhere): resolve it again next time.
      this.#urls.delete(queue);
      throw error;
    }
  }
}

async function queueUrlOf(sqs: SQSClient, spec: Exclude<QueueSpec, { kind: 'url' }>, ref: string): Promise<string> {
  try {
    const out = await sqs.send(
      new GetQueueUrlCommand({ QueueName: spec.name, ...(spec.kind === 'arn' ? { QueueOwnerAWSAccountId: spec.account } : {}) }),
    );
    if (!out.QueueUrl) throw new Error('GetQueueUrl returned no QueueUrl');
    return out.QueueUrl;
  } catch (error) {
    throw await queueError(sqs, error, 'GetQueueUrl', ref);
  }
}

function statsFrom(name: string, url: string, a: Record<string, string>): QueueStats {
  const count = (key: string): number => {
    const n = Number(a[key] ?? '0');
    return Number.isFinite(n) ? n : 0;
  };
  const redrivePolicy = parseRedrivePolicy(a['RedrivePolicy']);
  return {
    name,
    url,
    arn: a['QueueArn'] ?? '',
    fifo: a['FifoQueue'] === 'true' || name.endsWith('.fifo'),
    visible: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
    ...(redrivePolicy ? { redrivePolicy } : {}),
  };
}

function parseRedrivePolicy(text: string | undefined): QueueStats['redrivePolicy'] {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const target = 'deadLetterTargetArn' in value ? value.deadLetterTargetArn : undefined;
    const max = 'maxReceiveCount' in value ? Number(value.maxReceiveCount) : NaN;
    if (typeof target !== 'string' || !Number.isFinite(max)) return undefined;
    return { deadLetterTargetArn: target, maxReceiveCount: max };
  } catch {
    return undefined;
  }
}

const NOT_FOUND = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NonExistentQueue']);

/** True when SQS says the queue does not exist. */
export function isQueueMissing(error: unknown): boolean {
  return error instanceof Error && NOT_FOUND.has(error.name);
}

/**
 * One error for a failed SQS call about a queue: InputError naming the
 * queue, region and what to check when it does not exist, else AwsError.
 */
export async function queueError(sqs: SQSClient, error: unknown, operation: string, queue: string): Promise<Error> {
  if (isQueueMissing(error)) {
    const region = await sqs.config.region().catch(() => undefined);
    return new InputError(
      `queue "${queue}" does not exist in ${region ? `region ${region}` : 'the configured region'} for the account of the current credentials; ` +
        'check the name (FIFO queues end in ".fifo"), AWS_REGION / AWS_PROFILE, and that the queue is in this account',
      { cause: error },
    );
  }
  return new AwsError(`SQS ${operation} failed for queue "${queue}": ${explainAwsError(error, `sqs:${operation}`)}`, { service: 'sqs', operation }, { cause: error });
}
