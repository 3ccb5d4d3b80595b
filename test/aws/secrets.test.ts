import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { secretsManagerReader, ssmParameterReader } from '../../src/aws/secrets.js';
import { SecretResolver } from '../../src/config/secrets.js';
import { AwsError, SecretError } from '../../src/errors.js';

const REGION = 'eu-west-1';
const SSM_URL = `https://ssm.${REGION}.amazonaws.com`;
const SM_URL = `https://secretsmanager.${REGION}.amazonaws.com`;
const SECRET = 'R0SECRETROUTINGKEY0123456789';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

const ssm = new SSMClient({ region: REGION, credentials, maxAttempts: 1 });
const secretsManager = new SecretsManagerClient({ region: REGION, credentials, maxAttempts: 1 });

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

function awsJsonError(type: string, message: string) {
  return { __type: type, message };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('ssmParameterReader', () => {
  it('asks SSM for the decrypted parameter and returns its value', async () => {
    let sent: unknown;
    nock(SSM_URL)
      .post('/', (body: unknown) => {
        sent = body;
        return true;
      })
      .matchHeader('x-amz-target', 'AmazonSSM.GetParameter')
      .reply(200, { Parameter: { Name: '/tripline/pd-key', Type: 'SecureString', Value: SECRET, Version: 3 } });

    expect(await ssmParameterReader(ssm)('/tripline/pd-key')).toBe(SECRET);
    expect(sent).toEqual({ Name: '/tripline/pd-key', WithDecryption: true });
  });

  it.each<[string, number, string, string, typeof SecretError | typeof AwsError]>([
    [
      'ParameterNotFound',
      400,
      '',
      'SSM parameter /tripline/pd-key does not exist in eu-west-1; create it (aws ssm put-parameter --name /tripline/pd-key --type SecureString --value ...) or fix the name in the config',
      SecretError,
    ],
    [
      'AccessDeniedException',
      400,
      'User: arn:aws:sts::123456789012:assumed-role/tripline-alarm-router/fn is not authorized to perform: ssm:GetParameter',
      'not allowed to read SSM parameter /tripline/pd-key: grant ssm:GetParameter on /tripline/pd-key (and kms:Decrypt on its key if it is a SecureString with a customer managed key) (AWS: User: arn:aws:sts::123456789012:assumed-role/tripline-alarm-router/fn is not authorized to perform: ssm:GetParameter)',
      SecretError,
    ],
    [
      'InvalidKeyId',
      400,
      '',
      'the KMS key of SSM parameter /tripline/pd-key is disabled, deleted or not usable; re-enable the key or re-create the parameter with a usable key',
      SecretError,
    ],
    [
      'ExpiredTokenException',
      400,
      'The security token included in the request is expired',
      'could not read SSM parameter /tripline/pd-key: the AWS credentials have expired (ExpiredTokenException); refresh them (e.g. `aws sso login` or a new session) and retry',
      AwsError,
    ],
    [
      'ThrottlingException',
      400,
      'Rate exceeded',
      'could not read SSM parameter /tripline/pd-key: throttled by AWS (ThrottlingException); retry later or make fewer calls',
      AwsError,
    ],
  ])('maps %s to what to do', async (type, status, awsMessage, message, kind) => {
    nock(SSM_URL).post('/').reply(status, awsJsonError(type, awsMessage), { 'content-type': 'application/x-amz-json-1.1' });
    const error = await rejection(ssmParameterReader(ssm)('/tripline/pd-key'));
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toBe(message);
    if (error instanceof AwsError) expect([error.service, error.operation]).toEqual(['ssm', 'GetParameter']);
  });

  it('feeds SecretResolver, whose message names the receiver', async () => {
    nock(SSM_URL).post('/').reply(400, awsJsonError('ParameterNotFound', ''), { 'content-type': 'application/x-amz-json-1.1' });
    const resolver = new SecretResolver({ env: {}, ssm: ssmParameterReader(ssm) });
    const error = await rejection(resolver.resolve({ ssm: '/tripline/pd-key' }, 'routing key of receiver oncall'));
    expect(error.message).toMatch(/^routing key of receiver oncall: SSM parameter \/tripline\/pd-key does not exist in eu-west-1; /);
  });
});

describe('secretsManagerReader', () => {
  it('asks Secrets Manager for the secret and returns its string', async () => {
    let sent: unknown;
    const secretString = JSON.stringify({ routingKey: SECRET });
    nock(SM_URL)
      .post('/', (body: unknown) => {
        sent = body;
        return true;
      })
      .matchHeader('x-amz-target', 'secretsmanager.GetSecretValue')
      .reply(200, { ARN: `arn:aws:secretsmanager:${REGION}:123456789012:secret:tripline/pd-AbCdEf`, Name: 'tripline/pd', SecretString: secretString });

    const resolver = new SecretResolver({ env: {}, secretsManager: secretsManagerReader(secretsManager) });
    expect(await resolver.resolve({ secretsManager: 'tripline/pd', jsonKey: 'routingKey' }, 'routing key of receiver oncall')).toBe(SECRET);
    expect(sent).toEqual({ SecretId: 'tripline/pd' });
  });

  it('reads a binary secret as UTF-8', async () => {
    nock(SM_URL)
      .post('/')
      .reply(200, { Name: 'tripline/pd', SecretBinary: Buffer.from(SECRET, 'utf8').toString('base64') });
    expect(await secretsManagerReader(secretsManager)('tripline/pd')).toBe(SECRET);
  });

  it.each<[string, string, string, typeof SecretError | typeof AwsError]>([
    [
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
      'Secrets Manager secret tripline/pd does not exist in eu-west-1 (or has no current value); create it or fix the name/ARN in the config',
      SecretError,
    ],
    [
      'AccessDeniedException',
      'not authorized to perform: secretsmanager:GetSecretValue',
      'not allowed to read Secrets Manager secret tripline/pd: grant secretsmanager:GetSecretValue on it (and kms:Decrypt if it uses a customer managed key) (AWS: not authorized to perform: secretsmanager:GetSecretValue)',
      SecretError,
    ],
    [
      'DecryptionFailure',
      'Access to KMS is not allowed',
      'cannot decrypt Secrets Manager secret tripline/pd with its KMS key: grant kms:Decrypt on the key',
      SecretError,
    ],
    [
      'InvalidRequestException',
      'You tried to perform the operation on a secret that is currently marked deleted.',
      'Secrets Manager secret tripline/pd cannot be read now (AWS: You tried to perform the operation on a secret that is currently marked deleted.); if it is scheduled for deletion, restore it (aws secretsmanager restore-secret)',
      SecretError,
    ],
    [
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
      'could not read Secrets Manager secret tripline/pd: the AWS credentials are not valid (UnrecognizedClientException); check AWS_PROFILE / the access key in use',
      AwsError,
    ],
  ])('maps %s to what to do', async (type, awsMessage, message, kind) => {
    nock(SM_URL).post('/').reply(400, awsJsonError(type, awsMessage), { 'content-type': 'application/x-amz-json-1.1' });
    const error = await rejection(secretsManagerReader(secretsManager)('tripline/pd'));
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toBe(message);
  });

  it('reports an outage as an AwsError', async () => {
    nock(SM_URL).post('/').reply(500, awsJsonError('InternalServiceError', 'internal error'), {
      'content-type': 'application/x-amz-json-1.1',
    });
    const error = await rejection(secretsManagerReader(secretsManager)('tripline/pd'));
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ service: 'secretsmanager', operation: 'GetSecretValue' });
    expect(error.message).toMatch(/^could not read Secrets Manager secret tripline\/pd: InternalServiceError/);
  });
});
