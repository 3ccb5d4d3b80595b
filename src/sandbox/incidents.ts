import type { Incident, IncidentReader } from '../domain/health.js';
import type { PagerDutyServer } from './pagerduty-inbox.js';

/**
 * The sandbox PagerDuty inbox as the console's IncidentReader: every dedup
 * key with an incident triggered or acknowledged now, titled by the event
 * that opened it. Ids are stable per dedup key (`SBX-1`, `SBX-2`, …, in the
 * order the keys were first seen).
 */
export function inboxIncidentReader(inbox: PagerDutyServer): IncidentReader & { all(): readonly Incident[] } {
  const all = (): Incident[] => {
    const out: Incident[] = [];
    let n = 0;
    for (const [dedupKey, incident] of inbox.incidents) {
      n++;
      const opening = [...incident.events].reverse().find((e) => e.effect === 'opened')?.event ?? incident.events[0]?.event;
      const payload = opening?.payload;
      const createdAt = payload?.timestamp !== undefined ? new Date(payload.timestamp) : new Date(0);
      out.push({
        id: `SBX-${n}`,
        title: payload?.summary ?? dedupKey,
        status: incident.status,
        urgency: payload?.severity === 'critical' || payload?.severity === 'error' ? 'high' : 'low',
        createdAt: Number.isNaN(createdAt.getTime()) ? new Date(0) : createdAt,
        ...(payload?.source !== undefined ? { service: payload.source } : {}),
        dedupKey,
      });
    }
    return out;
  };
  return {
    all,
    open: async () => all().filter((i) => i.status !== 'resolved'),
  };
}
