/*
 * Wording shared by the text and Block Kit renderings of a shift summary.
 * Pure. Times are shown in UTC, the zone the schedule is written in.
 */
import { formatCount, formatDuration, formatRate, NO_DATA } from '../health/format.js';
import type { AlarmEpisode, AlarmShift, PipelineShift, RecoveryAction, ShiftSummary, ThresholdCheck } from './types.js';

/** `2026-11-22 20:00` (UTC). */
export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

/** `20:03`, or `11-21 20:03` when not on the window's last day. */
export function formatTime(date: Date, reference: Date): string {
  const iso = date.toISOString();
  return iso.slice(0, 10) === reference.toISOString().slice(0, 10) ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** `2026-11-22 20:00 → 2026-11-23 08:00 UTC (12h00m)`. */
export function windowText(summary: ShiftSummary): string {
  const span = (summary.window.end.getTime() - summary.window.start.getTime()) / 1000;
  return `${formatDay(summary.window.start)} → ${formatDay(summary.window.end)} UTC (${formatDuration(span)})`;
}

/** `5 fired, 4 resolved, MTTR 12m, 1 still in ALARM, 2 flapping`. */
export function totalsText(summary: ShiftSummary): string {
  const t = summary.totals;
  if (t.alarms === 0) return 'No alarm changed state; none is in ALARM.';
  const parts = [`${t.fired} fired`, `${t.resolved} resolved`, `MTTR ${t.mttrSeconds === undefined ? NO_DATA : formatDuration(t.mttrSeconds)}`];
  parts.push(`${t.ongoing} still in ALARM`);
  if (t.flapping > 0) parts.push(`${t.flapping} flapping`);
  return parts.join(', ');
}

/** `20:03 → 20:17 (14m)`, `07:40 → ongoing (20m+)`, `before → 20:17 (≥17m)`. */
export function episodeText(e: AlarmEpisode, reference: Date): string {
  const from = e.startedBeforeWindow ? `before ${formatTime(e.start, reference)}` : formatTime(e.start, reference);
  const to = e.ongoing ? 'still in ALARM' : `${e.endedIn === 'OK' ? '' : `${e.endedIn ?? ''} `}${formatTime(e.end ?? reference, reference)}`;
  const duration = `${e.startedBeforeWindow ? '≥' : ''}${formatDuration(e.durationSeconds)}`;
  return `${from} → ${to} (${duration})`;
}

/** `fired 2, resolved 1, MTTR 14m`. */
export function alarmCounts(a: AlarmShift): string {
  const parts = [`fired ${a.fired}`, `resolved ${a.resolved}`];
  if (a.mttrSeconds !== undefined) parts.push(`MTTR ${formatDuration(a.mttrSeconds)}`);
  if (a.transitions !== a.fired + a.resolved) parts.push(`${a.transitions} changes`);
  return parts.join(', ');
}

/** `0.12% (limit 2%)` or `3.1% over 2%`. */
export function rateCheckText(c: ThresholdCheck): string {
  return c.breached ? `${formatRate(c.value)} over ${formatRate(c.threshold)}` : `${formatRate(c.value)} (limit ${formatRate(c.threshold)})`;
}

export function freshnessText(c: ThresholdCheck): string {
  return c.breached ? `${formatDuration(c.value)} over ${formatDuration(c.threshold)}` : `${formatDuration(c.value)} (limit ${formatDuration(c.threshold)})`;
}

export function dlqText(p: PipelineShift): string {
  if (p.dlq.depth === undefined) return `${NO_DATA} (${p.dlq.queue})`;
  const age = p.dlq.oldestAgeSeconds !== undefined && p.dlq.depth > 0 ? `, oldest ${formatDuration(p.dlq.oldestAgeSeconds)}` : '';
  const inFlight = p.dlq.inFlight !== undefined && p.dlq.inFlight > 0 ? ` + ${formatCount(p.dlq.inFlight)} in flight` : '';
  return `${formatCount(p.dlq.depth)}${inFlight}${age}`;
}

const VERB: Readonly<Record<string, string>> = {
  'dlq.redrive.native': 'native redrive',
  'dlq.redrive.selective': 'selective redrive',
  'dlq.cancel': 'cancelled move task',
  'dlq.export': 'export',
};

/** `07:55 native redrive tripline-web-dlq → tripline-web-failed: 120 messages, succeeded (by alice, via tui)`. */
export function recoveryText(r: RecoveryAction, reference: Date): string {
  const where = r.source === undefined ? '' : ` ${r.source}${r.destination !== undefined ? ` → ${r.destination}` : r.action === 'dlq.redrive.native' ? ' → source queues' : ''}`;
  const count = r.count !== undefined ? `: ${formatCount(r.count)} message${r.count === 1 ? '' : 's'}` : '';
  const outcome = r.outcome === 'started' ? 'started, no outcome recorded' : r.outcome;
  return `${formatTime(r.at, reference)} ${VERB[r.action] ?? r.action}${where}${count}, ${outcome} (by ${actorName(r.actor)}, via ${r.via})`;
}

/** The readable end of an actor ARN: `assumed-role/oncall/alice` → `alice`. */
export function actorName(actor: string): string {
  const tail = actor.split(':').pop() ?? actor;
  return tail.split('/').pop() || actor;
}
