import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { ConfigError, InputError } from '../src/errors.js';

/** A Lambda bundle is not where the stack expects it. */
export class BundleMissingError extends InputError {}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Lambda rejects a function whose environment (keys + values) exceeds 4 KB. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

// Characters AWS allows in names; anything else (notably `*` and `?`) would widen a grant.
const SSM_NAME = /^\/?[A-Za-z0-9_.\-/]+$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const ARN = /^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[^*?]+$/;
// A complete secret ARN ends in the 6-character suffix Secrets Manager appends to the name.
const COMPLETE_SECRET_ARN = /-[A-Za-z0-9]{6}$/;
const KMS_KEY_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * The directory of a built Lambda bundle (`given`, else `defaultDir` in the
 * repository), checked to hold `index.mjs`.
 *
 * @throws BundleMissingError before `npm run build`.
 */
export function resolveBundleDir(given: string | undefined, defaultDir: string): string {
  const shown = given ?? defaultDir;
  const dir = given === undefined ? path.join(REPO_ROOT, defaultDir) : path.resolve(given);
  if (!existsSync(path.join(dir, 'index.mjs'))) {
    throw new BundleMissingError(`${path.join(shown, 'index.mjs')} not found: run npm run build first`);
  }
  return dir;
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The secrets a function reads at run time: SSM parameters, Secrets Manager secrets, and the KMS key they are encrypted with. */
/** What the CDK app hands each optional stack it may add (rules/build-app.ts). */
export interface AddStackOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The parsed config (`Config`), or undefined when there is no config file. */
  readonly config: unknown;
  readonly warn: (line: string) => void;
}

export interface SecretGrants {
  readonly ssmParameterNames?: readonly string[] | undefined;
  readonly secretIds?: readonly string[] | undefined;
  readonly kmsKeyArn?: string | undefined;
}

/**
 * Lets `role` read exactly the named secrets (ssm:GetParameter,
 * secretsmanager:GetSecretValue) and decrypt them through SSM or Secrets
 * Manager only.
 *
 * @throws ConfigError for a name or ARN that would widen the grant or is not one.
 */
export function grantSecretReads(stack: Stack, role: Role, grants: SecretGrants): void {
  const parameters = unique(grants.ssmParameterNames ?? []).map((name) => ssmParameterArn(stack, name));
  const secrets = unique(grants.secretIds ?? []).map((id) => secretArn(stack, id));
  if (parameters.length > 0) {
    role.addToPolicy(new PolicyStatement({ sid: 'ReadSsmSecrets', actions: ['ssm:GetParameter'], resources: parameters }));
  }
  if (secrets.length > 0) {
    role.addToPolicy(new PolicyStatement({ sid: 'ReadSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
  }
  if (grants.kmsKeyArn !== undefined) {
    if (!KMS_KEY_ARN.test(grants.kmsKeyArn)) {
      throw new ConfigError(`kmsKeyArn "${grants.kmsKeyArn}" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key-id>`);
    }
    // Only for decrypting through SSM or Secrets Manager, not arbitrary ciphertext.
    role.addToPolicy(
      new PolicyStatement({
        sid: 'DecryptSecrets',
        actions: ['kms:Decrypt'],
        resources: [grants.kmsKeyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': [`ssm.${stack.region}.${stack.urlSuffix}`, `secretsmanager.${stack.region}.${stack.urlSuffix}`],
          },
        },
      }),
    );
  }
}

function ssmParameterArn(stack: Stack, name: string): string {
  if (name.startsWith('arn:')) {
    if (!ARN.test(name) || !name.includes(':parameter/')) {
      throw new ConfigError(`SSM parameter "${name}" is not a parameter ARN or name: use /path/name or arn:…:parameter/path/name`);
    }
    return name;
  }
  if (!SSM_NAME.test(name)) {
    throw new ConfigError(`SSM parameter name "${name}" has characters SSM does not allow: use letters, digits and _ . - /`);
  }
  return stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

function secretArn(stack: Stack, id: string): string {
  if (id.startsWith('arn:')) {
    if (!ARN.test(id) || !id.includes(':secret:')) {
      throw new ConfigError(`secret "${id}" is not a Secrets Manager ARN or name: use a name or arn:…:secret:name-AbCdEf`);
    }
    return COMPLETE_SECRET_ARN.test(id) ? id : `${id}-??????`;
  }
  if (!SECRET_NAME.test(id)) {
    throw new ConfigError(`secret name "${id}" has characters Secrets Manager does not allow: use letters, digits and /_+=.@-`);
  }
  // A name matches exactly one secret ARN: the name plus Secrets Manager's 6-character suffix.
  return stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${id}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
