import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { startSqsEmulator, type SqsEmulator, type TestQueue } from '../support/sqs-emulator.js';
import { ONCALL_IDENTITY, startStsServer, type StsServer } from '../support/sts-server.js';

/**
 * The built `tripline tui`, driven as a person would with tmux, against
 * local-aws-sqs and a loopback CloudWatch: the screen shows the emulator's
 * depths, and a native redrive is done by keystrokes.
 */
const SOCKET = `tripline-test-${process.pid}`;
const SESSION = 'tui';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}
const screen = () => tmux('capture-pane', '-p', '-t', SESSION);
const keys = (...k: string[]) => tmux('send-keys', '-t', SESSION, ...k);

async function until(check: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    last = screen();
    if (check(last)) {
      // A person reads a new prompt before typing; Ink also attaches its input handler just after the frame.
      await new Promise((r) => setTimeout(r, 150));
      return last;
    }
    if (tmux('display-message', '-p', '-t', SESSION, '#{pane_dead}').trim() === '1') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; the screen:\n${last}`);
}

async function visible(sqs: SqsEmulator, queue: TestQueue): Promise<number> {
  return Number((await sqs.attributes(queue))['ApproximateNumberOfMessages'] ?? NaN);
}

let sqs: SqsEmulator;
let cloudwatch: CloudWatchServer;
let sts: StsServer;
let dir: string;
let pair: { source: TestQueue; dlq: TestQueue };

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  execFileSync('tmux', ['-V']); // a clear failure when tmux is missing (.ci/run installs it)
  sqs = await startSqsEmulator();
  pair = await sqs.createPair('tripline-web-failed');
  await sqs.failIntoDlq(
    pair,
    Array.from({ length: 12 }, (_, i) => ({ body: JSON.stringify({ eventId: `e${i}`, eventName: 'checkout_completed' }) })),
  );
  const now = Date.now();
  cloudwatch = await startCloudWatchServer([
    { name: 'tripline-web-dlq-depth', kind: 'metric', state: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (0.0).', changedAt: now - 600_000 },
  ]);
  const minute = Math.floor(now / 60_000) * 60_000;
  const points = (value: number) => Array.from({ length: 10 }, (_, i) => ({ timestamp: minute - (10 - i) * 60_000, value }));
  cloudwatch.setMetric({ namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensions: { FunctionName: 'tripline-web-processor' }, stat: 'Maximum' }, points(4000));
  cloudwatch.setMetric({ namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: { FunctionName: 'tripline-web-processor' }, stat: 'Sum' }, points(600));
  cloudwatch.setMetric({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'tripline-web-processor' }, stat: 'Sum' }, points(0));
  sts = await startStsServer();
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-tui-'));
  await writeFile(
    path.join(dir, 'tripline.config.yaml'),
    [
      'version: 1',
      'paging:',
      '  receivers: [{ name: oncall, pagerduty: { routingKey: { env: PAGERDUTY_ROUTING_KEY } } }]',
      '  route: { receiver: oncall }',
      'pipelines:',
      '  web:',
      '    stream: tracking-web',
      '    processor: tripline-web-processor',
      `    failedQueue: ${pair.source.name}`,
      `    dlq: ${pair.dlq.name}`,
      'console:',
      '  environment: prod',
      `  audit: { file: ${path.join(dir, 'audit.jsonl')} }`,
      '',
    ].join('\n'),
  );
  const env = {
    ...sqs.env(),
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.endpoint,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    TERM: 'xterm-256color',
  };
  const command = ['env', '-i', `PATH=${process.env['PATH'] ?? ''}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, CLI, 'tui', '--refresh', '1s'];
  const shell = `${command.map(shellQuote).join(' ')}; echo "tripline exited with status $?"`;
  // remain-on-exit keeps the pane (and what the program printed last) after it exits.
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', SESSION, '-x', '150', '-y', '45', '-c', dir, shell, ';', 'set-option', '-t', SESSION, 'remain-on-exit', 'on');
}, 60_000);

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // already gone: the test quit the console
  }
  await sqs?.close();
  await cloudwatch?.close();
  await sts?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

describe('tripline tui in a terminal', () => {
  it('shows the emulator depths, and redrives the DLQ by keystrokes after the queue name is typed', async () => {
    const first = await until((s) => /web\s+4s/.test(s), 'the overview row of web');
    expect(await visible(sqs, pair.dlq)).toBe(12);
    expect(first).toContain(' PROD ');
    expect(first).toContain(ONCALL_IDENTITY.account);
    // DLQ column: 12, as the emulator says.
    expect(first).toMatch(/web\s+4s\s+\S*\s+0 0(\.00)?%\s+0\s+12\s/);

    // Every refresh reads all the metrics on screen with one GetMetricData call (and the alarms with one DescribeAlarms).
    await until(() => cloudwatch.calls.filter((c) => c === 'GetMetricData').length >= 3, 'three refreshes');
    const refreshes = cloudwatch.calls.filter((c) => c === 'DescribeAlarms').length;
    expect(cloudwatch.calls.filter((c) => c === 'GetMetricData').length).toBeGreaterThanOrEqual(refreshes - 1);
    expect(cloudwatch.calls.filter((c) => c === 'GetMetricData').length).toBeLessThanOrEqual(refreshes);

    keys('2');
    await until((s) => s.includes('tripline-web-dlq-depth') && s.includes('ALARM'), 'the alarms view');

    keys('1');
    await until((s) => s.includes('PIPELINE'), 'the overview');
    keys('Enter');
    await until((s) => s.includes(`DLQ ${pair.dlq.name}`) && s.includes('12 visible'), 'the DLQ view');
    keys('R');
    await until((s) => s.includes('Rate'), 'the rate prompt');
    keys('Enter');
    await until((s) => s.includes(`Type ${pair.dlq.name} to confirm`), 'the typed confirmation');
    expect(screen()).toContain(`Redrive 12 messages from ${pair.dlq.name}`);
    expect(await visible(sqs, pair.dlq)).toBe(12);
    keys('-l', pair.dlq.name);
    keys('Enter');
    await until((s) => s.includes('Started a move task'), 'the redrive result');
    await until((s) => s.includes('0 visible') && s.includes('COMPLETED'), 'the DLQ drained on screen', 20_000);
    expect(await visible(sqs, pair.dlq)).toBe(0);
    expect(await visible(sqs, pair.source)).toBe(12);

    const audit = (await readFile(path.join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'dlq.redrive.native', source: pair.dlq.name, count: 12, outcome: 'succeeded', actor: ONCALL_IDENTITY.arn }),
    ]);

    keys('q');
    const end = Date.now() + 5000;
    while (tmux('display-message', '-p', '-t', SESSION, '#{pane_dead}').trim() !== '1' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(tmux('display-message', '-p', '-t', SESSION, '#{pane_dead}').trim()).toBe('1');
    expect(screen()).toContain('tripline exited with status 0');
  }, 60_000);
});
