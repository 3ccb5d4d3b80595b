import { describe, expect, it } from 'vitest';
import { PipelinesSchema } from '../../src/config/pipelines.js';
import type { AlarmHistoryItem, AlarmStateValue, AuditEntry, Incident } from '../../src/domain/health.js';
import { buildShiftSummary } from '../../src/summary/build.js';
import { summaryJson } from '../../src/summary/json.js';
import { listSections, renderSummaryBlocks } from '../../src/summary/render-blocks.js';
import { renderSummaryText, summaryFallbackText } from '../../src/summary/render-text.js';
import { pipelineHealth, queueStats, reading, snapshotOf } from '../support/health-snapshots.js';

const START = Date.parse('2026-11-22T20:00:00Z');
const MIN = 60_000;
const window = { start: new Date(START), end: new Date(START + 720 * MIN) };

function change(alarmName: string, m: number, from: AlarmStateValue, to: AlarmStateValue, kind: 'metric' | 'composite' = 'metric'): AlarmHistoryItem {
  return { alarmName, kind, at: new Date(START + m * MIN), from, to, reason: '' };
}

/** Slack's documented Block Kit limits, checked independently of the renderer's constants. */
function limitProblems(blocks: readonly unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > 50) problems.push(`${blocks.length} blocks`);
  blocks.forEach((raw, i) => {
    const b = raw as { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] };
    if (b.type === 'header' && (b.text?.text.length ?? 0) > 150) problems.push(`block ${i}: header ${b.text?.text.length}`);
    if (b.type === 'section') {
      if ((b.text?.text.length ?? 0) > 3000) problems.push(`block ${i}: text ${b.text?.text.length}`);
      if ((b.fields?.length ?? 0) > 10) problems.push(`block ${i}: ${b.fields?.length} fields`);
      for (const f of b.fields ?? []) if (f.text.length > 2000) problems.push(`block ${i}: field ${f.text.length}`);
      if (b.text === undefined && (b.fields?.length ?? 0) === 0) problems.push(`block ${i}: empty section`);
    }
    if (b.type === 'context') {
      if ((b.elements?.length ?? 0) > 10) problems.push(`block ${i}: ${b.elements?.length} context elements`);
      for (const e of b.elements ?? []) if (e.text.length > 3000) problems.push(`block ${i}: context text ${e.text.length}`);
    }
  });
  return problems;
}

function allText(blocks: readonly unknown[]): string {
  return JSON.stringify(blocks);
}

/** A quiet-ish shift: a composite and two children, one redrive, one incident. */
function smallSummary() {
  const pipelines = PipelinesSchema.parse({ web: { stream: 's', processor: 'p', failedQueue: 'tripline-web-failed', dlq: 'tripline-web-dlq' } });
  const audit: AuditEntry[] = [
    { at: new Date(START + 40 * MIN).toISOString(), actor: 'arn:aws:sts::123456789012:assumed-role/oncall/alice', action: 'dlq.redrive.native', source: 'tripline-web-dlq', count: 120, outcome: 'succeeded' },
  ];
  const incidents: Incident[] = [{ id: 'Q1ABC', title: 'tripline-web-lag <ALARM>', status: 'acknowledged', urgency: 'high', createdAt: new Date(START + 700 * MIN), url: 'https://acme.pagerduty.com/incidents/Q1ABC' }];
  return buildShiftSummary({
    history: [
      change('tripline-web-dlq-depth', 3, 'OK', 'ALARM'),
      change('tripline-web-pipeline', 4, 'OK', 'ALARM', 'composite'),
      change('tripline-web-pipeline', 18, 'ALARM', 'OK', 'composite'),
      change('tripline-web-dlq-depth', 45, 'ALARM', 'OK'),
      change('tripline-web-lag', 700, 'OK', 'ALARM'),
    ],
    incidents,
    snapshot: snapshotOf({ at: window.end, pipelines: [pipelineHealth('web', { dlq: { depth: reading(2), oldestAgeSeconds: reading(600), stats: queueStats('tripline-web-dlq', 2) } })] }),
    audit,
    auditSource: '.tripline/audit.jsonl',
    window,
    pipelines,
  });
}

/** A very bad night: 500 alarms, 40 pipelines, 30 incidents, 25 redrives, 12 problems. */
function hugeSummary() {
  const history: AlarmHistoryItem[] = [];
  for (let a = 0; a < 500; a++) {
    const name = `tripline-p${a % 40}-alarm-with-a-rather-long-descriptive-name-${a}`;
    const kind = a % 50 === 0 ? 'composite' : 'metric';
    for (let k = 0; k < 6; k++) history.push(change(name, k * 60 + (a % 50), k % 2 === 0 ? 'OK' : 'ALARM', k % 2 === 0 ? 'ALARM' : 'OK', kind));
  }
  const pipelines = PipelinesSchema.parse(
    Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, { stream: 's', processor: 'p', failedQueue: `p${i}-failed`, dlq: `p${i}-dlq` }])),
  );
  const incidents: Incident[] = Array.from({ length: 30 }, (_, i) => ({ id: `Q${i}`, title: `Incident ${i} `.repeat(20), status: 'triggered', createdAt: new Date(START + i * MIN) }));
  const audit: AuditEntry[] = Array.from({ length: 25 }, (_, i) => ({
    at: new Date(START + (i + 1) * 10 * MIN).toISOString(),
    actor: `arn:aws:sts::123456789012:assumed-role/oncall/person-${i}`,
    action: 'dlq.redrive.selective',
    source: `p${i}-dlq`,
    destination: `p${i}-failed`,
    count: 1000 + i,
    outcome: i % 7 === 0 ? 'failed' : 'succeeded',
  }));
  return buildShiftSummary({
    history,
    incidents,
    snapshot: snapshotOf({
      at: window.end,
      environment: 'production-environment-with-a-very-long-name-'.repeat(4),
      pipelines: Array.from({ length: 40 }, (_, i) => pipelineHealth(`p${i}`, { dlq: { depth: reading(i), oldestAgeSeconds: reading(60 * i), stats: queueStats(`p${i}-dlq`, i) } })),
      problems: Array.from({ length: 12 }, (_, i) => `reader ${i} failed: ${'x'.repeat(3500)}`),
    }),
    audit,
    window,
    pipelines,
  });
}

describe('renderSummaryText', () => {
  it('shows the window, totals, episodes, incidents, pipelines and redrives', () => {
    const text = renderSummaryText(smallSummary());
    expect(text).toContain('Shift summary · prod · 123456789012 · us-east-1');
    expect(text).toContain('2026-11-22 20:00 → 2026-11-23 08:00 UTC (12h00m)');
    expect(text).toContain('3 fired, 2 resolved, MTTR 28m, 1 still in ALARM');
    // Composites first, with their episodes.
    expect(text.indexOf('tripline-web-pipeline (composite)')).toBeLessThan(text.indexOf('tripline-web-dlq-depth'));
    expect(text).toMatch(/tripline-web-pipeline \(composite\)\s+fired 1, resolved 1, MTTR 14m\n\s+11-22 20:04 → 11-22 20:18 \(14m\)/);
    expect(text).toMatch(/tripline-web-lag\s+fired 1, resolved 0  \[still in ALARM\]\n\s+07:40 → still in ALARM \(20m\)/);
    expect(text).toContain('Q1ABC [acknowledged, high] tripline-web-lag <ALARM> (opened 07:40)');
    expect(text).toMatch(/web {2}DLQ 2, oldest 10m !/);
    expect(text).toContain('invalid 0.40% (limit 2.00%)');
    expect(text).toContain('REDRIVES (from .tripline/audit.jsonl)');
    expect(text).toContain('11-22 20:40 native redrive tripline-web-dlq → source queues: 120 messages, succeeded (by alice, via cli)');
    expect(text).toContain('! 1 alarm still in ALARM: tripline-web-lag');
  });

  it('a one-line fallback for Slack notifications', () => {
    expect(summaryFallbackText(smallSummary())).toBe(
      'Shift summary prod (2026-11-22 20:00 → 2026-11-23 08:00 UTC (12h00m)): 3 alarms fired, 2 resolved, MTTR 28m, 1 still in ALARM, 1 incident open, 1 redrive.',
    );
  });
});

describe('renderSummaryBlocks', () => {
  it('lays out a small shift: header, totals as fields, alarms, incidents, redrives, a pipeline, context', () => {
    const blocks = renderSummaryBlocks(smallSummary());
    expect(limitProblems(blocks)).toEqual([]);
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Shift summary · prod · 123456789012 · us-east-1', emoji: true } });
    const text = allText(blocks);
    expect(text).toContain('*Fired*\\n3');
    expect(text).toContain('*MTTR*\\n28m');
    // Slack's control characters are escaped; links keep their own syntax.
    expect(text).toContain('<https://acme.pagerduty.com/incidents/Q1ABC|tripline-web-lag &lt;ALARM&gt;>');
    expect(text).toContain('*Pipeline web* :warning:');
    expect(blocks.at(-1)?.type).toBe('context');
  });

  it('stays within every Block Kit limit with 500 alarms, 40 pipelines, 30 incidents and 25 redrives', () => {
    const summary = hugeSummary();
    expect(summary.alarms).toHaveLength(500);
    const blocks = renderSummaryBlocks(summary);
    expect(limitProblems(blocks)).toEqual([]);
    expect(blocks.length).toBeLessThanOrEqual(50);
    const text = allText(blocks);

    // Every alarm is either listed or counted.
    const listed = summary.alarms.filter((a) => text.includes(`\`${a.name}\``)).length;
    const more = /…and (\d+) more alarms/.exec(text);
    expect(more).not.toBeNull();
    expect(listed + Number(more?.[1])).toBe(500);
    // Composites first.
    expect(text.indexOf('tripline-p0-alarm-with-a-rather-long-descriptive-name-0`')).toBeLessThan(text.indexOf('name-1`'));
    // Every pipeline is either its own section or a line in the overflow section.
    const pipelinesShown = summary.pipelines.filter((p) => text.includes(`*Pipeline ${p.pipeline}*`) || text.includes(`• *${p.pipeline}*`)).length;
    const morePipelines = /…and (\d+) more pipelines/.exec(text);
    expect(pipelinesShown + Number(morePipelines?.[1] ?? 0)).toBe(40);
    // Context: at most 10 elements, the rest counted.
    const context = blocks.at(-1) as { type: string; elements: { text: string }[] };
    expect(context.type).toBe('context');
    expect(context.elements.at(-1)?.text).toMatch(/^…and \d+ more notes$/);
  });

  it('clips a header that would be over 150 characters', () => {
    const header = renderSummaryBlocks(hugeSummary())[0] as { text: { text: string } };
    expect(header.text.text.length).toBe(150);
    expect(header.text.text.endsWith('…')).toBe(true);
  });
});

describe('listSections', () => {
  it.each([
    [10, 1, 0],
    [200, 1, 1],
    [200, 3, 1],
    [2000, 3, 1],
  ])('%i lines of 60 characters in at most %i section(s)', (count, maxSections) => {
    const lines = Array.from({ length: count }, (_, i) => `• line ${String(i).padStart(4, '0')} ${'x'.repeat(45)}`);
    const blocks = listSections('*Title*', lines, maxSections, 'more lines');
    expect(blocks.length).toBeLessThanOrEqual(maxSections);
    expect(limitProblems(blocks)).toEqual([]);
    const text = allText(blocks);
    const shown = lines.filter((l) => text.includes(l)).length;
    const more = Number(/…and (\d+) more lines/.exec(text)?.[1] ?? 0);
    expect(shown + more).toBe(count);
    expect(more > 0).toBe(count * 61 > maxSections * 3000);
  });
});

describe('summaryJson', () => {
  it('is plain JSON: ISO times, seconds, nulls for absent values', () => {
    const doc = JSON.parse(JSON.stringify(summaryJson(smallSummary()))) as Record<string, unknown>;
    expect(doc['window']).toEqual({ start: '2026-11-22T20:00:00.000Z', end: '2026-11-23T08:00:00.000Z', seconds: 43_200 });
    const alarms = doc['alarms'] as { name: string; episodes: unknown[] }[];
    expect(alarms[0]).toMatchObject({
      name: 'tripline-web-pipeline',
      kind: 'composite',
      fired: 1,
      resolved: 1,
      mttrSeconds: 840,
      episodes: [{ start: '2026-11-22T20:04:00.000Z', end: '2026-11-22T20:18:00.000Z', durationSeconds: 840, ongoing: false, endedIn: 'OK', startedBeforeWindow: false }],
    });
    expect(alarms.find((a) => a.name === 'tripline-web-lag')?.episodes).toEqual([
      { start: '2026-11-23T07:40:00.000Z', end: null, durationSeconds: 1200, ongoing: true, endedIn: null, startedBeforeWindow: false },
    ]);
    expect((doc['recovery'] as { redrives: unknown[] }).redrives).toEqual([
      { at: '2026-11-22T20:40:00.000Z', startedAt: null, actor: 'arn:aws:sts::123456789012:assumed-role/oncall/alice', action: 'dlq.redrive.native', source: 'tripline-web-dlq', destination: null, count: 120, outcome: 'succeeded', via: 'cli' },
    ]);
  });
});
