import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAlarmsApply } from '../../cli/commands/alarms.js';
import { tripline } from '../support/cli.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';

/**
 * `tripline alarms plan|apply`, the built CLI against a loopback CloudWatch
 * (AWS_ENDPOINT_URL_CLOUDWATCH), with the repository's tripline.config.yaml:
 * 3 pipelines × 17 alarms, less the shared collector's four alarms that only web creates.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TOTAL = 43;

let cw: CloudWatchServer;
let env: Record<string, string>;
const dirs: string[] = [];

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  cw = await startCloudWatchServer();
  env = {
    AWS_ENDPOINT_URL_CLOUDWATCH: cw.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
  };
});
afterAll(async () => {
  await cw.close();
  nock.enableNetConnect();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  cw.alarms.clear();
  cw.calls.length = 0;
});

function json(stdout: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(stdout);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('not a JSON object');
  return parsed as Record<string, unknown>;
}

describe('tripline alarms apply', () => {
  it('refuses without --yes when stdin is not a terminal, before touching CloudWatch', async () => {
    const run = await tripline(['alarms', 'apply'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('stdin is not a terminal: pass --yes to apply without asking');
    expect(run.stdout).toBe('');
    expect(cw.calls).toEqual([]);
  });

  it('with --yes creates every alarm, children before composites, tagged', async () => {
    const run = await tripline(['alarms', 'apply', '--yes', '--json'], env);
    expect(run.code).toBe(0);
    const out = json(run.stdout);
    expect(out['region']).toBe('us-east-1');
    expect(out['applied']).toHaveLength(TOTAL);
    expect(cw.alarms.size).toBe(TOTAL);
    const puts = cw.calls.filter((c) => c.startsWith('Put'));
    expect(puts.lastIndexOf('PutMetricAlarm')).toBeLessThan(puts.indexOf('PutCompositeAlarm'));
    expect(puts.filter((c) => c === 'PutCompositeAlarm')).toHaveLength(3);
    expect(cw.alarms.get('tripline-web-dlq-depth')).toMatchObject({
      kind: 'metric',
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      statistic: 'Maximum',
      period: 60,
      tags: { severity: 'error', pipeline: 'web', composite: 'tripline-web-pipeline', runbook: 'https://runbooks.example.com/tripline/tripline-web-dlq-depth' },
    });
    expect(cw.alarms.get('tripline-ios-pipeline')?.alarmRule).toContain('ALARM("tripline-ios-dlq-depth")');
  });
});

describe('tripline alarms plan --aws', () => {
  it('reports a missing alarm, a changed threshold and an extra alarm, and exits 1', async () => {
    expect((await tripline(['alarms', 'apply', '--yes'], env)).code).toBe(0);
    cw.alarms.delete('tripline-ios-dlq-depth');
    const lag = cw.alarms.get('tripline-web-iterator-age');
    if (lag === undefined) throw new Error('apply did not create the lag alarm');
    lag.threshold = 120_000;
    cw.alarms.set('tripline-android-old-latency', { name: 'tripline-android-old-latency', kind: 'metric', state: 'OK', reason: 'ok', changedAt: Date.now(), metricName: 'Latency', namespace: 'AWS/ApiGateway' });
    cw.alarms.set('checkout-latency', { name: 'checkout-latency', kind: 'metric', state: 'OK', reason: 'ok', changedAt: Date.now() });

    const run = await tripline(['alarms', 'plan', '--aws', '--json'], env);
    expect(run.code).toBe(1);
    const aws = json(run.stdout)['aws'];
    expect(aws).toMatchObject({
      region: 'us-east-1',
      missing: ['tripline-ios-dlq-depth'],
      changed: [{ name: 'tripline-web-iterator-age', kind: 'metric', changes: [{ field: 'threshold', intended: '60000', deployed: '120000' }] }],
      // Alarms outside every pipeline prefix are none of tripline's business.
      extra: [{ name: 'tripline-android-old-latency', kind: 'metric' }],
    });
    expect(aws).toHaveProperty('unchanged', expect.any(Array));

    const text = await tripline(['alarms', 'plan', '--aws'], env);
    expect(text.stdout).toContain(`CloudWatch (us-east-1): 1 missing, 1 changed, 1 extra, ${TOTAL - 2} as configured`);
    expect(text.stdout).toContain('  ~ tripline-web-iterator-age\n      threshold: 120000 → 60000');

    // apply brings back the missing and changed ones, and leaves the extra alarm alone.
    const fix = await tripline(['alarms', 'apply', '--yes'], env);
    expect(fix.code).toBe(0);
    expect(fix.stdout).toContain('Applied in us-east-1: 1 created, 1 updated.');
    expect(cw.calls).toContain('TagResource');
    const after = json((await tripline(['alarms', 'plan', '--aws', '--json'], env)).stdout)['aws'];
    expect(after).toMatchObject({ missing: [], changed: [], extra: [{ name: 'tripline-android-old-latency' }] });
    expect(cw.alarms.get('tripline-web-iterator-age')?.threshold).toBe(60_000);
  });

  it('says what to do and exits 3 when CloudWatch refuses', async () => {
    cw.failNext('AccessDenied');
    const run = await tripline(['alarms', 'plan', '--aws'], env);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('CloudWatch DescribeAlarms (prefix tripline-web-) failed: access denied (AccessDenied): grant cloudwatch:DescribeAlarms');
  });
});

describe('tripline alarms plan', () => {
  it('prints the intended set offline as one JSON document', async () => {
    const run = await tripline(['alarms', 'plan', '--json'], {});
    expect(run.code).toBe(0);
    const out = json(run.stdout);
    expect(out['aws']).toBeNull();
    expect(out['alarms']).toHaveLength(TOTAL);
    expect(out['pipelines']).toEqual([
      { name: 'web', prefix: 'tripline-web-', composite: 'tripline-web-pipeline' },
      { name: 'ios', prefix: 'tripline-ios-', composite: 'tripline-ios-pipeline' },
      { name: 'android', prefix: 'tripline-android-', composite: 'tripline-android-pipeline' },
    ]);
  });

  it('exits 2 when the config has no pipelines', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tripline-alarms-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'tripline.config.yaml'), 'version: 1\npaging:\n  receivers: [{ name: ops, slack: { channel: "#ops" } }]\n  route: { receiver: ops }\n');
    const run = await tripline(['alarms', 'plan'], {}, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('configures no pipelines, so there are no alarms to plan: add a pipelines: section');
  });
});

describe('runAlarmsApply on a terminal', () => {
  const deps = () => ({ cwd: REPO, env: {}, cloudWatch: cw.client(), interactive: true, note: () => {} });

  it('changes nothing unless the region is typed', async () => {
    const questions: string[] = [];
    const result = await runAlarmsApply({}, { ...deps(), ask: async (q) => (questions.push(q), 'yes') });
    expect(result).toEqual({ exitCode: 1, stdout: 'Cancelled: nothing was changed.' });
    expect(questions).toEqual([`\nType the region (us-east-1) to create ${TOTAL} and update 0 alarm(s); anything else cancels: `]);
    expect(cw.calls.filter((c) => c.startsWith('Put'))).toEqual([]);
  });

  it('applies once the region is typed', async () => {
    const result = await runAlarmsApply({}, { ...deps(), ask: async () => 'us-east-1\n' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Applied in us-east-1: ${TOTAL} created, 0 updated.`);
    expect(cw.alarms.size).toBe(TOTAL);
    // Nothing left to do: no question asked.
    const again = await runAlarmsApply({}, { ...deps(), ask: async () => { throw new Error('asked'); } });
    expect(again).toEqual({ exitCode: 0, stdout: `Nothing to apply: all ${TOTAL} alarms in us-east-1 match the config.` });
  });
});
