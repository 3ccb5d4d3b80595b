import { ReadContext } from './context.js';
import { readLocal } from './local.js';
import { readByteStream } from './stream.js';
import type { ReaderOutput, ReadOptions, RecordChunk } from './types.js';

export type { InputProblem, NdjsonRange, ParquetSlice, ReaderOutput, ReadOptions, RecordChunk } from './types.js';
export { ENVELOPE_COLUMNS } from './context.js';
export { DEFAULT_CHUNK_BYTES, DEFAULT_MAX_LINE_BYTES, NdjsonChunker } from './ndjson.js';

/** What `-` reads as in problems and progress. */
export const STDIN_SOURCE = 'stdin';

/**
 * Reads every input in turn and yields its records in chunks, input after
 * input. Each spec is one of:
 * - `-`: stdin (NDJSON, plain or gzip);
 * - a file: NDJSON (`.ndjson`, `.jsonl`, `.json`, any name), gzip or Parquet, told by its first bytes;
 * - a directory: every file below it, sorted, skipping names that start with `.` or `_`;
 * - a glob: `data/2026/11/*.ndjson.gz`, `data/**\/*.parquet` (quote it from the shell);
 * - `s3://bucket/prefix`: the object, or every object under the prefix, or a glob over keys.
 *
 * A bad input (missing, unreadable, binary, truncated, empty) is reported
 * through `onProblem` and reading goes on; the records read from it before
 * the failure are still yielded. Only `signal` stops the run (it throws the
 * abort reason).
 *
 * @example
 * for await (const chunk of openInputs(['data/', 's3://lake/events/2026/11/'], { onProblem: (p) => warn(p) })) {
 *   if (chunk.kind === 'ndjson') parseLines(chunk.data);
 * }
 */
export async function* openInputs(specs: readonly string[], options: ReadOptions = {}): AsyncGenerator<RecordChunk, void, undefined> {
  for await (const output of readInputs(specs, new ReadContext(options))) {
    if (output.kind === 'parquet-slice' || output.kind === 'ndjson-range') throw new Error(`internal: ${output.kind} from openInputs`);
    yield output;
  }
}

/**
 * {@link openInputs} for the checker's worker threads: the same records and
 * problems, but a local Parquet file comes as slices (its footer read and
 * checked here) and a plain (not gzipped) local NDJSON file as byte ranges,
 * which the workers read, classify and count themselves.
 * Parquet on S3 still comes as decoded rows. `allocateChunk` gives NDJSON
 * chunks their storage (slots of a SharedArrayBuffer the workers read in
 * place), instead of a fresh ArrayBuffer each.
 */
export async function* openInputTasks(
  specs: readonly string[],
  options: ReadOptions = {},
  internals: { readonly allocateChunk?: (bytes: number) => Uint8Array } = {},
): AsyncGenerator<ReaderOutput, void, undefined> {
  yield* readInputs(specs, new ReadContext(options, { ...internals, parquetSlices: true, ndjsonRanges: true }));
}

async function* readInputs(specs: readonly string[], ctx: ReadContext): AsyncGenerator<ReaderOutput, void, undefined> {
  let stdinRead = false;
  for (const spec of specs) {
    ctx.throwIfAborted();
    if (spec === '-') {
      if (stdinRead) {
        ctx.problem(STDIN_SOURCE, 'named more than once; read once', false);
        continue;
      }
      stdinRead = true;
      yield* readStdin(ctx);
    } else if (spec.startsWith('s3://')) {
      // The AWS SDK loads only when an s3:// input is named.
      const { readS3 } = await import('./s3.js');
      yield* readS3(spec, ctx);
    } else {
      yield* readLocal(spec, ctx);
    }
  }
}

async function* readStdin(ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  const stream = ctx.stdin ?? process.stdin;
  if (isTerminal(stream)) {
    ctx.problem(STDIN_SOURCE, 'stdin is a terminal, not a pipe; pipe events in (e.g. `zcat events.gz | tripline dq check -`) or pass file paths', false);
    return;
  }
  yield* readByteStream(
    {
      source: STDIN_SOURCE,
      stream,
      parquet: 'Parquet, which needs random access that stdin cannot give; save it to a file and pass its path',
      explain: (error) => (error instanceof Error ? error.message : String(error)),
    },
    ctx,
  );
}

function isTerminal(stream: NodeJS.ReadableStream): boolean {
  return 'isTTY' in stream && stream.isTTY === true;
}
