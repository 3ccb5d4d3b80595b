import { formatDuration, NO_DATA } from '../health/format.js';
import { alarmCounts, dlqText, episodeText, formatDay, formatTime, freshnessText, rateCheckText, recoveryText, totalsText, windowText } from './format.js';
import type { ShiftSummary } from './types.js';

/** Episodes listed per alarm in the terminal; the rest are counted. */
const EPISODES_SHOWN = 5;

/**
 * The shift summary for a terminal: every alarm (composites first) with its
 * episodes, flapping alarms, open incidents, each pipeline's DLQ, quality
 * rates and freshness against its thresholds, the redrives done, and what
 * needs attention.
 */
export function renderSummaryText(summary: ShiftSummary): string {
  const end = summary.window.end;
  const where = [summary.environment, summary.account, summary.region].filter((x) => x !== undefined && x !== '').join(' · ');
  const lines: string[] = [`Shift summary · ${where}`, windowText(summary), '', totalsText(summary)];

  if (summary.attention.length > 0) {
    lines.push('', 'NEEDS ATTENTION');
    for (const a of summary.attention) lines.push(`  ! ${a}`);
  }

  if (summary.alarms.length > 0) {
    lines.push('', 'ALARMS (composites first)');
    const width = Math.min(60, Math.max(...summary.alarms.map((a) => a.name.length + (a.kind === 'composite' ? 12 : 0))));
    for (const a of summary.alarms) {
      const label = a.kind === 'composite' ? `${a.name} (composite)` : a.name;
      lines.push(`  ${label.padEnd(width)}  ${alarmCounts(a)}${a.state === 'ALARM' ? '  [still in ALARM]' : ''}`);
      for (const e of a.episodes.slice(0, EPISODES_SHOWN)) lines.push(`      ${episodeText(e, end)}`);
      if (a.episodes.length > EPISODES_SHOWN) lines.push(`      …and ${a.episodes.length - EPISODES_SHOWN} more episodes`);
    }
  }

  if (summary.flapping.length > 0) {
    lines.push('', `FLAPPING (${summary.flappingTransitions} or more state changes)`);
    for (const a of summary.flapping) lines.push(`  ${a.name}  ${a.transitions} changes, fired ${a.fired} times`);
  }

  lines.push('', 'OPEN INCIDENTS');
  if (!summary.incidents.configured) lines.push('  not read: set console.pagerdutyApiToken to list open PagerDuty incidents');
  else if (summary.incidents.open.length === 0) lines.push('  none');
  for (const i of summary.incidents.open) {
    const urgency = i.urgency !== undefined ? `, ${i.urgency}` : '';
    lines.push(`  ${i.id} [${i.status}${urgency}] ${i.title} (opened ${formatTime(i.createdAt, end)})${i.url !== undefined ? ` ${i.url}` : ''}`);
  }

  if (summary.pipelines.length > 0) {
    lines.push('', `PIPELINES (at ${formatDay(summary.snapshotAt)} UTC)`);
    const width = Math.max(...summary.pipelines.map((p) => p.pipeline.length));
    for (const p of summary.pipelines) {
      lines.push(
        `  ${p.pipeline.padEnd(width)}  DLQ ${dlqText(p)}${p.dlq.breached ? ' !' : ''}`,
        `  ${' '.repeat(width)}  invalid ${rateCheckText(p.quality.invalidRate)} · duplicate ${rateCheckText(p.quality.duplicateRate)} · late ${rateCheckText(p.quality.lateRate)} · freshness ${freshnessText(p.freshness)}`,
      );
    }
  }

  lines.push('', summary.recovery.available ? `REDRIVES (from ${summary.recovery.source})` : 'REDRIVES');
  if (!summary.recovery.available) lines.push(`  not available: ${summary.recovery.source}`);
  else if (summary.recovery.redrives.length === 0) lines.push('  none in the window');
  for (const r of summary.recovery.redrives) lines.push(`  ${recoveryText(r, end)}`);
  if (summary.recovery.other.length > 0) {
    lines.push('', 'OTHER DLQ ACTIONS');
    for (const r of summary.recovery.other) lines.push(`  ${recoveryText(r, end)}`);
  }

  if (summary.notes.length > 0) {
    lines.push('', 'NOTES');
    for (const n of summary.notes) lines.push(`  - ${n}`);
  }
  if (summary.problems.length > 0) {
    lines.push('', 'PROBLEMS (their part of the summary is missing)');
    for (const p of summary.problems) lines.push(`  - ${p}`);
  }
  return lines.join('\n');
}

/** One line for Slack's `text` (notifications, screen readers) and logs. */
export function summaryFallbackText(summary: ShiftSummary): string {
  const t = summary.totals;
  const mttr = t.mttrSeconds === undefined ? NO_DATA : formatDuration(t.mttrSeconds);
  const incidents = summary.incidents.configured ? `, ${summary.incidents.open.length} incident${summary.incidents.open.length === 1 ? '' : 's'} open` : '';
  const redrives = summary.recovery.available ? `, ${summary.recovery.redrives.length} redrive${summary.recovery.redrives.length === 1 ? '' : 's'}` : '';
  return `Shift summary ${summary.environment} (${windowText(summary)}): ${t.fired} alarm${t.fired === 1 ? '' : 's'} fired, ${t.resolved} resolved, MTTR ${mttr}, ${t.ongoing} still in ALARM${incidents}${redrives}.`;
}
