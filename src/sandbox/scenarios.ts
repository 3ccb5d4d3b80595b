import { formatRunbookEvent } from '../runbooks/render.js';
import { collectShiftSummary } from '../summary/collect.js';
import { summaryJson } from '../summary/json.js';
import { Sandbox, type Accounting, type SandboxOptions, type TimelineEvent } from './sandbox.js';
import { runSandboxRunbook } from './runbooks.js';

export const SCENARIOS = ['dlq-incident', 'stale-platform', 'bad-release', 'collector-outage'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** One expectation of a scenario and whether it held. */
export interface Expectation {
  readonly ok: boolean;
  readonly text: string;
}

/** What `tripline sandbox --scenario <name> --headless --json` prints. */
export interface ScenarioResult {
  readonly scenario: ScenarioName;
  readonly ok: boolean;
  readonly speed: number;
  readonly seed: number;
  readonly realMs: number;
  readonly expectations: readonly Expectation[];
  readonly accounting?: Accounting;
  /** The PagerDuty dedup key the scenario paged with. */
  readonly dedupKey?: string;
  readonly timeline: readonly TimelineEvent[];
  /** Why the scenario stopped early, when it did. */
  readonly error?: string;
  /** The shift summary of the run: the document `tripline summary --json` prints, over the sandbox's readers. */
  readonly summary?: Record<string, unknown>;
}

export interface ScenarioOptions extends Omit<SandboxOptions, 'speed' | 'seed'> {
  /** Sandbox seconds per real second; default 120 (two sandbox minutes a second). */
  readonly speed?: number;
  readonly seed?: number;
  /** Called with each timeline event as it happens (e.g. to stream it to stderr). */
  readonly onEvent?: (event: TimelineEvent) => void;
}

const MINUTE = 60_000;

/**
 * Runs a scripted game day against a fresh sandbox and checks its
 * expectations: one page (PagerDuty trigger) and one auto-resolve with the
 * same dedup_key, no other incident, and every event produced accounted
 * for (processed, in a queue, in the stream or counted invalid).
 *
 * - `dlq-incident`: the web processor breaks → failed events reach the DLQ →
 *   the DLQ alarm and the pipeline composite fire → page → the processor is
 *   fixed → runbook `dlq-redrive` (backup, native redrive, wait, verify) →
 *   DLQ drained → alarms OK → incident resolved; the DLQ ends at 0.
 * - `stale-platform`: the ios SDKs go silent → freshness alarms → page →
 *   traffic resumes → resolved.
 * - `bad-release`: a web app release sends invalid events → quality alarm →
 *   page, whose summary names the top invalid reasons (the router reads
 *   InvalidEvents per Reason) → rollback → resolved.
 * - `collector-outage`: the collector the three pipelines share receives
 *   nothing (DNS, the gateway down) for 40 minutes → its traffic-drop alarm
 *   pages once, through web's composite (which owns the shared collector's
 *   alarms); no pipeline's freshness pages on top of it → traffic returns →
 *   resolved.
 */
export async function runScenario(name: ScenarioName, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const speed = options.speed ?? 120;
  const seed = options.seed ?? 7;
  const sandbox = await Sandbox.start({ ...options, speed, seed });
  const unsubscribe = options.onEvent !== undefined ? sandbox.onEvent(options.onEvent) : () => undefined;
  const expectations: Expectation[] = [];
  const expect = (ok: boolean, text: string): void => {
    expectations.push({ ok, text });
    sandbox.record('expectation', { ok, text });
  };
  let accounting: Accounting | undefined;
  let error: string | undefined;
  let dedupKey: string | undefined;
  let summary: Record<string, unknown> | undefined;
  const scenarioStart = sandbox.clock.date();
  try {
    sandbox.record('sandbox', { what: 'scenario', scenario: name });
    await sandbox.wait(2 * MINUTE);
    const pipeline = name === 'stale-platform' ? 'ios' : 'web';
    const triggered = (): string | undefined => sandbox.pagerduty.accepted.find((e) => e.event_action === 'trigger')?.dedup_key;
    const awaitPage = async (minutes: number): Promise<void> => {
      try {
        await sandbox.until(() => triggered() !== undefined, minutes * MINUTE, 'a PagerDuty trigger');
      } catch (e) {
        const fired = sandbox.evaluator.alarms().filter((a) => a.state === 'ALARM').map((a) => a.definition.name);
        const channels = [...new Set(sandbox.slack.messages.map((m) => m.channel))];
        if (fired.length === 0) throw e;
        throw new Error(
          `${e instanceof Error ? e.message : String(e)}: ${fired.join(', ')} fired but the config's routes sent ${fired.length === 1 ? 'it' : 'them'} to Slack only (${channels.join(', ') || 'no channel'}); route ${fired.length === 1 ? 'it' : 'them'} to a receiver with PagerDuty to page`,
        );
      }
    };

    if (name === 'dlq-incident') {
      sandbox.setFaults(pipeline, { processorBroken: true, failShare: 0.3 }, 'break-processor');
      await awaitPage(20);
      dedupKey = triggered();
      await sandbox.wait(2 * MINUTE);
      sandbox.setFaults(pipeline, { processorBroken: false }, 'fix-processor');
      const threshold = sandbox.config.pipelines[pipeline]?.thresholds.processorErrorRate ?? 0.01;
      await sandbox.until(async () => {
        const health = (await sandbox.snapshot()).pipelines.find((p) => p.pipeline === pipeline);
        const rate = health?.processorErrorRate.value;
        return rate !== undefined && rate < threshold;
      }, 10 * MINUTE, 'the processor error rate to fall under its threshold');
      const dlqBefore = await sandbox.depth(sandbox.config.pipelines[pipeline]?.dlq ?? '');
      sandbox.record('runbook', { runbook: 'dlq-redrive', pipeline, dlqDepth: dlqBefore, line: 'started' });
      const result = await runSandboxRunbook(sandbox, {
        id: 'dlq-redrive',
        pipeline,
        onEvent: (event) => {
          if (event.type === 'step-done') {
            sandbox.record('runbook', { runbook: 'dlq-redrive', step: event.record.index, kind: event.record.kind, outcome: event.record.outcome, message: event.record.message, ...(event.record.count !== undefined ? { count: event.record.count } : {}) });
            if (event.record.kind === 'act' && event.record.action?.verb === 'redrive') sandbox.record('redrive', { from: event.record.action.queue, count: event.record.count, message: event.record.message });
          } else if (event.type === 'done') sandbox.record('runbook', { runbook: 'dlq-redrive', outcome: event.result.outcome, line: formatRunbookEvent(event).join(' ').trim() });
        },
      });
      expect(result.outcome === 'succeeded', `runbook dlq-redrive ${result.outcome}`);
    } else if (name === 'stale-platform') {
      sandbox.setFaults(pipeline, { silent: true }, 'silence-platform');
      await awaitPage(40);
      dedupKey = triggered();
      await sandbox.wait(2 * MINUTE);
      sandbox.setFaults(pipeline, { silent: false }, 'resume-platform');
    } else if (name === 'collector-outage') {
      const started = sandbox.clock.now();
      for (const p of sandbox.pipelines.keys()) sandbox.setFaults(p, { silent: true }, 'collector-unreachable');
      await awaitPage(40);
      dedupKey = triggered();
      // Long enough for every pipeline's quality freshness to breach, were it not the collector's outage.
      await sandbox.wait(Math.max(2 * MINUTE, started + 40 * MINUTE - sandbox.clock.now()));
      for (const p of sandbox.pipelines.keys()) sandbox.setFaults(p, { silent: false }, 'collector-reachable');
    } else {
      const before = new Map(sandbox.pipelines.get(pipeline)?.invalidByReason ?? []);
      sandbox.setFaults(pipeline, { overrides: { badRelease: { appVersion: '4.14.0', share: 0.25 } } }, 'bad-release');
      await awaitPage(40);
      dedupKey = triggered();
      // What the quality monitor classified as invalid between the release and the page.
      const reasons = [...(sandbox.pipelines.get(pipeline)?.invalidByReason ?? [])]
        .map(([reason, n]): [string, number] => [reason, n - (before.get(reason) ?? 0)])
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3);
      sandbox.record('sandbox', { what: 'top invalid reasons', pipeline, reasons: Object.fromEntries(reasons) });
      // The page itself names them: the router read InvalidEvents per Reason from the sandbox's CloudWatch.
      const page = sandbox.pagerduty.accepted.find((e) => e.event_action === 'trigger');
      const named = /Top invalid reasons: ([a-z_]+) \d+/.exec(page?.payload?.summary ?? '')?.[1];
      expect(named !== undefined && named === reasons[0]?.[0], `the page names the top invalid reason first (${named ?? 'none'}; counted: ${reasons[0]?.[0] ?? 'none'})`);
      await sandbox.wait(2 * MINUTE);
      sandbox.setFaults(pipeline, { overrides: { badRelease: undefined } }, 'rollback-release');
    }

    const resolved = (): boolean => sandbox.pagerduty.accepted.some((e) => e.event_action === 'resolve' && e.dedup_key === dedupKey);
    await sandbox.until(resolved, 40 * MINUTE, `the incident ${dedupKey ?? ''} to resolve`);
    await sandbox.settle();

    // Drain: no new traffic; the stream and the failed-event queue empty.
    sandbox.stopTraffic();
    await sandbox.until(async () => {
      for (const p of sandbox.pipelines.values()) {
        if (p.backlog > 0 || (await sandbox.depth(p.config.failedQueue)) > 0) return false;
      }
      return true;
    }, 10 * MINUTE, 'the pipelines to drain');
    await sandbox.pause();
    accounting = await sandbox.accounting();
    const end = sandbox.clock.date();
    summary = summaryJson(
      await collectShiftSummary(
        { ...sandbox.readers, audit: { file: sandbox.audit.file } },
        { window: { start: scenarioStart, end }, pipelines: sandbox.config.pipelines, environment: 'sandbox', now: end },
      ),
    );
    await sandbox.stop();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    sandbox.record('sandbox', { what: 'scenario stopped', error });
    await sandbox.stop().catch(() => undefined);
  } finally {
    unsubscribe();
  }

  const incidents = [...sandbox.pagerduty.incidents.entries()];
  const opened = incidents.reduce((n, [, i]) => n + i.opened, 0);
  const resolvedIncidents = incidents.filter(([, i]) => i.events.some((e) => e.effect === 'resolved'));
  expect(dedupKey !== undefined, `PagerDuty received a trigger${dedupKey !== undefined ? ` (dedup_key ${dedupKey})` : ''}`);
  expect(opened === 1, `exactly one incident was opened (${opened})`);
  expect(resolvedIncidents.length === 1 && resolvedIncidents[0]?.[0] === dedupKey, `it was resolved by a resolve with the same dedup_key (${resolvedIncidents.map(([k]) => k).join(', ') || 'none'})`);
  expect(sandbox.pagerduty.openIncidents().length === 0, `no incident is left open (${sandbox.pagerduty.openIncidents().join(', ') || 'none'})`);
  if (accounting !== undefined) {
    if (name === 'dlq-incident') {
      const dlq = Object.values(accounting.pipelines).reduce((n, p) => n + p.inDlq, 0);
      expect(dlq === 0, `every DLQ ends empty (${dlq})`);
    }
    expect(accounting.unaccounted === 0, `every event produced is accounted for: ${accounting.produced} produced = ${accounting.processed} processed + ${accounting.invalid} invalid + ${accounting.inQueues} in queues + ${accounting.inStream} in the stream`);
  } else expect(false, 'the scenario ran to its end and counted every event');
  if (error !== undefined) expect(false, error);
  sandbox.record('accounting', { ...(accounting ?? {}) });
  return {
    scenario: name,
    ok: expectations.every((e) => e.ok),
    speed,
    seed,
    realMs: sandbox.clock.elapsedRealMs(),
    expectations,
    ...(accounting !== undefined ? { accounting } : {}),
    ...(dedupKey !== undefined ? { dedupKey } : {}),
    timeline: sandbox.timeline,
    ...(error !== undefined ? { error } : {}),
    ...(summary !== undefined ? { summary } : {}),
  };
}
