import type { Dirent, Stats } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import globToRegExp from 'glob-to-regexp';
import { FILE_READ_BYTES, type ReadContext } from './context.js';
import { fileAsyncBuffer, parquetSlices, readParquet } from './parquet.js';
import { readByteStream } from './stream.js';
import type { ReaderOutput } from './types.js';

const GLOB_CHARS = /[*?[\]{}]/;

/** True when `spec` has glob syntax (`*`, `?`, `[…]`, `{a,b}`). */
export function isGlob(spec: string): boolean {
  return GLOB_CHARS.test(spec);
}

/**
 * Hidden and `_`-prefixed names are skipped when walking, as Athena and Hive
 * do (`_SUCCESS`, `.DS_Store`, `_temporary/`); a file named explicitly is read.
 */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/** Reads a local path: a file, a directory (every file below it) or a glob. */
export async function* readLocal(spec: string, ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  let stats: Stats;
  try {
    stats = await stat(spec);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' && isGlob(spec)) {
      yield* readGlob(spec, ctx);
      return;
    }
    ctx.problem(spec, explainPathError(error, spec), false);
    return;
  }
  if (stats.isDirectory()) {
    yield* readDirectory(spec, ctx);
    return;
  }
  yield* readFile(spec, stats, ctx);
}

async function* readDirectory(dir: string, ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  let files = 0;
  for await (const file of walk(dir, ctx, Number.POSITIVE_INFINITY)) {
    files += 1;
    yield* readFile(file.path, file.stats, ctx);
  }
  if (files === 0) {
    ctx.problem(dir, 'no files in this directory (names starting with . or _ are skipped, as Athena does); check the path', false);
  }
}

async function* readGlob(spec: string, ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  const normalized = posix.normalize(spec);
  const segments = normalized.split('/');
  const firstMagic = segments.findIndex((segment) => isGlob(segment));
  const baseSegments = segments.slice(0, firstMagic);
  const base = baseSegments.length === 0 ? '.' : baseSegments.join('/') || '/';
  const rest = segments.slice(firstMagic);
  const maxDepth = rest.includes('**') ? Number.POSITIVE_INFINITY : rest.length - 1;
  const pattern = globToRegExp(normalized, { globstar: true, extended: true });
  let files = 0;
  for await (const file of walk(base, ctx, maxDepth, false)) {
    if (!pattern.test(file.path)) continue;
    files += 1;
    yield* readFile(file.path, file.stats, ctx);
  }
  if (files === 0) {
    const where = isAbsolute(base) ? base : `${base} (relative to ${process.cwd()})`;
    ctx.problem(spec, `no files match this pattern under ${where}; check it, and quote it so the shell does not expand it first`, false);
  }
}

interface Found {
  readonly path: string;
  readonly stats: Stats;
}

/**
 * Files below `dir`, depth first, each directory's entries sorted by name
 * (Firehose's YYYY/MM/DD/HH layout comes out in time order). Symbolic links
 * are followed; a directory reached twice (a link loop) is walked once.
 */
async function* walk(
  dir: string,
  ctx: ReadContext,
  maxDepth: number,
  reportMissing = true,
  depth = 0,
  visited = new Set<string>(),
): AsyncGenerator<Found> {
  let entries: Dirent[];
  try {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (reportMissing || errorCode(error) !== 'ENOENT') ctx.problem(dir, explainPathError(error, dir), false);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (isSkippedName(entry.name)) continue;
    const path = join(dir, entry.name);
    let stats: Stats;
    try {
      stats = await stat(path);
    } catch (error) {
      ctx.problem(path, explainPathError(error, path), false);
      continue;
    }
    if (stats.isDirectory()) {
      if (depth < maxDepth) yield* walk(path, ctx, maxDepth, true, depth + 1, visited);
    } else if (stats.isFile()) {
      yield { path, stats };
    }
  }
}

/** Reads one local file (or FIFO, e.g. `<(zcat x.gz)`): NDJSON, gzip or Parquet, told by its bytes. */
async function* readFile(path: string, stats: Stats, ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  ctx.throwIfAborted();
  if (stats.isFile()) {
    const real = await realpath(path).catch(() => path);
    if (ctx.seen.has(real)) {
      ctx.problem(path, 'named more than once (directly, in a directory or by a glob); read once', false);
      return;
    }
    ctx.seen.add(real);
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    ctx.problem(path, explainPathError(error, path), false);
    return;
  }
  const stream = handle.createReadStream({ highWaterMark: FILE_READ_BYTES });
  try {
    yield* readByteStream(
      {
        source: path,
        stream,
        ...(stats.isFile() ? { size: stats.size, path } : {}),
        parquet: stats.isFile()
          ? () => readParquetFile(path, ctx)
          : 'Parquet, which needs random access that a pipe cannot give; save it to a file and pass its path',
        explain: (error) => explainPathError(error, path),
      },
      ctx,
    );
  } finally {
    stream.destroy();
  }
}

async function* readParquetFile(path: string, ctx: ReadContext): AsyncGenerator<ReaderOutput> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    ctx.problem(path, explainPathError(error, path), false);
    return;
  }
  try {
    const { size } = await handle.stat();
    // For worker threads, only the footer is read here; each worker reads its slices itself.
    if (ctx.parquetSlices) yield* parquetSlices(path, path, fileAsyncBuffer(handle, size), ctx);
    else yield* readParquet(path, fileAsyncBuffer(handle, size), ctx);
  } finally {
    await handle.close();
  }
}

/** The OS's reason in words, and what to do about it. */
export function explainPathError(error: unknown, path: string): string {
  const code = errorCode(error);
  const relative = isAbsolute(path) ? '' : ` (relative to ${process.cwd()})`;
  switch (code) {
    case 'ENOENT':
      return `not found${relative}; check the path`;
    case 'ENOTDIR':
      return `not found: part of the path is a file, not a directory${relative}; check the path`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}); check its permissions (ls -l) or run as a user who can read it`;
    case 'ELOOP':
      return 'too many levels of symbolic links (a link loop?); check where the links point';
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files (${code}); raise the limit (ulimit -n) and retry`;
    case 'EIO':
      return 'I/O error reading the disk (EIO); copy the file elsewhere and retry';
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return code === undefined ? message : `cannot read (${code}): ${message}`;
    }
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
