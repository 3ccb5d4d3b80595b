import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripline } from '../support/cli.js';
import { startSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';
import { startStsServer, type StsServer } from '../support/sts-server.js';

/**
 * What a selective redrive costs in SQS requests, counted at the emulator:
 * batches of 10 make 3 calls per 10 messages (receive, send, delete), so the
 * floor is 0.3 requests per moved message; everything else (resolving the
 * queues, checks, the final empty receive) must fit in the last 1%.
 */

let sqs: SqsEmulator;
let sts: StsServer;
let cwd: string;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  [sqs, sts] = await Promise.all([startSqsEmulator(), startStsServer()]);
  cwd = await mkdtemp(path.join(tmpdir(), 'tripline-dlq-cost-'));
});

afterAll(async () => {
  await Promise.all([sqs.close(), sts.close()]);
  await rm(cwd, { recursive: true, force: true });
  nock.enableNetConnect();
});

describe.each([[false], [true]])('selective redrive cost (fifo: %s)', (fifo) => {
  it('moves 1000 messages with at most 310 SQS requests in all', async () => {
    // Prepare
    const pair = await sqs.createPair(fifo ? 'cost-fifo' : 'cost', { fifo });
    await sqs.seed(
      pair.dlq,
      Array.from({ length: 1000 }, (_, i) => ({
        body: JSON.stringify({ i }),
        attributes: { errorType: { DataType: 'String', StringValue: 'Timeout' } },
        ...(fifo ? { groupId: `g${i % 7}`, dedupId: `d${i}` } : {}),
      })),
    );
    sqs.resetCounts();

    // Act
    const r = await tripline(
      ['dlq', 'redrive', pair.dlq.name, '--selective', '--yes', '--json'],
      { ...sqs.env(), AWS_ENDPOINT_URL_STS: sts.endpoint, TRIPLINE_REDRIVE_WAIT_SECONDS: '1' },
      cwd,
    );

    // Assess
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ moved: 1000, failed: 0, duplicatesPossible: 0, stoppedBy: 'drained' });
    expect(await sqs.depth(pair.source)).toBe(1000);
    expect(await sqs.depth(pair.dlq)).toBe(0);
    const total = sqs.count() - 2; // the two depth checks above
    const byOp = Object.fromEntries(['ReceiveMessage', 'SendMessageBatch', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch', 'GetQueueAttributes'].map((op) => [op, sqs.count(op)]));
    expect(total / 1000, JSON.stringify(byOp)).toBeLessThanOrEqual(0.31);
    process.stderr.write(`selective redrive of 1000 messages: ${total} SQS requests (${(total / 1000).toFixed(3)} per message) ${JSON.stringify(byOp)}\n`);
    expect(byOp).toMatchObject({ SendMessageBatch: 100, DeleteMessageBatch: 100, ChangeMessageVisibilityBatch: 0 });
  });
});
