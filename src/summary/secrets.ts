import { SecretResolver } from '../config/index.js';

/**
 * Secrets as the router reads them (src/paging/wiring.ts): environment,
 * SSM parameters or Secrets Manager, the AWS clients made on first use only.
 */
export function awsSecretResolver(env: NodeJS.ProcessEnv): SecretResolver {
  let readers: Promise<{ readSsm(name: string): Promise<string>; readSecret(id: string): Promise<string> }> | undefined;
  const aws = (): NonNullable<typeof readers> => {
    readers ??= (async () => {
      const [{ SSMClient }, { SecretsManagerClient }, r] = await Promise.all([
        import('@aws-sdk/client-ssm'),
        import('@aws-sdk/client-secrets-manager'),
        import('../aws/secrets.js'),
      ]);
      return { readSsm: r.ssmParameterReader(new SSMClient({})), readSecret: r.secretsManagerReader(new SecretsManagerClient({})) };
    })();
    return readers;
  };
  return new SecretResolver({ env, ssm: async (name) => (await aws()).readSsm(name), secretsManager: async (id) => (await aws()).readSecret(id) });
}
