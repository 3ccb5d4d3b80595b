/**
 * A quality worker thread: classifies and counts the chunks the main thread
 * sends, and reads, classifies and counts the byte ranges of NDJSON files and
 * the slices of Parquet files it is handed (the main thread only sniffed the
 * file, or read its footer); returns each chunk's and range's duplicate
 * fingerprints (the main thread owns the fingerprint set), each slice's
 * counts on their own, and, when told to finish, its accumulated state.
 * Built to dist/cli/dq-worker.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { QualityAccumulator, accumulateChunk, createClassifier } from './check/index.js';
import { useSharedChunkMemory } from './plan/dirty-simd.js';
import { loadTrackingPlan } from './plan/index.js';
import { explainPathError } from './readers/local.js';
import type { FromWorker, ToWorker, WorkerSetup } from './run.js';
import { readNdjsonRange, readParquetSlice, TaskFiles } from './task-files.js';

const port = parentPort;
if (!port) throw new Error('dq-worker runs as a worker thread');
const setup = workerData as WorkerSetup;

const files = new TaskFiles();

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
        records = await readNdjsonRange(message.range, files, classifier, acc);
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
