/**
 * What the stack needs to know about a tripline config: which secrets the
 * router reads (so it is granted exactly those), whether it keeps Slack
 * threads in DynamoDB, and which secrets would leak into the template.
 *
 * Secrets live at `paging.receivers[].pagerduty.routingKey` and `slack.token`,
 * each a SecretRef: `{value}`, `{env}`, `{ssm}` or `{secretsManager, jsonKey?}`.
 * Only those paths are read: elsewhere (matcher `tags: {env: prod}`) the same
 * shapes mean something else.
 */

/** The stack props derived from a config, plus warnings for stderr. */
export interface ConfigStackProps {
  readonly ssmParameterNames: string[];
  readonly secretIds: string[];
  readonly slackThreadTableName: string | undefined;
  /** One line each, naming the config path; printed at synth time. */
  readonly warnings: string[];
}

type SecretRef =
  | { readonly kind: 'value' }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'ssm'; readonly name: string }
  | { readonly kind: 'secretsManager'; readonly id: string };

/**
 * Extracts grants and warnings from a parsed config (`Config` from src/config).
 *
 * @example
 * configToStackProps({ paging: { receivers: [{ name: 'ops', pagerduty: { routingKey: { ssm: '/tripline/pd' } } }] } })
 * // → { ssmParameterNames: ['/tripline/pd'], secretIds: [], slackThreadTableName: undefined, warnings: [] }
 */
export function configToStackProps(config: unknown): ConfigStackProps {
  const ssm = new Set<string>();
  const secrets = new Set<string>();
  const warnings: string[] = [];
  const visit = (value: unknown, at: string): void => {
    const ref = asSecretRef(value);
    switch (ref?.kind) {
      case undefined:
        return;
      case 'ssm':
        ssm.add(ref.name);
        return;
      case 'secretsManager':
        secrets.add(ref.id);
        return;
      case 'value':
        warnings.push(
          `${at}: secret given inline ({value: …}); it will sit in the router's TRIPLINE_CONFIG environment variable and in the CloudFormation template. Store it in SSM (ssm: /tripline/…) or Secrets Manager (secretsManager: …) instead.`,
        );
        return;
      case 'env':
        warnings.push(
          `${at}: reads environment variable ${ref.name}, which this stack does not set on the router. Name an SSM parameter (ssm: …) or a secret (secretsManager: …) instead.`,
        );
        return;
    }
  };

  const receivers = field(field(config, 'paging'), 'receivers');
  let slackUsed = false;
  if (Array.isArray(receivers)) {
    receivers.forEach((receiver: unknown, i) => {
      visit(field(field(receiver, 'pagerduty'), 'routingKey'), `paging.receivers[${i}].pagerduty.routingKey`);
      if (field(receiver, 'slack') !== undefined) slackUsed = true;
    });
  }
  const token = field(field(config, 'slack'), 'token');
  // slack.token defaults to {env: SLACK_BOT_TOKEN}; that only matters when a receiver posts to Slack.
  if (slackUsed || asSecretRef(token)?.kind !== 'env') visit(token, 'slack.token');

  return {
    ssmParameterNames: [...ssm],
    secretIds: [...secrets],
    slackThreadTableName: slackThreadTable(config),
    warnings,
  };
}

function asSecretRef(node: unknown): SecretRef | undefined {
  if (!isRecord(node)) return undefined;
  const keys = Object.keys(node).filter((k) => node[k] !== undefined);
  const only = (...expected: string[]): boolean =>
    keys.length === expected.length && expected.every((k) => typeof node[k] === 'string');
  if (only('value')) return { kind: 'value' };
  if (only('env')) return { kind: 'env', name: String(node['env']) };
  if (only('ssm')) return { kind: 'ssm', name: String(node['ssm']) };
  if (only('secretsManager') || only('jsonKey', 'secretsManager')) {
    return { kind: 'secretsManager', id: String(node['secretsManager']) };
  }
  return undefined;
}

function field(node: unknown, key: string): unknown {
  return isRecord(node) ? node[key] : undefined;
}

function slackThreadTable(config: unknown): string | undefined {
  const table = field(field(field(config, 'slack'), 'threadStore'), 'dynamodbTable');
  return typeof table === 'string' && table !== '' ? table : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
