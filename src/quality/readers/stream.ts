import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ReadContext } from './context.js';
import { formatCount, NdjsonChunker } from './ndjson.js';
import { SNIFF_BYTES, sniffRaw, sniffText } from './sniff.js';
import type { NdjsonRange, ReaderOutput } from './types.js';

/** One input read front to back: a file, stdin, an S3 object body. */
export interface ByteStream {
  readonly source: string;
  readonly stream: NodeJS.ReadableStream;
  /** Total bytes when known (file size, S3 ContentLength), for progress. */
  readonly size?: number;
  /**
   * How to read it if it turns out to be Parquet, which needs random access;
   * absent for pipes and stdin, or a message saying what to do instead.
   */
  readonly parquet: (() => AsyncGenerator<ReaderOutput>) | string;
  /** Turns a read error into `reason; what to do`. */
  readonly explain: (error: unknown) => string;
  /** A regular local file, which worker threads can read in ranges themselves (see NdjsonRange). */
  readonly path?: string;
}

/**
 * A worker decodes a range into one string; from ~1 MB (Node's limit,
 * 0xFBEE9 bytes) that string lives outside the heap, and dead ones pile up
 * until external-memory pressure forces a full GC (~50 MB of RSS a worker).
 */
const MAX_RANGE_BYTES = 960 * 1024;

/** The ranges of a plain NDJSON file, `chunkBytes` each (at most {@link MAX_RANGE_BYTES}). */
function* ndjsonRanges(input: ByteStream & { readonly path: string; readonly size: number }, head: Uint8Array, ctx: ReadContext): Generator<NdjsonRange> {
  const contentStart = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const step = Math.max(1, Math.min(ctx.chunkBytes, MAX_RANGE_BYTES));
  for (let start = 0; start < input.size; start += step) {
    const end = Math.min(input.size, start + step);
    yield {
      kind: 'ndjson-range',
      source: input.source,
      path: input.path,
      size: input.size,
      start,
      end,
      contentStart,
      maxLineBytes: ctx.maxLineBytes,
      last: end === input.size,
    };
    ctx.progress(input.source, end, input.size);
  }
}

/**
 * Reads an NDJSON input (plain or gzip, told by its magic bytes), or hands
 * over to the Parquet reader. Never throws for a bad input: it reports a
 * problem, and lines read before a failure still count. Only an abort ends
 * the run.
 */
export async function* readByteStream(input: ByteStream, ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  const { source } = input;
  let rawBytes = 0;
  const raw = counted(input.stream, (n) => {
    rawBytes += n;
    ctx.progress(source, rawBytes, input.size);
  });
  let head: Peeked;
  try {
    head = await peek(raw, SNIFF_BYTES);
  } catch (error) {
    await raw.return(undefined);
    if (ctx.isAbort(error)) throw error;
    ctx.problem(source, `cannot read: ${input.explain(error)}`, false);
    return;
  }
  const sniffed = sniffRaw(head.bytes);
  if (sniffed.kind === 'empty') {
    ctx.problem(source, 'empty (0 bytes): nothing to check', false);
    return;
  }
  if (sniffed.kind === 'unsupported' || sniffed.kind === 'parquet') {
    await raw.return(undefined);
    if (sniffed.kind === 'unsupported') {
      ctx.problem(source, sniffed.message, false);
    } else if (typeof input.parquet === 'string') {
      ctx.problem(source, input.parquet, false);
    } else {
      yield* input.parquet();
    }
    return;
  }

  if (sniffed.kind === 'text' && ctx.ndjsonRanges && input.path !== undefined && input.size !== undefined) {
    // Worker threads read this file themselves, range by range.
    await raw.return(undefined);
    yield* ndjsonRanges({ ...input, path: input.path, size: input.size }, head.bytes, ctx);
    return;
  }
  const gzip = sniffed.kind === 'gzip';
  let text: AsyncGenerator<Uint8Array, void, undefined> = prepend(head.chunks, raw);
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 128 * 1024 });
    // Errors surface through iterating gunzip; pipeline only wires teardown.
    pipeline(Readable.from(text), gunzip, () => {});
    text = bytesOf(gunzip);
    let decoded: Peeked;
    try {
      decoded = await peek(text, SNIFF_BYTES);
    } catch (error) {
      await text.return(undefined);
      if (ctx.isAbort(error)) throw error;
      ctx.problem(source, gzipFailure(error, 0, input.explain), false);
      return;
    }
    const inner = sniffText(decoded.bytes, true);
    if (inner.kind === 'empty') {
      if (!decoded.done) await text.return(undefined);
      ctx.problem(source, 'empty: the gzip holds no data; nothing to check', false);
      return;
    }
    if (inner.kind === 'unsupported') {
      await text.return(undefined);
      ctx.problem(source, inner.message, false);
      return;
    }
    text = prepend(decoded.chunks, text);
  }

  const chunker = new NdjsonChunker(source, {
    chunkBytes: ctx.chunkBytes,
    maxLineBytes: ctx.maxLineBytes,
    ...(ctx.allocateChunk === undefined ? {} : { allocate: ctx.allocateChunk }),
  });
  const out: import('./types.js').RecordChunk[] = [];
  let failure: unknown;
  let failed = false;
  try {
    for await (const bytes of text) {
      chunker.push(bytes, out);
      if (out.length > 0) {
        const ready = out.splice(0);
        for (const chunk of ready) {
          yield chunk;
          ctx.throwIfAborted();
        }
      }
    }
  } catch (error) {
    if (ctx.isAbort(error)) throw error;
    failure = error;
    failed = true;
  }
  const dropped = chunker.end(out, { dropPartial: failed });
  for (const chunk of out) {
    yield chunk;
    ctx.throwIfAborted();
  }

  if (failed) {
    const lines = chunker.records;
    const cut = dropped ? ' (the last, cut-off line is not counted)' : '';
    const message = gzip
      ? gzipFailure(failure, lines, input.explain, cut)
      : `read failed after ${formatCount(lines)} ${plural(lines, 'line')}${cut}: ${input.explain(failure)}`;
    ctx.problem(source, message, lines > 0);
    return;
  }
  if (chunker.records === 0) {
    ctx.problem(source, `no records: only blank lines${gzip ? ' inside the gzip' : ''}; nothing to check`, false);
  }
}

function gzipFailure(error: unknown, lines: number, explain: (error: unknown) => string, cut = ''): string {
  const read = `${formatCount(lines)} ${plural(lines, 'line')} read before the stream ended${cut}`;
  const code = errorCode(error);
  if (code === 'Z_BUF_ERROR') {
    return `truncated gzip: ${read}; the rest is missing — copy the file again (gzip -t checks a copy)`;
  }
  if (code !== undefined && code.startsWith('Z_')) {
    const reason = error instanceof Error ? error.message : String(error);
    return `corrupt gzip (${reason}): ${read}; copy the file again (gzip -t checks a copy)`;
  }
  return `read failed: ${read}: ${explain(error)}`;
}

export function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

interface Peeked {
  /** The chunks read, to be replayed. */
  readonly chunks: readonly Uint8Array[];
  /** The same bytes joined (only up to what was read). */
  readonly bytes: Uint8Array;
  readonly done: boolean;
}

/** Reads from `it` until at least `min` bytes or its end, without losing them. */
async function peek(it: AsyncIterator<Uint8Array>, min: number): Promise<Peeked> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < min) {
    const next = await it.next();
    if (next.done === true) return { chunks, bytes: Buffer.concat(chunks, total), done: true };
    chunks.push(next.value);
    total += next.value.length;
  }
  return { chunks, bytes: Buffer.concat(chunks, total), done: false };
}

/** Replays peeked chunks, then the rest; closing it closes the source. */
async function* prepend(
  chunks: readonly Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  let finished = false;
  try {
    yield* chunks;
    for (;;) {
      const next = await rest.next();
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) await rest.return?.(undefined);
  }
}

async function* counted(
  stream: NodeJS.ReadableStream,
  onBytes: (n: number) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of bytesOf(stream)) {
    onBytes(chunk.length);
    yield chunk;
  }
}

async function* bytesOf(stream: NodeJS.ReadableStream): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of stream) {
    if (chunk instanceof Uint8Array) yield chunk;
    else if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else throw new TypeError(`expected bytes from the input stream, got ${typeof chunk}`);
  }
}
