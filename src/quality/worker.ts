/**
 * A quality worker thread: classifies and counts the chunks the main thread
 * sends, returns each chunk's duplicate fingerprints (the main thread owns
 * the fingerprint set) and, when told to finish, its accumulated state.
 * Built to dist/cli/dq-worker.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { QualityAccumulator, accumulateChunk, createClassifier, workerBatchTransferList } from './check/index.js';
import { loadTrackingPlan } from './plan/index.js';
import type { FromWorker, ToWorker, WorkerSetup } from './run.js';

const port = parentPort;
if (!port) throw new Error('dq-worker runs as a worker thread');
const setup = workerData as WorkerSetup;

try {
  const plan = await loadTrackingPlan(setup.planDir, { pii: { enabled: setup.pii } });
  const classifier = createClassifier({ plan, ...setup.classifier });
  const acc = new QualityAccumulator({ ...setup.accumulator, dedup: 'worker' });
  port.on('message', (message: ToWorker) => {
    if (message.type === 'chunk') {
      const records = accumulateChunk(message.chunk, classifier, acc);
      const batch = acc.takeWorkerBatch();
      const reply: FromWorker = { type: 'batch', id: message.id, records, batch };
      port.postMessage(reply, workerBatchTransferList(batch));
    } else {
      const reply: FromWorker = { type: 'state', state: acc.toState() };
      port.postMessage(reply);
    }
  });
} catch (error) {
  const reply: FromWorker = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  port.postMessage(reply);
}
