import { formatCount, formatDuration, NO_DATA } from '../health/format.js';
import { SLACK_LIMITS, type SlackBlock } from '../notify/slack/blocks.js';
import { alarmCounts, dlqText, episodeText, formatTime, freshnessText, rateCheckText, recoveryText, totalsText, windowText } from './format.js';
import type { PipelineShift, ShiftSummary } from './types.js';

/** Sections the alarm list may take before the rest is counted ("…and N more alarms"). */
const ALARM_SECTIONS = 3;
/** Episodes shown per alarm line in Slack; the rest are counted. */
const EPISODES_PER_LINE = 2;

type TextObject = { type: 'mrkdwn'; text: string };

/**
 * The shift summary as Block Kit, within Slack's limits whatever its size:
 * at most 50 blocks, a header of at most 150 characters, section text of at
 * most 3000, at most 10 fields of at most 2000 each, at most 10 context
 * elements. Long lists end with "…and N more".
 *
 * Layout: header; window and totals; the totals as fields; what needs
 * attention; alarms (composites first, up to three sections); flapping
 * alarms; open incidents; redrives; one section per pipeline (DLQ, quality
 * rates, freshness) while blocks remain, the rest as lines; a context block
 * with notes and problems.
 */
export function renderSummaryBlocks(summary: ShiftSummary): SlackBlock[] {
  const end = summary.window.end;
  const where = [summary.environment, summary.account, summary.region].filter((x) => x !== undefined && x !== '').join(' · ');
  const head: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`Shift summary · ${where}`, SLACK_LIMITS.headerText), emoji: true } },
    section(`${escape(windowText(summary))}\n*${escape(totalsText(summary))}*`),
    { type: 'section', fields: totalsFields(summary) },
  ];

  const lists: SlackBlock[] = [];
  if (summary.attention.length > 0) lists.push(...listSections('*:rotating_light: Needs attention*', summary.attention.map((a) => `• ${escape(a)}`), 1, 'more'));
  if (summary.alarms.length > 0) {
    const lines = summary.alarms.map((a) => {
      const episodes = a.episodes.slice(0, EPISODES_PER_LINE).map((e) => episodeText(e, end));
      const more = a.episodes.length > EPISODES_PER_LINE ? `; +${a.episodes.length - EPISODES_PER_LINE} more` : '';
      const label = `\`${escape(a.name)}\`${a.kind === 'composite' ? ' (composite)' : ''}`;
      return `• ${label} ${escape(alarmCounts(a))}${episodes.length > 0 ? ` — ${escape(episodes.join('; '))}${more}` : ''}`;
    });
    lists.push(...listSections('*Alarms* (composites first)', lines, ALARM_SECTIONS, 'more alarms'));
  }
  if (summary.flapping.length > 0) {
    const lines = summary.flapping.map((a) => `• \`${escape(a.name)}\` ${a.transitions} changes, fired ${a.fired} times`);
    lists.push(...listSections(`*Flapping* (${summary.flappingTransitions} or more state changes)`, lines, 1, 'more flapping alarms'));
  }
  if (summary.incidents.configured) {
    const lines = summary.incidents.open.map((i) => {
      const title = i.url !== undefined ? `<${i.url}|${escape(i.title)}>` : escape(i.title);
      return `• ${title} — ${i.status}${i.urgency !== undefined ? `, ${i.urgency}` : ''}, opened ${formatTime(i.createdAt, end)}`;
    });
    lists.push(...listSections('*Open incidents*', lines.length > 0 ? lines : ['none'], 1, 'more incidents'));
  }
  const redriveLines = !summary.recovery.available
    ? [`not available: ${escape(summary.recovery.source)}`]
    : summary.recovery.redrives.length === 0
      ? ['none in the window']
      : summary.recovery.redrives.map((r) => `• ${escape(recoveryText(r, end))}`);
  lists.push(...listSections('*Redrives*', redriveLines, 1, 'more redrives'));

  const context = contextBlock(summary);
  // Whatever is left after everything else (and one block for pipelines that do not get their own) goes to per-pipeline sections.
  const room = SLACK_LIMITS.blocks - head.length - lists.length - (context !== undefined ? 1 : 0);
  const pipelineBlocks = pipelineSections(summary.pipelines, room);

  return [...head, ...lists, ...pipelineBlocks, ...(context !== undefined ? [context] : [])].slice(0, SLACK_LIMITS.blocks);
}

function totalsFields(summary: ShiftSummary): TextObject[] {
  const t = summary.totals;
  const dlq = summary.pipelines.reduce((n, p) => n + (p.dlq.depth ?? 0), 0);
  const fields: [string, string][] = [
    ['Fired', String(t.fired)],
    ['Resolved', String(t.resolved)],
    ['MTTR', t.mttrSeconds === undefined ? NO_DATA : formatDuration(t.mttrSeconds)],
    ['Still in ALARM', String(t.ongoing)],
    ['Flapping', String(t.flapping)],
    ['Open incidents', summary.incidents.configured ? String(summary.incidents.open.length) : 'not read'],
    ['Redrives', summary.recovery.available ? String(summary.recovery.redrives.length) : 'not available'],
    ['DLQ messages', summary.pipelines.length > 0 ? formatCount(dlq) : NO_DATA],
  ];
  return fields.slice(0, SLACK_LIMITS.sectionFields).map(([k, v]) => ({ type: 'mrkdwn', text: clip(`*${k}*\n${v}`, SLACK_LIMITS.sectionField) }));
}

/**
 * Lines packed into at most `maxSections` sections of at most 3000
 * characters, the title on the first; lines that do not fit are counted in a
 * last "…and N more" line.
 */
export function listSections(title: string, lines: readonly string[], maxSections: number, noun: string): SlackBlock[] {
  const limit = SLACK_LIMITS.sectionText;
  const texts: string[] = [];
  let current = title;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = clip(lines[i] ?? '', limit - 100);
    if (current.length + 1 + line.length <= limit) {
      current = current === '' ? line : `${current}\n${line}`;
      continue;
    }
    if (texts.length + 1 >= maxSections) break;
    texts.push(current);
    current = line;
  }
  if (i < lines.length) {
    let rest = lines.length - i;
    let tail = `…and ${rest} ${noun}`;
    // Make room for the tail by dropping lines from the end of the last section.
    while (current.length + 1 + tail.length > limit && current.includes('\n')) {
      current = current.slice(0, current.lastIndexOf('\n'));
      rest++;
      tail = `…and ${rest} ${noun}`;
    }
    current = `${current}\n${tail}`;
  }
  texts.push(current);
  return texts.map((text) => section(text));
}

/** One section per pipeline while `room` allows (keeping one for the rest), the rest as lines. */
function pipelineSections(pipelines: readonly PipelineShift[], room: number): SlackBlock[] {
  if (pipelines.length === 0 || room <= 0) return [];
  const own = pipelines.length <= room ? pipelines.length : Math.max(0, room - 1);
  const blocks: SlackBlock[] = pipelines.slice(0, own).map((p) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: clip(`*Pipeline ${escape(p.pipeline)}*${breached(p) ? ' :warning:' : ''}`, SLACK_LIMITS.sectionText) },
    fields: [
      ['DLQ', dlqText(p)],
      ['Invalid', rateCheckText(p.quality.invalidRate)],
      ['Duplicate', rateCheckText(p.quality.duplicateRate)],
      ['Late', rateCheckText(p.quality.lateRate)],
      ['Freshness', freshnessText(p.freshness)],
    ].map(([k, v]) => ({ type: 'mrkdwn' as const, text: clip(`*${k}*\n${escape(v ?? '')}`, SLACK_LIMITS.sectionField) })),
  }));
  const rest = pipelines.slice(own);
  if (rest.length > 0) {
    const lines = rest.map(
      (p) => `• *${escape(p.pipeline)}*${breached(p) ? ' :warning:' : ''} DLQ ${escape(dlqText(p))} · invalid ${escape(rateCheckText(p.quality.invalidRate))} · freshness ${escape(freshnessText(p.freshness))}`,
    );
    blocks.push(...listSections(own > 0 ? '*Other pipelines*' : '*Pipelines*', lines, 1, 'more pipelines'));
  }
  return blocks;
}

function breached(p: PipelineShift): boolean {
  return p.dlq.breached || p.quality.invalidRate.breached || p.quality.duplicateRate.breached || p.quality.lateRate.breached || p.freshness.breached;
}

function contextBlock(summary: ShiftSummary): SlackBlock | undefined {
  const elements = [
    ...summary.notes.map((n) => escape(n)),
    ...summary.problems.map((p) => `:warning: ${escape(p)}`),
    `Health read at ${formatTime(summary.snapshotAt, summary.window.end)} UTC · tripline summary`,
  ];
  const max = SLACK_LIMITS.contextElements;
  const shown = elements.length > max ? [...elements.slice(0, max - 1), `…and ${elements.length - max + 1} more notes`] : elements;
  return { type: 'context', elements: shown.map((text) => ({ type: 'mrkdwn', text: clip(text, SLACK_LIMITS.sectionText) })) };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, SLACK_LIMITS.sectionText) } };
}

/** Slack's three control characters in mrkdwn. */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
