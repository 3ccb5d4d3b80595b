import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STSClient } from '@aws-sdk/client-sts';

/**
 * A loopback stand-in for STS GetCallerIdentity, speaking the AWS query
 * protocol the v3 SDK uses (form-encoded POST, XML answer). Point the CLI at
 * it with AWS_ENDPOINT_URL_STS, or use `client()`.
 */
export interface StsServer {
  readonly endpoint: string;
  /** Actions received, in order. */
  readonly calls: string[];
  /** Answer the next calls with this error code (e.g. ExpiredToken). */
  failNext(...codes: string[]): void;
  client(): STSClient;
  close(): Promise<void>;
}

export interface StsIdentity {
  readonly arn: string;
  readonly account: string;
  readonly userId: string;
}

export const ONCALL_IDENTITY: StsIdentity = {
  arn: 'arn:aws:sts::123456789012:assumed-role/Oncall/alice@example.com',
  account: '123456789012',
  userId: 'AROAEXAMPLEID:alice@example.com',
};

export async function startStsServer(identity: StsIdentity = ONCALL_IDENTITY): Promise<StsServer> {
  const calls: string[] = [];
  const faults: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const action = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('Action') ?? '';
      calls.push(action);
      const fault = faults.shift();
      if (fault) {
        res.writeHead(fault === 'Throttling' ? 400 : 403, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${fault}</Code>` +
            `<Message>${fault} (test stand-in)</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
        );
        return;
      }
      if (action !== 'GetCallerIdentity') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>not supported by the stand-in</Message></Error></ErrorResponse>',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
          `<Arn>${identity.arn}</Arn><UserId>${identity.userId}</UserId><Account>${identity.account}</Account>` +
          '</GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    calls,
    failNext: (...codes) => faults.push(...codes),
    client: () =>
      new STSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTESTTESTTEST', secretAccessKey: 'test-secret-not-real' }, maxAttempts: 1 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
