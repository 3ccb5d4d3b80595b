import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../rules/build-app.js';
import { DEFAULT_SUMMARY_STACK_NAME } from '../../rules/oncall-summary-stack.js';
import { parseConfigText } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { fakeBundleDir, isRecord, only, render, resources, statements } from './template-helpers.js';

const PAGING = [
  'version: 1',
  'paging:',
  '  receivers:',
  '    - name: oncall',
  '      pagerduty: { routingKey: { ssm: /tripline/pagerduty } }',
  '  route: { receiver: oncall }',
].join('\n');

const CONFIG = `${PAGING}
slack:
  token: { ssm: /tripline/slack-bot-token }
quality:
  trackingPlan: tracking-plan
pipelines:
  web: { stream: tracking-web, processor: web-proc, failedQueue: tripline-web-failed, dlq: tripline-web-dlq }
  ios: { stream: tracking-ios, processor: ios-proc, failedQueue: "arn:aws:sqs:eu-west-1:210987654321:ios-failed", dlq: "https://sqs.eu-west-1.amazonaws.com/210987654321/ios-dlq" }
console:
  pagerdutyApiToken: { secretsManager: tripline/pagerduty-api }
summary:
  channel: C0ONCALL
  schedule: cron(0 7,19 * * ? *)
`;

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function appWith(config: string, context: Record<string, string> = {}) {
  const cwd = tempDir('tripline-summary-cdk-');
  writeFileSync(path.join(cwd, 'tripline.config.yaml'), config);
  const warnings: string[] = [];
  const routerBundle = fakeBundleDir();
  const summaryBundle = fakeBundleDir();
  dirs.push(routerBundle, summaryBundle);
  const built = await buildApp({
    cwd,
    env: { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' },
    outdir: tempDir('tripline-summary-out-'),
    context: { bundleDir: routerBundle, summaryBundleDir: summaryBundle, ...context },
    warn: (line) => warnings.push(line),
  });
  const template = built.summaryStack === undefined ? undefined : built.app.synth().getStackArtifact(built.summaryStack.artifactId).template;
  return { built, template: template as unknown, warnings };
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the oncall-summary stack', () => {
  let template: unknown;
  let warnings: string[];
  let stackName: string | undefined;

  beforeAll(async () => {
    const app = await appWith(CONFIG);
    template = app.template;
    warnings = app.warnings;
    stackName = app.built.summaryStack?.stackName;
  });

  it('runs the summary Lambda on the configured schedule', () => {
    expect(stackName).toBe(DEFAULT_SUMMARY_STACK_NAME);
    const rule = only(template, 'AWS::Events::Rule').properties;
    expect(rule['ScheduleExpression']).toBe('cron(0 7,19 * * ? *)');
    const targets = rule['Targets'] as { Arn: unknown }[];
    expect(targets.map((t) => render(t.Arn))).toEqual([`\${${only(template, 'AWS::Lambda::Function').logicalId}.Arn}`]);
    const permission = only(template, 'AWS::Lambda::Permission').properties;
    expect(permission['Principal']).toBe('events.amazonaws.com');
  });

  it('deploys the sections the summary reads as TRIPLINE_CONFIG, on Node 22', () => {
    const fn = only(template, 'AWS::Lambda::Function').properties;
    expect(fn['Runtime']).toBe('nodejs22.x');
    const variables = isRecord(fn['Environment']) && isRecord(fn['Environment']['Variables']) ? fn['Environment']['Variables'] : {};
    const config = JSON.parse(String(variables['TRIPLINE_CONFIG'])) as Record<string, unknown>;
    // Quality and notify settings stay out of the 4 KB environment.
    expect(Object.keys(config).sort()).toEqual(['console', 'paging', 'pipelines', 'slack', 'summary', 'version']);
    expect(config['summary']).toMatchObject({ channel: 'C0ONCALL', schedule: 'cron(0 7,19 * * ? *)', since: '12h', flappingTransitions: 4 });
  });

  it('grants reading alarm history, metrics, the pipelines\' queues and the two secrets, nothing else', () => {
    const all = statements(template).filter((s) => s.effect === 'Allow' && !s.actions.some((a) => a.startsWith('logs:') || a === 'sts:AssumeRole' || a === 'lambda:InvokeFunction'));
    expect(all.map((s) => [s.actions, s.resources])).toEqual([
      [['cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData'], ['*']],
      [
        ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        [
          'arn:${AWS::Partition}:sqs:eu-west-1:123456789012:tripline-web-failed',
          'arn:${AWS::Partition}:sqs:eu-west-1:123456789012:tripline-web-dlq',
          'arn:aws:sqs:eu-west-1:210987654321:ios-failed',
          'arn:${AWS::Partition}:sqs:eu-west-1:210987654321:ios-dlq',
        ],
      ],
      [['ssm:GetParameter'], ['arn:${AWS::Partition}:ssm:eu-west-1:123456789012:parameter/tripline/slack-bot-token']],
      [['secretsmanager:GetSecretValue'], ['arn:${AWS::Partition}:secretsmanager:eu-west-1:123456789012:secret:tripline/pagerduty-api-??????']],
    ]);
    expect(warnings).toEqual([]);
  });

  it('is not there without a summary section', async () => {
    const { built } = await appWith(PAGING);
    expect(built.summaryStack).toBeUndefined();
    expect(built.app.node.children.map((c) => c.node.id)).not.toContain(DEFAULT_SUMMARY_STACK_NAME);
  });

  it('defaults to 08:00 and 20:00 UTC, and warns when it has nowhere to post or no token it can read', async () => {
    const { template: t, warnings: w } = await appWith(`${PAGING}\nsummary: {}\n`);
    expect(only(t, 'AWS::Events::Rule').properties['ScheduleExpression']).toBe('cron(0 8,20 * * ? *)');
    expect(w).toEqual([
      expect.stringMatching(/^summary: no summary.channel and no -c slackChannel=…: the oncall-summary Lambda has nowhere to post/),
      expect.stringMatching(/^slack.token: reads environment variable SLACK_BOT_TOKEN, which the oncall-summary stack does not set/),
    ]);
    expect(resources(t, 'AWS::IAM::Policy')).toHaveLength(1);
  });

  it('takes the channel and stack name from context', async () => {
    const { built, template: t } = await appWith(`${PAGING}\nsummary: {}\n`, { slackChannel: 'C0FROMCTX', summaryStackName: 'oncall-summary-staging' });
    expect(built.summaryStack?.stackName).toBe('oncall-summary-staging');
    const fn = only(t, 'AWS::Lambda::Function').properties;
    expect(isRecord(fn['Environment']) && isRecord(fn['Environment']['Variables']) ? fn['Environment']['Variables']['SLACK_CHANNEL'] : undefined).toBe('C0FROMCTX');
  });

  it.each([
    ['cron(0 8 * * *)', /a cron expression has 6 fields/],
    ['cron(0 8 * * MON *)', /day-of-month or day-of-week must be "\?"/],
    ['rate(1 hours)', /write "rate\(1 hour\)"/],
    ['every 12 hours', /use an EventBridge schedule expression/],
  ])('a schedule of %s is refused when the config is read', async (schedule, message) => {
    const error: unknown = await parseConfigText(`${PAGING}\nsummary: { schedule: "${schedule}" }\n`, 'tripline.config.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.join('\n')).toMatch(/summary\.schedule/);
    expect((error as ConfigError).message).toMatch(message);
  });
});
