import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { validateConfig } from '../../src/config/parse.js';

describe('defaultConfig', () => {
  it('pages through PAGERDUTY_ROUTING_KEY and posts to SLACK_CHANNEL when both are configured', () => {
    const config = defaultConfig({ PAGERDUTY_ROUTING_KEY: 'key', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL: '#alerts' });
    expect(config).toMatchObject({
      version: 1,
      paging: {
        defaults: { severity: 'critical', insufficientData: 'ignore' },
        receivers: [
          { name: 'default', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } }, slack: { channel: '#alerts' } },
        ],
        route: { receiver: 'default' },
        inhibitRules: [],
        silences: [],
      },
      slack: { token: { env: 'SLACK_BOT_TOKEN' } },
      notify: { budgetSeconds: 20 },
      quality: { trackingPlan: 'tracking-plan', dedupKey: ['eventId'], allowedLatenessSeconds: 600 },
    });
  });

  it('is itself a valid config (the same as parsing its own JSON)', () => {
    const config = defaultConfig({ PAGERDUTY_ROUTING_KEY: 'key' });
    expect(validateConfig(JSON.parse(JSON.stringify(config)), 'defaults')).toEqual(config);
  });

  it.each<[string, NodeJS.ProcessEnv, string[]]>([
    ['PagerDuty only', { PAGERDUTY_ROUTING_KEY: 'key' }, ['pagerduty']],
    ['Slack only', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL: 'C0123' }, ['slack']],
    ['a Slack token without a channel gives no Slack', { PAGERDUTY_ROUTING_KEY: 'key', SLACK_BOT_TOKEN: 'xoxb-1' }, ['pagerduty']],
    ['a channel without a token gives no Slack', { PAGERDUTY_ROUTING_KEY: 'key', SLACK_CHANNEL: '#a' }, ['pagerduty']],
  ])('%s', (_name, env, channels) => {
    const receiver = defaultConfig(env).paging.receivers[0];
    expect(Object.keys(receiver ?? {}).filter((k) => k !== 'name')).toEqual(channels);
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['nothing set', {}],
    ['empty values', { PAGERDUTY_ROUTING_KEY: '', SLACK_BOT_TOKEN: ' ', SLACK_CHANNEL: '#a' }],
    ['Slack half configured', { SLACK_BOT_TOKEN: 'xoxb-1' }],
  ])('throws when no receiver can be built: %s', (_name, env) => {
    expect(() => defaultConfig(env)).toThrow(
      'no receiver: set PAGERDUTY_ROUTING_KEY (and/or SLACK_BOT_TOKEN + SLACK_CHANNEL), or provide tripline.config.yaml (TRIPLINE_CONFIG_FILE / TRIPLINE_CONFIG)',
    );
  });

  it('never copies the routing key into the config', () => {
    expect(JSON.stringify(defaultConfig({ PAGERDUTY_ROUTING_KEY: 'R0SECRET123' }))).not.toContain('R0SECRET123');
  });
});
