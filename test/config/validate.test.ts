import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/parse.js';
import { parseConfig } from '../../src/config/parse-sync.js';
import { ConfigError } from '../../src/errors.js';

/** The smallest valid config; each case changes one thing. */
function base(): Record<string, unknown> {
  return {
    version: 1,
    paging: {
      receivers: [
        { name: 'oncall', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } } },
        { name: 'chat', slack: { channel: '#pipeline' } },
      ],
      route: { receiver: 'oncall', routes: [{ match: { alarmName: '*-dlq' }, receiver: 'chat' }] },
    },
  };
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function problems(data: unknown): readonly string[] {
  return configErrorOf(() => validateConfig(data, 'tripline.config.yaml')).issues;
}

type Path = ReadonlyArray<string | number>;
type Edit = (c: Record<string, unknown>) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks a plain JSON document to the parent of `path`'s last key. */
function parentOf(doc: unknown, path: Path): { parent: unknown; key: string | number } {
  let node: unknown = doc;
  for (const key of path.slice(0, -1)) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isRecord(node) && typeof key === 'string') node = node[key];
    else throw new Error(`test document has no ${String(key)}`);
  }
  const key = path[path.length - 1];
  if (key === undefined) throw new Error('empty path');
  return { parent: node, key };
}

function set(path: Path, value: unknown): Edit {
  return (c) => {
    const { parent, key } = parentOf(c, path);
    if (Array.isArray(parent) && typeof key === 'number') parent[key] = value;
    else if (isRecord(parent) && typeof key === 'string') parent[key] = value;
    else throw new Error(`cannot set ${path.join('.')}`);
  };
}

function remove(path: Path): Edit {
  return (c) => {
    const { parent, key } = parentOf(c, path);
    if (isRecord(parent) && typeof key === 'string') delete parent[key];
    else throw new Error(`cannot remove ${path.join('.')}`);
  };
}

function edited(...edits: Edit[]): unknown {
  const c = base();
  for (const edit of edits) edit(c);
  return c;
}

describe('validateConfig: one problem, exact message', () => {
  it.each<[string, Edit, string]>([
    [
      'undefined receiver in a route',
      set(['paging', 'route', 'routes', 0, 'receiver'], 'team-x'),
      'paging.route.routes[0].receiver: undefined receiver "team-x" used in route',
    ],
    [
      'undefined receiver at the root',
      set(['paging', 'route', 'receiver'], 'nobody'),
      'paging.route.receiver: undefined receiver "nobody" used in route',
    ],
    [
      'undefined receiver in a nested route',
      set(['paging', 'route', 'routes', 0, 'routes'], [{ receiver: 'team-y' }]),
      'paging.route.routes[0].routes[0].receiver: undefined receiver "team-y" used in route',
    ],
    [
      'duplicate receiver name',
      set(['paging', 'receivers', 2], { name: 'chat', slack: { channel: '#other' } }),
      'paging.receivers[2].name: duplicate receiver name "chat" (first defined at paging.receivers[1])',
    ],
    [
      'receiver without a channel',
      set(['paging', 'receivers', 2], { name: 'nobody' }),
      'paging.receivers[2]: receiver "nobody" has neither pagerduty nor slack; add at least one',
    ],
    ['no receivers', set(['paging', 'receivers'], []), 'paging.receivers: define at least one receiver'],
    [
      'root route without receiver',
      remove(['paging', 'route', 'receiver']),
      'paging.route.receiver: missing (expected a string)',
    ],
    [
      'match on the root route',
      set(['paging', 'route', 'match'], { alarmName: 'x' }),
      'paging.route.match: unknown key; the root route matches every alarm, so put "match" on a child route under routes',
    ],
    [
      'a typo in a key',
      set(['paging', 'route', 'routes', 0, 'recevier'], 'chat'),
      'paging.route.routes[0].recevier: unknown key; did you mean "receiver"?',
    ],
    [
      'an unknown key with no close match',
      set(['paging', 'receivers', 1, 'slack', 'webhook'], 'https://hooks.example.com'),
      'paging.receivers[1].slack.webhook: unknown key; expected one of channel',
    ],
    ['an unknown top-level section', set(['alerting'], {}), 'alerting: unknown key; expected one of version, paging, slack, notify, quality, pipelines, console, summary'],
    ['a misspelt top-level section', set(['pipelinez'], {}), 'pipelinez: unknown key; did you mean "pipelines"?'],
    [
      'a regex that does not compile',
      set(['paging', 'route', 'routes', 0, 'match'], { dimensions: { QueueName: '/[a-/' } }),
      'paging.route.routes[0].match.dimensions.QueueName: not a valid regular expression (Invalid regular expression: /[a-/: Unterminated character class)',
    ],
    [
      'an empty matcher value',
      set(['paging', 'route', 'routes', 0, 'match'], { tags: { 'aws:cloudformation:stack-name': '' } }),
      'paging.route.routes[0].match.tags["aws:cloudformation:stack-name"]: must not be empty (use "*" to match any value)',
    ],
    [
      'an unknown severity',
      set(['paging', 'route', 'routes', 0, 'severity'], 'sev1'),
      'paging.route.routes[0].severity: must be one of "critical", "error", "warning", "info" (got "sev1")',
    ],
    [
      'an unknown insufficientData policy',
      set(['paging', 'defaults'], { insufficientData: 'alert' }),
      'paging.defaults.insufficientData: must be one of "ignore", "notify", "page" (got "alert")',
    ],
    [
      'an account id YAML read as a number',
      set(['paging', 'route', 'routes', 0, 'match'], { account: 123456789012 }),
      'paging.route.routes[0].match.account: expected a string, got a number; put the value in quotes',
    ],
    ['the wrong version', set(['version'], 2), 'version: must be 1 (got 2)'],
    ['no version', remove(['version']), 'version: missing (must be 1)'],
    [
      'a runbook template with an unknown placeholder',
      set(['paging', 'route', 'routes', 0, 'runbookUrl'], 'https://rb.example.com/{name}'),
      'paging.route.routes[0].runbookUrl: unknown placeholder {name}; use {alarmName}, {alarmNameEncoded}, {accountId}, {region}, {state} or {tags.<key>}',
    ],
    [
      'a runbook template that is not a URL',
      set(['paging', 'defaults'], { runbookUrl: 'runbooks/{alarmName}' }),
      'paging.defaults.runbookUrl: must be an absolute http(s) URL, e.g. "https://runbooks.example.com/{alarmName}"',
    ],
    [
      'an inhibit rule with empty equal',
      set(['paging', 'inhibitRules'], [{ source: { alarmName: 'a' }, target: { alarmName: 'b' }, equal: [] }]),
      'paging.inhibitRules[0].equal: list at least one label that source and target must share, e.g. [pipeline]',
    ],
    [
      'a silence that ends before it starts',
      set(['paging', 'silences'], [
        {
          match: { alarmName: 'tripline-web-*' },
          startsAt: '2026-11-22T06:00:00Z',
          endsAt: '2026-11-22T00:00:00Z',
          comment: 'maintenance',
          createdBy: 'alice',
        },
      ]),
      'paging.silences[0].endsAt: must be after startsAt (2026-11-22T06:00:00Z)',
    ],
    [
      'a silence with a date that is not ISO 8601',
      set(['paging', 'silences'], [
        { match: { alarmName: 'x' }, startsAt: '22/11/2026', endsAt: '2026-11-22T00:00:00Z', comment: 'm', createdBy: 'a' },
      ]),
      'paging.silences[0].startsAt: must be an ISO 8601 date-time with a zone, e.g. "2026-11-22T06:00:00Z"',
    ],
    [
      'a silence that would silence everything',
      set(['paging', 'silences'], [
        { match: {}, startsAt: '2026-11-22T00:00:00Z', endsAt: '2026-11-22T06:00:00Z', comment: 'm', createdBy: 'a' },
      ]),
      'paging.silences[0].match: a silence needs at least one matcher; an empty match would silence every alarm',
    ],
    [
      'two secret sources at once',
      set(['paging', 'receivers', 0, 'pagerduty', 'routingKey'], { env: 'PD', ssm: '/pd' }),
      'paging.receivers[0].pagerduty.routingKey: must be exactly one of { env: NAME }, { ssm: "/parameter/name" }, { secretsManager: "name-or-arn", jsonKey: "key" } or { value: "..." }',
    ],
    [
      'an env secret that is not a variable name',
      set(['slack'], { token: { env: 'slack token' } }),
      'slack.token.env: must be an environment variable name such as PAGERDUTY_ROUTING_KEY',
    ],
    ['a budget of 0', set(['notify'], { budgetSeconds: 0 }), 'notify.budgetSeconds: must be more than 0'],
    ['a budget beyond Lambda', set(['notify'], { budgetSeconds: 901 }), 'notify.budgetSeconds: must be at most 900 (the longest a Lambda can run)'],
  ])('%s', (_name, edit, expected) => {
    expect(problems(edited(edit))).toEqual([expected]);
  });
});

describe('validateConfig: reporting', () => {
  it('collects every problem, schema and cross-field, in document order, under a header naming the source', () => {
    const data = edited(
      set(['paging', 'receivers', 1, 'slak'], { channel: '#x' }),
      set(['paging', 'receivers', 2], { name: 'oncall', slack: { channel: '#y' } }),
      set(['paging', 'route', 'routes', 0, 'receiver'], 'team-x'),
      set(['paging', 'route', 'routes', 0, 'match'], { alarmName: '/(/' }),
    );
    const error = configErrorOf(() => validateConfig(data, 'tripline.config.yaml'));
    expect(error.issues).toEqual([
      'paging.receivers[1].slak: unknown key; did you mean "slack"?',
      'paging.receivers[2].name: duplicate receiver name "oncall" (first defined at paging.receivers[0])',
      'paging.route.routes[0].match.alarmName: not a valid regular expression (Invalid regular expression: /(/: Unterminated group)',
      'paging.route.routes[0].receiver: undefined receiver "team-x" used in route',
    ]);
    expect(error.message).toBe(
      [
        'tripline.config.yaml is not valid (4 problems):',
        '  - paging.receivers[1].slak: unknown key; did you mean "slack"?',
        '  - paging.receivers[2].name: duplicate receiver name "oncall" (first defined at paging.receivers[0])',
        '  - paging.route.routes[0].match.alarmName: not a valid regular expression (Invalid regular expression: /(/: Unterminated group)',
        '  - paging.route.routes[0].receiver: undefined receiver "team-x" used in route',
      ].join('\n'),
    );
    expect(error.exitCode).toBe(2);
  });

  it('never echoes a secret written as plain text', () => {
    const data = edited(set(['paging', 'receivers', 0, 'pagerduty', 'routingKey'], 'R0SECRETROUTINGKEY42'));
    const { message } = configErrorOf(() => validateConfig(data, 'tripline.config.yaml'));
    expect(message).toContain(
      'paging.receivers[0].pagerduty.routingKey: a secret must not be written here as plain text; use { env: NAME }',
    );
    expect(message).not.toContain('R0SECRETROUTINGKEY42');
  });

  it('reports an empty document and a document that is not a mapping', () => {
    expect(problems(null)).toEqual(['(top level): the config is empty; start with "version: 1" and a paging section']);
    expect(problems([1])).toEqual(['(top level): expected a mapping, got a list']);
  });

  it('fills in defaults', () => {
    const config = validateConfig(base(), 'x');
    expect(config.paging.defaults).toEqual({ severity: 'critical', insufficientData: 'ignore' });
    expect(config.paging.inhibitRules).toEqual([]);
    expect(config.paging.silences).toEqual([]);
    expect(config.slack).toEqual({ token: { env: 'SLACK_BOT_TOKEN' } });
    expect(config.notify).toEqual({ budgetSeconds: 20 });
  });

  it('accepts every secret reference form', () => {
    const refs = [
      { env: 'PD_KEY' },
      { value: 'sandbox-key' },
      { ssm: '/tripline/pd-key' },
      { secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tripline-AbCdEf' },
      { secretsManager: 'tripline/pagerduty', jsonKey: 'routingKey' },
    ];
    for (const routingKey of refs) {
      const config = validateConfig(edited(set(['paging', 'receivers', 0, 'pagerduty', 'routingKey'], routingKey)), 'x');
      expect(config.paging.receivers[0]?.pagerduty?.routingKey).toEqual(routingKey);
    }
  });
});

describe('parseConfig (YAML or JSON text)', () => {
  it('parses YAML and JSON alike', () => {
    const yaml = ['version: 1', 'paging:', '  receivers:', '    - name: chat', '      slack: { channel: "#c" }', '  route: { receiver: chat }'].join(
      '\n',
    );
    const json = JSON.stringify({ version: 1, paging: { receivers: [{ name: 'chat', slack: { channel: '#c' } }], route: { receiver: 'chat' } } });
    expect(parseConfig(yaml, 'a.yaml')).toEqual(parseConfig(json, 'a.json'));
  });

  it('reports YAML syntax errors with line and column', () => {
    const text = ['version: 1', 'paging:', '  receivers: []', '  route: {receiver: x}}', '  silences: [a, b'].join('\n');
    expect(() => parseConfig(text, 'tripline.config.yaml')).toThrow(
      'tripline.config.yaml is not valid (1 problem):\n  - line 4, column 23: Unexpected flow-map-end token in YAML stream (YAML syntax)',
    );
  });

  it('reports duplicate keys as syntax errors', () => {
    expect(() => parseConfig('version: 1\nversion: 1\n', 'c.yaml')).toThrow('line 2, column 1: Map keys must be unique (YAML syntax)');
  });
});
