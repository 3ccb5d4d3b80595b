import type { FindingsSource, Notifier } from '../domain/delivery.js';
import type { Log } from '../domain/log.js';
import { loadConfig, SecretResolver, type Config } from '../config/index.js';
import type { AlarmStateSource } from './router.js';
import type { HttpRequest } from '../notify/http.js';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/**
 * Everything the router needs, built from the environment and the config.
 *
 * AWS SDK clients, the Slack client and pdjs are imported on first use, not
 * when the module loads: the Lambda bundle's cold import stays small, and a
 * receiver type nobody configured costs nothing.
 */
export interface RouterRuntime {
  readonly config: Config;
  /** Where the config came from, for logs (`TRIPLINE_CONFIG`, a path, or `defaults`). */
  readonly configSource: string;
  readonly alarms?: AlarmStateSource;
  /** The top invalid reasons for a quality alarm's page (with CloudWatch). */
  readonly findings?: FindingsSource;
  readonly notifiers: readonly Notifier[];
  readonly secrets: SecretResolver;
}

export interface RouterWiringOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly log: Log;
  /** CLI `--config`. */
  readonly configFile?: string;
  /** The CLI looks for ./tripline.config.yaml here; the Lambda does not. */
  readonly cwd?: string;
  /** Read CloudWatch for convergence and inhibition (the Lambda always does; the CLI with --aws). */
  readonly aws?: boolean;
  /** Network seams, for benchmarks: the notifiers' HTTP and the CloudWatch client. */
  readonly transports?: {
    readonly http?: HttpRequest;
    readonly cloudWatch?: CloudWatchClient;
  };
}

export async function createRouterDeps(options: RouterWiringOptions): Promise<RouterRuntime> {
  const { env, log } = options;
  const { config, source } = await loadConfig({
    env,
    ...(options.configFile ? { file: options.configFile } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  log.info('configuration loaded', { source, receivers: config.paging.receivers.map((r) => r.name) });

  const secrets = new SecretResolver({
    env,
    ssm: async (name) => (await awsSecrets()).readSsm(name),
    secretsManager: async (id) => (await awsSecrets()).readSecret(id),
  });
  let awsSecretsReaders: Promise<{ readSsm(name: string): Promise<string>; readSecret(id: string): Promise<string> }> | undefined;
  function awsSecrets(): NonNullable<typeof awsSecretsReaders> {
    awsSecretsReaders ??= (async () => {
      const [{ SSMClient }, { SecretsManagerClient }, readers] = await Promise.all([
        import('@aws-sdk/client-ssm'),
        import('@aws-sdk/client-secrets-manager'),
        import('../aws/secrets.js'),
      ]);
      return {
        readSsm: readers.ssmParameterReader(new SSMClient({})),
        readSecret: readers.secretsManagerReader(new SecretsManagerClient({})),
      };
    })();
    return awsSecretsReaders;
  }

  const receivers = new Map(config.paging.receivers.map((r) => [r.name, r]));
  const budgetMs = config.notify.budgetSeconds * 1000;
  const notifiers: Notifier[] = [];

  if (config.paging.receivers.some((r) => r.pagerduty)) {
    const { PagerDutyNotifier } = await import('../notify/pagerduty/notifier.js');
    notifiers.push(
      new PagerDutyNotifier({
        ...(env['PAGERDUTY_EVENTS_URL'] ? { eventsUrl: env['PAGERDUTY_EVENTS_URL'] } : {}),
        ...(options.transports?.http ? { send: options.transports.http } : {}),
        routingKeyFor: async (name) => {
          const ref = receivers.get(name)?.pagerduty?.routingKey;
          if (!ref) throw new Error(`receiver ${name} has no PagerDuty routing key`);
          return secrets.resolve(ref, `routing key of receiver ${name}`);
        },
        retry: { budgetMs },
        log,
      }),
    );
  }

  if (config.paging.receivers.some((r) => r.slack)) {
    const [{ SlackNotifier }, { fetchOver }, threadStore] = await Promise.all([
      import('../notify/slack/notifier.js'),
      import('../notify/http.js'),
      createThreadStore(config),
    ]);
    notifiers.push(
      new SlackNotifier({
        token: () => secrets.resolve(config.slack.token, 'Slack bot token'),
        ...(env['SLACK_API_URL'] ? { apiUrl: env['SLACK_API_URL'] } : {}),
        channelFor: (name) => receivers.get(name)?.slack?.channel,
        fetch: fetchOver(options.transports?.http),
        ...(threadStore ? { threadStore } : {}),
        retry: { budgetMs },
        log,
      }),
    );
  }

  let alarms: AlarmStateSource | undefined;
  let findings: FindingsSource | undefined;
  if (options.aws !== false) {
    const [{ CloudWatchClient }, { CloudWatchAlarmReader }] = await Promise.all([
      import('@aws-sdk/client-cloudwatch'),
      import('../aws/alarms.js'),
    ]);
    const client = options.transports?.cloudWatch ?? new CloudWatchClient({});
    // One reader per container: it keeps alarms' tags for a few minutes.
    alarms = new CloudWatchAlarmReader(client);
    // Loaded when an alarm first goes to ALARM, not at cold start.
    let reasons: Promise<FindingsSource> | undefined;
    findings = {
      findingsFor: async (t) => {
        // Only an alarm on InvalidEvents, or a composite (its children may be), can have any.
        if (t.state !== 'ALARM' || (t.kind === 'metric' && !t.metrics.some((m) => m.metricName === 'InvalidEvents'))) return [];
        reasons ??= import('../aws/invalid-reasons.js').then(({ CloudWatchInvalidReasons }) => new CloudWatchInvalidReasons(client, { log }));
        return (await reasons).findingsFor(t);
      },
    };
  }

  return { config, configSource: source, ...(alarms ? { alarms } : {}), ...(findings ? { findings } : {}), notifiers, secrets };
}

async function createThreadStore(config: Config): Promise<import('../notify/slack/thread-store.js').ThreadStore | undefined> {
  const table = config.slack.threadStore?.dynamodbTable;
  if (!table) return undefined;
  const [{ DynamoDBClient }, { DynamoDbThreadStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../notify/slack/thread-store.js'),
  ]);
  return new DynamoDbThreadStore({ client: new DynamoDBClient({}), tableName: table });
}
