import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import '../../zod-config.js';
import { ALARM_STATES, type AlarmState } from '../../domain/alarm.js';
import { AwsError } from '../../errors.js';
import { StoredMessageSchema, type StoredMessage } from './blocks.js';

/**
 * Where an alarm's Slack thread lives, so its resolve lands in the same
 * thread and duplicates don't open a second one.
 */
export interface ThreadRef {
  /** Channel id Slack answered with (chat.update wants the id, not a name). */
  readonly channel: string;
  /** `ts` of the top-level message: the thread's id. */
  readonly ts: string;
  /** When tripline posted it, ISO-8601. */
  readonly postedAt: string;
  /** State the thread last reported, and since when (the transition's stateTimestamp). */
  readonly state?: AlarmState;
  readonly stateTimestamp?: string;
  /** The posted message, so it can be re-sent marked resolved (chat.update replaces all blocks). */
  readonly message?: StoredMessage;
  /**
   * Set when this alarm reports inside another alarm's thread (a child inside
   * its composite's): the dedup key of that alarm. `channel`/`ts` are then the
   * parent's thread, which this alarm only replies in and never updates.
   */
  readonly inThreadOf?: string;
}

export interface ThreadStore {
  get(key: string): Promise<ThreadRef | undefined>;
  put(key: string, ref: ThreadRef): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * The store key of an alarm's thread in one channel: two receivers posting
 * to the same channel share it, so they don't open two threads.
 *
 * @example threadKeyOf('tripline/123456789012/us-east-1/web-dlq-depth', 'C0ALERTS')
 * // 'slack/C0ALERTS/tripline/123456789012/us-east-1/web-dlq-depth'
 */
export function threadKeyOf(dedupKey: string, channel: string): string {
  return `slack/${channel}/${dedupKey}`;
}

/** In-process store for the sandbox and tests; forgets everything on restart. */
export class MemoryThreadStore implements ThreadStore {
  readonly #refs = new Map<string, ThreadRef>();

  async get(key: string): Promise<ThreadRef | undefined> {
    return this.#refs.get(key);
  }

  async put(key: string, ref: ThreadRef): Promise<void> {
    this.#refs.set(key, ref);
  }

  async delete(key: string): Promise<void> {
    this.#refs.delete(key);
  }

  /** Keys currently held, for tests and the sandbox UI. */
  keys(): string[] {
    return [...this.#refs.keys()];
  }
}

export interface DynamoDbThreadStoreOptions {
  readonly client: DynamoDBClient;
  /** Table with partition key `pk` (string) and TTL enabled on `expiresAt`. */
  readonly tableName: string;
  /** Entries expire after this many days (DynamoDB TTL); default 30. */
  readonly ttlDays?: number;
  readonly now?: () => number;
}

const DAY_SECONDS = 86_400;

const ItemSchema = z.object({
  channel: z.object({ S: z.string().check(z.minLength(1)) }),
  ts: z.object({ S: z.string().check(z.minLength(1)) }),
  postedAt: z.object({ S: z.string() }),
  state: z.optional(z.object({ S: z.enum(ALARM_STATES) })),
  stateTimestamp: z.optional(z.object({ S: z.string() })),
  message: z.optional(z.object({ S: z.string() })),
  inThreadOf: z.optional(z.object({ S: z.string() })),
  expiresAt: z.optional(z.object({ N: z.string() })),
});

/**
 * Thread refs in a DynamoDB table, one item per key:
 * `pk` (S), `channel`, `ts`, `postedAt`, `state`, `stateTimestamp`,
 * `message` (JSON), `inThreadOf`, `expiresAt` (N, epoch seconds, for TTL).
 */
export class DynamoDbThreadStore implements ThreadStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  constructor(options: DynamoDbThreadStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#ttlSeconds = Math.round((options.ttlDays ?? 30) * DAY_SECONDS);
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<ThreadRef | undefined> {
    const out = await this.#send('GetItem', () =>
      // Consistent: a resolve right after the trigger must see the trigger's put.
      this.#client.send(new GetItemCommand({ TableName: this.#table, Key: { pk: { S: key } }, ConsistentRead: true })),
    );
    if (out.Item === undefined) return undefined;
    const parsed = ItemSchema.safeParse(out.Item);
    if (!parsed.success) return undefined;
    const item = parsed.data;
    // TTL deletion lags by up to days; an expired item is as good as gone.
    if (item.expiresAt !== undefined && Number(item.expiresAt.N) * 1000 <= this.#now()) return undefined;
    const message = item.message !== undefined ? parseMessage(item.message.S) : undefined;
    return {
      channel: item.channel.S,
      ts: item.ts.S,
      postedAt: item.postedAt.S,
      ...(item.state !== undefined ? { state: item.state.S } : {}),
      ...(item.stateTimestamp !== undefined ? { stateTimestamp: item.stateTimestamp.S } : {}),
      ...(message !== undefined ? { message } : {}),
      ...(item.inThreadOf !== undefined ? { inThreadOf: item.inThreadOf.S } : {}),
    };
  }

  async put(key: string, ref: ThreadRef): Promise<void> {
    const item: Record<string, AttributeValue> = {
      pk: { S: key },
      channel: { S: ref.channel },
      ts: { S: ref.ts },
      postedAt: { S: ref.postedAt },
      expiresAt: { N: String(Math.floor(this.#now() / 1000) + this.#ttlSeconds) },
    };
    if (ref.state !== undefined) item['state'] = { S: ref.state };
    if (ref.stateTimestamp !== undefined) item['stateTimestamp'] = { S: ref.stateTimestamp };
    if (ref.message !== undefined) item['message'] = { S: JSON.stringify(ref.message) };
    if (ref.inThreadOf !== undefined) item['inThreadOf'] = { S: ref.inThreadOf };
    await this.#send('PutItem', () => this.#client.send(new PutItemCommand({ TableName: this.#table, Item: item })));
  }

  async delete(key: string): Promise<void> {
    await this.#send('DeleteItem', () => this.#client.send(new DeleteItemCommand({ TableName: this.#table, Key: { pk: { S: key } } })));
  }

  async #send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new AwsError(explain(this.#table, operation, error), { service: 'DynamoDB', operation }, { cause: error });
    }
  }
}

function parseMessage(json: string): StoredMessage | undefined {
  try {
    const parsed = StoredMessageSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function explain(table: string, operation: string, error: unknown): string {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const detail = error instanceof Error && error.message !== '' ? `: ${error.message}` : '';
  const head = `DynamoDB ${operation} on the Slack thread table "${table}" failed with ${name}${detail}`;
  switch (name) {
    case 'ResourceNotFoundException':
      return `${head}. Create the table (partition key "pk" of type String, TTL on "expiresAt") in this account and region, or fix the configured table name.`;
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
      return `${head}. Allow dynamodb:GetItem, dynamodb:PutItem and dynamodb:DeleteItem on table "${table}" for this role (check AWS_PROFILE / the Lambda execution role).`;
    case 'ProvisionedThroughputExceededException':
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
      return `${head}. The table is throttling; it is safe to retry, or switch it to on-demand capacity.`;
    default:
      return `${head}.`;
  }
}
