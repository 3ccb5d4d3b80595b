import { describe, expect, it } from 'vitest';
import { AwsError, RunbookError } from '../../src/errors.js';
import { healthConditions } from '../../src/runbooks/conditions.js';
import { runRunbook } from '../../src/runbooks/executor.js';
import { parseRunbook } from '../../src/runbooks/parse.js';
import type { RunbookEvent, RunbookRunOptions } from '../../src/runbooks/types.js';
import { WEB, actionsOn, denied, fakeClock, healthOf, memoryAudit, world, type World } from './fakes.js';

const RUNBOOK = parseRunbook(
  [
    '---',
    'id: drain',
    'title: Drain the DLQ',
    'alarms: [tripline-*-dlq-depth]',
    '---',
    'Make sure the fix is live.',
    '```check Errors fell',
    'processor.errorRate < threshold.processorErrorRate',
    '```',
    '```act Back up',
    'export file=backups/{pipeline}-{dlq}-{timestamp}.jsonl',
    '```',
    '```act',
    'redrive rate=10 to={failedQueue}',
    '```',
    '```wait',
    'until dlq.depth == 0 timeout=30m every=30s',
    '```',
    '```verify',
    'processor.errorRate < threshold.processorErrorRate for=10m every=1m',
    '```',
  ].join('\n'),
  'runbooks/drain.md',
  { conditions: healthConditions },
);

function setup(w: World, overrides: Partial<RunbookRunOptions> = {}) {
  const audit = memoryAudit();
  const prompts: string[] = [];
  const events: RunbookEvent[] = [];
  const clock = fakeClock();
  const options: RunbookRunOptions = {
    runbook: RUNBOOK,
    pipeline: { name: 'web', config: WEB },
    health: async () => healthOf(w),
    actions: actionsOn(w),
    audit,
    conditions: healthConditions,
    confirm: async (prompt) => {
      prompts.push(prompt);
      return true;
    },
    clock,
    onEvent: (e) => events.push(e),
    ...overrides,
  };
  return { options, audit, prompts, events, clock };
}

describe('runRunbook', () => {
  it('runs every step in order, asking before each act, and audits each step', async () => {
    const w = world();
    const { options, audit, prompts } = setup(w);

    const result = await runRunbook(options);

    expect(result.outcome).toBe('succeeded');
    expect(result.steps.map((s) => [s.kind, s.outcome])).toEqual([
      ['check', 'passed'],
      ['act', 'done'],
      ['act', 'done'],
      ['wait', 'passed'],
      ['verify', 'passed'],
    ]);
    // The DLQ was backed up with placeholders filled, then moved back.
    expect(w.exported).toEqual([{ queue: 'tripline-web-dlq', file: 'backups/web-tripline-web-dlq-20261122T030500Z.jsonl', count: 42 }]);
    expect(w.redrives).toEqual([{ queue: 'tripline-web-dlq', to: 'tripline-web-failed', mode: 'native', rate: 10 }]);
    expect(w.dlq).toBe(0);
    expect(prompts).toEqual([
      'Export 42 messages from tripline-web-dlq to backups/web-tripline-web-dlq-20261122T030500Z.jsonl (the queue keeps them)?',
      'Redrive 42 messages from tripline-web-dlq to tripline-web-failed (native, 10 messages/s)?',
    ]);
    expect(audit.entries).toHaveLength(5);
    expect(audit.entries.every((e) => e.action === 'runbook.step')).toBe(true);
    expect(audit.entries.map((e) => e.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(audit.entries[0]?.detail).toMatchObject({
      runbook: 'drain',
      pipeline: 'web',
      step: 1,
      kind: 'check',
      outcome: 'passed',
      values: { 'processor.errorRate': 0.002, 'threshold.processorErrorRate': 0.01 },
    });
    expect(audit.entries[2]).toMatchObject({ source: 'tripline-web-dlq', destination: 'tripline-web-failed', count: 42 });
    expect(result.steps[4]?.message).toMatch(/held for 10m, 11 checks/);
  });

  it('stops on a failed check, naming the values seen, and acts on nothing', async () => {
    const w = world({ errorRate: 0.2 });
    const { options, audit, prompts } = setup(w);

    const result = await runRunbook(options);

    expect(result).toMatchObject({ outcome: 'failed', stoppedAt: 1 });
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]?.message).toBe(
      'check failed: processor.errorRate < threshold.processorErrorRate → false (processor.errorRate = 0.2, threshold.processorErrorRate = 0.01)',
    );
    expect(prompts).toEqual([]);
    expect(w).toMatchObject({ dlq: 42, exported: [], redrives: [] });
    expect(audit.entries).toEqual([expect.objectContaining({ action: 'runbook.step', outcome: 'failed' })]);
  });

  it('stops when an act is declined, and records the refusal', async () => {
    const w = world();
    const { options, audit } = setup(w, { confirm: async () => false });

    const result = await runRunbook(options);

    expect(result).toMatchObject({ outcome: 'declined', stoppedAt: 2 });
    expect(result.steps.at(-1)).toMatchObject({ kind: 'act', outcome: 'declined', message: expect.stringMatching(/^not confirmed: did not export 42 messages/) });
    expect(w).toMatchObject({ dlq: 42, exported: [], redrives: [] });
    expect(audit.entries.map((e) => [e.detail?.['step'], e.outcome])).toEqual([
      [1, 'succeeded'],
      [2, 'cancelled'],
    ]);
  });

  it('does not ask with --yes', async () => {
    const w = world();
    const { options, prompts } = setup(w, { yes: true });
    expect((await runRunbook(options)).outcome).toBe('succeeded');
    expect(prompts).toEqual([]);
  });

  it('gives up a wait at its timeout, polling on the fake clock', async () => {
    const w = world();
    const { options, audit, clock } = setup(w);
    // The redrive moves nothing this time: the DLQ keeps its messages.
    options.actions.redrive = async () => ({ count: 0, summary: 'moved 0 messages' });

    const result = await runRunbook(options);

    expect(result).toMatchObject({ outcome: 'failed', stoppedAt: 4 });
    expect(result.steps.at(-1)).toMatchObject({
      kind: 'wait',
      outcome: 'timed-out',
      message: 'still not true after 30m: dlq.depth == 0 → false (dlq.depth = 42)',
    });
    expect(clock.sleeps).toHaveLength(60);
    expect(clock.now() - Date.parse('2026-11-22T03:05:00Z')).toBe(30 * 60_000);
    expect(audit.entries.at(-1)).toMatchObject({ outcome: 'failed', detail: expect.objectContaining({ kind: 'wait', outcome: 'timed-out' }) });
  });

  it('passes a wait as soon as the condition holds', async () => {
    const w = world();
    const clock = fakeClock(Date.parse('2026-11-22T03:05:00Z'), (elapsed) => {
      if (elapsed >= 90_000) w.dlq = 0;
    });
    const { options, events } = setup(w, { clock });
    // Native redrives move messages a while after the task starts.
    options.actions.redrive = async () => ({ count: 42, summary: 'task started' });

    const result = await runRunbook(options);

    expect(result.outcome).toBe('succeeded');
    expect(result.steps[3]?.message).toBe('dlq.depth == 0 → true (dlq.depth = 0) after 1m30s');
    expect(events.filter((e) => e.type === 'poll' && e.step.kind === 'wait')).toHaveLength(4);
  });

  it('fails a verify when the condition breaks during its span', async () => {
    const w = world();
    const clock = fakeClock(Date.parse('2026-11-22T03:05:00Z'), (elapsed) => {
      if (elapsed >= 4 * 60_000) w.errorRate = 0.05;
    });
    const { options } = setup(w, { clock });

    const result = await runRunbook(options);

    expect(result).toMatchObject({ outcome: 'failed', stoppedAt: 5 });
    expect(result.steps.at(-1)?.message).toBe(
      'verify failed after 4m of 10m: processor.errorRate < threshold.processorErrorRate → false (processor.errorRate = 0.05, threshold.processorErrorRate = 0.01)',
    );
  });

  it('in a dry run evaluates checks, says what each act would do, and changes nothing', async () => {
    const w = world();
    const { options, audit, prompts, clock } = setup(w, { dryRun: true });

    const result = await runRunbook(options);

    expect(result).toMatchObject({ outcome: 'succeeded', dryRun: true });
    expect(result.steps.map((s) => [s.kind, s.outcome])).toEqual([
      ['check', 'passed'],
      ['act', 'dry-run'],
      ['act', 'dry-run'],
      ['wait', 'dry-run'],
      ['verify', 'dry-run'],
    ]);
    expect(result.steps[2]?.message).toBe('would redrive 42 messages from tripline-web-dlq to tripline-web-failed (native, 10 messages/s)');
    expect(result.steps[3]?.message).toBe(
      'would wait until dlq.depth == 0 (at most 30m, every 30s); now: dlq.depth == 0 → false (dlq.depth = 42) (does not hold)',
    );
    expect(w).toMatchObject({ dlq: 42, failed: 0, exported: [], redrives: [] });
    expect(prompts).toEqual([]);
    expect(clock.sleeps).toEqual([]);
    expect(audit.entries.map((e) => e.outcome)).toEqual(['succeeded', 'dry-run', 'dry-run', 'dry-run', 'dry-run']);
  });

  it('in a dry run still stops at a failed check', async () => {
    const { options } = setup(world({ errorRate: 0.5 }), { dryRun: true });
    expect(await runRunbook(options)).toMatchObject({ outcome: 'failed', stoppedAt: 1 });
  });

  it('records a failed act and rethrows its AWS error (exit 3)', async () => {
    const w = world();
    const { options, audit } = setup(w);
    w.failNextAct = denied();

    const run = runRunbook(options);

    await expect(run).rejects.toBeInstanceOf(AwsError);
    await expect(run).rejects.toMatchObject({ exitCode: 3 });
    expect(audit.entries.at(-1)).toMatchObject({
      outcome: 'failed',
      detail: expect.objectContaining({ step: 2, outcome: 'error', message: expect.stringContaining('access denied') }),
    });
  });

  it('records a step whose health read fails', async () => {
    const { options, audit } = setup(world(), {
      health: async () => {
        throw new AwsError('CloudWatch GetMetricData: throttled by AWS (Throttling); retry later or make fewer calls', { service: 'CloudWatch', operation: 'GetMetricData' });
      },
    });
    await expect(runRunbook(options)).rejects.toMatchObject({ exitCode: 3 });
    expect(audit.entries).toEqual([expect.objectContaining({ outcome: 'failed', detail: expect.objectContaining({ step: 1, outcome: 'error' }) })]);
  });

  it('reports a condition that does not compile with its file and line', async () => {
    const unchecked = parseRunbook('---\nid: x\ntitle: X\nalarms: [x]\n---\n```check\ndlq.depht == 0\n```\n', 'runbooks/x.md');
    const { options } = setup(world(), { runbook: unchecked });
    await expect(runRunbook(options)).rejects.toThrow(RunbookError);
    await expect(runRunbook(options)).rejects.toThrow(/^runbooks\/x\.md:7: check condition "dlq\.depht == 0": .*unknown path "dlq\.depht" \(did you mean dlq\.depth\?\)/);
  });

  it('tells the caller about prose, steps and polls as they happen', async () => {
    const { options, events } = setup(world());
    await runRunbook(options);
    const kinds = events.map((e) => (e.type === 'step' || e.type === 'step-done' ? `${e.type}:${e.step.index}` : e.type));
    expect(kinds.slice(0, 6)).toEqual(['start', 'markdown', 'step:1', 'step-done:1', 'step:2', 'step-done:2']);
    expect(kinds.at(-1)).toBe('done');
    const act = events.find((e) => e.type === 'step' && e.step.index === 3);
    expect(act).toMatchObject({ action: { verb: 'redrive', queue: 'tripline-web-dlq', to: 'tripline-web-failed' } });
  });
});
