import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STACK_NAME, readAppSettings, synthTemplate } from '../../rules/build-app.js';
import { ConfigError } from '../../src/errors.js';
import { fakeBundleDir, isRecord, only, statements } from './template-helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TSX = path.join(REPO, 'node_modules/tsx/dist/cli.mjs');

const CONFIG_YAML = `version: 1
paging:
  receivers:
    - name: ops
      pagerduty:
        routingKey: { ssm: /tripline/pagerduty }
    - name: sandbox
      pagerduty:
        routingKey: { value: INLINE-KEY-123 }
  route:
    receiver: ops
slack:
  threadStore:
    dynamodbTable: tripline-slack-threads
`;

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

let bundleDir = '';
beforeAll(() => {
  bundleDir = fakeBundleDir();
  dirs.push(bundleDir);
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const noContext = (): undefined => undefined;

describe('readAppSettings', () => {
  it('defaults to the sns topology, the standard stack name and no config in an empty directory', () => {
    const settings = readAppSettings(noContext, {}, tempDir('tripline-cwd-'));
    expect(settings).toMatchObject({
      stackName: DEFAULT_STACK_NAME,
      topology: 'sns',
      alarmNamePrefix: undefined,
      configFile: undefined,
    });
  });

  it('picks up ./tripline.config.yaml when it exists', () => {
    const cwd = tempDir('tripline-cwd-');
    writeFileSync(path.join(cwd, 'tripline.config.yaml'), CONFIG_YAML);
    expect(readAppSettings(noContext, {}, cwd).configFile).toBe(path.join(cwd, 'tripline.config.yaml'));
  });

  it('takes context over TRIPLINE_* environment variables', () => {
    const env = { TRIPLINE_STACK_NAME: 'from-env', TRIPLINE_TOPOLOGY: 'direct', TRIPLINE_ALARM_NAME_PREFIX: 'env-' };
    const cwd = tempDir('tripline-cwd-');
    expect(readAppSettings(noContext, env, cwd)).toMatchObject({
      stackName: 'from-env',
      topology: 'direct',
      alarmNamePrefix: 'env-',
    });
    const context: Record<string, string> = { stackName: 'from-context', topology: 'sns' };
    expect(readAppSettings((key) => context[key], env, cwd)).toMatchObject({
      stackName: 'from-context',
      topology: 'sns',
      alarmNamePrefix: 'env-',
    });
  });

  it('rejects an unknown topology, listing the valid ones', () => {
    const read = () => readAppSettings((key) => (key === 'topology' ? 'eventbridge' : undefined), {}, tempDir('tripline-cwd-'));
    expect(read).toThrow(ConfigError);
    expect(read).toThrow('unknown topology "eventbridge": use one of sns, direct');
  });

  it('rejects a named config file that does not exist', () => {
    const read = () => readAppSettings(noContext, { TRIPLINE_CONFIG_FILE: 'ops.yaml' }, tempDir('tripline-cwd-'));
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/config file ops\.yaml not found/);
  });

  it('rejects context that is not a string', () => {
    expect(() => readAppSettings((key) => (key === 'stackName' ? 42 : undefined), {}, tempDir('tripline-cwd-'))).toThrow(
      'context "stackName" must be a string, got 42: pass -c stackName=<value>',
    );
  });
});

describe('synthTemplate with a config file', () => {
  let template: unknown;
  const warnings: string[] = [];

  beforeAll(async () => {
    const cwd = tempDir('tripline-cwd-');
    writeFileSync(path.join(cwd, 'ops.config.yaml'), CONFIG_YAML);
    template = await synthTemplate({
      cwd,
      env: {},
      context: { config: 'ops.config.yaml', bundleDir, topology: 'direct', alarmNamePrefix: 'pipeline-' },
      warn: (line) => warnings.push(line),
    });
  });

  it('deploys the validated config as compact JSON in TRIPLINE_CONFIG', () => {
    const fn = only(template, 'AWS::Lambda::Function').properties;
    const variables = isRecord(fn['Environment']) ? fn['Environment']['Variables'] : undefined;
    const json = isRecord(variables) ? variables['TRIPLINE_CONFIG'] : undefined;
    expect(typeof json).toBe('string');
    expect(String(json)).not.toContain('\n');
    expect(JSON.parse(String(json))).toMatchObject({
      version: 1,
      paging: { receivers: [{ name: 'ops' }, { name: 'sandbox' }], route: { receiver: 'ops' } },
    });
  });

  it('grants the SSM parameter the config names and creates its thread table', () => {
    const ssm = statements(template).filter((s) => s.actions.includes('ssm:GetParameter'));
    expect(ssm.map((s) => s.resources)).toEqual([
      ['arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/tripline/pagerduty'],
    ]);
    expect(only(template, 'AWS::DynamoDB::Table').properties['TableName']).toBe('tripline-slack-threads');
  });

  it('applies the topology and prefix from context', () => {
    const rule = only(template, 'AWS::Events::Rule').properties;
    expect(rule['EventPattern']).toMatchObject({ detail: { alarmName: [{ prefix: 'pipeline-' }] } });
    expect(only(template, 'AWS::Lambda::Permission').properties['Principal']).toBe('events.amazonaws.com');
  });

  it('warns about the inline secret without printing it', () => {
    expect(warnings).toEqual([
      expect.stringMatching(/^ops\.config\.yaml: paging\.receivers\[1\]\.pagerduty\.routingKey: secret given inline/),
    ]);
    expect(warnings.join('\n')).not.toContain('INLINE-KEY-123');
  });
});

function runSynth(
  args: string[],
  cwd: string,
  tmp: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, path.join(REPO, 'rules/synth.ts'), ...args],
      { cwd, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], TMPDIR: tmp }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm run synth (rules/synth.ts)', () => {
  it('prints only the template on stdout and leaves no cloud assembly behind', async () => {
    const cwd = tempDir('tripline-cwd-');
    const tmp = tempDir('tripline-tmp-');
    const result = await runSynth(['-c', `bundleDir=${bundleDir}`, '-c', 'stackName=ops-router'], cwd, tmp);
    expect(result.code).toBe(0);
    const template: unknown = JSON.parse(result.stdout);
    expect(only(template, 'AWS::SNS::Topic', (t) => t.properties['TopicName'] === 'ops-router-router-failures')).toBeDefined();
    expect(result.stderr).toContain('no tripline.config.yaml');
    expect(readdirSync(cwd)).toEqual([]);
    // tsx keeps its own cache there; the cloud assembly must be gone.
    expect(readdirSync(tmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });

  it('exits 2 and says to build first when the bundle is missing', async () => {
    const cwd = tempDir('tripline-cwd-');
    const result = await runSynth(['-c', 'bundleDir=missing-bundle'], cwd, tempDir('tripline-tmp-'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('missing-bundle/index.mjs not found: run npm run build first');
    expect(result.stderr).not.toContain('warning');
  });
});
