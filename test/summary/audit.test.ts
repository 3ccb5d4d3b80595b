import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/audit/actor.js';
import { createAuditTrail } from '../../src/audit/trail.js';
import type { AuditEntry } from '../../src/domain/health.js';
import { parseAuditLines, readAuditFile, recoveryActions } from '../../src/summary/audit.js';

const START = Date.parse('2026-11-22T20:00:00Z');
const MIN = 60_000;
const window = { start: new Date(START), end: new Date(START + 720 * MIN) };
const ALICE = 'arn:aws:sts::123456789012:assumed-role/oncall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/oncall/bob';

function entry(m: number, e: Omit<AuditEntry, 'at' | 'actor'> & { actor?: string }): AuditEntry {
  return { at: new Date(START + m * MIN).toISOString(), actor: ALICE, ...e };
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-summary-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recoveryActions', () => {
  it.each([
    {
      name: 'a started entry and its outcome are one redrive, with the moved count',
      entries: [
        entry(10, { action: 'dlq.redrive.selective', source: 'web-dlq', destination: 'web-failed', count: 50, outcome: 'started' }),
        entry(14, { action: 'dlq.redrive.selective', source: 'web-dlq', destination: 'web-failed', count: 48, outcome: 'succeeded', detail: { skipped: 2 } }),
      ],
      expected: [['dlq.redrive.selective', 'web-dlq', 'web-failed', 48, 'succeeded', 10, 14, 'cli']],
    },
    {
      name: 'dry runs are not redrives',
      entries: [entry(10, { action: 'dlq.redrive.native', source: 'web-dlq', count: 50, outcome: 'dry-run' })],
      expected: [],
    },
    {
      name: 'a native redrive started with --no-wait stays "started"',
      entries: [entry(10, { action: 'dlq.redrive.native', source: 'web-dlq', count: 50, outcome: 'started', detail: { rate: 10 } })],
      expected: [['dlq.redrive.native', 'web-dlq', undefined, 50, 'started', 10, 10, 'cli']],
    },
    {
      name: 'a refused redrive is reported as refused',
      entries: [entry(10, { action: 'dlq.redrive.native', source: 'web-dlq', outcome: 'refused', detail: { reason: 'error rate 5%' } })],
      expected: [['dlq.redrive.native', 'web-dlq', undefined, undefined, 'refused', undefined, 10, 'cli']],
    },
    {
      name: 'two people redriving the same DLQ are two redrives',
      entries: [
        entry(10, { action: 'dlq.redrive.native', source: 'web-dlq', count: 5, outcome: 'started' }),
        entry(11, { actor: BOB, action: 'dlq.redrive.native', source: 'web-dlq', count: 5, outcome: 'started' }),
        entry(12, { actor: BOB, action: 'dlq.redrive.native', source: 'web-dlq', count: 5, outcome: 'failed' }),
        entry(13, { action: 'dlq.redrive.native', source: 'web-dlq', count: 5, outcome: 'succeeded' }),
      ],
      expected: [
        ['dlq.redrive.native', 'web-dlq', undefined, 5, 'failed', 11, 12, 'cli'],
        ['dlq.redrive.native', 'web-dlq', undefined, 5, 'succeeded', 10, 13, 'cli'],
      ],
    },
    {
      name: 'the console says it was the TUI',
      entries: [entry(10, { action: 'dlq.redrive.native', source: 'web-dlq', count: 7, outcome: 'succeeded', detail: { rate: 10, via: 'tui' } })],
      expected: [['dlq.redrive.native', 'web-dlq', undefined, 7, 'succeeded', undefined, 10, 'tui']],
    },
    {
      name: 'a runbook act step is the redrive it did',
      entries: [
        entry(10, { action: 'runbook.step', outcome: 'succeeded', detail: { runbook: 'dlq-redrive', kind: 'check' } }),
        entry(11, {
          action: 'runbook.step',
          source: 'web-dlq',
          destination: 'web-failed',
          count: 12,
          outcome: 'succeeded',
          detail: { runbook: 'dlq-redrive', kind: 'act', action: { verb: 'redrive', queue: 'web-dlq', mode: 'selective', to: 'web-failed' } },
        }),
        entry(12, { action: 'runbook.step', source: 'web-dlq', count: 12, outcome: 'dry-run', detail: { runbook: 'dlq-redrive', kind: 'act', action: { verb: 'redrive', queue: 'web-dlq', mode: 'native' } } }),
      ],
      expected: [['dlq.redrive.selective', 'web-dlq', 'web-failed', 12, 'succeeded', undefined, 11, 'runbook dlq-redrive']],
    },
    {
      name: 'only the window counts',
      entries: [entry(-1, { action: 'dlq.redrive.native', source: 'web-dlq', count: 5, outcome: 'succeeded' }), entry(721, { action: 'dlq.redrive.native', source: 'web-dlq', count: 5, outcome: 'succeeded' })],
      expected: [],
    },
  ])('$name', ({ entries, expected }) => {
    const { redrives } = recoveryActions(entries, window);
    expect(
      redrives.map((r) => [
        r.action,
        r.source,
        r.destination,
        r.count,
        r.outcome,
        r.startedAt === undefined ? undefined : (r.startedAt.getTime() - START) / MIN,
        (r.at.getTime() - START) / MIN,
        r.via,
      ]),
    ).toEqual(expected);
  });

  it('keeps cancels and exports apart from redrives', () => {
    const { redrives, other } = recoveryActions(
      [
        entry(5, { action: 'dlq.export', source: 'web-dlq', count: 30, outcome: 'succeeded', detail: { file: 'x.ndjson' } }),
        entry(6, { action: 'dlq.cancel', source: 'web-dlq', count: 3, outcome: 'succeeded' }),
      ],
      window,
    );
    expect(redrives).toEqual([]);
    expect(other.map((o) => o.action)).toEqual(['dlq.export', 'dlq.cancel']);
  });
});

describe('reading the audit file', () => {
  it('reads back what the audit trail writes', async () => {
    const file = path.join(dir, 'trail', 'audit.jsonl');
    let now = START + 30 * MIN;
    const trail = createAuditTrail({ file, actor: localActor(), now: () => new Date(now) });
    await trail.record({ action: 'dlq.redrive.native', source: 'web-dlq', count: 9, outcome: 'started' });
    now += 2 * MIN;
    await trail.record({ action: 'dlq.redrive.native', source: 'web-dlq', count: 9, outcome: 'succeeded', detail: { status: 'COMPLETED' } });
    const read = await readAuditFile(file);
    expect(read.found).toBe(true);
    expect(read.badLines).toEqual([]);
    const { redrives } = recoveryActions(read.entries, window);
    expect(redrives.map((r) => [r.actor, r.count, r.outcome])).toEqual([[localActor().arn, 9, 'succeeded']]);
  });

  it('skips lines that are not entries and says which', () => {
    const good = JSON.stringify(entry(1, { action: 'dlq.export', source: 'q', outcome: 'succeeded' }));
    const { entries, badLines } = parseAuditLines(`${good}\n{"at":"2026-11-22T20:00:00Z","act\n\n{"at":"yesterday","actor":"a","action":"x","outcome":"succeeded"}\n${good}\n`);
    expect(entries).toHaveLength(2);
    expect(badLines).toEqual([2, 4]);
  });

  it('treats a missing file as an empty trail', async () => {
    expect(await readAuditFile(path.join(dir, 'nothing-here.jsonl'))).toEqual({ entries: [], badLines: [], found: false });
  });

  it('says what to do when the file cannot be read', async () => {
    const error = await readAuditFile(dir).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^cannot read the audit trail .* \(EISDIR\); fix its permissions or set console.audit.file/);
  });
});
