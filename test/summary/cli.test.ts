import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runSummary, windowOf } from '../../cli/commands/summary.js';
import { InputError } from '../../src/errors.js';
import { tripline } from '../support/cli.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { startSlackServer, type SlackServer } from '../support/slack-server.js';
import { startSqsEmulator, type SqsEmulator } from '../support/sqs-emulator.js';

/**
 * `tripline summary` against a CloudWatch stand-in (alarm history, alarm
 * states, GetMetricData), the SQS emulator (DLQ depths), an audit trail file
 * and a Slack stand-in: in-process for the details, and through the built CLI
 * for what a user sees (exit codes, one JSON document).
 */
const TOKEN = 'xoxb-3333-4444-clisummarytoken';
const MIN = 60_000;
const NOW = Math.floor(Date.now() / MIN) * MIN;
const ALICE = 'arn:aws:sts::123456789012:assumed-role/oncall/alice';

let cw: CloudWatchServer;
let sqs: SqsEmulator;
let slack: SlackServer;
let dir = '';
let configFile = '';
let auditFile = '';

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  [cw, sqs, slack] = await Promise.all([startCloudWatchServer(), startSqsEmulator(), startSlackServer({ token: TOKEN, channels: ['C0ONCALL'] })]);
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-summary-cli-'));
  await sqs.createQueue('tripline-web-failed');
  const dlq = await sqs.createQueue('tripline-web-dlq');
  await sqs.seed(dlq, [{ body: '{"a":1}' }, { body: '{"a":2}' }]);
  auditFile = path.join(dir, 'audit.jsonl');
  configFile = path.join(dir, 'tripline.config.yaml');
  await writeFile(
    configFile,
    [
      'version: 1',
      'paging:',
      '  receivers:',
      '    - name: oncall',
      '      pagerduty: { routingKey: { env: PAGERDUTY_ROUTING_KEY } }',
      '  route: { receiver: oncall }',
      'pipelines:',
      '  web:',
      '    stream: tracking-web',
      '    processor: tripline-web-processor',
      '    failedQueue: tripline-web-failed',
      '    dlq: tripline-web-dlq',
      'console:',
      '  environment: staging',
      `  audit: { file: ${JSON.stringify(auditFile)} }`,
      'summary:',
      '  channel: C0ONCALL',
      '  since: 12h',
      '',
    ].join('\n'),
  );
  const paging = 'version: 1\npaging:\n  receivers:\n    - name: oncall\n      pagerduty: { routingKey: { env: PAGERDUTY_ROUTING_KEY } }\n  route: { receiver: oncall }\n';
  await writeFile(path.join(dir, 'bare.yaml'), paging);
  await sqs.createQueue('tripline-ios-failed');
  await sqs.createQueue('tripline-ios-dlq');
  await writeFile(
    path.join(dir, 'quiet.yaml'),
    `${paging}pipelines:\n  ios: { stream: s, processor: p, failedQueue: tripline-ios-failed, dlq: tripline-ios-dlq }\nconsole: { audit: { file: ${JSON.stringify(path.join(dir, 'none.jsonl'))} } }\n`,
  );
  const at = (m: number): string => new Date(NOW - m * MIN).toISOString();
  await writeFile(
    auditFile,
    [
      { at: at(100), actor: ALICE, action: 'dlq.redrive.selective', source: 'tripline-web-dlq', destination: 'tripline-web-failed', count: 30, outcome: 'started' },
      { at: at(98), actor: ALICE, action: 'dlq.redrive.selective', source: 'tripline-web-dlq', destination: 'tripline-web-failed', count: 28, outcome: 'succeeded' },
      { at: at(90), actor: ALICE, action: 'dlq.redrive.native', source: 'tripline-web-dlq', count: 2, outcome: 'dry-run' },
      { at: at(60 * 24), actor: ALICE, action: 'dlq.redrive.native', source: 'tripline-web-dlq', count: 9, outcome: 'succeeded' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n',
  );
});

afterAll(async () => {
  await Promise.all([cw.close(), sqs.close(), slack.close()]);
  await rm(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

beforeEach(() => {
  cw.history.length = 0;
  cw.alarms.clear();
  cw.historyRequests.length = 0;
  slack.messages.length = 0;
  slack.requests.length = 0;
});

/** The shift: the composite and the DLQ alarm fired and resolved; the lag alarm is still firing. */
function seedShift(): void {
  const at = (m: number): number => NOW - m * MIN;
  cw.history.push(
    { alarmName: 'tripline-web-dlq-depth', kind: 'metric', at: at(130), from: 'OK', to: 'ALARM' },
    { alarmName: 'tripline-web-pipeline', kind: 'composite', at: at(129), from: 'OK', to: 'ALARM' },
    { alarmName: 'tripline-web-pipeline', kind: 'composite', at: at(97), from: 'ALARM', to: 'OK' },
    { alarmName: 'tripline-web-dlq-depth', kind: 'metric', at: at(96), from: 'ALARM', to: 'OK' },
    { alarmName: 'tripline-web-lag', kind: 'metric', at: at(10), from: 'OK', to: 'ALARM' },
    { alarmName: 'other-team-cpu', kind: 'metric', at: at(50), from: 'OK', to: 'ALARM' },
  );
  cw.alarms.set('tripline-web-lag', { name: 'tripline-web-lag', kind: 'metric', state: 'ALARM', reason: 'lag', changedAt: at(10) });
}

const deps = (extra: Record<string, unknown> = {}) => ({
  cloudwatch: cw.client(),
  sqs: sqs.client(),
  env: { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url },
  now: () => new Date(NOW),
  stderr: { write: () => true },
  ...extra,
});

describe('runSummary', () => {
  it('reports the alarms, their durations and the redrives of the window, as one JSON document', async () => {
    seedShift();
    const result = await runSummary({ config: configFile, json: true }, deps());
    expect(result.exitCode).toBe(1);
    const doc = JSON.parse(result.stdout ?? '') as {
      window: { seconds: number };
      environment: string;
      totals: Record<string, unknown>;
      alarms: { name: string; fired: number; resolved: number; episodes: { durationSeconds: number; ongoing: boolean }[] }[];
      pipelines: { pipeline: string; dlq: { depth: number } }[];
      recovery: { redrives: { action: string; count: number; outcome: string }[] };
      attention: string[];
      posted: unknown;
    };
    expect(doc.window.seconds).toBe(12 * 3600);
    expect(doc.environment).toBe('staging');
    expect(doc.totals).toMatchObject({ fired: 3, resolved: 2, mttrSeconds: (32 * 60 + 34 * 60) / 2, ongoing: 1 });
    expect(doc.alarms.map((a) => [a.name, a.fired, a.resolved, a.episodes.map((e) => [e.durationSeconds, e.ongoing])])).toEqual([
      ['tripline-web-pipeline', 1, 1, [[32 * 60, false]]],
      ['tripline-web-dlq-depth', 1, 1, [[34 * 60, false]]],
      ['tripline-web-lag', 1, 0, [[10 * 60, true]]],
    ]);
    expect(doc.pipelines).toMatchObject([{ pipeline: 'web', dlq: { depth: 2 } }]);
    expect(doc.recovery.redrives).toMatchObject([{ action: 'dlq.redrive.selective', count: 28, outcome: 'succeeded' }]);
    expect(doc.attention).toEqual(['1 alarm still in ALARM: tripline-web-lag', 'web: DLQ tripline-web-dlq holds 2 messages']);
    expect(doc.posted).toBeNull();
    // One account-wide history scan; the prefix filter is ours.
    expect(cw.historyRequests).toHaveLength(1);
  });

  it('--post puts the same summary in the configured channel', async () => {
    seedShift();
    const result = await runSummary({ config: configFile, post: true }, deps());
    expect(result.stdout).toContain('tripline-web-pipeline (composite)');
    const message = slack.topLevel('C0ONCALL')[0];
    expect(message?.text).toMatch(/^Shift summary staging .*: 3 alarms fired, 2 resolved, MTTR 33m, 1 still in ALARM, 1 redrive\.$/);
    expect(JSON.stringify(message?.blocks)).toContain('tripline-web-lag');
  });

  it('--post without any channel is refused before anything is read', async () => {
    const error: unknown = await runSummary({ config: path.join(dir, 'bare.yaml'), post: true }, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/--post needs a Slack channel: pass --channel/);
    expect(cw.historyRequests).toHaveLength(0);
  });

  it('a quiet shift exits 0', async () => {
    const result = await runSummary({ config: path.join(dir, 'quiet.yaml') }, deps());
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('No alarm changed state; none is in ALARM.');
    expect(result.stdout).toMatch(/ios {2}DLQ 0\n/);
  });
});

describe('windowOf', () => {
  const now = new Date('2026-11-23T08:00:00Z');
  it.each([
    ['12h', undefined, '2026-11-22T20:00:00.000Z', '2026-11-23T08:00:00.000Z'],
    ['30m', '2026-11-23T07:00:00Z', '2026-11-23T06:30:00.000Z', '2026-11-23T07:00:00.000Z'],
    ['2026-11-22T00:00:00Z', undefined, '2026-11-22T00:00:00.000Z', '2026-11-23T08:00:00.000Z'],
  ])('--since %s --until %s', (since, until, start, end) => {
    const w = windowOf(since, until, now);
    expect([w.start.toISOString(), w.end.toISOString()]).toEqual([start, end]);
  });

  it.each([
    ['yesterday', undefined, /--since "yesterday" is not a duration such as 12h, 30m or 2d, or an ISO 8601 time/],
    ['31d', undefined, /reaches back more than 30 days, further than CloudWatch keeps alarm history/],
    ['12h', '2026-11-24T00:00:00Z', /--until 2026-11-24T00:00:00Z is in the future/],
    ['2026-11-23T09:00:00Z', '2026-11-23T07:00:00Z', /is not before the end of the window/],
    ['12h', 'soon', /--until "soon" is not an ISO 8601 time/],
  ])('refuses --since %s --until %s', (since, until, message) => {
    expect(() => windowOf(since, until, now)).toThrow(message);
  });
});

describe('the built CLI', () => {
  const env = (): Record<string, string> => ({ ...sqs.env(), AWS_ENDPOINT_URL_CLOUDWATCH: cw.endpoint });

  it('prints one JSON document and exits 1 while an alarm is still firing', async () => {
    seedShift();
    const run = await tripline(['summary', '--config', configFile, '--json'], env());
    expect(run.code, run.stderr).toBe(1);
    const doc = JSON.parse(run.stdout) as { totals: { fired: number; resolved: number }; recovery: { redrives: unknown[] } };
    expect(doc.totals).toMatchObject({ fired: 3, resolved: 2 });
    expect(doc.recovery.redrives).toHaveLength(1);
  });

  it.each([
    [['--since', 'soon'], 2, /tripline: --since "soon" is not a duration/],
    [['--post'], 2, /tripline: --post needs a Slack channel/],
  ])('%j exits %i with a message', async (args, code, message) => {
    const run = await tripline(['summary', '--config', args[0] === '--post' ? path.join(dir, 'bare.yaml') : configFile, ...args], env());
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('exits 3 and names the permission when CloudWatch refuses', async () => {
    // History, metrics and alarm states are read at once: refuse all three.
    cw.failNext('AccessDenied', 'AccessDenied', 'AccessDenied');
    const run = await tripline(['summary', '--config', configFile], env());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/DescribeAlarmHistory .* failed: access denied .*grant cloudwatch:DescribeAlarmHistory/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
