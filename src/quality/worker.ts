/**
 * A quality worker thread: classifies and counts the chunks the main thread
 * sends, and reads, classifies and counts the byte ranges of NDJSON files and
 * the slices of Parquet files it is handed (the main thread only sniffed the
 * file, or read its footer); returns each chunk's and range's duplicate
 * fingerprints (the main thread owns the fingerprint set), each slice's
 * counts on their own, and, when told to finish, its accumulated state.
 * Built to dist/cli/dq-worker.js.
 */
import type { FileHandle } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { accumulateLines } from './check/chunk.js';
import { QualityAccumulator, accumulateChunk, createClassifier, type Classifier } from './check/index.js';
import { createSharedChunkMemory, useSharedChunkMemory, type SharedMemory } from './plan/dirty-simd.js';
import { loadTrackingPlan } from './plan/index.js';
import { explainPathError } from './readers/local.js';
import type { NdjsonRange } from './readers/types.js';
import type { FromWorker, ToWorker, WorkerSetup } from './run.js';
import { readParquetSlice, TaskFiles } from './task-files.js';

const port = parentPort;
if (!port) throw new Error('dq-worker runs as a worker thread');
const setup = workerData as WorkerSetup;

const files = new TaskFiles();

/** Where ranges are read to: this thread's own shared memory, so the SIMD byte check reads it in place. */
let rangeMemory: { readonly memory: SharedMemory; readonly bytes: number } | undefined;

function rangeBuffer(bytes: number): Uint8Array {
  if (rangeMemory === undefined || rangeMemory.bytes < bytes) {
    const memory = createSharedChunkMemory(bytes);
    useSharedChunkMemory(memory);
    rangeMemory = { memory, bytes };
  }
  return new Uint8Array(rangeMemory.memory.buffer, 0, rangeMemory.bytes);
}

/** Reads `length` bytes at `position` into `buffer[offset…]`; fewer only at the end of the file. */
async function readAt(handle: FileHandle, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, offset + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

const NEWLINE = 10;
const TAIL_STEP = 64 * 1024;

/**
 * The lines that start in `[range.start, range.end)`: read from the byte
 * before the range (to tell whether a line starts at its first byte), and
 * past its end as far as its last line goes (at most `maxLineBytes` + 1:
 * a longer line is counted unread).
 */
async function readRange(range: NdjsonRange, classifier: Classifier, acc: QualityAccumulator): Promise<number> {
  const handle = await files.handle(range.path);
  const from = Math.max(range.start - 1, 0);
  const span = range.end - from;
  const buffer = rangeBuffer(span + range.maxLineBytes + 1 + TAIL_STEP);
  let used = await readAt(handle, buffer, 0, span, from);
  const ownedEnd = range.end - from;
  let first: number;
  if (range.start === 0) {
    first = range.contentStart;
  } else {
    const newline = buffer.subarray(0, used).indexOf(NEWLINE);
    if (newline === -1) return 0; // the range is inside a line that started before it
    first = newline + 1;
  }
  if (first >= ownedEnd || first >= used) return 0;
  if (used === span && range.end < range.size && buffer[used - 1] !== NEWLINE) {
    // The last line goes on past the range: read up to its end, or until it is too long to matter.
    const lastStart = buffer.subarray(first, used).lastIndexOf(NEWLINE) + 1 + first;
    const limit = lastStart + range.maxLineBytes + 1;
    while (used < limit) {
      const want = Math.min(TAIL_STEP, limit - used);
      const got = await readAt(handle, buffer, used, want, from + used);
      const newline = buffer.subarray(used, used + got).indexOf(NEWLINE);
      if (newline !== -1) {
        used += newline + 1;
        break;
      }
      used += got;
      if (got < want) break; // the end of the file
    }
  }
  return accumulateLines(buffer.subarray(first, used), classifier, acc, { maxLineBytes: range.maxLineBytes });
}

try {
  if (setup.chunkMemory !== undefined) useSharedChunkMemory(setup.chunkMemory);
  const plan = await loadTrackingPlan(setup.planDir, { pii: { enabled: setup.pii } });
  const classifier = createClassifier({ plan, ...setup.classifier });
  const acc = new QualityAccumulator({ ...setup.accumulator, dedup: 'worker' });
  // One message at a time, in order: ranges and slices are read asynchronously.
  let queue = Promise.resolve();
  const handle = async (message: ToWorker): Promise<void> => {
    if (message.type === 'chunk') {
      const records = accumulateChunk(message.chunk, classifier, acc);
      // Copied, not transferred: a batch is ~24 KiB, and transferring (detaching) a buffer
      // from a worker blocked for milliseconds at a time (measured: ~0.5 ms a message).
      port.postMessage({ type: 'batch', id: message.id, records, batch: acc.takeWorkerBatch() } satisfies FromWorker);
    } else if (message.type === 'range') {
      let records = 0;
      let error: string | undefined;
      try {
        records = await readRange(message.range, classifier, acc);
      } catch (failure) {
        await files.close();
        error = explainPathError(failure, message.range.path);
      }
      const batch = acc.takeWorkerBatch();
      port.postMessage({ type: 'batch', id: message.id, records, batch, ...(error === undefined ? {} : { error }) } satisfies FromWorker);
    } else if (message.type === 'slice') {
      const answer = await readParquetSlice(message.slice, files, classifier, setup.accumulator);
      port.postMessage({ type: 'slice', id: message.id, ...answer } satisfies FromWorker);
    } else {
      await files.close();
      port.postMessage({ type: 'state', state: acc.toState() } satisfies FromWorker);
    }
  };
  port.postMessage({ type: 'ready' } satisfies FromWorker);
  port.on('message', (message: ToWorker) => {
    queue = queue.then(() => handle(message)).catch((error: unknown) => {
      const reply: FromWorker = { type: 'error', message: error instanceof Error ? error.message : String(error) };
      port.postMessage(reply);
    });
  });
} catch (error) {
  const reply: FromWorker = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  port.postMessage(reply);
}
