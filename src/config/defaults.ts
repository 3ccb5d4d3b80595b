import { ConfigSchema } from './schema.js';
import { ConfigError } from '../errors.js';
import type { ReceiverConfig } from './paging.js';
import type { Config } from './schema.js';

/** No config file and no receiver in the environment: paging cannot work, other commands can. */
export class NoReceiverError extends ConfigError {}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/**
 * The config used when there is no config file: one receiver `default`
 * paging through `PAGERDUTY_ROUTING_KEY` when it is set, and posting to
 * `SLACK_CHANNEL` when both `SLACK_BOT_TOKEN` and `SLACK_CHANNEL` are set;
 * severity critical; INSUFFICIENT_DATA ignored.
 *
 * @throws ConfigError when neither PagerDuty nor Slack is configured.
 */
export function defaultConfig(env: NodeJS.ProcessEnv): Config {
  const channel = env['SLACK_CHANNEL'];
  const receiver: ReceiverConfig = {
    name: 'default',
    ...(isSet(env['PAGERDUTY_ROUTING_KEY']) ? { pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } } } : {}),
    ...(isSet(env['SLACK_BOT_TOKEN']) && isSet(channel) ? { slack: { channel: channel.trim() } } : {}),
  };
  if (receiver.pagerduty === undefined && receiver.slack === undefined) {
    throw new NoReceiverError(
      'no receiver: set PAGERDUTY_ROUTING_KEY (and/or SLACK_BOT_TOKEN + SLACK_CHANNEL), or provide tripline.config.yaml (TRIPLINE_CONFIG_FILE / TRIPLINE_CONFIG)',
    );
  }
  // Through the schema, so every other section gets its documented defaults.
  return ConfigSchema.parse({
    version: 1,
    paging: {
      defaults: { severity: 'critical', insufficientData: 'ignore' },
      receivers: [receiver],
      route: { receiver: 'default' },
    },
  });
}
