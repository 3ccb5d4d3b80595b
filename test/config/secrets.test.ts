import { describe, expect, it } from 'vitest';
import { SecretResolver, type SecretRef } from '../../src/config/secrets.js';
import { AwsError, SecretError } from '../../src/errors.js';

const WHAT = 'routing key of receiver oncall';
const SECRET = 'R0SECRETVALUE1234567890';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** A parameter store whose value can be rotated, like SSM or Secrets Manager. */
function store(initial: Record<string, string>) {
  const values = new Map(Object.entries(initial));
  return {
    values,
    read: async (name: string): Promise<string> => {
      const value = values.get(name);
      if (value === undefined) throw new SecretError(`SSM parameter ${name} does not exist in eu-west-1; create it`);
      return value;
    },
  };
}

describe('SecretResolver', () => {
  it('reads an environment variable and an inline value', async () => {
    const resolver = new SecretResolver({ env: { PAGERDUTY_ROUTING_KEY: SECRET } });
    expect(await resolver.resolve({ env: 'PAGERDUTY_ROUTING_KEY' }, WHAT)).toBe(SECRET);
    expect(await resolver.resolve({ value: 'sandbox-key' }, WHAT)).toBe('sandbox-key');
  });

  it.each<[string, SecretRef, NodeJS.ProcessEnv, string]>([
    [
      'an unset variable',
      { env: 'PAGERDUTY_ROUTING_KEY' },
      {},
      'routing key of receiver oncall: environment variable PAGERDUTY_ROUTING_KEY is not set; set PAGERDUTY_ROUTING_KEY',
    ],
    [
      'an empty variable',
      { env: 'PAGERDUTY_ROUTING_KEY' },
      { PAGERDUTY_ROUTING_KEY: ' ' },
      'routing key of receiver oncall: environment variable PAGERDUTY_ROUTING_KEY is empty; set PAGERDUTY_ROUTING_KEY to the value',
    ],
    [
      'SSM without AWS access',
      { ssm: '/tripline/pd-key' },
      {},
      'routing key of receiver oncall: SSM parameter /tripline/pd-key cannot be read here (no AWS access); run with AWS credentials or use { env: NAME } instead',
    ],
    [
      'Secrets Manager without AWS access',
      { secretsManager: 'tripline/pd', jsonKey: 'routingKey' },
      {},
      'routing key of receiver oncall: Secrets Manager secret tripline/pd cannot be read here (no AWS access); run with AWS credentials or use { env: NAME } instead',
    ],
  ])('explains %s', async (_name, ref, env, message) => {
    const error = await rejection(new SecretResolver({ env }).resolve(ref, WHAT));
    expect(error).toBeInstanceOf(SecretError);
    expect(error.message).toBe(message);
  });

  it('reads SSM parameters and reuses them for ttlMs, then picks up a rotated value', async () => {
    let now = 0;
    const ssm = store({ '/tripline/pd-key': 'v1' });
    const resolver = new SecretResolver({ env: {}, ssm: ssm.read, ttlMs: 1_000, now: () => now });
    expect(await resolver.resolve({ ssm: '/tripline/pd-key' }, WHAT)).toBe('v1');
    ssm.values.set('/tripline/pd-key', 'v2');
    now = 999;
    expect(await resolver.resolve({ ssm: '/tripline/pd-key' }, WHAT)).toBe('v1');
    now = 1_000;
    expect(await resolver.resolve({ ssm: '/tripline/pd-key' }, WHAT)).toBe('v2');
  });

  it('shares one lookup between concurrent callers, and a failure reaches each of them with its own context', async () => {
    let release: (value: string) => void = () => {};
    const pending = new Promise<string>((resolve) => (release = resolve));
    // A second request would see a rotated value; sharing the first means both callers get the same one.
    const answers = [pending, Promise.resolve('rotated')];
    const resolver = new SecretResolver({ env: {}, ssm: () => answers.shift() ?? Promise.reject(new Error('no more answers')) });
    const a = resolver.resolve({ ssm: '/k' }, 'routing key of receiver a');
    const b = resolver.resolve({ ssm: '/k' }, 'routing key of receiver b');
    release('shared\n');
    expect(await Promise.all([a, b])).toEqual(['shared', 'shared']);

    const failing = new SecretResolver({
      env: {},
      ssm: async () => {
        throw new SecretError('SSM parameter /k does not exist in eu-west-1; create it');
      },
    });
    const errors = await Promise.all([
      rejection(failing.resolve({ ssm: '/k' }, 'routing key of receiver a')),
      rejection(failing.resolve({ ssm: '/k' }, 'routing key of receiver b')),
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      'routing key of receiver a: SSM parameter /k does not exist in eu-west-1; create it',
      'routing key of receiver b: SSM parameter /k does not exist in eu-west-1; create it',
    ]);
  });

  it('does not cache a failure', async () => {
    const ssm = store({});
    const resolver = new SecretResolver({ env: {}, ssm: ssm.read });
    const error = await rejection(resolver.resolve({ ssm: '/tripline/pd-key' }, WHAT));
    expect(error.message).toBe('routing key of receiver oncall: SSM parameter /tripline/pd-key does not exist in eu-west-1; create it');
    ssm.values.set('/tripline/pd-key', 'created');
    expect(await resolver.resolve({ ssm: '/tripline/pd-key' }, WHAT)).toBe('created');
  });

  it('keeps an AWS outage an AwsError (worth retrying), naming who needed the secret', async () => {
    const resolver = new SecretResolver({
      env: {},
      ssm: async () => {
        throw new AwsError('could not read SSM parameter /x: throttled by AWS', { service: 'ssm', operation: 'GetParameter' });
      },
    });
    const error = await rejection(resolver.resolve({ ssm: '/x' }, WHAT));
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({
      message: 'routing key of receiver oncall: could not read SSM parameter /x: throttled by AWS',
      service: 'ssm',
      operation: 'GetParameter',
    });
  });

  it('rejects an empty SSM parameter', async () => {
    const resolver = new SecretResolver({ env: {}, ssm: store({ '/p': '' }).read });
    expect((await rejection(resolver.resolve({ ssm: '/p' }, WHAT))).message).toBe(
      'routing key of receiver oncall: SSM parameter /p is empty; put the value into /p (aws ssm put-parameter --type SecureString --overwrite)',
    );
  });

  describe('Secrets Manager with jsonKey', () => {
    const resolverWith = (secret: string) => new SecretResolver({ env: {}, secretsManager: store({ 'tripline/pd': secret }).read });
    const ref = { secretsManager: 'tripline/pd', jsonKey: 'routingKey' } as const;

    it('picks the key from a JSON secret; without jsonKey the whole string is the secret', async () => {
      const secret = JSON.stringify({ routingKey: SECRET, slackToken: 'xoxb-1' });
      expect(await resolverWith(secret).resolve(ref, WHAT)).toBe(SECRET);
      expect(await resolverWith(secret).resolve({ secretsManager: 'tripline/pd' }, WHAT)).toBe(secret);
    });

    it.each<[string, string, string]>([
      [
        'not JSON',
        `${SECRET}`,
        'routing key of receiver oncall: Secrets Manager secret tripline/pd is not a JSON object, but jsonKey "routingKey" needs one; store {"routingKey": "..."} or leave out jsonKey',
      ],
      [
        'a JSON string, not an object',
        JSON.stringify(SECRET),
        'routing key of receiver oncall: Secrets Manager secret tripline/pd is not a JSON object, but jsonKey "routingKey" needs one; store {"routingKey": "..."} or leave out jsonKey',
      ],
      [
        'without the key',
        JSON.stringify({ key: SECRET, token: SECRET }),
        'routing key of receiver oncall: Secrets Manager secret tripline/pd has no key "routingKey" (it has "key", "token"); fix jsonKey or add the key to the secret',
      ],
      [
        'a number under the key',
        JSON.stringify({ routingKey: 1234567890 }),
        'routing key of receiver oncall: key "routingKey" of Secrets Manager secret tripline/pd is a number, not a string; store the value as a JSON string',
      ],
      [
        'an empty string under the key',
        JSON.stringify({ routingKey: '' }),
        'routing key of receiver oncall: key "routingKey" of Secrets Manager secret tripline/pd is empty; put the value into secret tripline/pd',
      ],
    ])('explains a secret that is %s, without showing it', async (_name, secret, message) => {
      const error = await rejection(resolverWith(secret).resolve(ref, WHAT));
      expect(error).toBeInstanceOf(SecretError);
      expect(error.message).toBe(message);
      expect(error.message).not.toContain(SECRET);
      expect(String(error.cause ?? '')).not.toContain(SECRET);
    });
  });
});
