import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSummary } from '../../cli/commands/summary.js';
import { runSandboxRunbook } from '../../src/sandbox/runbooks.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { useSandboxDir } from '../support/sandbox-dir.js';

/**
 * `tripline summary --json` over a sandbox run: the sandbox's own readers
 * (alarm history from its evaluator, metrics, queues, alarm states, the
 * PagerDuty inbox) and its audit trail, after the dlq-incident game day
 * (processor breaks → DLQ and composite alarms → page → fix → runbook
 * redrive → resolve). The summary must report what the sandbox's timeline
 * says happened.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MINUTE = 60_000;

const work = useSandboxDir('tripline-summary-sandbox-');

describe('tripline summary over a sandbox run', () => {
  it('reports the alarms, durations and redrives that happened', async () => {
    const sandbox = await Sandbox.start({ speed: 240, seed: 7, cwd: REPO, workDir: path.join(work.dir(), 'run') });
    try {
      const started = sandbox.clock.date();
      await sandbox.wait(2 * MINUTE);
      sandbox.setFaults('web', { processorBroken: true, failShare: 0.3 }, 'break-processor');
      const triggered = (): boolean => sandbox.pagerduty.accepted.some((e) => e.event_action === 'trigger');
      await sandbox.until(triggered, 20 * MINUTE, 'a PagerDuty trigger');
      await sandbox.wait(2 * MINUTE);
      sandbox.setFaults('web', { processorBroken: false }, 'fix-processor');
      await sandbox.until(async () => {
        const rate = (await sandbox.snapshot()).pipelines.find((p) => p.pipeline === 'web')?.processorErrorRate.value;
        return rate !== undefined && rate < 0.01;
      }, 10 * MINUTE, 'the processor error rate to fall');
      const run = await runSandboxRunbook(sandbox, { id: 'dlq-redrive', pipeline: 'web' });
      expect(run.outcome).toBe('succeeded');
      await sandbox.until(() => sandbox.pagerduty.accepted.some((e) => e.event_action === 'resolve'), 40 * MINUTE, 'the resolve');
      await sandbox.settle();
      await sandbox.pause();

      const end = sandbox.clock.date();
      const minutes = Math.ceil((end.getTime() - started.getTime()) / MINUTE);
      const result = await runSummary(
        { since: `${minutes}m`, until: end.toISOString(), json: true },
        {
          env: {},
          cwd: REPO,
          now: () => end,
          stderr: { write: () => true },
          readers: { ...sandbox.readers, audit: { file: sandbox.audit.file } },
        },
      );
      const doc = JSON.parse(result.stdout ?? '') as {
        alarms: { name: string; kind: string; fired: number; resolved: number; state: string; episodes: { start: string; end: string | null; durationSeconds: number }[] }[];
        totals: { fired: number; resolved: number };
        recovery: { redrives: { action: string; source: string; count: number; outcome: string; via: string }[] };
        incidents: { configured: boolean; open: unknown[] };
      };

      // Alarms: every change in the sandbox's timeline, and nothing else.
      const changes = sandbox.timeline.filter((e) => e.type === 'alarm');
      const names = [...new Set(changes.map((e) => String(e['alarm'])))];
      expect(doc.alarms.map((a) => a.name).sort()).toEqual(names.sort());
      for (const a of doc.alarms) {
        const mine = changes.filter((e) => e['alarm'] === a.name);
        expect(a.fired, a.name).toBe(mine.filter((e) => e['to'] === 'ALARM').length);
        expect(a.resolved, a.name).toBe(mine.filter((e) => e['from'] === 'ALARM' && e['to'] === 'OK').length);
      }
      // Durations: the composite that paged, from its timeline entries.
      const composite = doc.alarms.find((a) => a.name === 'tripline-web-pipeline');
      expect(composite?.kind).toBe('composite');
      expect(doc.alarms[0]?.kind).toBe('composite');
      const fired = changes.find((e) => e['alarm'] === 'tripline-web-pipeline' && e['to'] === 'ALARM');
      const ok = changes.find((e) => e['alarm'] === 'tripline-web-pipeline' && e['from'] === 'ALARM' && e['to'] === 'OK');
      // The timeline records a change when a sandbox tick handles it, after the evaluation time the history
      // carries; how much later depends on the machine's load (a real second is 4 sandbox minutes here).
      const slack = 600;
      const seconds = (iso: unknown): number => Date.parse(String(iso)) / 1000;
      const episode = composite?.episodes[0];
      expect(seconds(fired?.at) - seconds(episode?.start)).toBeGreaterThanOrEqual(0);
      expect(seconds(fired?.at) - seconds(episode?.start)).toBeLessThanOrEqual(slack);
      expect(seconds(ok?.at) - seconds(episode?.end)).toBeGreaterThanOrEqual(0);
      expect(seconds(ok?.at) - seconds(episode?.end)).toBeLessThanOrEqual(slack);
      // Exactly: the episode ends when DescribeAlarms says the composite has been OK since.
      const now = (await sandbox.readers.alarms.states(['tripline-web-'])).find((a) => a.name === 'tripline-web-pipeline');
      expect(now?.state).toBe('OK');
      expect(episode?.end).toBe(now?.since.toISOString());
      expect(episode?.durationSeconds).toBe(seconds(episode?.end) - seconds(episode?.start));

      // Redrives: the runbook's redrive, with the count it moved.
      const act = run.steps.find((s) => s.kind === 'act');
      expect(doc.recovery.redrives).toEqual([
        expect.objectContaining({ action: 'dlq.redrive.native', source: 'tripline-web-dlq', count: act?.count, outcome: 'succeeded', via: 'runbook dlq-redrive' }),
      ]);
      expect(act?.count).toBeGreaterThan(0);
      // The incident was resolved: none open in the inbox.
      expect(doc.incidents).toEqual({ configured: true, open: [] });
    } finally {
      await sandbox.stop();
    }
  }, 120_000);
});
