import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';

/**
 * A loopback stand-in for the S3 REST API (path-style), enough for the
 * readers: ListObjectsV2 with pagination, GetObject whole or ranged (with
 * If-Match), and S3's XML errors. Tests drive the real S3Client against it.
 */
export interface S3Request {
  readonly method: string;
  readonly bucket: string;
  readonly key?: string;
  readonly range?: string;
  /** Body bytes sent back (what a user would pay S3 transfer for). */
  bytesSent: number;
}

export interface FakeS3 {
  readonly endpoint: string;
  readonly requests: S3Request[];
  /** bucket → key → content */
  readonly buckets: Map<string, Map<string, Uint8Array>>;
  /** Keys (bucket/key) that answer AccessDenied. */
  readonly denied: Set<string>;
  client(): S3Client;
  close(): Promise<void>;
}

export async function startS3Server(options: { readonly pageSize?: number } = {}): Promise<FakeS3> {
  const pageSize = options.pageSize ?? 2;
  const buckets = new Map<string, Map<string, Uint8Array>>();
  const denied = new Set<string>();
  const requests: S3Request[] = [];

  const server = createServer((req, res) => {
    // Drain any request body; S3 GETs have none.
    req.resume();
    req.on('end', () => handle(req, res));
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, bucketName = '', ...keyParts] = url.pathname.split('/');
    const bucket = decodeURIComponent(bucketName);
    const key = keyParts.length > 0 ? keyParts.map(decodeURIComponent).join('/') : undefined;
    const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    const request: S3Request = { method: req.method ?? 'GET', bucket, ...(key ? { key } : {}), ...(range ? { range } : {}), bytesSent: 0 };
    requests.push(request);

    const objects = buckets.get(bucket);
    if (objects === undefined) return sendError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (key === undefined || key === '') {
      if (denied.has(bucket)) return sendError(res, 403, 'AccessDenied', 'Access Denied');
      return list(res, bucket, objects, url.searchParams);
    }
    if (denied.has(`${bucket}/${key}`)) return sendError(res, 403, 'AccessDenied', 'Access Denied');
    const body = objects.get(key);
    if (body === undefined) return sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const ifMatch = req.headers['if-match'];
    if (typeof ifMatch === 'string' && ifMatch !== etagOf(body)) {
      return sendError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    }
    let status = 200;
    let slice = body;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', etag: etagOf(body), 'accept-ranges': 'bytes' };
    const match = range === undefined ? null : /^bytes=(\d+)-(\d+)?$/.exec(range);
    if (match !== null) {
      const start = Number(match[1]);
      const end = Math.min(match[2] === undefined ? body.length - 1 : Number(match[2]), body.length - 1);
      slice = body.subarray(start, end + 1);
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
    }
    headers['content-length'] = String(slice.length);
    request.bytesSent = slice.length;
    res.writeHead(status, headers);
    res.end(slice);
  }

  function list(res: ServerResponse, bucket: string, objects: Map<string, Uint8Array>, params: URLSearchParams): void {
    const prefix = params.get('prefix') ?? '';
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const start = Number(params.get('continuation-token') ?? '0');
    const page = keys.slice(start, start + pageSize);
    const truncated = start + pageSize < keys.length;
    const contents = page
      .map((k) => {
        const body = objects.get(k) ?? new Uint8Array();
        return `<Contents><Key>${xml(k)}</Key><LastModified>2026-11-01T10:00:00.000Z</LastModified><ETag>${xml(etagOf(body))}</ETag><Size>${body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${pageSize}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${start + pageSize}</NextContinuationToken>` : ''}</ListBucketResult>`,
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    requests,
    buckets,
    denied,
    client: () =>
      new S3Client({
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>TEST</RequestId></Error>`);
}

function etagOf(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
