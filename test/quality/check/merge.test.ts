import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../bench/dq/generate.js';
import type { QualityReport } from '../../../src/domain/quality.js';
import {
  accumulateChunk,
  createClassifier,
  QualityAccumulator,
  workerBatchTransferList,
} from '../../../src/quality/check/index.js';
import type { QualityAccumulatorState, WorkerBatchResult } from '../../../src/quality/check/index.js';
import { fakePlan, SAMPLE_PLAN, writeAvsc } from './fake-plan.js';

const NOW = new Date('2026-11-22T02:00:00Z');
let dir: string;
let lines: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tripline-dq-merge-'));
  writeAvsc(path.join(dir, 'plan'), SAMPLE_PLAN);
  const out = path.join(dir, 'events.ndjson');
  // Many duplicates, so copies often land in a different worker than their original.
  await generate({ events: 12_000, out, seed: 3, planDir: path.join(dir, 'plan'), invalid: 0.1, duplicates: 0.2 });
  lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const classifier = createClassifier({ plan: fakePlan(SAMPLE_PLAN) });
const toBytes = (part: readonly string[]): Uint8Array => new TextEncoder().encode(`${part.join('\n')}\n`);

/** What a worker thread posts back: messages go through structured clone, buffers transferred. */
function viaPostMessage<T>(value: T, transfer: ArrayBuffer[] = []): T {
  return structuredClone(value, { transfer });
}

function oneAccumulator(options: ConstructorParameters<typeof QualityAccumulator>[0] = {}): QualityReport {
  const acc = new QualityAccumulator(options);
  for (const line of lines) acc.add(classifier.line(line));
  return acc.report({ now: NOW });
}

/** Chunks of 500 lines dealt round-robin to `workers` worker-mode accumulators. */
function runWorkers(workers: number, options: ConstructorParameters<typeof QualityAccumulator>[0] = {}) {
  const accs = Array.from({ length: workers }, () => new QualityAccumulator({ ...options, dedup: 'worker' }));
  const batches: WorkerBatchResult[] = [];
  for (let start = 0, i = 0; start < lines.length; start += 500, i++) {
    const acc = accs[i % workers];
    if (acc === undefined) throw new Error('no worker');
    accumulateChunk({ kind: 'ndjson', source: 'events.ndjson', data: toBytes(lines.slice(start, start + 500)) }, classifier, acc);
    const batch = acc.takeWorkerBatch();
    batches.push(viaPostMessage(batch, workerBatchTransferList(batch)));
  }
  const states: QualityAccumulatorState[] = accs.map((acc) => viaPostMessage(acc.toState()));
  return { batches, states };
}

describe('merging worker accumulators', () => {
  it('gives exactly the report of one accumulator fed everything', () => {
    const { batches, states } = runWorkers(2);
    const main = new QualityAccumulator();
    for (const batch of batches) main.mergeWorkerBatch(batch); // in input order
    for (const state of states) main.merge(state);

    const merged = main.report({ now: NOW });

    expect(merged).toEqual(oneAccumulator());
    expect(merged.duplicates).toBeGreaterThan(1000);
  });

  it('finds the same duplicates overall whatever order the batches arrive in', () => {
    const { batches, states } = runWorkers(3);
    const main = new QualityAccumulator();
    for (const batch of [...batches].reverse()) main.mergeWorkerBatch(batch);
    for (const state of states) main.merge(state);

    const merged = main.report({ now: NOW });
    const single = oneAccumulator();

    expect({ ...merged, segments: [] }).toEqual({ ...single, segments: [] });
  });

  it('rebuilds an accumulator from a state, with the report options of the receiver', () => {
    const { batches, states } = runWorkers(1, { correctSkewWithSentAt: true });
    const [state] = states;
    if (state === undefined) throw new Error('no worker state');
    const main = QualityAccumulator.fromState(state, { segmentCap: 3 });
    for (const batch of batches) main.mergeWorkerBatch(batch);

    expect(main.report({ now: NOW })).toEqual(oneAccumulator({ correctSkewWithSentAt: true, segmentCap: 3 }));
  });

  it('refuses to merge a state computed with other settings', () => {
    const main = new QualityAccumulator({ allowedLatenessMs: 60_000 });
    const state = new QualityAccumulator().toState();

    expect(() => main.merge(state)).toThrow(/different settings \(allowedLatenessMs 600000 vs 60000\)/);
  });

  it('needs the fingerprint owner to merge batches', () => {
    const worker = new QualityAccumulator({ dedup: 'worker' });

    expect(() => worker.mergeWorkerBatch(worker.takeWorkerBatch())).toThrow(/owns the fingerprint set/);
  });
});

describe('accumulateChunk', () => {
  it('counts every kind of reader chunk', () => {
    const acc = new QualityAccumulator();
    const ndjson = new TextEncoder().encode(`${lines[0] ?? ''}\r\n   \n${lines[1] ?? ''}\nnot json\n`);
    const rows: unknown[] = [JSON.parse(lines[2] ?? '{}'), 'a string row'];

    const counted = [
      accumulateChunk({ kind: 'ndjson', source: 'a.ndjson', data: ndjson }, classifier, acc),
      accumulateChunk({ kind: 'rows', source: 'b.parquet', rows }, classifier, acc),
      accumulateChunk({ kind: 'invalid', source: 'a.ndjson', reason: 'unparseable_json', count: 2, detail: 'line over 1 MiB' }, classifier, acc),
    ];
    const report = acc.report({ now: NOW });

    expect(counted).toEqual([3, 2, 2]);
    expect(report.total).toBe(7);
    expect(report.invalidByReason.unparseable_json).toBeGreaterThanOrEqual(3);
    expect(report.invalidByReason.wrong_type).toBeGreaterThanOrEqual(1);
  });
});
