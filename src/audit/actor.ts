import { userInfo } from 'node:os';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Actor } from '../domain/health.js';
import { AwsError } from '../errors.js';
import { explainAwsError } from '../aws/errors.js';

/** Errors that mean the credentials themselves are bad: the action must not go on. */
const CREDENTIAL_ERRORS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'CredentialsProviderError',
]);

/**
 * Who is acting: the AWS caller identity (STS GetCallerIdentity). When STS
 * cannot be asked (no network path, no region), `local:<os user>` with the
 * reason passed to `onFallback`.
 *
 * @throws AwsError (exit 3) when the credentials are expired or invalid, so nothing moves.
 */
export async function resolveActor(sts: STSClient, options: { onFallback?: (reason: string) => void } = {}): Promise<Actor> {
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new Error('GetCallerIdentity returned no Arn');
    return { arn: out.Arn, ...(out.Account ? { account: out.Account } : {}) };
  } catch (error) {
    const reason = explainAwsError(error, 'sts:GetCallerIdentity');
    if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
      throw new AwsError(`STS GetCallerIdentity failed: ${reason}`, { service: 'sts', operation: 'GetCallerIdentity' }, { cause: error });
    }
    const actor = localActor();
    options.onFallback?.(`could not ask STS who you are (${reason}); the audit trail records you as ${actor.arn}`);
    return actor;
  }
}

/** The local user, for the sandbox and when STS is unreachable. */
export function localActor(): Actor {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  }
  return { arn: `local:${name}` };
}
