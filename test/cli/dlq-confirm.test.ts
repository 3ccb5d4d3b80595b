import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDlqRedrive } from '../../cli/commands/dlq-redrive.js';
import { InputError } from '../../src/errors.js';
import { startSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';
import { startStsServer, type StsServer } from '../support/sts-server.js';

/** The typed confirmation a person at a terminal goes through (the built-CLI tests have no terminal). */

let sqs: SqsEmulator;
let sts: StsServer;
let dir: string;
let config: string;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  [sqs, sts] = await Promise.all([startSqsEmulator(), startStsServer()]);
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-dlq-confirm-'));
  config = path.join(dir, 'tripline.config.yaml');
  await writeFile(
    config,
    ['version: 1', 'paging:', '  receivers: [{ name: oncall, slack: { channel: "#x" } }]', '  route: { receiver: oncall }', 'console:', `  audit: { file: ${JSON.stringify(path.join(dir, 'audit.jsonl'))} }`].join('\n'),
  );
});

afterAll(async () => {
  await Promise.all([sqs.close(), sts.close()]);
  await rm(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

function deps(answer: string, prompts: string[]) {
  return {
    sqs: sqs.client(),
    sts: sts.client(),
    env: { TRIPLINE_REDRIVE_WAIT_SECONDS: '0' },
    interactive: true,
    ask: async (prompt: string) => {
      prompts.push(prompt);
      return answer;
    },
    stderr: { write: () => true, isTTY: false },
  };
}

describe('typed confirmation on a terminal', () => {
  it('shows the queue and its message count, and does nothing when the answer is not the queue name', async () => {
    const pair = await sqs.createPair('confirm1', { maxReceiveCount: 1000 });
    await sqs.seed(pair.dlq, [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    const prompts: string[] = [];

    const error = await runDlqRedrive(pair.dlq.name, { selective: true, config }, deps('confirm1', prompts)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe('confirmation "confirm1" does not match the queue name "confirm1-dlq"; nothing was done');
    expect(prompts).toEqual([
      `Selective redrive from confirm1-dlq to confirm1.\n  queue: confirm1-dlq (${pair.dlq.arn})\n  messages: 3 visible, 0 in flight\nType the queue name to confirm: `,
    ]);
    expect(await sqs.depth(pair.dlq)).toBe(3);
    expect(await sqs.depth(pair.source)).toBe(0);
  });

  it('goes ahead when the person types the queue name', async () => {
    const pair = await sqs.createPair('confirm2', { maxReceiveCount: 1000 });
    await sqs.seed(pair.dlq, [{ body: 'a' }, { body: 'b' }]);

    const result = await runDlqRedrive(pair.dlq.name, { selective: true, config }, deps(' confirm2-dlq \n', []));

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^selective redrive confirm2-dlq → confirm2: 2 moved, 0 skipped/);
    expect(await sqs.depth(pair.source)).toBe(2);
  });
});
