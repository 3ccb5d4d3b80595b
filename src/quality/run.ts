import { Worker } from 'node:worker_threads';
import type { QualitySection } from '../config/quality.js';
import type { QualityReport } from '../domain/quality.js';
import { ToolkitError } from '../errors.js';
import {
  QualityAccumulator,
  accumulateChunk,
  createClassifier,
  workerBatchTransferList,
  type AccumulatorOptions,
  type ClassifierOptions,
  type QualityAccumulatorState,
  type WorkerBatchResult,
} from './check/index.js';
import { loadTrackingPlan } from './plan/index.js';
import { openInputs } from './readers/index.js';
import type { InputProblem, ReadOptions, RecordChunk } from './readers/types.js';

export interface QualityCheckOptions {
  readonly inputs: readonly string[];
  readonly quality: QualitySection;
  /** The tracking plan directory (defaults to `quality.trackingPlan`). */
  readonly planDir?: string;
  readonly now: Date;
  /** Worker threads classifying records; 0 classifies on the calling thread. */
  readonly workers: number;
  /** The worker script (the built `dist/cli/dq-worker.js`); required when workers > 0. */
  readonly workerUrl?: URL;
  readonly read?: Omit<ReadOptions, 'onProblem' | 'onProgress'>;
  readonly onProgress?: ReadOptions['onProgress'];
  readonly onProblem?: (problem: InputProblem) => void;
}

/** What a worker needs to classify like the main thread would. */
export interface WorkerSetup {
  readonly planDir: string;
  readonly pii: boolean;
  readonly classifier: Omit<ClassifierOptions, 'plan'>;
  readonly accumulator: AccumulatorOptions;
}

export type ToWorker = { readonly type: 'chunk'; readonly id: number; readonly chunk: RecordChunk } | { readonly type: 'finish' };
export type FromWorker =
  | { readonly type: 'batch'; readonly id: number; readonly records: number; readonly batch: WorkerBatchResult }
  | { readonly type: 'state'; readonly state: QualityAccumulatorState }
  | { readonly type: 'error'; readonly message: string };

/** Chunks in flight per worker: enough to keep it busy, few enough to bound memory. */
const IN_FLIGHT_PER_WORKER = 3;

export function workerSetupFrom(quality: QualitySection, planDir: string): WorkerSetup {
  return {
    planDir,
    pii: quality.pii.enabled,
    classifier: { dedupKey: quality.dedupKey, clockSkewMs: quality.clockSkewSeconds * 1000 },
    accumulator: {
      allowedLatenessMs: quality.allowedLatenessSeconds * 1000,
      correctSkewWithSentAt: quality.correctSkewWithSentAt,
      segmentCap: quality.segmentCap,
    },
  };
}

/**
 * Reads every input, classifies each record against the tracking plan and
 * computes the quality report. With workers, records are classified on
 * worker threads (both cores) while this thread reads, finds duplicates and
 * merges; the report is the same as with none.
 *
 * A bad input is reported (onProblem, and in `report.inputs`) and never
 * stops the run or loses the records counted so far.
 */
export async function runQualityCheck(options: QualityCheckOptions): Promise<QualityReport> {
  const planDir = options.planDir ?? options.quality.trackingPlan;
  const setup = workerSetupFrom(options.quality, planDir);
  // Load on this thread too: a broken plan is reported once, clearly, before any worker starts.
  const plan = await loadTrackingPlan(planDir, { pii: { enabled: setup.pii } });

  const main = new QualityAccumulator({ ...setup.accumulator, dedup: 'local' });
  const perSource = new Map<string, { records: number; error?: string }>();
  const count = (source: string, records: number): void => {
    const entry = perSource.get(source) ?? { records: 0 };
    entry.records += records;
    perSource.set(source, entry);
  };
  const readOptions: ReadOptions = {
    ...options.read,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    onProblem: (problem) => {
      const entry = perSource.get(problem.source) ?? { records: 0 };
      entry.error = entry.error ? `${entry.error}; ${problem.message}` : problem.message;
      perSource.set(problem.source, entry);
      options.onProblem?.(problem);
    },
  };

  if (options.workers <= 0) {
    const classifier = createClassifier({ plan, ...setup.classifier });
    for await (const chunk of openInputs(options.inputs, readOptions)) {
      count(chunk.source, accumulateChunk(chunk, classifier, main));
    }
  } else {
    if (!options.workerUrl) throw new ToolkitError('runQualityCheck: workers need workerUrl (the built dq-worker.js)');
    await runOnWorkers(options.inputs, readOptions, options.workers, options.workerUrl, setup, main, count);
  }

  return main.report({
    now: options.now,
    inputs: [...perSource].map(([source, e]) => ({ source, records: e.records, ...(e.error ? { error: e.error } : {}) })),
  });
}

async function runOnWorkers(
  inputs: readonly string[],
  readOptions: ReadOptions,
  workerCount: number,
  workerUrl: URL,
  setup: WorkerSetup,
  main: QualityAccumulator,
  count: (source: string, records: number) => void,
): Promise<void> {
  const workers = Array.from({ length: workerCount }, () => new Worker(workerUrl, { workerData: setup }));
  const inFlight = workers.map(() => 0);
  const sources = new Map<number, string>();
  // Batches are merged in chunk order, so duplicates are attributed exactly as on one thread.
  const waiting = new Map<number, { records: number; batch: WorkerBatchResult }>();
  let nextToMerge = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const states: QualityAccumulatorState[] = [];
  const finished = workers.map(
    (worker, index) =>
      new Promise<void>((resolve) => {
        worker.on('message', (message: FromWorker) => {
          if (message.type === 'batch') {
            inFlight[index] = (inFlight[index] ?? 1) - 1;
            waiting.set(message.id, { records: message.records, batch: message.batch });
            while (waiting.has(nextToMerge)) {
              const ready = waiting.get(nextToMerge);
              waiting.delete(nextToMerge);
              if (ready) {
                main.mergeWorkerBatch(ready.batch);
                count(sources.get(nextToMerge) ?? '?', ready.records);
              }
              sources.delete(nextToMerge);
              nextToMerge++;
            }
            signal();
          } else if (message.type === 'state') {
            states.push(message.state);
            resolve();
          } else {
            failure ??= new ToolkitError(`a quality worker failed: ${message.message}`);
            signal();
            resolve();
          }
        });
        worker.on('error', (error) => {
          failure ??= error instanceof Error ? error : new Error(String(error));
          signal();
          resolve();
        });
        worker.on('exit', () => resolve());
      }),
  );

  try {
    let id = 0;
    for await (const chunk of openInputs(inputs, readOptions)) {
      if (failure) break;
      if (chunk.kind === 'invalid') {
        main.addInvalid(chunk.reason, chunk.count);
        count(chunk.source, chunk.count);
        continue;
      }
      let target = leastBusy(inFlight);
      while ((inFlight[target] ?? 0) >= IN_FLIGHT_PER_WORKER && !failure) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        target = leastBusy(inFlight);
      }
      if (failure) break;
      sources.set(id, chunk.source);
      inFlight[target] = (inFlight[target] ?? 0) + 1;
      const message: ToWorker = { type: 'chunk', id, chunk };
      const worker = workers[target];
      if (chunk.kind === 'ndjson') worker?.postMessage(message, [chunk.data.buffer as ArrayBuffer]);
      else worker?.postMessage(message);
      id++;
    }
    for (const worker of workers) worker.postMessage({ type: 'finish' } satisfies ToWorker);
    await Promise.all(finished);
    if (failure) throw failure;
    for (const state of states) main.merge(state);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function leastBusy(inFlight: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < inFlight.length; i++) if ((inFlight[i] ?? 0) < (inFlight[best] ?? 0)) best = i;
  return best;
}

