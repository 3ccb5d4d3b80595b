import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type GetObjectCommandOutput,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import globToRegExp from 'glob-to-regexp';
import type { AsyncBuffer } from 'hyparquet';
import { explainAwsError } from '../../aws/errors.js';
import type { ReadContext } from './context.js';
import { isGlob, isSkippedName } from './local.js';
import { formatCount } from './ndjson.js';
import { readParquet, SliceReadError } from './parquet.js';
import { readByteStream } from './stream.js';
import type { ReaderOutput } from './types.js';

export interface S3Location {
  readonly bucket: string;
  /** Key prefix, possibly with glob syntax; '' for the whole bucket. */
  readonly prefix: string;
}

/** `s3://bucket/prefix` → its parts; undefined when not an s3:// URL or the bucket is missing. */
export function parseS3Url(spec: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(spec);
  if (match === null) return undefined;
  return { bucket: match[1] ?? '', prefix: match[2] ?? '' };
}

/**
 * Reads `s3://bucket/prefix`: the object named by it, or every object under
 * it as a folder (`prefix/…`), or the keys a glob matches (`…/*.gz`, `**`),
 * listed page by page (ListObjectsV2) and read in key order. NDJSON objects
 * stream through GetObject; Parquet ones are read with ranged GetObjects, so
 * only the footer and the needed column chunks are fetched.
 */
export async function* readS3(spec: string, ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  const location = parseS3Url(spec);
  if (location === undefined || location.bucket === '') {
    ctx.problem(spec, 'not an S3 location; write it as s3://bucket/prefix', false);
    return;
  }
  const { bucket, prefix } = location;
  const globbed = isGlob(prefix);
  const listPrefix = globbed ? prefix.slice(0, prefix.search(/[*?[\]{}]/)) : prefix;
  const pattern = globbed ? globToRegExp(prefix, { globstar: true, extended: true }) : undefined;
  // Names below the listed folder starting with . or _ are skipped, as Athena does (`_temporary/`, `_SUCCESS`).
  const folder = listPrefix.slice(0, listPrefix.lastIndexOf('/') + 1);
  const inScope = (key: string): boolean => {
    if (key === prefix) return true;
    if (key.endsWith('/') || key.slice(folder.length).split('/').some(isSkippedName)) return false;
    if (pattern !== undefined) return pattern.test(key);
    return prefix === '' || prefix.endsWith('/') || key.startsWith(`${prefix}/`);
  };

  // A bucket in another region than the profile's is common; follow the redirect.
  const client = ctx.s3(() => new S3Client({ followRegionRedirects: true }));
  let objects = 0;
  let token: string | undefined;
  do {
    ctx.throwIfAborted();
    let page: ListObjectsV2CommandOutput;
    try {
      page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: listPrefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
        abortOptions(ctx),
      );
    } catch (error) {
      if (ctx.isAbort(error)) throw error;
      const after = objects > 0 ? `listing stopped after ${formatCount(objects)} objects: ` : 'cannot list: ';
      ctx.problem(spec, `${after}${explainS3Error(error, bucket)}`, objects > 0);
      return;
    }
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined || !inScope(key)) continue;
      objects += 1;
      const source = `s3://${bucket}/${key}`;
      if (ctx.seen.has(source)) {
        ctx.problem(source, 'named more than once; read once', false);
        continue;
      }
      ctx.seen.add(source);
      yield* readObject(client, { bucket, key, source, size: object.Size, etag: object.ETag, storageClass: object.StorageClass }, ctx);
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);

  if (objects === 0) {
    const hint =
      globbed || prefix === '' || prefix.endsWith('/')
        ? `check it (aws s3 ls s3://${bucket}/${listPrefix})`
        : `check it, or to match every key that starts with it add *: s3://${bucket}/${prefix}*`;
    ctx.problem(spec, `no objects ${globbed ? 'match this pattern' : 'at or under this location'}; ${hint}`, false);
  }
}

interface S3Object {
  readonly bucket: string;
  readonly key: string;
  readonly source: string;
  readonly size: number | undefined;
  readonly etag: string | undefined;
  readonly storageClass: string | undefined;
}

const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/**
 * The first ranged GET of a Parquet object takes its last 64 KiB, which holds
 * the footer of a typical Firehose file (hyparquet's default, 512 KiB, would
 * be the whole of many small objects, fetched again column by column).
 */
const S3_FOOTER_FETCH_BYTES = 64 * 1024;

async function* readObject(client: S3Client, object: S3Object, ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  const { bucket, key, source } = object;
  if (object.storageClass !== undefined && ARCHIVED.has(object.storageClass)) {
    ctx.problem(source, `archived in ${object.storageClass}; restore it first (aws s3api restore-object) and run again`, false);
    return;
  }
  // Parquet by name: go straight to ranged reads instead of starting a download.
  if (key.endsWith('.parquet') && object.size !== undefined) {
    yield* readParquet(source, s3AsyncBuffer(client, object, object.size, ctx), ctx, { footerFetchBytes: S3_FOOTER_FETCH_BYTES });
    return;
  }
  let body: Readable;
  let size = object.size;
  try {
    const response = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(object.etag === undefined ? {} : { IfMatch: object.etag }) }),
      abortOptions(ctx),
    );
    if (!(response.Body instanceof Readable)) throw new TypeError('the S3 response has no readable body');
    body = response.Body;
    size = response.ContentLength ?? size;
  } catch (error) {
    if (ctx.isAbort(error)) throw error;
    ctx.problem(source, `cannot read: ${explainS3Error(error, bucket, key)}`, false);
    return;
  }
  const total = size;
  try {
    yield* readByteStream(
      {
        source,
        stream: body,
        ...(total === undefined ? {} : { size: total }),
        parquet:
          total === undefined
            ? 'Parquet, but S3 did not say its size, which ranged reads need; run again'
            : () => readParquet(source, s3AsyncBuffer(client, object, total, ctx), ctx, { footerFetchBytes: S3_FOOTER_FETCH_BYTES }),
        explain: (error) => explainS3Error(error, bucket, key),
      },
      ctx,
    );
  } finally {
    body.destroy();
  }
}

/** An AsyncBuffer over an S3 object: each slice is one ranged GetObject, pinned to the listed ETag. */
export function s3AsyncBuffer(
  client: S3Client,
  object: Pick<S3Object, 'bucket' | 'key' | 'etag'>,
  size: number,
  ctx: ReadContext,
): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      if (end <= start) return new ArrayBuffer(0);
      let response: GetObjectCommandOutput;
      try {
        response = await client.send(
          new GetObjectCommand({
            Bucket: object.bucket,
            Key: object.key,
            Range: `bytes=${start}-${end - 1}`,
            ...(object.etag === undefined ? {} : { IfMatch: object.etag }),
          }),
          abortOptions(ctx),
        );
      } catch (error) {
        if (ctx.isAbort(error)) throw error;
        throw new SliceReadError(explainS3Error(error, object.bucket, object.key), { cause: error });
      }
      if (response.Body === undefined) throw new Error('the S3 response has no body');
      let bytes = await response.Body.transformToByteArray();
      // A server that ignores Range sends the whole object.
      if (bytes.length === size && end - start !== size) bytes = bytes.subarray(start, end);
      if (bytes.length !== end - start) {
        throw new Error(`S3 returned ${bytes.length} bytes for a ${end - start}-byte range`);
      }
      const buffer = bytes.buffer;
      if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return buffer;
      return bytes.slice().buffer;
    },
  };
}

/** An S3 failure in words: what was wrong and what to do. */
export function explainS3Error(error: unknown, bucket: string, key?: string): string {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NoSuchBucket':
      return `bucket ${bucket} does not exist (NoSuchBucket); check the bucket name and the account in use (AWS_PROFILE)`;
    case 'NoSuchKey':
      return 'the object is gone (NoSuchKey): deleted or moved since it was listed; run again';
    case 'InvalidObjectState':
      return 'the object is archived (InvalidObjectState); restore it first (aws s3api restore-object) and run again';
    case 'PreconditionFailed':
      return 'the object changed while it was being read (PreconditionFailed); run again';
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
      return `bucket ${bucket} is in another region than the one in use (${name}); set AWS_REGION to the bucket's region`;
    default:
      break;
  }
  const action = key === undefined ? `s3:ListBucket on arn:aws:s3:::${bucket}` : `s3:GetObject on arn:aws:s3:::${bucket}/${key}`;
  const explained = explainAwsError(error, action);
  const kms = key !== undefined && /^access denied/.test(explained) ? ' (and kms:Decrypt if the bucket uses SSE-KMS)' : '';
  return `${explained}${kms}`;
}

function abortOptions(ctx: ReadContext): { abortSignal?: AbortSignal } {
  return ctx.signal === undefined ? {} : { abortSignal: ctx.signal };
}
