import { alarmPrefixOf, type Pipelines, type PipelineThresholds } from '../config/pipelines.js';
import { DEFAULT_FLAPPING_TRANSITIONS } from '../config/summary.js';
import type { AlarmHistoryItem, AlarmStateValue, AlarmStatus, AuditEntry, HealthSnapshot, Incident, MetricWindow, PipelineHealth, Reading } from '../domain/health.js';
import { formatDuration, formatRate } from '../health/format.js';
import { pipelineOfAlarm } from '../health/compute.js';
import { recoveryActions } from './audit.js';
import type { AlarmEpisode, AlarmShift, PipelineShift, RecoveryAction, ShiftSummary, ThresholdCheck } from './types.js';

export interface ShiftSummaryInput {
  /** State changes in the window, oldest first (AlarmHistoryReader.history). */
  readonly history: readonly AlarmHistoryItem[];
  /** Open incidents; undefined when no incident reader is configured (then the snapshot's are used, if any). */
  readonly incidents?: readonly Incident[] | undefined;
  /** One health snapshot (collectHealth) at the window's end: DLQs, quality rates, freshness, alarm states. */
  readonly snapshot: HealthSnapshot;
  /**
   * Audit entries (any window; the summary keeps those inside), or a string
   * saying why there are none to read (the Lambda has no local trail).
   */
  readonly audit: readonly AuditEntry[] | { readonly unavailable: string };
  /** Where the audit entries came from, for the summary (`.tripline/audit.jsonl`). */
  readonly auditSource?: string;
  readonly window: MetricWindow;
  readonly pipelines: Pipelines;
  /** An alarm with at least this many state changes in the window is flapping (default 4: fired and resolved twice). */
  readonly flappingTransitions?: number;
  /** Extra problems to report (readers that failed before the snapshot). */
  readonly problems?: readonly string[];
  /** Whether an incident reader is configured; default: `incidents !== undefined`. */
  readonly incidentsConfigured?: boolean;
}

/** Said whenever an episode began before the window, so its duration is read as "at least". */
export const BEFORE_WINDOW_NOTE = 'Alarms already in ALARM when the window began are counted from its start, so their durations (and MTTR) are lower bounds.';

/**
 * What happened during a shift, from the alarm history of the window, one
 * health snapshot at its end, the open incidents and the audit trail. Pure:
 * no I/O, no clock (every time comes from the inputs).
 *
 * - An episode is a stretch in ALARM: it starts on a change into ALARM (a
 *   fire) and ends when the alarm leaves ALARM; leaving for OK is a resolve,
 *   for INSUFFICIENT_DATA is not (the metric stopped reporting).
 * - An alarm already in ALARM when the window begins (its first change in the
 *   window comes from ALARM, or it has none and DescribeAlarms says it has been
 *   in ALARM since before) has an episode counted from the window's start.
 * - MTTR is the mean duration of the resolved episodes.
 * - Flapping: at least `flappingTransitions` state changes in the window.
 *
 * @example
 * const summary = buildShiftSummary({ history, snapshot, audit: entries, window, pipelines: config.pipelines });
 */
export function buildShiftSummary(input: ShiftSummaryInput): ShiftSummary {
  const { window, snapshot } = input;
  const flappingTransitions = input.flappingTransitions ?? DEFAULT_FLAPPING_TRANSITIONS;
  const pipelineByPrefix = Object.fromEntries(Object.entries(input.pipelines).map(([name, p]) => [alarmPrefixOf(name, p), name]));

  const alarms = alarmShifts(input.history, snapshot.alarms, window, flappingTransitions, pipelineByPrefix);
  const resolvedEpisodes = alarms.flatMap((a) => a.episodes.filter((e) => e.endedIn === 'OK'));
  const flapping = alarms.filter((a) => a.flapping).sort((a, b) => b.transitions - a.transitions || a.name.localeCompare(b.name));

  const incidentsConfigured = input.incidentsConfigured ?? input.incidents !== undefined;
  const open = (input.incidents ?? snapshot.incidents).filter((i) => i.status !== 'resolved');

  const pipelines = snapshot.pipelines.map((p) => pipelineShift(p, input.pipelines));

  const recovery =
    'unavailable' in input.audit
      ? { available: false, source: input.audit.unavailable, redrives: [], other: [] }
      : { available: true, source: input.auditSource ?? 'the audit trail', ...recoveryActions(input.audit, window) };

  const notes: string[] = [];
  if (alarms.some((a) => a.episodes.some((e) => e.startedBeforeWindow))) notes.push(BEFORE_WINDOW_NOTE);
  if (alarms.some((a) => a.episodes.some((e) => e.endedIn === 'INSUFFICIENT_DATA'))) {
    notes.push('An alarm that left ALARM for INSUFFICIENT_DATA (its metric stopped reporting) is not counted as resolved.');
  }

  return {
    window,
    environment: snapshot.environment,
    account: snapshot.account,
    region: snapshot.region,
    snapshotAt: snapshot.at,
    totals: {
      fired: sum(alarms.map((a) => a.fired)),
      resolved: sum(alarms.map((a) => a.resolved)),
      mttrSeconds: mean(resolvedEpisodes.map((e) => e.durationSeconds)),
      ongoing: alarms.filter((a) => a.state === 'ALARM').length,
      flapping: flapping.length,
      alarms: alarms.length,
    },
    alarms,
    flapping,
    flappingTransitions,
    incidents: { configured: incidentsConfigured || open.length > 0, open },
    pipelines,
    recovery,
    attention: attentionOf(alarms, open, pipelines, recovery.redrives),
    notes,
    problems: [...new Set([...(input.problems ?? []), ...snapshot.problems])],
  };
}

/** Per alarm: its changes in the window replayed into episodes; composites first, then most fired, most changes, name. */
function alarmShifts(
  history: readonly AlarmHistoryItem[],
  states: readonly AlarmStatus[],
  window: MetricWindow,
  flappingTransitions: number,
  pipelineByPrefix: Readonly<Record<string, string>>,
): AlarmShift[] {
  const start = window.start.getTime();
  const end = window.end.getTime();
  const byAlarm = new Map<string, AlarmHistoryItem[]>();
  for (const item of history) {
    const t = item.at.getTime();
    if (t < start || t > end) continue;
    const list = byAlarm.get(item.alarmName) ?? [];
    list.push(item);
    byAlarm.set(item.alarmName, list);
  }

  const shifts: AlarmShift[] = [];
  for (const [name, items] of byAlarm) {
    items.sort((a, b) => a.at.getTime() - b.at.getTime());
    shifts.push(replay(name, items, window, flappingTransitions, pipelineByPrefix));
  }
  // Alarms with no change in the window but in ALARM all along (DescribeAlarms): one ongoing episode.
  for (const status of states) {
    if (byAlarm.has(status.name) || status.state !== 'ALARM' || status.since.getTime() > end) continue;
    const before = status.since.getTime() < start;
    const from = before ? start : status.since.getTime();
    shifts.push({
      name: status.name,
      kind: status.kind,
      pipeline: status.pipeline ?? pipelineOfAlarm(status.name, pipelineByPrefix),
      transitions: before ? 0 : 1,
      fired: before ? 0 : 1,
      resolved: 0,
      episodes: [{ start: new Date(from), end: undefined, endedIn: undefined, ongoing: true, startedBeforeWindow: before, durationSeconds: (end - from) / 1000 }],
      mttrSeconds: undefined,
      flapping: false,
      state: 'ALARM',
    });
  }
  return shifts.sort(
    (a, b) =>
      (a.kind === 'composite' ? 0 : 1) - (b.kind === 'composite' ? 0 : 1) ||
      b.fired - a.fired ||
      b.transitions - a.transitions ||
      a.name.localeCompare(b.name),
  );
}

function replay(
  name: string,
  items: readonly AlarmHistoryItem[],
  window: MetricWindow,
  flappingTransitions: number,
  pipelineByPrefix: Readonly<Record<string, string>>,
): AlarmShift {
  const episodes: AlarmEpisode[] = [];
  let openSince: { at: Date; before: boolean } | undefined;
  const first = items[0];
  if (first?.from === 'ALARM') openSince = { at: window.start, before: true };
  let state: AlarmStateValue = first?.from ?? 'OK';
  let fired = 0;
  let resolved = 0;

  for (const item of items) {
    // A change whose `from` disagrees with the state so far means changes are missing; `to` is what counts.
    if (item.to === 'ALARM' && state !== 'ALARM') {
      fired++;
      openSince = { at: item.at, before: false };
    } else if (item.to !== 'ALARM' && state === 'ALARM' && openSince !== undefined) {
      const endedIn = item.to;
      if (endedIn === 'OK') resolved++;
      episodes.push({
        start: openSince.at,
        end: item.at,
        endedIn,
        ongoing: false,
        startedBeforeWindow: openSince.before,
        durationSeconds: seconds(openSince.at, item.at),
      });
      openSince = undefined;
    }
    state = item.to;
  }
  if (state === 'ALARM' && openSince !== undefined) {
    episodes.push({
      start: openSince.at,
      end: undefined,
      endedIn: undefined,
      ongoing: true,
      startedBeforeWindow: openSince.before,
      durationSeconds: seconds(openSince.at, window.end),
    });
  }
  const kind = items.some((i) => i.kind === 'composite') ? 'composite' : 'metric';
  return {
    name,
    kind,
    pipeline: pipelineOfAlarm(name, pipelineByPrefix),
    transitions: items.length,
    fired,
    resolved,
    episodes,
    mttrSeconds: mean(episodes.filter((e) => e.endedIn === 'OK').map((e) => e.durationSeconds)),
    flapping: items.length >= flappingTransitions,
    state,
  };
}

function pipelineShift(health: PipelineHealth, pipelines: Pipelines): PipelineShift {
  const config = pipelines[health.pipeline];
  const thresholds: Partial<PipelineThresholds> = config?.thresholds ?? {};
  const limit = (name: keyof PipelineThresholds, fallback: number): number => {
    const fromHealth = health.thresholds?.[name];
    return fromHealth ?? thresholds[name] ?? fallback;
  };
  const dlqThreshold = limit('dlqDepth', 0);
  const depth = health.dlq.stats?.visible ?? health.dlq.depth.value;
  return {
    pipeline: health.pipeline,
    dlq: {
      queue: health.dlq.stats?.name ?? config?.dlq ?? '',
      depth,
      inFlight: health.dlq.stats?.inFlight,
      oldestAgeSeconds: health.dlq.oldestAgeSeconds.value,
      threshold: dlqThreshold,
      breached: depth !== undefined && depth > dlqThreshold,
    },
    quality: {
      invalidRate: check(health.invalidRate, limit('invalidRate', 0.02)),
      duplicateRate: check(health.duplicateRate, limit('duplicateRate', 0.05)),
      lateRate: check(health.lateRate, limit('lateRate', 0.1)),
    },
    freshness: check(health.freshnessSeconds, limit('freshnessSeconds', 900)),
  };
}

function check(reading: Reading, threshold: number): ThresholdCheck {
  const value = reading.value !== undefined && Number.isFinite(reading.value) ? reading.value : undefined;
  return { value, threshold, level: reading.level, breached: value !== undefined && value > threshold };
}

function attentionOf(alarms: readonly AlarmShift[], incidents: readonly Incident[], pipelines: readonly PipelineShift[], redrives: readonly RecoveryAction[]): string[] {
  const out: string[] = [];
  const firing = alarms.filter((a) => a.state === 'ALARM');
  if (firing.length > 0) out.push(`${firing.length} alarm${plural(firing.length)} still in ALARM: ${listOf(firing.map((a) => a.name))}`);
  if (incidents.length > 0) out.push(`${incidents.length} incident${plural(incidents.length)} open`);
  for (const p of pipelines) {
    if (p.dlq.breached) out.push(`${p.pipeline}: DLQ ${p.dlq.queue} holds ${p.dlq.depth ?? 0} message${plural(p.dlq.depth ?? 0)}${p.dlq.oldestAgeSeconds !== undefined ? ` (oldest ${formatDuration(p.dlq.oldestAgeSeconds)})` : ''}`);
    const rates = (['invalidRate', 'duplicateRate', 'lateRate'] as const).filter((k) => p.quality[k].breached);
    for (const k of rates) out.push(`${p.pipeline}: ${RATE_LABEL[k]} ${formatRate(p.quality[k].value)} is above ${formatRate(p.quality[k].threshold)}`);
    if (p.freshness.breached) out.push(`${p.pipeline}: data is ${formatDuration(p.freshness.value)} old, above ${formatDuration(p.freshness.threshold)}`);
  }
  const failed = redrives.filter((r) => r.outcome === 'failed');
  if (failed.length > 0) out.push(`${failed.length} redrive${plural(failed.length)} failed: ${listOf(failed.map((r) => r.source ?? r.action))}`);
  return out;
}

export const RATE_LABEL = { invalidRate: 'invalid rate', duplicateRate: 'duplicate rate', lateRate: 'late rate' } as const;

function listOf(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

function seconds(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / 1000);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : sum(values) / values.length;
}
