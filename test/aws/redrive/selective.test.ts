import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeleteMessageBatchCommandInput, SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveQueue } from '../../../src/aws/queues.js';
import { parseFilter } from '../../../src/aws/redrive/filter.js';
import { redriveDeduplicationId, selectiveRedrive } from '../../../src/aws/redrive/selective.js';
import type { QueueRef } from '../../../src/domain/health.js';
import { startSqsEmulator, type SqsEmulator, type TestQueue } from '../../support/sqs-emulator.js';

let sqs: SqsEmulator;
let dir: string;
let n = 0;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  sqs = await startSqsEmulator();
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-selective-'));
});

afterAll(async () => {
  await sqs.close();
  await rm(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

// The emulator holds a long poll for its whole wait unless it has 10 messages: poll briefly here.
const fast = { waitSeconds: 0, visibilitySeconds: 10 };

async function pair(options: { fifo?: boolean } = {}): Promise<{ client: SQSClient; dlq: QueueRef; dest: QueueRef; raw: { source: TestQueue; dlq: TestQueue } }> {
  const raw = await sqs.createPair(`sel${++n}`, { ...options, maxReceiveCount: 1000 });
  const client = sqs.client();
  return { client, raw, dlq: await resolveQueue(client, raw.dlq.url), dest: await resolveQueue(client, raw.source.name) };
}

function str(value: string) {
  return { DataType: 'String', StringValue: value };
}

describe('selectiveRedrive', () => {
  it('moves every message with its attributes, backs each up first, and empties the DLQ', async () => {
    // Prepare
    const { client, dlq, dest, raw } = await pair();
    const ids = await sqs.seed(
      raw.dlq,
      Array.from({ length: 25 }, (_, i) => ({ body: JSON.stringify({ i, email: `u${i}@example.com` }), attributes: { errorType: str(i % 2 ? 'Timeout' : 'Validation'), seq: { DataType: 'Number', StringValue: String(i) } } })),
    );
    const backupFile = path.join(dir, 'backup-1.ndjson');

    // Act
    const summary = await selectiveRedrive({ sqs: client, source: dlq, destination: dest, backupFile, ...fast });

    // Assess
    expect(summary).toMatchObject({ moved: 25, skipped: 0, failed: 0, duplicatesPossible: 0, stoppedBy: 'drained' });
    const moved = await sqs.snapshot(raw.source);
    expect(moved.map((m) => JSON.parse(m.Body ?? '{}').i).sort((a, b) => a - b)).toEqual([...Array(25).keys()]);
    for (const m of moved) {
      const i = JSON.parse(m.Body ?? '{}').i as number;
      expect(m.MessageAttributes).toEqual({ errorType: str(i % 2 ? 'Timeout' : 'Validation'), seq: { DataType: 'Number', StringValue: String(i) } });
    }
    expect(await sqs.snapshot(raw.dlq)).toEqual([]);
    const lines = (await readFile(backupFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.messageId).sort()).toEqual([...ids].sort());
    expect(lines[0]).toMatchObject({ body: expect.stringContaining('"i"'), messageAttributes: { errorType: { DataType: 'String' } }, attributes: { SentTimestamp: expect.any(String) }, queue: dlq.arn });
  });

  it('moves only matching messages and releases the others untouched, visible at once', async () => {
    const { client, dlq, dest, raw } = await pair();
    await sqs.seed(raw.dlq, Array.from({ length: 20 }, (_, i) => ({ body: JSON.stringify({ app: { platform: i < 8 ? 'ios' : 'web' } }), attributes: { errorType: str(i < 8 ? 'Timeout' : 'Schema') } })));

    const summary = await selectiveRedrive({ sqs: client, source: dlq, destination: dest, filter: parseFilter('body.app.platform=ios and attr.errorType~^Time'), ...fast });

    expect(summary).toMatchObject({ examined: 20, moved: 8, skipped: 12, failed: 0 });
    expect((await sqs.snapshot(raw.source)).every((m) => m.Body?.includes('ios'))).toBe(true);
    const left = await sqs.snapshot(raw.dlq);
    expect(left).toHaveLength(12);
    expect(left.every((m) => m.Body?.includes('web') && m.MessageAttributes?.['errorType']?.StringValue === 'Schema')).toBe(true);
  });

  it('keeps FIFO group ids and sends a deduplication id derived from the original message id', async () => {
    const { client, dlq, dest, raw } = await pair({ fifo: true });
    const ids = await sqs.seed(raw.dlq, Array.from({ length: 12 }, (_, i) => ({ body: `m${i}`, groupId: `g${i % 3}`, dedupId: `d${i}`, attributes: { k: str(`v${i}`) } })));

    const summary = await selectiveRedrive({ sqs: client, source: dlq, destination: dest, ...fast });

    expect(summary.moved).toBe(12);
    const moved = await sqs.snapshot(raw.source);
    const byBody = new Map(moved.map((m) => [m.Body, m]));
    ids.forEach((id, i) => {
      const m = byBody.get(`m${i}`);
      expect(m?.Attributes?.['MessageGroupId']).toBe(`g${i % 3}`);
      expect(m?.Attributes?.['MessageDeduplicationId']).toBe(redriveDeduplicationId(id));
      expect(m?.MessageAttributes?.['k']?.StringValue).toBe(`v${i}`);
    });
    // Order within a group is kept.
    expect(moved.filter((m) => m.Attributes?.['MessageGroupId'] === 'g0').map((m) => m.Body)).toEqual(['m0', 'm3', 'm6', 'm9']);
  });

  it('retries entries SQS fails, and releases (never deletes) those that keep failing', async () => {
    const { client, dlq, dest, raw } = await pair();
    await sqs.seed(raw.dlq, [...Array.from({ length: 6 }, (_, i) => ({ body: `ok-${i}` })), { body: 'flaky-1' }, { body: 'flaky-2' }, { body: 'poison' }]);
    const flakyFailed = new Set<string>();
    failSendEntries(client, (body) => {
      if (body === 'poison') return true;
      if (body.startsWith('flaky') && !flakyFailed.has(body)) {
        flakyFailed.add(body);
        return true;
      }
      return false;
    });

    const summary = await selectiveRedrive({ sqs: client, source: dlq, destination: dest, sendAttempts: 3, ...fast });

    expect(summary).toMatchObject({ moved: 8, failed: 1, duplicatesPossible: 0 });
    expect(summary.failures).toEqual([{ messageId: expect.any(String), reason: expect.stringContaining('InternalError') }]);
    expect((await sqs.snapshot(raw.source)).map((m) => m.Body).sort()).toEqual(['flaky-1', 'flaky-2', ...Array.from({ length: 6 }, (_, i) => `ok-${i}`)].sort());
    expect((await sqs.snapshot(raw.dlq)).map((m) => m.Body)).toEqual(['poison']);
  });

  it('counts a message whose delete fails as a possible duplicate (it is in both queues)', async () => {
    const { client, dlq, dest, raw } = await pair();
    await sqs.seed(raw.dlq, [{ body: 'a' }, { body: 'sticky' }, { body: 'c' }]);
    failDeleteEntries(client, (handleBody) => handleBody === 'sticky');

    const summary = await selectiveRedrive({ sqs: client, source: dlq, destination: dest, ...fast, visibilitySeconds: 2, maxEmptyReceives: 1 });

    expect(summary.moved).toBe(3);
    expect(summary.duplicatesPossible).toBe(1);
    expect(summary.notes.join(' ')).toMatch(/sent but could not be deleted/);
    expect((await sqs.snapshot(raw.source)).map((m) => m.Body).sort()).toEqual(['a', 'c', 'sticky']);
  });

  it('dry run moves nothing and reports what would move', async () => {
    const { client, dlq, dest, raw } = await pair();
    await sqs.seed(raw.dlq, Array.from({ length: 14 }, (_, i) => ({ body: JSON.stringify({ n: i }), attributes: { errorType: str(i < 5 ? 'A' : 'B') } })));

    const summary = await selectiveRedrive({ sqs: client, source: dlq, destination: dest, dryRun: true, filter: parseFilter('attr.errorType=A'), ...fast, maxEmptyReceives: 1 });

    expect(summary).toMatchObject({ dryRun: true, moved: 0, wouldMove: 5, skipped: 9 });
    expect(await sqs.snapshot(raw.source)).toEqual([]);
    expect(await sqs.snapshot(raw.dlq)).toHaveLength(14);
  });

  it('stops after --max moved messages and paces sends to --rate', async () => {
    const { client, dlq, dest, raw } = await pair();
    await sqs.seed(raw.dlq, Array.from({ length: 30 }, (_, i) => ({ body: `m${i}` })));

    const summary = await selectiveRedrive({ sqs: client, source: dlq, destination: dest, max: 15, ratePerSecond: 30, ...fast });

    expect(summary).toMatchObject({ moved: 15, stoppedBy: 'max' });
    // 10 go at once, the next 5 only after 10/30 s.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(300);
    expect(await sqs.snapshot(raw.source)).toHaveLength(15);
    expect(await sqs.snapshot(raw.dlq)).toHaveLength(15);
  });

  it('stops at the next safe point when aborted, leaving the rest in the DLQ', async () => {
    const { client, dlq, dest, raw } = await pair();
    await sqs.seed(raw.dlq, Array.from({ length: 40 }, (_, i) => ({ body: `m${i}` })));
    const controller = new AbortController();

    const summary = await selectiveRedrive({
      sqs: client,
      source: dlq,
      destination: dest,
      ...fast,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.moved >= 10) controller.abort();
      },
    });

    expect(summary.stoppedBy).toBe('aborted');
    expect(summary.moved).toBe(10);
    expect(await sqs.snapshot(raw.source)).toHaveLength(10);
    expect(await sqs.snapshot(raw.dlq)).toHaveLength(30);
  });
});

/** Makes SendMessageBatch report entries as failed (InternalError) when `fail(body)` says so, without sending them. */
function failSendEntries(client: SQSClient, fail: (body: string) => boolean): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      const input = args.input as SendMessageBatchCommandInput;
      const failing = (input.Entries ?? []).filter((e) => fail(e.MessageBody ?? ''));
      const rest = (input.Entries ?? []).filter((e) => !failing.includes(e));
      const result = rest.length > 0 ? await next({ ...args, input: { ...input, Entries: rest } }) : { output: { $metadata: {} }, response: {} };
      const output = result.output as { Failed?: unknown[] };
      output.Failed = [...(output.Failed ?? []), ...failing.map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' }))];
      return result;
    },
    { step: 'initialize', name: 'failSendEntries' },
  );
}

/** Makes DeleteMessageBatch fail entries whose message body `fail` picks (looked up from the receive that handed them out). */
function failDeleteEntries(client: SQSClient, fail: (body: string) => boolean): void {
  const bodies = new Map<string, string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'ReceiveMessageCommand') {
        for (const m of (result.output as { Messages?: { ReceiptHandle?: string; Body?: string }[] }).Messages ?? []) bodies.set(m.ReceiptHandle ?? '', m.Body ?? '');
      }
      return result;
    },
    { step: 'initialize', name: 'rememberBodies' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'DeleteMessageBatchCommand') return next(args);
      const input = args.input as DeleteMessageBatchCommandInput;
      const failing = (input.Entries ?? []).filter((e) => fail(bodies.get(e.ReceiptHandle ?? '') ?? ''));
      const rest = (input.Entries ?? []).filter((e) => !failing.includes(e));
      const result = rest.length > 0 ? await next({ ...args, input: { ...input, Entries: rest } }) : { output: { $metadata: {} }, response: {} };
      const output = result.output as { Failed?: unknown[] };
      output.Failed = [...(output.Failed ?? []), ...failing.map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' }))];
      return result;
    },
    { step: 'initialize', name: 'failDeleteEntries' },
  );
}
