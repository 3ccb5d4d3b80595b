import type { ShiftSummary } from './types.js';

/**
 * The summary as one JSON-ready document (`tripline summary --json`): times
 * as ISO 8601 strings, durations in seconds, rates 0–1, absent values null.
 */
export function summaryJson(summary: ShiftSummary): Record<string, unknown> {
  const iso = (d: Date | undefined): string | null => (d === undefined ? null : d.toISOString());
  const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
  return {
    window: { start: iso(summary.window.start), end: iso(summary.window.end), seconds: (summary.window.end.getTime() - summary.window.start.getTime()) / 1000 },
    environment: summary.environment,
    account: orNull(summary.account),
    region: orNull(summary.region),
    snapshotAt: iso(summary.snapshotAt),
    totals: { ...summary.totals, mttrSeconds: orNull(summary.totals.mttrSeconds) },
    alarms: summary.alarms.map((a) => ({
      name: a.name,
      kind: a.kind,
      pipeline: orNull(a.pipeline),
      state: a.state,
      transitions: a.transitions,
      fired: a.fired,
      resolved: a.resolved,
      mttrSeconds: orNull(a.mttrSeconds),
      flapping: a.flapping,
      episodes: a.episodes.map((e) => ({
        start: iso(e.start),
        end: iso(e.end),
        durationSeconds: e.durationSeconds,
        ongoing: e.ongoing,
        endedIn: orNull(e.endedIn),
        startedBeforeWindow: e.startedBeforeWindow,
      })),
    })),
    flapping: { minTransitions: summary.flappingTransitions, alarms: summary.flapping.map((a) => ({ name: a.name, transitions: a.transitions, fired: a.fired })) },
    incidents: {
      configured: summary.incidents.configured,
      open: summary.incidents.open.map((i) => ({
        id: i.id,
        title: i.title,
        status: i.status,
        urgency: orNull(i.urgency),
        createdAt: iso(i.createdAt),
        url: orNull(i.url),
        service: orNull(i.service),
        dedupKey: orNull(i.dedupKey),
      })),
    },
    pipelines: summary.pipelines.map((p) => ({
      pipeline: p.pipeline,
      dlq: { ...p.dlq, depth: orNull(p.dlq.depth), inFlight: orNull(p.dlq.inFlight), oldestAgeSeconds: orNull(p.dlq.oldestAgeSeconds) },
      quality: Object.fromEntries(Object.entries(p.quality).map(([k, c]) => [k, { ...c, value: orNull(c.value) }])),
      freshness: { ...p.freshness, value: orNull(p.freshness.value) },
    })),
    recovery: {
      available: summary.recovery.available,
      source: summary.recovery.source,
      redrives: summary.recovery.redrives.map(actionJson),
      other: summary.recovery.other.map(actionJson),
    },
    attention: summary.attention,
    notes: summary.notes,
    problems: summary.problems,
  };

  function actionJson(r: ShiftSummary['recovery']['redrives'][number]): Record<string, unknown> {
    return {
      at: iso(r.at),
      startedAt: iso(r.startedAt),
      actor: r.actor,
      action: r.action,
      source: orNull(r.source),
      destination: orNull(r.destination),
      count: orNull(r.count),
      outcome: r.outcome,
      via: r.via,
    };
  }
}
