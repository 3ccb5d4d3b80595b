import { describe, expect, it } from 'vitest';
import { parseConfigJson, parseConfigText } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';

const yaml = `
version: 1
paging:
  receivers:
    - name: oncall
      pagerduty: { routingKey: { env: PAGERDUTY_ROUTING_KEY } }
  route:
    receiver: oncall
`;
const json = JSON.stringify({
  version: 1,
  paging: { receivers: [{ name: 'oncall', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } } }], route: { receiver: 'oncall' } },
});

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfigText', () => {
  it('reads JSON and YAML into the same config', async () => {
    const fromJson = await parseConfigText(json, 'TRIPLINE_CONFIG');
    const fromYaml = await parseConfigText(yaml, 'TRIPLINE_CONFIG');
    expect(fromYaml).toEqual(fromJson);
    expect(fromJson.paging.receivers[0]?.name).toBe('oncall');
  });

  it('names the source and gives line and column for a YAML syntax error', async () => {
    const error = await rejection(parseConfigText('version: 1\npaging:\n  route: { receiver: "oncall }\n', 'TRIPLINE_CONFIG'));
    expect(error.message).toMatch(/^TRIPLINE_CONFIG is not valid \(1 problem\):\n {2}- line \d+, column \d+: Missing closing "quote \(YAML syntax\)$/);
  });

  it('validates what it parsed', async () => {
    const error = await rejection(parseConfigText('version: 1\npaging:\n  receivers: []\n  route: { receiver: x }\n', 'inline'));
    expect(error.issues).toEqual(['paging.receivers: define at least one receiver']);
  });
});

describe('parseConfigJson', () => {
  it('parses JSON', () => {
    expect(parseConfigJson(json, 'TRIPLINE_CONFIG').paging.route.receiver).toBe('oncall');
  });

  it('gives line and column of a JSON syntax error without quoting the text (which may hold a secret)', () => {
    const text = '{\n  "version": 1,\n  "paging": { "routingKey": { "value": "R0SECRETKEY99" } x }\n}';
    let error: unknown;
    try {
      parseConfigJson(text, 'TRIPLINE_CONFIG');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = error instanceof Error ? error.message : '';
    expect(message).toBe(
      "TRIPLINE_CONFIG is not valid (1 problem):\n  - line 3, column 58: Expected ',' or '}' after property value (JSON syntax)",
    );
    expect(message).not.toContain('R0SECRETKEY99');
    expect(error instanceof Error ? error.cause : 'x').toBeUndefined();
  });

  it('does not read YAML', () => {
    expect(() => parseConfigJson(yaml, 'x.json')).toThrow("x.json is not valid (1 problem):\n  - not valid JSON: Unexpected token 'v'");
  });
});
