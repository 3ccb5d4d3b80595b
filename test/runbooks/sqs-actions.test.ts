import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PipelineSchema } from '../../src/config/pipelines.js';
import { InputError } from '../../src/errors.js';
import { sqsRunbookActions } from '../../src/runbooks/sqs-actions.js';
import { useSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';

/** Act steps on a real SQS API (local-aws-sqs on loopback): what moved, what was written, what stayed. */
describe('sqsRunbookActions', () => {
  let sqs: SqsEmulator;
  const dir = mkdtempSync(path.join(tmpdir(), 'tripline-rb-acts-'));

  const emulator = useSqsEmulator();
  beforeAll(() => {
    sqs = emulator();
  });

  const depth = async (name: string, url: string) => Number((await sqs.attributes({ name, url, arn: '' }))['ApproximateNumberOfMessages'] ?? -1);
  const attr = (value: string) => ({ errorType: { DataType: 'String', StringValue: value } });

  async function setup(base: string) {
    const pair = await sqs.createPair(base);
    await sqs.failIntoDlq(pair, [
      ...Array.from({ length: 3 }, (_, i) => ({ body: `{"n":${i}}`, attributes: attr('Timeout') })),
      ...Array.from({ length: 2 }, (_, i) => ({ body: `{"n":${10 + i}}`, attributes: attr('SchemaError') })),
    ]);
    const pipeline = PipelineSchema.parse({ stream: 's', processor: 'p', failedQueue: pair.source.name, dlq: pair.dlq.name });
    const actions = sqsRunbookActions({ sqs: sqs.client(), pipeline, waitSeconds: 0, visibilitySeconds: 5 });
    return { pair, actions };
  }

  it('selective redrive moves only matching messages to the failed-event queue, backing each up first', async () => {
    const { pair, actions } = await setup('acts-sel');
    const backup = path.join(dir, 'sel-backup.jsonl');

    const outcome = await actions.redrive({ queue: pair.dlq.name, mode: 'selective', filter: 'attr.errorType=Timeout', backup });

    expect(outcome.count).toBe(3);
    expect(outcome.summary).toMatch(new RegExp(`^moved 3 messages from ${pair.dlq.name} to ${pair.source.name}; 2 did not match the filter; backup .*sel-backup\\.jsonl \\(3 lines\\)`));
    expect(readFileSync(backup, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(await depth(pair.source.name, pair.source.url)).toBe(3);
    expect(await depth(pair.dlq.name, pair.dlq.url)).toBe(2);
  });

  it('export copies every message to a file and leaves them in the queue', async () => {
    const { pair, actions } = await setup('acts-exp');
    const file = path.join(dir, 'export.jsonl');

    const outcome = await actions.export({ queue: pair.dlq.url, file });

    expect(outcome.count).toBe(5);
    expect(outcome.summary).toMatch(new RegExp(`^exported 5 messages from ${pair.dlq.name} to .*export\\.jsonl; they stay in the queue`));
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(await depth(pair.dlq.name, pair.dlq.url)).toBe(5);
  });

  it('native redrive starts a move task, and cancel without a running task says there is nothing to cancel', async () => {
    const { pair, actions } = await setup('acts-nat');

    const outcome = await actions.redrive({ queue: pair.dlq.name, mode: 'native', rate: 50, to: pair.source.name });
    expect(outcome).toMatchObject({ count: 5, summary: expect.stringMatching(new RegExp(`^started a message move task for 5 messages from ${pair.dlq.name} to ${pair.source.name} at 50 messages/s`)) });
    for (let i = 0; i < 50 && (await depth(pair.dlq.name, pair.dlq.url)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await depth(pair.source.name, pair.source.url)).toBe(5);

    await expect(actions.cancel({ queue: pair.dlq.name })).rejects.toThrow(InputError);
    await expect(actions.cancel({ queue: pair.dlq.name })).rejects.toThrow(`no message move task is running on ${pair.dlq.name}; nothing to cancel`);
  });

  it('names the queue when it does not exist (exit 2)', async () => {
    const { actions } = await setup('acts-missing');
    await expect(actions.export({ queue: 'no-such-queue', file: path.join(dir, 'x.jsonl') })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('no-such-queue') });
  });
});
