import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveActor } from '../../src/audit/actor.js';
import { slackAuditPoster } from '../../src/audit/slack.js';
import { createAuditTrail } from '../../src/audit/trail.js';
import { AwsError, InputError } from '../../src/errors.js';
import { startSlackServer, type SlackServer } from '../support/slack-server.js';
import { ONCALL_IDENTITY, startStsServer, type StsServer } from '../support/sts-server.js';
import { STSClient } from '@aws-sdk/client-sts';

let dir: string;
let sts: StsServer;
let slack: SlackServer;
const TOKEN = 'xoxb-test-token-123';

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-audit-'));
  sts = await startStsServer();
  slack = await startSlackServer({ token: TOKEN, channels: ['C0AUDIT'] });
});

afterAll(async () => {
  await sts.close();
  await slack.close();
  await rm(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

const actor = { arn: ONCALL_IDENTITY.arn, account: ONCALL_IDENTITY.account };

describe('createAuditTrail', () => {
  it('appends one JSON line per action with who, what, when and how many, in a private file', async () => {
    const file = path.join(dir, 'a', 'b', 'audit.jsonl');
    const audit = createAuditTrail({ file, actor, now: () => new Date('2026-11-22T03:00:00Z') });

    await audit.record({ action: 'dlq.redrive.selective', source: 'web-dlq', destination: 'web-failed', count: 120, outcome: 'started' });
    await audit.record({ action: 'dlq.redrive.selective', source: 'web-dlq', destination: 'web-failed', count: 118, outcome: 'succeeded', detail: { failed: 2 } });

    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { at: '2026-11-22T03:00:00.000Z', actor: ONCALL_IDENTITY.arn, action: 'dlq.redrive.selective', source: 'web-dlq', destination: 'web-failed', count: 120, outcome: 'started' },
      { at: '2026-11-22T03:00:00.000Z', actor: ONCALL_IDENTITY.arn, action: 'dlq.redrive.selective', source: 'web-dlq', destination: 'web-failed', count: 118, outcome: 'succeeded', detail: { failed: 2 } },
    ]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('posts each entry to Slack when a channel is configured', async () => {
    const file = path.join(dir, 'slack.jsonl');
    const poster = slackAuditPoster({ channel: 'C0AUDIT', token: async () => TOKEN, apiUrl: slack.url });
    const audit = createAuditTrail({ file, actor, slack: poster });

    await audit.record({ action: 'dlq.cancel', source: 'web-dlq', count: 40, outcome: 'succeeded' });

    const [message] = slack.topLevel('C0AUDIT');
    expect(message?.text).toMatch(/`dlq\.cancel` succeeded web-dlq, 40 messages — by arn:aws:sts::123456789012:assumed-role\/Oncall\/alice@example\.com/);
  });

  it('keeps the file entry and warns (without the token) when Slack refuses', async () => {
    const file = path.join(dir, 'slack-bad.jsonl');
    const warnings: string[] = [];
    const poster = slackAuditPoster({ channel: 'C0AUDIT', token: async () => 'xoxb-wrong-token-999', apiUrl: slack.url });
    const audit = createAuditTrail({ file, actor, slack: poster, onWarning: (m) => warnings.push(m) });

    await audit.record({ action: 'dlq.export', source: 'web-dlq', count: 3, outcome: 'succeeded' });

    expect(await readFile(file, 'utf8')).toContain('"dlq.export"');
    expect(warnings).toEqual([expect.stringContaining('could not post to Slack C0AUDIT (chat.postMessage: invalid_auth)')]);
    expect(warnings.join('')).not.toContain('xoxb-wrong');
  });

  it('refuses the action when the file cannot be written', async () => {
    // A file where the directory should be fails for every user, root included.
    const blocker = path.join(dir, 'not-a-dir');
    await writeFile(blocker, '');
    const audit = createAuditTrail({ file: path.join(blocker, 'audit.jsonl'), actor });
    const error = await audit.record({ action: 'dlq.cancel', outcome: 'succeeded' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^cannot write the audit trail .*not-a-dir\/audit\.jsonl \((EEXIST|ENOTDIR)\); nothing was done/);
  });
});

describe('resolveActor', () => {
  it('is the caller identity from STS', async () => {
    expect(await resolveActor(sts.client())).toEqual({ arn: ONCALL_IDENTITY.arn, account: '123456789012' });
  });

  it('fails the action (exit 3) on expired credentials', async () => {
    sts.failNext('ExpiredToken');
    const error = await resolveActor(sts.client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).message).toMatch(/STS GetCallerIdentity failed: the AWS credentials have expired \(ExpiredToken\)/);
  });

  it('falls back to the local user, with the reason, when STS cannot be reached', async () => {
    const unreachable = new STSClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
    const reasons: string[] = [];
    const who = await resolveActor(unreachable, { onFallback: (r) => reasons.push(r) });
    expect(who.arn).toMatch(/^local:.+/);
    expect(reasons).toEqual([expect.stringMatching(/could not ask STS who you are \(could not reach the AWS endpoint \(ECONNREFUSED\).*records you as local:/)]);
  });
});
