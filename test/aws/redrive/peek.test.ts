import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveQueue } from '../../../src/aws/queues.js';
import { exportMessages, peekMessages } from '../../../src/aws/redrive/peek.js';
import { startSqsEmulator, type SqsEmulator } from '../../support/sqs-emulator.js';

let sqs: SqsEmulator;
let dir: string;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  sqs = await startSqsEmulator();
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-peek-'));
});

afterAll(async () => {
  await sqs.close();
  await rm(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

const str = (v: string) => ({ DataType: 'String', StringValue: v });

describe('peekMessages', () => {
  it('shows redacted bodies grouped by error attribute, and leaves every message visible', async () => {
    // Prepare
    const q = await sqs.createQueue('peek-dlq');
    await sqs.seed(q, [
      { body: JSON.stringify({ email: 'ann@example.com', note: 'call +1 415 555 0100' }), attributes: { errorType: str('Timeout') } },
      { body: JSON.stringify({ user: { name: 'Bob' } }), attributes: { errorType: str('Timeout') } },
      { body: 'free text from carol@example.org', attributes: { ErrorMessage: str('Schema: missing field') } },
      { body: '{}' },
    ]);
    const client = sqs.client();

    // Act
    const result = await peekMessages(client, await resolveQueue(client, q.name), { max: 10, waitSeconds: 0 });

    // Assess
    expect(result.groups).toEqual([
      { group: 'errorType: Timeout', count: 2 },
      { group: '(none)', count: 1 },
      { group: 'ErrorMessage: Schema: missing field', count: 1 },
    ]);
    const bodies = result.messages.map((m) => m.body).sort();
    expect(bodies).toEqual(['free text from [email]', '{"email":"[redacted]","note":"call [phone]"}', '{"user":{"name":"[redacted]"}}', '{}'].sort());
    expect(JSON.stringify(result)).not.toMatch(/ann@|carol@|Bob|555 0100/);
    expect(result.notes.join(' ')).toMatch(/raises their receive count/);
    // Not consumed: all four are visible again at once.
    expect(await sqs.snapshot(q)).toHaveLength(4);
  });
});

describe('exportMessages', () => {
  it('writes every message to NDJSON (body, attributes, system attributes) and deletes nothing', async () => {
    const q = await sqs.createQueue('export-dlq');
    const ids = await sqs.seed(q, Array.from({ length: 23 }, (_, i) => ({ body: `{"n":${i}}`, attributes: { errorType: str(`E${i % 2}`) } })));
    const client = sqs.client();
    const file = path.join(dir, 'nested', 'export.ndjson');

    const summary = await exportMessages(client, await resolveQueue(client, q.name), { file, waitSeconds: 0, maxEmptyReceives: 1 });

    expect(summary).toMatchObject({ exported: 23, file });
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.messageId).sort()).toEqual([...ids].sort());
    expect(lines[0]).toEqual({
      messageId: expect.any(String),
      body: expect.stringMatching(/^\{"n":\d+\}$/),
      messageAttributes: { errorType: { DataType: 'String', StringValue: expect.stringMatching(/^E[01]$/) } },
      attributes: expect.objectContaining({ SentTimestamp: expect.any(String), ApproximateReceiveCount: '1' }),
      receivedAt: expect.any(String),
      queue: q.arn,
    });
    expect(await sqs.snapshot(q)).toHaveLength(23);
  });

  it('stops at --max', async () => {
    const q = await sqs.createQueue('export-max');
    await sqs.seed(q, Array.from({ length: 15 }, (_, i) => ({ body: String(i) })));
    const client = sqs.client();
    const summary = await exportMessages(client, await resolveQueue(client, q.name), { file: path.join(dir, 'max.ndjson'), max: 12, waitSeconds: 0 });
    expect(summary).toMatchObject({ exported: 12, stoppedBy: 'max' });
  });
});
