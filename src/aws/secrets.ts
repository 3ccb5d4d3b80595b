import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AwsError, SecretError } from '../errors.js';
import { explainAwsError } from './errors.js';

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** The AWS message names the denied principal and resource, which is what the fix needs. */
function awsMessage(error: unknown): string {
  return error instanceof Error && error.message !== '' ? ` (AWS: ${error.message})` : '';
}

async function regionOf(client: { config: { region: () => Promise<string> } }): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return 'the configured region';
  }
}

/**
 * Reads SSM parameters (SecureStrings decrypted) for `SecretResolver`.
 * Missing parameters and missing permissions become a SecretError saying
 * what to create or grant; credentials, throttling and outages an AwsError.
 *
 * @example new SecretResolver({ env: process.env, ssm: ssmParameterReader(new SSMClient({})) })
 */
export function ssmParameterReader(client: SSMClient): (name: string) => Promise<string> {
  return async (name) => {
    try {
      const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value ?? '';
    } catch (error) {
      throw await ssmError(error, name, client);
    }
  };
}

async function ssmError(error: unknown, name: string, client: SSMClient): Promise<Error> {
  switch (errorName(error)) {
    case 'ParameterNotFound':
      return new SecretError(
        `SSM parameter ${name} does not exist in ${await regionOf(client)}; create it (aws ssm put-parameter --name ${name} --type SecureString --value ...) or fix the name in the config`,
        { cause: error },
      );
    case 'ParameterVersionNotFound':
      return new SecretError(`the requested version of SSM parameter ${name} does not exist; fix the version selector in the config`, {
        cause: error,
      });
    case 'AccessDeniedException':
      return new SecretError(
        `not allowed to read SSM parameter ${name}: grant ssm:GetParameter on ${name} (and kms:Decrypt on its key if it is a SecureString with a customer managed key)${awsMessage(error)}`,
        { cause: error },
      );
    case 'InvalidKeyId':
      return new SecretError(
        `the KMS key of SSM parameter ${name} is disabled, deleted or not usable; re-enable the key or re-create the parameter with a usable key`,
        { cause: error },
      );
    default:
      return new AwsError(`could not read SSM parameter ${name}: ${explainAwsError(error, `ssm:GetParameter on ${name}`)}`, {
        service: 'ssm',
        operation: 'GetParameter',
      }, { cause: error });
  }
}

/**
 * Reads Secrets Manager secret strings (a binary secret is read as UTF-8)
 * for `SecretResolver`, with the same error mapping as `ssmParameterReader`.
 */
export function secretsManagerReader(client: SecretsManagerClient): (id: string) => Promise<string> {
  return async (id) => {
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: id }));
      if (out.SecretString !== undefined) return out.SecretString;
      if (out.SecretBinary !== undefined) return new TextDecoder().decode(out.SecretBinary);
      return '';
    } catch (error) {
      throw await secretsManagerError(error, id, client);
    }
  };
}

async function secretsManagerError(error: unknown, id: string, client: SecretsManagerClient): Promise<Error> {
  switch (errorName(error)) {
    case 'ResourceNotFoundException':
      return new SecretError(
        `Secrets Manager secret ${id} does not exist in ${await regionOf(client)} (or has no current value); create it or fix the name/ARN in the config`,
        { cause: error },
      );
    case 'AccessDeniedException':
      return new SecretError(
        `not allowed to read Secrets Manager secret ${id}: grant secretsmanager:GetSecretValue on it (and kms:Decrypt if it uses a customer managed key)${awsMessage(error)}`,
        { cause: error },
      );
    case 'DecryptionFailure':
      return new SecretError(`cannot decrypt Secrets Manager secret ${id} with its KMS key: grant kms:Decrypt on the key`, {
        cause: error,
      });
    case 'InvalidRequestException':
      return new SecretError(
        `Secrets Manager secret ${id} cannot be read now${awsMessage(error)}; if it is scheduled for deletion, restore it (aws secretsmanager restore-secret)`,
        { cause: error },
      );
    case 'InvalidParameterException':
      return new SecretError(`Secrets Manager rejected the secret id ${id}${awsMessage(error)}; fix it in the config`, { cause: error });
    default:
      return new AwsError(
        `could not read Secrets Manager secret ${id}: ${explainAwsError(error, `secretsmanager:GetSecretValue on ${id}`)}`,
        { service: 'secretsmanager', operation: 'GetSecretValue' },
        { cause: error },
      );
  }
}
