import { beforeAll, describe, expect, it } from 'vitest';
import { resolveQueue } from '../../../src/aws/queues.js';
import { assertNoRunningTask, cancelMoveTask, listMoveTasks, startNativeRedrive, validateRate, waitForMoveTask, type MoveTask } from '../../../src/aws/redrive/native.js';
import { InputError } from '../../../src/errors.js';
import { useSqsEmulator, type SqsEmulator } from '../../support/sqs-emulator.js';

let sqs: SqsEmulator;

const emulator = useSqsEmulator();
beforeAll(() => {
  sqs = emulator();
});

describe('validateRate', () => {
  it.each([[1], [500], ['42']])('accepts %j', (rate) => {
    expect(validateRate(rate)).toBe(Number(rate));
  });
  it.each([[0], [501], ['1.5'], ['fast'], [-3]])('rejects %j, naming the range', (rate) => {
    expect(() => validateRate(rate)).toThrow(InputError);
    expect(() => validateRate(rate)).toThrow(/out of range: give a whole number of messages per second from 1 to 500/);
  });
});

describe('native redrive', () => {
  it('moves every message back to the queue it failed out of, reporting progress until COMPLETED', async () => {
    // Prepare
    const pair = await sqs.createPair('native1');
    await sqs.failIntoDlq(pair, Array.from({ length: 12 }, (_, i) => ({ body: `m${i}`, attributes: { errorType: { DataType: 'String', StringValue: 'Timeout' } } })));
    const client = sqs.client();
    const dlq = await resolveQueue(client, pair.dlq.name);
    const seen: MoveTask[] = [];

    // Act
    const started = await startNativeRedrive({ sqs: client, source: dlq, ratePerSecond: 100 });
    const task = await waitForMoveTask(client, dlq, { ...started, intervalMs: 200, onProgress: (t) => seen.push(t) });

    // Assess
    expect(task).toMatchObject({ status: 'COMPLETED', moved: 12, toMove: 12, maxPerSecond: 100 });
    expect(seen[0]?.status).toBe('RUNNING');
    const back = await sqs.snapshot(pair.source);
    expect(back.map((m) => m.Body).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
    expect(back.every((m) => m.MessageAttributes?.['errorType']?.StringValue === 'Timeout')).toBe(true);
    expect(await sqs.snapshot(pair.dlq)).toEqual([]);
  });

  it('refuses a second task on the same DLQ, and cancels the running one', async () => {
    const pair = await sqs.createPair('native2');
    await sqs.failIntoDlq(pair, Array.from({ length: 6 }, (_, i) => ({ body: `m${i}` })));
    const client = sqs.client();
    const dlq = await resolveQueue(client, pair.dlq.url);
    await startNativeRedrive({ sqs: client, source: dlq, ratePerSecond: 1 });

    await expect(assertNoRunningTask(client, dlq)).rejects.toThrow(/a message move task is already running on native2-dlq .*cancel it \(tripline dlq cancel native2-dlq\)/);
    await expect(startNativeRedrive({ sqs: client, source: dlq })).rejects.toBeInstanceOf(InputError);

    const { moved } = await cancelMoveTask(client, dlq);
    expect(moved).toBeLessThan(6);
    const deadline = Date.now() + 5000;
    let last: MoveTask | undefined;
    while (Date.now() < deadline) {
      last = (await listMoveTasks(client, dlq))[0];
      if (last?.status === 'CANCELLED') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(last?.status).toBe('CANCELLED');
    await expect(cancelMoveTask(client, dlq)).rejects.toThrow(/no message move task is running on native2-dlq/);
  });

  it('sends everything to --to when given', async () => {
    const pair = await sqs.createPair('native3');
    const other = await sqs.createQueue('native3-replay');
    await sqs.failIntoDlq(pair, [{ body: 'x' }, { body: 'y' }]);
    const client = sqs.client();
    const dlq = await resolveQueue(client, pair.dlq.name);
    const started = await startNativeRedrive({ sqs: client, source: dlq, destination: await resolveQueue(client, other.name) });
    const task = await waitForMoveTask(client, dlq, { ...started, intervalMs: 200 });
    expect(task).toMatchObject({ status: 'COMPLETED', destinationArn: other.arn });
    expect((await sqs.snapshot(other)).map((m) => m.Body).sort()).toEqual(['x', 'y']);
    expect(await sqs.snapshot(pair.source)).toEqual([]);
  });
});
