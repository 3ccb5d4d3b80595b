import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../bench/dq/generate.js';
import type { GenerateOptions } from '../../../bench/dq/generate.js';
import { createClassifier, QualityAccumulator } from '../../../src/quality/check/index.js';
import { fakePlan, SAMPLE_PLAN, writeAvsc } from './fake-plan.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tripline-dq-'));
  writeAvsc(path.join(dir, 'plan'), SAMPLE_PLAN);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readLines(file: string): string[] {
  const bytes = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  return text.split('\n').filter((line) => line !== '');
}

describe('bench/dq/generate → classify + accumulate', () => {
  it.each<[string, Partial<GenerateOptions>]>([
    ['defaults, plain NDJSON', {}],
    ['heavy defects, sentAt skew correction, gzip, 6 segments', { invalid: 0.2, duplicates: 0.1, late: 0.1, skew: 0.05, correctSkewWithSentAt: true, segmentCap: 6 }],
  ])('reports exactly the ground truth (%s)', async (_, extra) => {
    const out = path.join(dir, `events-${extra.segmentCap ?? 'all'}.ndjson${extra.correctSkewWithSentAt === true ? '.gz' : ''}`);
    const truth = await generate({ events: 20_000, out, seed: 42, planDir: path.join(dir, 'plan'), ...extra });

    const classifier = createClassifier({ plan: fakePlan(SAMPLE_PLAN) });
    const acc = new QualityAccumulator({
      correctSkewWithSentAt: extra.correctSkewWithSentAt ?? false,
      ...(extra.segmentCap === undefined ? {} : { segmentCap: extra.segmentCap }),
    });
    const lines = readLines(out);
    for (const line of lines) acc.add(classifier.line(line));
    const { inputs, ...report } = acc.report({ now: new Date(truth.now), inputs: [{ source: out, records: lines.length }] });
    const { generator, ...expected } = truth;

    expect(inputs).toEqual([{ source: out, records: 20_000 }]);
    expect(report).toEqual(expected);
    // The defects really are there, at about the requested rates.
    expect(report.total).toBe(20_000);
    for (const count of Object.values(report.invalidByReason)) expect(count).toBeGreaterThan(0);
    expect(report.duplicateRate).toBeCloseTo(generator.rates.duplicates, 1);
    expect(report.late).toBeGreaterThan(0);
    if (extra.segmentCap !== undefined) expect(report.segments.at(-1)?.segment).toEqual({ segment: '__other__' });
  });

  it('writes the same file for the same seed', async () => {
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    const options = { events: 2000, seed: 7, planDir: path.join(dir, 'plan'), invalid: 0.1 };
    const ta = await generate({ ...options, out: a });
    const tb = await generate({ ...options, out: b });

    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect({ ...ta, generator: undefined }).toEqual({ ...tb, generator: undefined });
  });

  it('says where the tracking plan should be when it is missing', async () => {
    await expect(generate({ events: 10, out: path.join(dir, 'x.ndjson'), planDir: path.join(dir, 'nope') })).rejects.toThrow(
      /no tracking plan at .*nope: pass --plan <dir>/,
    );
  });
});
