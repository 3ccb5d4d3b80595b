import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate, type GroundTruth } from '../../bench/dq/generate.js';
import { tripline as run } from '../support/cli.js';

/**
 * `tripline dq check` as a user runs it (the built CLI, worker threads and
 * all) on a generated file whose defects are known: the report must equal
 * the generator's ground truth exactly.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'tripline-dq-'));

const tripline = (args: string[]) => run(args, {}, scratch);

const comparable = (r: Omit<GroundTruth, 'generator'> | GroundTruth): unknown => {
  const { generator: _g, inputs: _i, breaches: _b, ...rest } = r as GroundTruth & { inputs?: unknown; breaches?: unknown };
  return rest;
};

describe('tripline dq check', () => {
  const file = path.join(scratch, 'events.ndjson.gz');
  let truth: GroundTruth;
  beforeAll(async () => {
    truth = await generate({ events: 20_000, out: file, seed: 42, planDir: path.join(ROOT, 'tracking-plan') });
  }, 60_000);

  it.each([
    ['on worker threads', []],
    ['on one thread', ['--workers', '0']],
  ])('reports exactly the generated truth %s', async (_how, extra) => {
    const { code, stdout, stderr } = await tripline(['dq', 'check', file, '--schemas', path.join(ROOT, 'tracking-plan'), '--now', truth.now, '--json', ...extra]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as GroundTruth;
    expect(comparable(report)).toEqual(comparable(truth));
    // Every reason was injected, so every one is counted.
    expect(Object.values(report.invalidByReason).every((n) => n > 0)).toBe(true);
    expect(report.duplicates).toBeGreaterThan(0);
  }, 60_000);

  it('prints a readable table and exits 1 when a configured threshold is breached', async () => {
    const config = path.join(scratch, 'gate.yaml');
    writeFileSync(
      config,
      [
        'version: 1',
        'paging:',
        '  receivers: [{ name: chat, slack: { channel: "#x" } }]',
        '  route: { receiver: chat }',
        'quality:',
        `  trackingPlan: ${JSON.stringify(path.join(ROOT, 'tracking-plan'))}`,
        '  thresholds: { invalidRate: 0.01, duplicateRate: 0.5 }',
      ].join('\n'),
    );
    const { code, stdout } = await tripline(['dq', 'check', file, '--config', config, '--now', truth.now]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^scope\s+records\s+invalid/m);
    expect(stdout).toMatch(/BREACH invalidRate: 2\.\d\d% > 1\.00% \(overall\)/);
    expect(stdout).not.toMatch(/BREACH duplicateRate/);
  }, 60_000);

  describe('bad inputs never crash the run or lose the counts so far', () => {
    it('counts what a truncated gzip held, says so, and exits 2', async () => {
      const whole = gzipSync(Buffer.from(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ n: i })).join('\n')));
      const truncated = path.join(scratch, 'truncated.ndjson.gz');
      writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
      const { code, stdout, stderr } = await tripline(['dq', 'check', truncated, file, '--schemas', path.join(ROOT, 'tracking-plan'), '--now', truth.now, '--json']);
      expect(code).toBe(2);
      expect(stderr).toMatch(/truncated gzip: [\d,]+ lines read before the stream ended/);
      const report = JSON.parse(stdout) as GroundTruth & { inputs: { source: string; records: number; error?: string }[] };
      const partial = report.inputs.find((i) => i.source.endsWith('truncated.ndjson.gz'));
      expect(partial?.records).toBeGreaterThan(0);
      // The good file after it was read in full.
      expect(report.total).toBe(truth.total + (partial?.records ?? 0));
    }, 60_000);

    it.each([
      ['a binary file', 'blob.bin', Buffer.from([0x00, 0x01, 0xff, 0x00, 0x10, 0x00, 0x7f]), /looks binary, not NDJSON or Parquet/, 2],
      ['an empty file', 'empty.ndjson', Buffer.alloc(0), /empty/, 0],
      ['a missing path', null, null, /no such file|not found/i, 2],
    ] as const)('handles %s with a clear message', async (_what, name, content, message, exitCode) => {
      let input = path.join(scratch, 'does-not-exist.ndjson');
      if (name !== null && content !== null) {
        input = path.join(scratch, name);
        writeFileSync(input, content);
      }
      const { code, stderr, stdout } = await tripline(['dq', 'check', input, '--schemas', path.join(ROOT, 'tracking-plan'), '--json']);
      expect(stderr).toMatch(message);
      expect(code).toBe(exitCode);
      expect(JSON.parse(stdout)).toMatchObject({ total: 0 });
    }, 30_000);

    it('counts a 10 MB single line as one invalid record', async () => {
      const huge = path.join(scratch, 'huge.ndjson');
      writeFileSync(huge, `{"eventId":"${'x'.repeat(10 * 1024 * 1024)}"}\n{"not":"an event"}\n`);
      const { code, stdout } = await tripline(['dq', 'check', huge, '--schemas', path.join(ROOT, 'tracking-plan'), '--json']);
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as GroundTruth;
      expect(report.total).toBe(2);
      expect(report.invalidByReason.unparseable_json).toBe(1);
      expect(report.invalidByReason.missing_field).toBe(1);
    }, 30_000);
  });

  it('explains a tracking plan that does not exist, exit 2', async () => {
    const { code, stderr } = await tripline(['dq', 'check', file, '--schemas', path.join(scratch, 'no-plan')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no-plan/);
  });
});
