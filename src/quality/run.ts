import { Worker } from 'node:worker_threads';
import type { QualitySection } from '../config/quality.js';
import type { QualityReport } from '../domain/quality.js';
import { ToolkitError } from '../errors.js';
import {
  QualityAccumulator,
  accumulateChunk,
  createClassifier,
  type AccumulatorOptions,
  type Classifier,
  type ClassifierOptions,
  type QualityAccumulatorState,
  type WorkerBatchResult,
} from './check/index.js';
import { loadTrackingPlan } from './plan/index.js';
import { createSharedChunkMemory, useSharedChunkMemory, type SharedMemory } from './plan/dirty-simd.js';
import { openInputs, openInputTasks } from './readers/index.js';
import { explainPathError } from './readers/local.js';
import { formatCount } from './readers/ndjson.js';
import { readNdjsonRange, TaskFiles } from './task-files.js';
import { damagedFileMessage, rowGroupFailure } from './readers/parquet.js';
import { plural } from './readers/stream.js';
import type { InputProblem, NdjsonRange, ParquetSlice, ReadOptions, RecordChunk } from './readers/types.js';

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
  /** Where the main thread stores NDJSON chunks (shared, read in place). */
  readonly chunkMemory?: SharedMemory;
}

export type ToWorker =
  | { readonly type: 'chunk'; readonly id: number; readonly chunk: RecordChunk }
  | { readonly type: 'range'; readonly id: number; readonly range: NdjsonRange }
  | { readonly type: 'slice'; readonly id: number; readonly slice: ParquetSlice }
  | { readonly type: 'finish' };
export type FromWorker =
  /** A chunk's or range's records, counted in the worker's state; for a range that could not be read, why. */
  | { readonly type: 'batch'; readonly id: number; readonly records: number; readonly batch: WorkerBatchResult; readonly error?: string }
  /**
   * A Parquet slice read, classified and counted on its own (its counts are
   * not in the worker's state), or the reason it could not be read.
   */
  | {
      readonly type: 'slice';
      readonly id: number;
      readonly records: number;
      readonly result?: { readonly state: QualityAccumulatorState; readonly batch: WorkerBatchResult };
      readonly error?: string;
    }
  /** The plan is loaded: the worker takes chunks from now on. */
  | { readonly type: 'ready' }
  | { readonly type: 'state'; readonly state: QualityAccumulatorState }
  | { readonly type: 'error'; readonly message: string };

/**
 * A worker's young generation: 16 MiB (V8's default here lets it grow to
 * ~48 MiB). A worker's records die young either way; the smaller nursery
 * was as fast and kept 10M events de-duplicated under 400 MB (~480 without).
 */
const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 16 };

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
  if (options.workers > 0 && !options.workerUrl) throw new ToolkitError('runQualityCheck: workers need workerUrl (the built dq-worker.js)');
  // Workers boot (~0.15 s: a thread, the bundle, the plan) while this thread loads the plan.
  const slotCount = options.workers * IN_FLIGHT_PER_WORKER + 4;
  const chunkMemory = options.workers > 0 ? createSharedChunkMemory(slotCount * ChunkSlots.SLOT_BYTES) : undefined;
  const workers =
    options.workers > 0 && options.workerUrl
      ? Array.from(
          { length: options.workers },
          () => new Worker(options.workerUrl ?? '', { workerData: { ...setup, chunkMemory }, resourceLimits: WORKER_RESOURCE_LIMITS }),
        )
      : [];
  let plan: Awaited<ReturnType<typeof loadTrackingPlan>>;
  try {
    // Loaded on this thread too: a broken plan is reported once, clearly, from here.
    plan = await loadTrackingPlan(planDir, { pii: { enabled: setup.pii } });
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }

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

  if (workers.length === 0) {
    const classifier = createClassifier({ plan, ...setup.classifier });
    for await (const chunk of openInputs(options.inputs, readOptions)) {
      count(chunk.source, accumulateChunk(chunk, classifier, main));
    }
  } else {
    const slots = new ChunkSlots(chunkMemory ?? createSharedChunkMemory(slotCount * ChunkSlots.SLOT_BYTES), slotCount);
    await runOnWorkers(options.inputs, readOptions, workers, slots, createClassifier({ plan, ...setup.classifier }), setup, main, count);
  }

  return main.report({
    now: options.now,
    inputs: [...perSource].map(([source, e]) => ({ source, records: e.records, ...(e.error ? { error: e.error } : {}) })),
  });
}

/** A worker's answer for one chunk or slice, waiting for its turn to be merged. */
type Answer = Extract<FromWorker, { readonly type: 'batch' } | { readonly type: 'slice' }>;

async function runOnWorkers(
  inputs: readonly string[],
  readOptions: ReadOptions,
  workers: readonly Worker[],
  slots: ChunkSlots,
  classifier: Classifier,
  setup: WorkerSetup,
  main: QualityAccumulator,
  count: (source: string, records: number) => void,
): Promise<void> {
  const inFlight = workers.map(() => 0);
  const sent = new Map<
    number,
    {
      readonly cost: number;
      readonly source: string;
      readonly slice?: ParquetSlice;
      readonly range?: NdjsonRange;
      readonly data?: Uint8Array;
      /** Lines the reader found invalid unread (over the size limit). */
      readonly invalid?: number;
    }
  >();
  const ranges = new RangeMerge((problem) => readOptions.onProblem?.(problem));
  const sizing = new KeySizing(main);
  const sized = new Set<string>();
  // Answers are merged in input order, so duplicates are attributed exactly as on one thread.
  const waiting = new Map<number, Answer>();
  const parquet = new ParquetMerge(main, count, (problem) => readOptions.onProblem?.(problem));
  let nextToMerge = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // Problems the readers find wait for the answers before them, so they are reported (and the
  // inputs listed) in input order, as on one thread, however far reading runs ahead.
  let dispatched = -1;
  const problems: { readonly after: number; readonly problem: InputProblem }[] = [];
  const reportProblems = (): void => {
    while (problems.length > 0 && (problems[0]?.after ?? 0) < nextToMerge) {
      const next = problems.shift();
      if (next !== undefined) readOptions.onProblem?.(next.problem);
    }
  };
  const readerOptions: ReadOptions = {
    ...readOptions,
    onProblem: (problem) => {
      problems.push({ after: dispatched, problem });
      reportProblems();
    },
  };
  const deliver = (id: number, answer: Answer): void => {
    waiting.set(id, answer);
    for (let ready = waiting.get(nextToMerge); ready !== undefined; ready = waiting.get(nextToMerge)) {
      waiting.delete(nextToMerge);
      const task = sent.get(nextToMerge);
      sent.delete(nextToMerge);
      if (task?.invalid !== undefined) {
        main.addInvalid('unparseable_json', task.invalid);
        count(task.source, task.invalid);
      } else if (ready.type === 'batch') {
        main.mergeWorkerBatch(ready.batch);
        count(task?.source ?? '?', ready.records);
        if (task?.range !== undefined) {
          ranges.add(task.range, ready.records, ready.error);
          sizing.merged(task.range.end - task.range.start, ready.records);
        }
      } else if (task?.slice !== undefined) {
        parquet.add(task.slice, ready);
      }
      nextToMerge++;
      reportProblems();
    }
  };
  // Until a worker has loaded the plan (~0.15 s after it starts), this thread classifies chunks itself.
  let workersReady = false;
  let booting: QualityAccumulator | undefined;
  const localFiles = new TaskFiles();
  const states: QualityAccumulatorState[] = [];
  const finished = workers.map(
    (worker, index) =>
      new Promise<void>((resolve) => {
        worker.on('message', (message: FromWorker) => {
          if (message.type === 'batch' || message.type === 'slice') {
            const task = sent.get(message.id);
            inFlight[index] = (inFlight[index] ?? 0) - (task?.cost ?? 1);
            // The worker is done with the chunk's bytes: its slot takes the next chunk.
            if (task?.data !== undefined) slots.release(task.data);
            deliver(message.id, message);
            signal();
          } else if (message.type === 'ready') {
            workersReady = true;
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
    for await (const chunk of openInputTasks(inputs, readerOptions, { allocateChunk: (bytes) => slots.allocate(bytes) })) {
      if (failure) break;
      if (chunk.kind === 'invalid') {
        // Counted in its turn, like the chunks around it.
        sent.set(id, { cost: 0, source: chunk.source, invalid: chunk.count });
        dispatched = id;
        deliver(id, { type: 'batch', id, records: 0, batch: EMPTY_BATCH });
        id++;
        continue;
      }
      if ((chunk.kind === 'ndjson-range' || chunk.kind === 'parquet-slice') && !sized.has(chunk.source)) {
        sized.add(chunk.source);
        if (chunk.kind === 'ndjson-range') sizing.bytes(chunk.size);
        else sizing.rows(chunk.fileRows);
      }
      if (!workersReady && chunk.kind !== 'parquet-slice') {
        booting ??= new QualityAccumulator({ ...setup.accumulator, dedup: 'worker' });
        let records = 0;
        let error: string | undefined;
        if (chunk.kind === 'ndjson-range') {
          sent.set(id, { cost: 0, source: chunk.source, range: chunk });
          try {
            records = await readNdjsonRange(chunk, localFiles, classifier, booting);
          } catch (failure) {
            await localFiles.close();
            error = explainPathError(failure, chunk.path);
          }
        } else {
          sent.set(id, { cost: 0, source: chunk.source });
          records = accumulateChunk(chunk, classifier, booting);
          if (chunk.kind === 'ndjson') slots.release(chunk.data);
        }
        dispatched = id;
        deliver(id, { type: 'batch', id, records, batch: booting.takeWorkerBatch(), ...(error === undefined ? {} : { error }) });
        id++;
        continue;
      }
      // A slice is a few dozen chunks' work: one queued behind the one being read is enough.
      const cost = chunk.kind === 'parquet-slice' ? PARQUET_SLICE_COST : 1;
      let target = leastBusy(inFlight);
      while ((inFlight[target] ?? 0) + cost > IN_FLIGHT_PER_WORKER && (inFlight[target] ?? 0) > 0 && !failure) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        target = leastBusy(inFlight);
      }
      if (failure) break;
      inFlight[target] = (inFlight[target] ?? 0) + cost;
      dispatched = id;
      const worker = workers[target];
      if (chunk.kind === 'parquet-slice') {
        sent.set(id, { cost, source: chunk.source, slice: chunk });
        worker?.postMessage({ type: 'slice', id, slice: chunk } satisfies ToWorker);
      } else if (chunk.kind === 'ndjson-range') {
        sent.set(id, { cost, source: chunk.source, range: chunk });
        worker?.postMessage({ type: 'range', id, range: chunk } satisfies ToWorker);
      } else {
        const message: ToWorker = { type: 'chunk', id, chunk };
        if (chunk.kind === 'ndjson') {
          sent.set(id, { cost, source: chunk.source, data: chunk.data });
          // A slot of the shared buffer is shared, not copied; a chunk of its own is transferred.
          if (slots.holds(chunk.data)) worker?.postMessage(message);
          else worker?.postMessage(message, [chunk.data.buffer as ArrayBuffer]);
        } else {
          sent.set(id, { cost, source: chunk.source });
          worker?.postMessage(message);
        }
      }
      id++;
    }
    for (const worker of workers) worker.postMessage({ type: 'finish' } satisfies ToWorker);
    await Promise.all(finished);
    if (failure) throw failure;
    nextToMerge = Number.POSITIVE_INFINITY;
    reportProblems();
    if (booting !== undefined) main.merge(booting.toState());
    for (const state of states) main.merge(state);
  } finally {
    await localFiles.close();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * NDJSON chunk storage shared with the workers: a few slots of one shared
 * WebAssembly memory (which the workers' SIMD byte check reads in place),
 * each reused once the worker it went to has answered.
 * A fresh ArrayBuffer per chunk (~1 MiB, zeroed, transferred, then garbage in
 * the worker) cost page faults on this thread and major GCs in every worker,
 * triggered by the external memory. A chunk larger than a slot, or one read
 * while every slot is out, gets a buffer of its own as before.
 */
class ChunkSlots {
  static readonly SLOT_BYTES = 2 * 1024 * 1024;
  private readonly buffer: ArrayBufferLike;
  private readonly free: number[];

  /** `memory` holds `count` slots; this thread reads them with SIMD too (while workers boot). */
  constructor(memory: SharedMemory, count: number) {
    useSharedChunkMemory(memory);
    this.buffer = memory.buffer;
    this.free = Array.from({ length: count }, (_, k) => count - 1 - k);
  }

  allocate(bytes: number): Uint8Array {
    const slot = bytes <= ChunkSlots.SLOT_BYTES ? this.free.pop() : undefined;
    return slot === undefined ? new Uint8Array(bytes) : new Uint8Array(this.buffer, slot * ChunkSlots.SLOT_BYTES, bytes);
  }

  holds(data: Uint8Array): boolean {
    return data.buffer === this.buffer;
  }

  release(data: Uint8Array): void {
    if (this.holds(data)) this.free.push(data.byteOffset / ChunkSlots.SLOT_BYTES);
  }
}

/**
 * Sizes the fingerprint set for the whole input once a few ranges show how
 * many bytes an event takes (Parquet footers say the rows outright): growing
 * the set to its final size early spares the last doubling's extra half —
 * 64 MiB at 10M events.
 */
class KeySizing {
  private knownBytes = 0;
  private knownRows = 0;
  private mergedBytes = 0;
  private mergedRecords = 0;
  private reserved = 0;

  constructor(private readonly main: QualityAccumulator) {}

  /** A file of `size` bytes is being read in ranges. */
  bytes(size: number): void {
    this.knownBytes += size;
    this.update();
  }

  /** A Parquet file of `rows` rows is being read. */
  rows(rows: number): void {
    this.knownRows += rows;
    this.update();
  }

  merged(bytes: number, records: number): void {
    this.mergedBytes += bytes;
    this.mergedRecords += records;
    if (this.reserved === 0) this.update();
  }

  private update(): void {
    // Until ~16k records are in, the bytes an event takes are a guess: wait.
    const perByte = this.mergedRecords >= 16_384 ? this.mergedRecords / this.mergedBytes : 0;
    if (this.knownBytes > 0 && perByte === 0) return;
    const expected = Math.ceil(this.knownRows + this.knownBytes * perByte * 1.02);
    if (expected > this.reserved * 1.1) {
      this.reserved = expected;
      this.main.reserveKeys(expected);
    }
  }
}

/**
 * Follows the ranges of NDJSON files as they are merged, in order, to report
 * what the streaming reader reports: a file with no records (only blank
 * lines), and a read that failed after some lines. (Unlike a stream, which
 * cannot go on after a failed read, the ranges after a failed one are still
 * read and counted.)
 */
class RangeMerge {
  private source = '';
  private records = 0;
  private failed = false;

  constructor(private readonly problem: (problem: InputProblem) => void) {}

  add(range: NdjsonRange, records: number, error: string | undefined): void {
    if (range.start === 0 || range.source !== this.source) {
      this.source = range.source;
      this.records = 0;
      this.failed = false;
    }
    if (error !== undefined && !this.failed) {
      this.failed = true;
      this.problem({ source: range.source, message: `read failed after ${formatCount(this.records)} ${plural(this.records, 'line')}: ${error}`, partial: this.records > 0 });
    }
    this.records += records;
    if (range.last && this.records === 0 && !this.failed) {
      this.problem({ source: range.source, message: 'no records: only blank lines; nothing to check', partial: false });
    }
  }
}

const EMPTY_BATCH: WorkerBatchResult = { count: 0, fingerprints: new Uint32Array(0), segmentIndex: new Uint32Array(0), segments: [] };

/** What a Parquet slice costs in the in-flight budget of a worker (a chunk costs 1). */
const PARQUET_SLICE_COST = 1.5;

/**
 * Merges the answers for Parquet slices, in order, the way readParquet
 * counts a file on one thread: a slice that could not be read loses the rest
 * of its row group from its first row (a group read whole — no offset index
 * — is lost whole), and the failures are reported once the file's last
 * slice is in, `partial` when any row of the file counted.
 */
class ParquetMerge {
  private source = '';
  private rowsCounted = 0;
  private failures: string[] = [];
  private group = -1;
  /** The rest of the current group is lost (a slice of it failed). */
  private lost = false;
  /** Slices of a whole-read group, held until the group is complete. */
  private held: { readonly records: number; readonly state: QualityAccumulatorState; readonly batch: WorkerBatchResult }[] = [];

  constructor(
    private readonly main: QualityAccumulator,
    private readonly count: (source: string, records: number) => void,
    private readonly problem: (problem: InputProblem) => void,
  ) {}

  add(slice: ParquetSlice, answer: Extract<FromWorker, { readonly type: 'slice' }>): void {
    if (slice.source !== this.source) {
      this.source = slice.source;
      this.rowsCounted = 0;
      this.failures = [];
      this.group = -1;
    }
    if (slice.group !== this.group) {
      this.group = slice.group;
      this.lost = false;
      this.held = [];
    }
    if (!this.lost) {
      if (answer.result === undefined) {
        this.lost = true;
        this.held = [];
        const from = slice.wholeGroup ? slice.groupStart : slice.rowStart;
        this.failures.push(rowGroupFailure(slice.group, slice.groups, answer.error ?? 'unknown error', slice.groupStart + slice.groupRows - from));
      } else if (slice.wholeGroup) {
        this.held.push({ records: answer.records, ...answer.result });
        if (slice.rowEnd === slice.groupStart + slice.groupRows) {
          for (const held of this.held) this.apply(slice.source, held);
          this.held = [];
        }
      } else {
        this.apply(slice.source, { records: answer.records, ...answer.result });
      }
    }
    if (slice.last) {
      for (const failure of this.failures) this.problem({ source: slice.source, message: damagedFileMessage(failure), partial: this.rowsCounted > 0 });
      this.source = '';
    }
  }

  private apply(source: string, result: { readonly records: number; readonly state: QualityAccumulatorState; readonly batch: WorkerBatchResult }): void {
    this.main.merge(result.state);
    this.main.mergeWorkerBatch(result.batch);
    this.count(source, result.records);
    this.rowsCounted += result.records;
  }
}

function leastBusy(inFlight: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < inFlight.length; i++) if ((inFlight[i] ?? 0) < (inFlight[best] ?? 0)) best = i;
  return best;
}

