import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sandbox/scenarios.js';
import { useSandboxDir } from '../support/sandbox-dir.js';

/**
 * The sandbox's game days end to end, headless, as `npm test` runs them:
 * the real alarm router pages the local PagerDuty inbox once and resolves
 * the same incident, and no event produced goes missing.
 */
const work = useSandboxDir('tripline-sandbox-');

describe('sandbox scenario dlq-incident', () => {
  it('pages once, redrives by the runbook, drains the DLQ, resolves the same incident and loses nothing', async () => {
    const result = await runScenario('dlq-incident', { workDir: path.join(work.dir(), 'dlq') });

    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.realMs).toBeLessThan(60_000);
    const pages = result.timeline.filter((e) => e.type === 'pagerduty');
    expect(pages.map((e) => [e['action'], e['dedupKey']])).toEqual([
      ['trigger', 'tripline/123456789012/us-east-1/tripline-web-pipeline'],
      ['resolve', 'tripline/123456789012/us-east-1/tripline-web-pipeline'],
    ]);
    expect(result.accounting?.pipelines['web']?.inDlq).toBe(0);
    expect(result.accounting?.pipelines['web']?.failed).toBeGreaterThan(0);
    expect(result.accounting?.unaccounted).toBe(0);
    // The run's shift summary (what `tripline summary --json` prints) reports what happened in it.
    const summary = result.summary as {
      alarms: { name: string; fired: number; resolved: number; episodes: { durationSeconds: number }[] }[];
      recovery: { redrives: { action: string; source: string; count: number; outcome: string }[] };
    };
    const composite = summary.alarms.find((a) => a.name === 'tripline-web-pipeline');
    expect(composite).toMatchObject({ fired: 1, resolved: 1 });
    const opened = result.timeline.find((e) => e.type === 'alarm' && e['alarm'] === 'tripline-web-pipeline' && e['to'] === 'ALARM');
    const closed = result.timeline.find((e) => e.type === 'alarm' && e['alarm'] === 'tripline-web-pipeline' && e['to'] === 'OK');
    const lasted = (Date.parse(String(closed?.['at'])) - Date.parse(String(opened?.['at']))) / 1000;
    expect(Math.abs((composite?.episodes[0]?.durationSeconds ?? 0) - lasted)).toBeLessThanOrEqual(600);
    const redrive = result.timeline.find((e) => e.type === 'redrive');
    expect(summary.recovery.redrives).toEqual([expect.objectContaining({ action: 'dlq.redrive.native', source: 'tripline-web-dlq', count: redrive?.['count'], outcome: 'succeeded' })]);
    // The redrive is in the audit trail, as the sandbox's summary reads it.
    const audit = (await readFile(path.join(work.dir(), 'dlq', 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.some((e) => e['action'] === 'runbook.step' && e['outcome'] === 'succeeded')).toBe(true);
  }, 90_000);
});

describe.each(['stale-platform', 'bad-release'] as const)('sandbox scenario %s', (name) => {
  it('pages once, resolves the same incident, and loses nothing', async () => {
    const result = await runScenario(name, { workDir: path.join(work.dir(), name) });

    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.realMs).toBeLessThan(60_000);
    // The quality alarm is a child of its pipeline's composite: the composite is the one page.
    const alarm = name === 'stale-platform' ? 'tripline-ios-pipeline' : 'tripline-web-pipeline';
    const fired = name === 'stale-platform' ? 'tripline-ios-quality-freshness' : 'tripline-web-quality-invalid-rate';
    expect(result.timeline.some((e) => e.type === 'alarm' && e['alarm'] === fired && e['to'] === 'ALARM')).toBe(true);
    const pages = result.timeline.filter((e) => e.type === 'pagerduty');
    expect(pages.map((e) => [e['action'], e['dedupKey']])).toEqual([
      ['trigger', `tripline/123456789012/us-east-1/${alarm}`],
      ['resolve', `tripline/123456789012/us-east-1/${alarm}`],
    ]);
    if (name === 'bad-release') {
      const top = result.timeline.find((e) => e['what'] === 'top invalid reasons');
      expect(Object.keys((top?.['reasons'] ?? {}) as Record<string, number>)[0]).toBe('wrong_type');
      // The page names them too, first in its summary.
      expect(String(pages[0]?.['summary'])).toMatch(/^ALARM: tripline-web-pipeline — Top invalid reasons: wrong_type \d+/);
    }
    expect(result.accounting?.unaccounted).toBe(0);
  }, 90_000);
});
