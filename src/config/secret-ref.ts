import * as z from 'zod/mini';
import '../zod-config.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const SECRET_REF_FORMS =
  '{ env: NAME }, { ssm: "/parameter/name" }, { secretsManager: "name-or-arn", jsonKey: "key" } or { value: "..." }';

/**
 * Where a secret (routing key, bot token) comes from. Only `value` holds the
 * secret itself; it is meant for the sandbox and tests, not for production.
 */
export const SecretRefSchema = z.union(
  [
    z.strictObject({
      env: z.string().check(z.regex(ENV_NAME, 'must be an environment variable name such as PAGERDUTY_ROUTING_KEY')),
    }),
    z.strictObject({ ssm: z.string().check(z.minLength(1, 'must name an SSM parameter, e.g. "/tripline/pagerduty-key"')) }),
    z.strictObject({
      secretsManager: z.string().check(z.minLength(1, 'must name a Secrets Manager secret (name or ARN)')),
      jsonKey: z.optional(z.string().check(z.minLength(1, 'must not be empty; leave jsonKey out to use the whole secret string'))),
    }),
    z.strictObject({ value: z.string().check(z.minLength(1, 'must not be empty')) }),
  ],
  {
    // The input is never echoed: a bare string here is usually the secret itself.
    error: (issue) =>
      typeof issue.input === 'string'
        ? `a secret must not be written here as plain text; use ${SECRET_REF_FORMS}`
        : `must be exactly one of ${SECRET_REF_FORMS}`,
  },
);
export type SecretRef = z.infer<typeof SecretRefSchema>;

/** Names the reference without its value, for logs and error messages. */
export function describeSecretRef(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('ssm' in ref) return `SSM parameter ${ref.ssm}`;
  if ('secretsManager' in ref) {
    return ref.jsonKey === undefined
      ? `Secrets Manager secret ${ref.secretsManager}`
      : `key "${ref.jsonKey}" of Secrets Manager secret ${ref.secretsManager}`;
  }
  return 'the inline value in the config';
}
