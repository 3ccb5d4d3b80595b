/**
 * Turns an AWS SDK error into one sentence an oncall engineer can act on.
 * Never includes request headers or credentials.
 */
export function explainAwsError(error: unknown, action: string): string {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'RequestExpired':
      return `the AWS credentials have expired (${name}); refresh them (e.g. \`aws sso login\` or a new session) and retry`;
    case 'AccessDenied':
    case 'AccessDeniedException':
    case 'UnauthorizedOperation':
    case 'AuthorizationError':
      return `access denied (${name}): grant ${action} to the caller's IAM role`;
    case 'Throttling':
    case 'ThrottlingException':
    case 'TooManyRequestsException':
    case 'RequestLimitExceeded':
      return `throttled by AWS (${name}); retry later or make fewer calls`;
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
      return `the AWS credentials are not valid (${name}); check AWS_PROFILE / the access key in use`;
    case 'CredentialsProviderError':
      return 'no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run inside AWS';
    default:
      break;
  }
  if (message === 'Region is missing') {
    return 'no AWS region is set; set AWS_REGION (or AWS_PROFILE with a region), e.g. AWS_REGION=eu-west-1';
  }
  const code = errorCode(error);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return `could not reach the AWS endpoint (${code}); check the network, AWS_REGION and any AWS_ENDPOINT_URL* setting`;
  }
  return `${name}: ${message}`;
}

/** True for errors worth retrying later (throttling, 5xx, network). */
export function isTransientAwsError(error: unknown): boolean {
  const name = errorName(error);
  if (['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'ServiceUnavailable', 'InternalFailure'].includes(name)) {
    return true;
  }
  const status = httpStatus(error);
  if (status !== undefined && status >= 500) return true;
  const code = errorCode(error);
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT';
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return 'Error';
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = 'code' in error ? error.code : undefined;
  if (typeof code === 'string') return code;
  const cause = 'cause' in error ? error.cause : undefined;
  return cause === error ? undefined : errorCode(cause);
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const meta = error.$metadata;
  if (typeof meta !== 'object' || meta === null || !('httpStatusCode' in meta)) return undefined;
  return typeof meta.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
}
