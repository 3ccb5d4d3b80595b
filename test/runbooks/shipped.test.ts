import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { SHIPPED_RUNBOOKS, catalogFromConfig } from '../../src/pipeline-alarms/index.js';
import { healthConditions } from '../../src/runbooks/conditions.js';
import { runRunbook } from '../../src/runbooks/executor.js';
import { loadRunbooks, runbookForAlarm } from '../../src/runbooks/load.js';
import { renderRunbookText } from '../../src/runbooks/render.js';
import type { Runbook } from '../../src/runbooks/types.js';
import { WEB, actionsOn, fakeClock, healthOf, memoryAudit, world, type World } from './fakes.js';

/** The three runbooks in runbooks/, as a user's checkout has them. */
const DIR = path.resolve(import.meta.dirname, '..', '..', 'runbooks');
const runbooks = await loadRunbooks(DIR, { conditions: healthConditions });
const byId = (id: string): Runbook => {
  const found = runbooks.find((r) => r.id === id);
  if (found === undefined) throw new Error(`runbook ${id} is not shipped`);
  return found;
};

async function run(id: string, w: World, onSleep: (elapsedMs: number) => void = () => {}) {
  const audit = memoryAudit();
  const result = await runRunbook({
    runbook: byId(id),
    pipeline: { name: 'web', config: WEB },
    health: async () => healthOf(w),
    actions: actionsOn(w),
    audit,
    conditions: healthConditions,
    confirm: async () => true,
    clock: fakeClock(Date.parse('2026-11-22T03:05:00Z'), onSleep),
  });
  return { result, audit };
}

describe('shipped runbooks', () => {
  it('all parse, with every condition valid in the health condition language', () => {
    expect(runbooks.map((r) => r.id).sort()).toEqual(['dlq-redrive', 'invalid-event-spike', 'stream-lag']);
    for (const r of runbooks) {
      expect(r.steps.length).toBeGreaterThan(2);
      expect(r.steps.at(-1)?.kind).toBe('verify');
      // Guidance between the steps is what makes it a runbook rather than a script.
      expect(r.blocks.filter((b) => b.kind === 'markdown').length).toBeGreaterThanOrEqual(r.steps.length - 1);
    }
  });

  it.each([
    ['tripline-web-dlq-depth', 'dlq-redrive'],
    ['tripline-android-dlq-depth', 'dlq-redrive'],
    ['tripline-ios-iterator-age', 'stream-lag'],
    ['tripline-web-stream-iterator-age', 'stream-lag'],
    ['tripline-web-processor-throttles', 'stream-lag'],
    ['tripline-web-quality-invalid-rate', 'invalid-event-spike'],
    ['tripline-web-quality-late-rate', undefined],
    ['tripline-web-pipeline', undefined],
  ])('%s → %s', (alarm, id) => {
    expect(runbookForAlarm(runbooks, alarm)?.id).toBe(id);
  });

  it('answer exactly the shipped alarms that name them (rules: the alarm catalog of the example config)', async () => {
    const config = await parseConfigText(await readFile(path.join(DIR, '..', 'tripline.config.yaml'), 'utf8'), 'tripline.config.yaml');
    const alarms = catalogFromConfig(config).alarms;
    expect([...SHIPPED_RUNBOOKS].sort()).toEqual(runbooks.map((r) => r.id).sort());
    const claimed = alarms.map((a) => [a.name, runbookForAlarm(runbooks, a.name)?.id]);
    const expected = alarms.map((a) => [a.name, SHIPPED_RUNBOOKS.includes(a.runbook) ? a.runbook : undefined]);
    expect(claimed).toEqual(expected);
    // Every shipped runbook is reached from some alarm of every pipeline.
    for (const id of SHIPPED_RUNBOOKS) expect(expected.filter(([, r]) => r === id).length).toBeGreaterThanOrEqual(3);
  });

  it('dlq-redrive: checks the fix, backs up, redrives at 10/s into the failed queue, waits, verifies', async () => {
    const w = world({ dlq: 1200 });
    const { result, audit } = await run('dlq-redrive', w);

    expect(result.outcome).toBe('succeeded');
    expect(result.steps.map((s) => `${s.kind}:${s.outcome}`)).toEqual(['check:passed', 'act:done', 'act:done', 'wait:passed', 'verify:passed']);
    expect(w.exported).toEqual([{ queue: 'tripline-web-dlq', file: '.tripline/backups/web-dlq-20261122T030500Z.jsonl', count: 1200 }]);
    expect(w.redrives).toEqual([{ queue: 'tripline-web-dlq', to: 'tripline-web-failed', mode: 'native', rate: 10 }]);
    expect(audit.entries).toHaveLength(5);
  });

  it('dlq-redrive: does nothing while the processor still fails', async () => {
    const w = world({ dlq: 1200, errorRate: 0.3 });
    const { result } = await run('dlq-redrive', w);
    expect(result).toMatchObject({ outcome: 'failed', stoppedAt: 1 });
    expect(w).toMatchObject({ dlq: 1200, exported: [], redrives: [] });
  });

  it('stream-lag: stops on processor errors, else waits for the lag to fall and verifies it stays low', async () => {
    expect((await run('stream-lag', world({ lagSeconds: 900, errorRate: 0.2 }))).result).toMatchObject({ outcome: 'failed', stoppedAt: 1 });

    const w = world({ lagSeconds: 900 });
    const { result } = await run('stream-lag', w, (elapsed) => {
      w.lagSeconds = Math.max(5, 900 - elapsed / 1000);
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.steps.map((s) => `${s.kind}:${s.outcome}`)).toEqual(['check:passed', 'check:passed', 'wait:passed', 'verify:passed']);
    expect(result.steps[2]?.message).toMatch(/after 15m$/);
  });

  it('invalid-event-spike: exports samples of the failed events from the DLQ, then waits for the rate to fall', async () => {
    const w = world({ invalidRate: 0.08, dlq: 500 });
    const { result } = await run('invalid-event-spike', w, (elapsed) => {
      if (elapsed >= 20 * 60_000) w.invalidRate = 0.005;
    });
    expect(result.outcome).toBe('succeeded');
    expect(w.exported).toEqual([{ queue: 'tripline-web-dlq', file: '.tripline/samples/web-invalid-20261122T030500Z.jsonl', count: 500 }]);
    expect(result.steps.map((s) => `${s.kind}:${s.outcome}`)).toEqual(['check:passed', 'check:passed', 'act:done', 'wait:passed', 'verify:passed']);
  });

  it('render for a terminal with numbered steps and readable prose', () => {
    const text = renderRunbookText(byId('dlq-redrive'));
    expect(text).toMatch(/^dlq-redrive · DLQ not empty after a processor fix\n {2}file: {5}.*runbooks\/dlq-redrive\.md\n {2}alarms: {3}tripline-\*-dlq-depth\n/);
    expect(text).toContain('  steps:    check → act → act → wait → verify');
    expect(text).toContain('  ▶ Step 3 of 5 · act: Move the DLQ back to the failed-event queue\n      redrive mode=native rate=10 to={failedQueue}\n      (asks before it acts, unless --yes)');
    expect(text).toContain('DLQ not empty after a processor fix\n═══');
    expect(text).not.toContain('```');
    expect(text).not.toContain('**');
  });
});
