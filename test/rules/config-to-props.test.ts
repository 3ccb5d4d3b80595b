import { describe, expect, it } from 'vitest';
import { configToStackProps } from '../../rules/config-to-props.js';

// Plain objects shaped like a parsed Config (src/config), defaults applied.
function config(overrides: { receivers?: unknown[]; slack?: Record<string, unknown> } = {}): unknown {
  return {
    version: 1,
    paging: {
      receivers: overrides.receivers ?? [],
      route: { receiver: 'ops', routes: [{ match: { tags: { env: 'prod' }, dimensions: { ssm: 'x' } } }] },
    },
    slack: { token: { env: 'SLACK_BOT_TOKEN' }, ...overrides.slack },
    notify: {},
  };
}

describe('configToStackProps', () => {
  it('collects SSM parameters and Secrets Manager secrets from receivers and Slack, once each', () => {
    const props = configToStackProps(
      config({
        receivers: [
          { name: 'ops', pagerduty: { routingKey: { ssm: '/tripline/pagerduty' } } },
          { name: 'data', pagerduty: { routingKey: { secretsManager: 'tripline/pd', jsonKey: 'data' } } },
          { name: 'ops-2', pagerduty: { routingKey: { ssm: '/tripline/pagerduty' } } },
          { name: 'chat', slack: { channel: '#pipeline' } },
        ],
        slack: { token: { secretsManager: 'tripline/slack' } },
      }),
    );
    expect(props).toEqual({
      ssmParameterNames: ['/tripline/pagerduty'],
      secretIds: ['tripline/pd', 'tripline/slack'],
      slackThreadTableName: undefined,
      warnings: [],
    });
  });

  it('does not take matcher tags or dimensions that look like secret references for secrets', () => {
    const props = configToStackProps(config());
    expect(props.ssmParameterNames).toEqual([]);
    expect(props.warnings).toEqual([]);
  });

  it('warns, naming the path, when a secret is inline', () => {
    const props = configToStackProps(
      config({ receivers: [{ name: 'ops', pagerduty: { routingKey: { value: 'R0UT1NGKEY' } } }] }),
    );
    expect(props.warnings).toHaveLength(1);
    expect(props.warnings[0]).toMatch(/^paging\.receivers\[0\]\.pagerduty\.routingKey: secret given inline/);
    expect(props.warnings.join('\n')).not.toContain('R0UT1NGKEY');
  });

  it('warns about an environment-variable secret the stack will not set, but not the unused Slack default', () => {
    const pagerOnly = configToStackProps(
      config({ receivers: [{ name: 'ops', pagerduty: { routingKey: { env: 'PD_KEY' } } }] }),
    );
    expect(pagerOnly.warnings).toEqual([
      expect.stringMatching(/^paging\.receivers\[0\]\.pagerduty\.routingKey: reads environment variable PD_KEY/),
    ]);
    const withSlack = configToStackProps(config({ receivers: [{ name: 'chat', slack: { channel: '#oncall' } }] }));
    expect(withSlack.warnings).toEqual([expect.stringMatching(/^slack\.token: reads environment variable SLACK_BOT_TOKEN/)]);
  });

  it('names the Slack thread table when the config keeps threads in DynamoDB', () => {
    expect(configToStackProps(config({ slack: { threadStore: { dynamodbTable: 'tripline-threads' } } })).slackThreadTableName).toBe(
      'tripline-threads',
    );
  });

  it('asks for nothing when there is no config', () => {
    expect(configToStackProps(undefined)).toEqual({
      ssmParameterNames: [],
      secretIds: [],
      slackThreadTableName: undefined,
      warnings: [],
    });
  });
});
