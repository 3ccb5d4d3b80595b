import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveQueue } from '../../src/aws/queues.js';
import { startNativeRedrive } from '../../src/aws/redrive/native.js';
import { tripline, type CliRun } from '../support/cli.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { startExpiredTokenServer, startSqsEmulator, type SqsEmulator, type TestQueue } from '../support/sqs-emulator.js';
import { ONCALL_IDENTITY, startStsServer, type StsServer } from '../support/sts-server.js';

/**
 * `tripline dlq …` through the built CLI against the SQS emulator, an STS
 * stand-in and a CloudWatch stand-in, as an oncall engineer would run it.
 */

let sqs: SqsEmulator;
let sts: StsServer;
let cw: CloudWatchServer;
let cwd: string;
let n = 0;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  [sqs, sts, cw] = await Promise.all([startSqsEmulator(), startStsServer(), startCloudWatchServer()]);
  cwd = await mkdtemp(path.join(tmpdir(), 'tripline-dlq-cli-'));
});

afterAll(async () => {
  await Promise.all([sqs.close(), sts.close(), cw.close()]);
  await rm(cwd, { recursive: true, force: true });
  nock.enableNetConnect();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...sqs.env(),
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: cw.endpoint,
    TRIPLINE_REDRIVE_WAIT_SECONDS: '0',
    TRIPLINE_REDRIVE_POLL_MS: '200',
    ...extra,
  };
}

function run(args: readonly string[], extra: Record<string, string> = {}, dir = cwd): Promise<CliRun> {
  return tripline(['dlq', ...args], env(extra), dir);
}

async function seeded(count: number, options: { fifo?: boolean; base?: string } = {}): Promise<{ source: TestQueue; dlq: TestQueue }> {
  const pair = await sqs.createPair(options.base ?? `cli${++n}`, options);
  await sqs.seed(
    pair.dlq,
    Array.from({ length: count }, (_, i) => ({
      body: JSON.stringify({ i, user: { email: `user${i}@example.com` } }),
      attributes: { errorType: { DataType: 'String', StringValue: i % 3 === 0 ? 'Timeout' : 'Schema' } },
      ...(options.fifo ? { groupId: `g${i % 2}`, dedupId: `d${i}` } : {}),
    })),
  );
  return pair;
}

async function auditLines(dir = cwd): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(dir, '.tripline', 'audit.jsonl'), 'utf8').catch(() => '');
  return text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The single `tripline: …` line a refused command leaves on stderr. */
function oneMessage(r: CliRun): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tripline: /);
  return lines[0] ?? '';
}

describe('tripline dlq redrive: bad input ends in one clear message and moves nothing', () => {
  it('unknown queue → exit 2 naming the queue, the region and what to check', async () => {
    const r = await run(['redrive', 'no-such-dlq', '--selective', '--yes']);
    expect(r.code).toBe(2);
    expect(oneMessage(r)).toBe(
      'tripline: queue "no-such-dlq" does not exist in region us-east-1 for the account of the current credentials; check the name (FIFO queues end in ".fifo"), AWS_REGION / AWS_PROFILE, and that the queue is in this account',
    );
  });

  it('a queue that is no DLQ → exit 2, nothing moved', async () => {
    const pair = await seeded(0);
    await sqs.seed(pair.source, [{ body: 'stays' }]);
    const r = await run(['redrive', pair.source.name, '--selective', '--yes']);
    expect(r.code).toBe(2);
    expect(oneMessage(r)).toMatch(/^tripline: cli\d+ is not a dead-letter queue: no queue names it in its RedrivePolicy \(ListDeadLetterSourceQueues is empty\)/);
    expect(await sqs.depth(pair.source)).toBe(1);
  });

  it.each([['0'], ['501'], ['2.5'], ['fast']])('--rate %s → exit 2 naming the range, nothing moved', async (rate) => {
    const pair = await seeded(3);
    for (const mode of ['--native', '--selective']) {
      const r = await run(['redrive', pair.dlq.name, mode, '--rate', rate, '--yes']);
      expect(r.code).toBe(2);
      expect(oneMessage(r)).toBe(`tripline: --rate ${rate} is out of range: give a whole number of messages per second from 1 to 500`);
    }
    expect(await sqs.depth(pair.dlq)).toBe(3);
    expect(await sqs.depth(pair.source)).toBe(0);
  });

  it('expired credentials → exit 3 saying to refresh them', async () => {
    const expired = await startExpiredTokenServer();
    try {
      const r = await run(['redrive', 'web-dlq', '--selective', '--yes'], { AWS_ENDPOINT_URL_SQS: expired.endpoint });
      expect(r.code).toBe(3);
      expect(oneMessage(r)).toBe(
        'tripline: SQS GetQueueUrl failed for queue "web-dlq": the AWS credentials have expired (ExpiredToken); refresh them (e.g. `aws sso login` or a new session) and retry',
      );
      expect(expired.calls).toEqual(['AmazonSQS.GetQueueUrl']);
    } finally {
      await expired.close();
    }
  });

  it('a move task already running on the DLQ → exit 2 before starting anything', async () => {
    const pair = await sqs.createPair(`cli${++n}`);
    await sqs.failIntoDlq(pair, Array.from({ length: 5 }, (_, i) => ({ body: `m${i}` })));
    const client = sqs.client();
    await startNativeRedrive({ sqs: client, source: await resolveQueue(client, pair.dlq.name), ratePerSecond: 1 });
    const before = (await auditLines()).length;
    for (const mode of ['--native', '--selective']) {
      const r = await run(['redrive', pair.dlq.name, mode, '--yes']);
      expect(r.code).toBe(2);
      expect(oneMessage(r)).toMatch(
        new RegExp(`^tripline: a message move task is already running on ${pair.dlq.name} \\(started .*, \\d+/5 moved\\); wait for it to finish .* or cancel it \\(tripline dlq cancel ${pair.dlq.name}\\)$`),
      );
    }
    expect((await auditLines()).length).toBe(before);
  });

  it('without a terminal and without --yes → exit 2 saying to pass --yes', async () => {
    const pair = await seeded(2);
    const r = await run(['redrive', pair.dlq.name, '--selective']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tripline: Selective redrive from cli\d+-dlq to cli\d+\. needs confirmation and there is no terminal to ask on; pass --yes to go ahead \(nothing was done\)/);
    expect(await sqs.depth(pair.dlq)).toBe(2);
  });

  it('conflicting and misplaced options → exit 2', async () => {
    const pair = await seeded(1);
    const both = await run(['redrive', pair.dlq.name, '--native', '--selective', '--yes']);
    expect(both.code).toBe(2);
    expect(oneMessage(both)).toBe('tripline: --native and --selective exclude each other; choose one');
    const misplaced = await run(['redrive', pair.dlq.name, '--native', '--filter', 'attr.a=1', '--yes']);
    expect(misplaced.code).toBe(2);
    expect(oneMessage(misplaced)).toBe('tripline: --filter work only with --selective: a native move task moves every message');
    const badFilter = await run(['redrive', pair.dlq.name, '--filter', 'errorType=Timeout', '--yes']);
    expect(badFilter.code).toBe(2);
    expect(oneMessage(badFilter)).toMatch(/^tripline: --filter: cannot read "errorType=Timeout"/);
  });
});

describe('tripline dlq redrive', () => {
  it('selective: moves matching messages, backs them up, prints the summary and audits who did it', async () => {
    const pair = await seeded(12);
    const backup = path.join(cwd, 'backups', 'sel.ndjson');
    const r = await run(['redrive', pair.dlq.name, '--filter', 'attr.errorType=Timeout', '--backup', backup, '--yes', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ mode: 'selective', moved: 4, skipped: 8, failed: 0, duplicatesPossible: 0, actor: ONCALL_IDENTITY.arn, backup: { file: backup, lines: 4 } });
    expect(await sqs.depth(pair.source)).toBe(4);
    expect(await sqs.depth(pair.dlq)).toBe(8);
    const entries = (await auditLines()).filter((e) => e['source'] === pair.dlq.name);
    expect(entries.map((e) => [e['action'], e['outcome'], e['count'], e['actor'], e['destination']])).toEqual([
      ['dlq.redrive.selective', 'started', 12, ONCALL_IDENTITY.arn, pair.source.name],
      ['dlq.redrive.selective', 'succeeded', 4, ONCALL_IDENTITY.arn, pair.source.name],
    ]);
    expect(r.stderr).toMatch(/note: cli\d+-dlq is not the dlq of any pipeline in the config \(none\); the processor error-rate check is skipped/);
  });

  it('selective dry run: reports what would move and moves nothing', async () => {
    const pair = await seeded(6);
    const r = await run(['redrive', pair.dlq.name, '--selective', '--dry-run', '--filter', 'body.i~^[0-2]$']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^dry run ${pair.dlq.name} → ${pair.source.name}: 3 would move, 3 skipped \\(did not match\\); nothing moved`));
    expect(await sqs.depth(pair.dlq)).toBe(6);
  });

  it('native: starts a move task and follows it to COMPLETED', async () => {
    const pair = await sqs.createPair(`cli${++n}`);
    await sqs.failIntoDlq(pair, Array.from({ length: 7 }, (_, i) => ({ body: `m${i}` })));
    const r = await run(['redrive', pair.dlq.name, '--rate', '100', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`native redrive ${pair.dlq.name} → each message's source queue: COMPLETED, 7 of 7 moved\n`);
    expect(await sqs.depth(pair.source)).toBe(7);
    const entries = (await auditLines()).filter((e) => e['source'] === pair.dlq.name);
    expect(entries.map((e) => [e['action'], e['outcome'], e['count']])).toEqual([
      ['dlq.redrive.native', 'started', 7],
      ['dlq.redrive.native', 'succeeded', 7],
    ]);
  });

  it('refuses while the pipeline processor error rate is above its threshold, unless --force', async () => {
    // Prepare: a config whose pipeline owns the DLQ, and a processor failing 20% of the time.
    const dir = await mkdtemp(path.join(tmpdir(), 'tripline-dlq-guard-'));
    const pair = await seeded(3, { base: `guard${++n}` });
    await writeFile(
      path.join(dir, 'tripline.config.yaml'),
      [
        'version: 1',
        'paging:',
        '  receivers: [{ name: oncall, slack: { channel: "#pipeline" } }]',
        '  route: { receiver: oncall }',
        'pipelines:',
        '  web:',
        '    stream: web-stream',
        `    processor: ${pair.source.name}-processor`,
        `    failedQueue: ${pair.source.name}`,
        `    dlq: ${pair.dlq.name}`,
      ].join('\n'),
    );
    const at = Math.floor(Date.now() / 300_000) * 300_000 - 300_000;
    const dims = { FunctionName: `${pair.source.name}-processor` };
    cw.setMetric({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: dims, stat: 'Sum' }, [{ timestamp: at, value: 20 }]);
    cw.setMetric({ namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: dims, stat: 'Sum' }, [{ timestamp: at, value: 100 }]);

    // Act / Assess: refused
    const refused = await run(['redrive', pair.dlq.name, '--selective', '--yes'], {}, dir);
    expect(refused.code).toBe(2);
    expect(oneMessage(refused)).toMatch(
      /^tripline: refusing to redrive: processor guard\d+-processor of pipeline web still fails: error rate 20\.00% \(20 errors \/ 100 invocations .*\) is above its threshold 1\.00%\. Fix the processor first .* or pass --force to redrive anyway$/,
    );
    expect(await sqs.depth(pair.dlq)).toBe(3);
    expect((await auditLines(dir)).map((e) => e['outcome'])).toEqual(['refused']);

    // --force goes ahead, saying so.
    const forced = await run(['redrive', pair.dlq.name, '--selective', '--yes', '--force'], {}, dir);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/warn: --force: redriving although processor guard\d+-processor/);
    expect(await sqs.depth(pair.source)).toBe(3);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('tripline dlq peek | export | list | cancel', () => {
  it('peek: redacted bodies grouped by error attribute; the messages stay', async () => {
    const pair = await seeded(5);
    const r = await run(['peek', pair.dlq.name]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/errorType: Schema {2}×3/);
    expect(r.stdout).toMatch(/errorType: Timeout {2}×2/);
    expect(r.stdout).toContain('{"i":0,"user":{"email":"[redacted]"}}');
    expect(r.stdout).not.toMatch(/@example\.com/);
    expect(r.stderr).toMatch(/note: peek does not consume messages, but each peek raises their receive count/);
    expect(await sqs.depth(pair.dlq)).toBe(5);
  });

  it('export: every message to NDJSON, nothing deleted, audited', async () => {
    const pair = await seeded(11);
    const out = path.join(cwd, 'exports', 'x.ndjson');
    const r = await run(['export', pair.dlq.name, '--out', out, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`exported 11 messages from ${pair.dlq.name} to ${out}\n`);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(11);
    expect(await sqs.depth(pair.dlq)).toBe(11);
    expect((await auditLines()).filter((e) => e['source'] === pair.dlq.name).map((e) => [e['action'], e['outcome'], e['count']])).toEqual([['dlq.export', 'succeeded', 11]]);
  });

  it('list: depth, sources and move task of the DLQs named; exit 1 when one holds messages', async () => {
    const full = await seeded(4);
    const empty = await seeded(0);
    const r = await run(['list', full.dlq.name, empty.dlq.name, '--json']);
    expect(r.code).toBe(1);
    const { dlqs } = JSON.parse(r.stdout);
    expect(dlqs).toEqual([
      { queue: full.dlq.name, pipeline: null, visible: 4, inFlight: 0, sources: [full.source.name], moveTask: null },
      { queue: empty.dlq.name, pipeline: null, visible: 0, inFlight: 0, sources: [empty.source.name], moveTask: null },
    ]);
    const ok = await run(['list', empty.dlq.name]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toMatch(/^DLQ +PIPELINE +VISIBLE +IN FLIGHT +SOURCES +MOVE TASK$/);
  });

  it('list without queues or config: finds the DLQs by the RedrivePolicies that name them', async () => {
    const pair = await seeded(2, { base: 'discover' });
    await sqs.createQueue('discover-plain');
    const r = await run(['list', '--prefix', 'discover', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).dlqs.map((d: { queue: string; visible: number }) => [d.queue, d.visible])).toEqual([[pair.dlq.name, 2]]);
  });

  it('cancel: stops the running move task, audited; with none running → exit 2', async () => {
    const pair = await sqs.createPair(`cli${++n}`);
    await sqs.failIntoDlq(pair, Array.from({ length: 6 }, (_, i) => ({ body: `m${i}` })));
    const client = sqs.client();
    await startNativeRedrive({ sqs: client, source: await resolveQueue(client, pair.dlq.name), ratePerSecond: 1 });

    const listed = await run(['list', pair.dlq.name]);
    expect(listed.stdout).toMatch(/running \d\/6 \(\d+%\) since/);
    const r = await run(['cancel', pair.dlq.name, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^cancelled the move task on ${pair.dlq.name}: \\d of 6 messages had moved \\(they stay moved\\)`));
    expect((await auditLines()).filter((e) => e['source'] === pair.dlq.name).map((e) => [e['action'], e['outcome']])).toEqual([['dlq.cancel', 'succeeded']]);

    const again = await run(['cancel', pair.dlq.name, '--yes']);
    expect(again.code).toBe(2);
    expect(oneMessage(again)).toMatch(/no message move task is running on cli\d+-dlq; nothing to cancel/);
  });
});
