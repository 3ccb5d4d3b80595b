import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { STSClient } from '@aws-sdk/client-sts';
import { runRunbookRun } from '../../cli/commands/runbook.js';
import { tripline } from '../support/cli.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { FAKE_CREDENTIALS, REGION, startSqsEmulator, type SqsEmulator, type TestQueue } from '../support/sqs-emulator.js';

/**
 * `tripline runbook list | show | run`, as a user runs the built CLI: list and
 * show on the shipped runbooks, run against loopback SQS (local-aws-sqs),
 * CloudWatch and STS with fake credentials.
 */
describe('tripline runbook list and show', () => {
  it('lists the shipped runbooks with the alarms they answer', async () => {
    const run = await tripline(['runbook', 'list']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^ID\s+TITLE\s+ALARMS$/);
    expect(run.stdout).toMatch(/^dlq-redrive\s+DLQ not empty after a processor fix\s+tripline-\*-dlq-depth$/m);
    expect(run.stdout).toMatch(/^stream-lag\s+Stream lag high\s+tripline-\*-stream-iterator-age/m);
    expect(run.stdout).toMatch(/^invalid-event-spike\s+Invalid-event spike\s+tripline-\*-quality-invalid-rate$/m);
  });

  it('finds the runbook for an alarm, and exits 1 when none answers it', async () => {
    const found = await tripline(['runbook', 'list', '--alarm', 'tripline-ios-iterator-age', '--json']);
    expect(found.code).toBe(0);
    expect((JSON.parse(found.stdout) as { runbooks: { id: string }[] }).runbooks.map((r) => r.id)).toEqual(['stream-lag']);

    const none = await tripline(['runbook', 'list', '--alarm', 'tripline-web-pipeline']);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/no runbook in runbooks answers alarm tripline-web-pipeline/);
  });

  it('shows a runbook with numbered steps and its prose', async () => {
    const run = await tripline(['runbook', 'show', 'dlq-redrive']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^dlq-redrive · DLQ not empty after a processor fix$/m);
    expect(run.stdout).toContain('▶ Step 1 of 5 · check: ');
    expect(run.stdout).toContain('▶ Step 3 of 5 · act: Move the DLQ back to the failed-event queue\n      redrive mode=native rate=10 to={failedQueue}');
    expect(run.stdout).toContain('▶ Step 5 of 5 · verify: ');
    expect(run.stdout).toContain('Back up the DLQ\n───');
  });

  it('exits 2 for an unknown id, naming the runbooks there are', async () => {
    const run = await tripline(['runbook', 'show', 'dlq-redirve']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'tripline: no runbook "dlq-redirve" in runbooks (the runbooks there: dlq-redrive, invalid-event-spike, stream-lag); `tripline runbook list` shows them\n',
    );
  });

  it('exits 2 listing file:line problems of a broken runbook, still listing the good ones', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tripline-rb-cli-'));
    mkdirSync(path.join(dir, 'runbooks'));
    writeFileSync(path.join(dir, 'runbooks', 'good.md'), '---\nid: good\ntitle: Good\nalarms: [x-*]\n---\n```check\ndlq.depth == 0\n```\n');
    writeFileSync(path.join(dir, 'runbooks', 'bad.md'), '---\nid: bad\ntitle: Bad\nalarms: [x-*]\n---\n\n```wait\nuntil dlq.depth == 0\n```\n');
    writeFileSync(path.join(dir, 'tripline.config.yaml'), minimalConfig({}));
    const run = await tripline(['runbook', 'list'], {}, dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^good\s+Good\s+x-\*$/m);
    expect(run.stderr).toBe('tripline: runbooks/bad.md:8: a wait step needs timeout=<duration> (e.g. timeout=30m), so it cannot wait forever\n');
  });
});

function minimalConfig(queues: { failed?: string; dlq?: string }): string {
  return [
    'version: 1',
    'paging:',
    '  receivers: [{ name: oncall, slack: { channel: "#oncall" } }]',
    '  route: { receiver: oncall }',
    'pipelines:',
    '  web:',
    '    stream: tracking-web',
    '    processor: tripline-web-processor',
    `    failedQueue: ${queues.failed ?? 'tripline-web-failed'}`,
    `    dlq: ${queues.dlq ?? 'tripline-web-dlq'}`,
    '  ios:',
    '    stream: tracking-ios',
    '    processor: tripline-ios-processor',
    '    failedQueue: tripline-ios-failed',
    '    dlq: tripline-ios-dlq',
    'console:',
    '  runbooks: runbooks',
    '  audit: { file: audit/trail.jsonl }',
    '',
  ].join('\n');
}

/** The DLQ runbook's shape with times short enough for a test. */
const DRAIN = `---
id: drain
title: Drain the DLQ
alarms: [tripline-*-dlq-depth]
---
Check the fix first.

\`\`\`check Errors fell
processor.errorRate < threshold.processorErrorRate
\`\`\`

\`\`\`act Back up
export file=backups/{pipeline}-dlq-{timestamp}.jsonl
\`\`\`

\`\`\`act Redrive
redrive mode=native rate=100 to={failedQueue}
\`\`\`

\`\`\`wait
until dlq.depth == 0 timeout=20s every=1s
\`\`\`

\`\`\`verify
dlq.depth == 0 and failed.depth > 0 for=1s every=1s
\`\`\`
`;

/** Answers GetCallerIdentity (awsQuery) as STS does. */
async function startSts(): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
          '<Arn>arn:aws:sts::123456789012:assumed-role/oncall/alice</Arn><UserId>AROATEST:alice</UserId><Account>123456789012</Account>' +
          '</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('tripline runbook run', () => {
  let sqs: SqsEmulator;
  let cloudwatch: CloudWatchServer;
  let sts: { endpoint: string; server: Server };
  let env: Record<string, string>;
  let dir: string;
  let pair: { source: TestQueue; dlq: TestQueue };
  let n = 0;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    [sqs, cloudwatch, sts] = await Promise.all([startSqsEmulator(), startCloudWatchServer(), startSts()]);
    // TRIPLINE_REDRIVE_WAIT_SECONDS: the emulator holds an empty long poll for its full wait.
    env = { ...sqs.env(), AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.endpoint, AWS_ENDPOINT_URL_STS: sts.endpoint, TRIPLINE_REDRIVE_WAIT_SECONDS: '0' };
  });

  afterAll(async () => {
    await Promise.all([sqs.close(), cloudwatch.close(), new Promise((resolve) => sts.server.close(resolve))]);
    nock.enableNetConnect();
  });

  /** Processor Errors / Invocations for the last ten minutes. */
  function processorErrors(errors: number, invocations: number): void {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const points = (value: number) => Array.from({ length: 10 }, (_, i) => ({ timestamp: minute - (i + 1) * 60_000, value }));
    const key = (metricName: string) => ({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: 'tripline-web-processor' }, stat: 'Sum' });
    cloudwatch.setMetric(key('Errors'), points(errors));
    cloudwatch.setMetric(key('Invocations'), points(invocations));
  }

  beforeEach(async () => {
    n += 1;
    pair = await sqs.createPair(`rb${n}-failed`);
    await sqs.failIntoDlq(pair, Array.from({ length: 12 }, (_, i) => ({ body: JSON.stringify({ eventId: `e${i}` }) })));
    dir = mkdtempSync(path.join(tmpdir(), 'tripline-rb-run-'));
    mkdirSync(path.join(dir, 'runbooks'));
    writeFileSync(path.join(dir, 'runbooks', 'drain.md'), DRAIN);
    writeFileSync(path.join(dir, 'tripline.config.yaml'), minimalConfig({ failed: pair.source.name, dlq: pair.dlq.name }));
    processorErrors(0, 500);
  });

  const depth = async (q: TestQueue) => Number((await sqs.attributes(q))['ApproximateNumberOfMessages'] ?? -1);
  const auditLines = () => {
    const file = path.join(dir, 'audit', 'trail.jsonl');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  };

  it('runs every step with --yes: backs up, redrives, waits for the DLQ to empty, verifies, audits each step', async () => {
    const run = await tripline(['runbook', 'run', 'drain', '--pipeline', 'web', '--yes'], env, dir);

    expect(run.stderr).not.toMatch(/unexpected error/);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('drain on web: succeeded, 5 of 5 steps');
    expect(run.stdout).toMatch(/^ {3}2 act {4}done {6}exported 12 messages from rb\d+-failed-dlq to .*backups\/web-dlq-\d{8}T\d{6}Z\.jsonl; they stay in the queue/m);
    // Progress and the runbook's prose went to stderr as the run went.
    expect(run.stderr).toContain('Check the fix first.');
    expect(run.stderr).toMatch(/▶ Step 4 · wait\n {2}until dlq\.depth == 0 timeout=20s every=1s/);
    expect(await depth(pair.dlq)).toBe(0);
    expect(await depth(pair.source)).toBe(12);
    const backups = path.join(dir, 'backups');
    const [backup] = readdirSync(backups);
    expect(readFileSync(path.join(backups, backup ?? ''), 'utf8').trim().split('\n')).toHaveLength(12);
    const audit = auditLines();
    expect(audit.map((e) => [e['action'], (e['detail'] as Record<string, unknown>)['step'], e['outcome'], e['actor']])).toEqual([
      ['runbook.step', 1, 'succeeded', 'arn:aws:sts::123456789012:assumed-role/oncall/alice'],
      ['runbook.step', 2, 'succeeded', 'arn:aws:sts::123456789012:assumed-role/oncall/alice'],
      ['runbook.step', 3, 'succeeded', 'arn:aws:sts::123456789012:assumed-role/oncall/alice'],
      ['runbook.step', 4, 'succeeded', 'arn:aws:sts::123456789012:assumed-role/oncall/alice'],
      ['runbook.step', 5, 'succeeded', 'arn:aws:sts::123456789012:assumed-role/oncall/alice'],
    ]);
    expect(audit[2]).toMatchObject({ source: pair.dlq.name, destination: pair.source.name, count: 12 });
  });

  it('stops at a failed check with exit 1, naming the values, and moves nothing', async () => {
    processorErrors(40, 500);
    const run = await tripline(['runbook', 'run', 'drain', '--pipeline', 'web', '--yes', '--json'], env, dir);

    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as { outcome: string; stoppedAt: number; steps: { message: string }[] };
    expect(result).toMatchObject({ outcome: 'failed', stoppedAt: 1 });
    expect(result.steps[0]?.message).toBe(
      'check failed: processor.errorRate < threshold.processorErrorRate → false (processor.errorRate = 0.08, threshold.processorErrorRate = 0.01)',
    );
    expect(await depth(pair.dlq)).toBe(12);
    expect(auditLines()).toEqual([expect.objectContaining({ action: 'runbook.step', outcome: 'failed' })]);
  });

  it('in a dry run says what each act would do and changes nothing', async () => {
    const run = await tripline(['runbook', 'run', 'drain', '--alarm', 'tripline-web-dlq-depth', '--dry-run'], env, dir);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^drain on web \(dry run\): succeeded/);
    expect(run.stdout).toContain(`would redrive 12 messages from ${pair.dlq.name} to ${pair.source.name} (native, 100 messages/s)`);
    expect(run.stdout).toMatch(/would wait until dlq\.depth == 0 \(at most 20s, every 1s\); now: dlq\.depth == 0 → false \(dlq\.depth = 12\) \(does not hold\)/);
    expect(await depth(pair.dlq)).toBe(12);
    expect(existsSync(path.join(dir, 'backups'))).toBe(false);
  });

  it('refuses (exit 2) to run act steps without a terminal to ask on, before running any step', async () => {
    const run = await tripline(['runbook', 'run', 'drain', '--pipeline', 'web'], env, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/runbook drain has act steps that need confirmation, and there is no terminal to ask on; pass --yes .* or --dry-run/);
    expect(auditLines()).toEqual([]);
    expect(await depth(pair.dlq)).toBe(12);
  });

  /** `runbook run` in this process, as at a terminal where the person types `answers`, one per question. */
  async function atTerminal(answers: string[]) {
    const config = path.join(dir, 'absolute.config.yaml');
    writeFileSync(
      config,
      readFileSync(path.join(dir, 'tripline.config.yaml'), 'utf8')
        .replace('runbooks: runbooks', `runbooks: ${JSON.stringify(path.join(dir, 'runbooks'))}`)
        .replace('file: audit/trail.jsonl', `file: ${JSON.stringify(path.join(dir, 'audit', 'trail.jsonl'))}`),
    );
    const prompts: string[] = [];
    // Relative paths in the runbook (the backup file) resolve against the working directory, as in a shell.
    const cwd = process.cwd();
    process.chdir(dir);
    const result = await runRunbookRun(
      'drain',
      { pipeline: 'web', config },
      {
        env: { TRIPLINE_REDRIVE_WAIT_SECONDS: '0' },
        sqs: sqs.client(),
        sts: new STSClient({ endpoint: sts.endpoint, region: REGION, credentials: FAKE_CREDENTIALS }),
        cloudwatch: new CloudWatchClient({ endpoint: cloudwatch.endpoint, region: REGION, credentials: FAKE_CREDENTIALS }),
        interactive: true,
        ask: async (prompt) => {
          prompts.push(prompt);
          return answers.shift() ?? '';
        },
        stderr: { write: () => true },
      },
    ).finally(() => process.chdir(cwd));
    return { result, prompts };
  }

  it('at a terminal, asks to type the queue name before each act: goes ahead when typed, stops (exit 1) on anything else', async () => {
    const { result, prompts } = await atTerminal([pair.dlq.name, 'y']);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^drain on web: stopped at step 3 \(act declined\)/);
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).toMatch(
      new RegExp(`^\\nExport 12 messages from ${pair.dlq.name} to backups/web-dlq-\\d{8}T\\d{6}Z\\.jsonl \\(the queue keeps them\\)\\?\\nType the queue name \\(${pair.dlq.name}\\) to go ahead, anything else to stop: $`),
    );
    expect(prompts[1]).toContain(`Redrive 12 messages from ${pair.dlq.name} to ${pair.source.name} (native, 100 messages/s)?`);
    expect(auditLines().map((e) => e['outcome'])).toEqual(['succeeded', 'succeeded', 'cancelled']);
    expect(await depth(pair.dlq)).toBe(12);
  });

  it('exits 2 for an unknown pipeline or runbook id', async () => {
    const pipeline = await tripline(['runbook', 'run', 'drain', '--pipeline', 'android', '--yes'], env, dir);
    expect(pipeline.code).toBe(2);
    expect(pipeline.stderr).toBe('tripline: unknown pipeline "android"; the config defines web, ios\n');
    const id = await tripline(['runbook', 'run', 'dran', '--pipeline', 'web', '--yes'], env, dir);
    expect(id.code).toBe(2);
    expect(id.stderr).toMatch(/^tripline: no runbook "dran" in runbooks \(the runbooks there: drain\)/);
  });

  it('exits 3 when CloudWatch refuses, recording the step', async () => {
    cloudwatch.failNext('AccessDenied');
    const run = await tripline(['runbook', 'run', 'drain', '--pipeline', 'web', '--yes'], env, dir);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/\ntripline: CloudWatch GetMetricData failed: access denied \(AccessDenied\): grant cloudwatch:GetMetricData to the caller's IAM role\n$/);
    expect(auditLines()).toEqual([expect.objectContaining({ outcome: 'failed', detail: expect.objectContaining({ step: 1, outcome: 'error' }) })]);
    expect(await depth(pair.dlq)).toBe(12);
  });
});
