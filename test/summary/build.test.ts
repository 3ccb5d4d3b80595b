import { describe, expect, it } from 'vitest';
import { PipelinesSchema } from '../../src/config/pipelines.js';
import type { AlarmHistoryItem, AlarmStateValue, AuditEntry, Incident } from '../../src/domain/health.js';
import { BEFORE_WINDOW_NOTE, buildShiftSummary, type ShiftSummaryInput } from '../../src/summary/build.js';
import { alarmStatus, pipelineHealth, queueStats, reading, snapshotOf } from '../support/health-snapshots.js';

const START = Date.parse('2026-11-22T20:00:00Z');
const MIN = 60_000;
const window = { start: new Date(START), end: new Date(START + 720 * MIN) };
const PIPELINES = PipelinesSchema.parse({
  web: { stream: 's', processor: 'p', failedQueue: 'tripline-web-failed', dlq: 'tripline-web-dlq', thresholds: { invalidRate: 0.02, freshnessSeconds: 600 } },
  ios: { stream: 's', processor: 'p', failedQueue: 'tripline-ios-failed', dlq: 'tripline-ios-dlq' },
});

/** A change at minute `m` of the window. */
function change(alarmName: string, m: number, from: AlarmStateValue, to: AlarmStateValue, kind: 'metric' | 'composite' = 'metric'): AlarmHistoryItem {
  return { alarmName, kind, at: new Date(START + m * MIN), from, to, reason: `${from} → ${to}` };
}

function summaryOf(history: AlarmHistoryItem[], extra: Partial<ShiftSummaryInput> = {}) {
  return buildShiftSummary({ history, snapshot: snapshotOf({ at: window.end }), audit: [], window, pipelines: PIPELINES, ...extra });
}

describe('buildShiftSummary: episodes, MTTR, flapping', () => {
  it.each([
    {
      name: 'one fire resolved after 14 minutes',
      history: [change('a', 3, 'OK', 'ALARM'), change('a', 17, 'ALARM', 'OK')],
      expected: { fired: 1, resolved: 1, mttr: 14 * 60, state: 'OK', episodes: [{ start: 3, end: 17, ongoing: false, before: false, seconds: 14 * 60 }] },
    },
    {
      name: 'already in ALARM when the window began: counted from its start',
      history: [change('a', 30, 'ALARM', 'OK')],
      expected: { fired: 0, resolved: 1, mttr: 30 * 60, state: 'OK', episodes: [{ start: 0, end: 30, ongoing: false, before: true, seconds: 30 * 60 }] },
    },
    {
      name: 'still in ALARM at the end: ongoing, measured to the end',
      history: [change('a', 700, 'OK', 'ALARM')],
      expected: { fired: 1, resolved: 0, mttr: undefined, state: 'ALARM', episodes: [{ start: 700, end: undefined, ongoing: true, before: false, seconds: 20 * 60 }] },
    },
    {
      name: 'left ALARM for INSUFFICIENT_DATA: ended, not resolved',
      history: [change('a', 10, 'OK', 'ALARM'), change('a', 20, 'ALARM', 'INSUFFICIENT_DATA'), change('a', 25, 'INSUFFICIENT_DATA', 'OK')],
      expected: { fired: 1, resolved: 0, mttr: undefined, state: 'OK', episodes: [{ start: 10, end: 20, ongoing: false, before: false, seconds: 600 }] },
    },
    {
      name: 'INSUFFICIENT_DATA to ALARM is a fire',
      history: [change('a', 10, 'INSUFFICIENT_DATA', 'ALARM'), change('a', 40, 'ALARM', 'OK')],
      expected: { fired: 1, resolved: 1, mttr: 1800, state: 'OK', episodes: [{ start: 10, end: 40, ongoing: false, before: false, seconds: 1800 }] },
    },
    {
      name: 'two episodes: MTTR is their mean',
      history: [change('a', 0, 'OK', 'ALARM'), change('a', 10, 'ALARM', 'OK'), change('a', 100, 'OK', 'ALARM'), change('a', 130, 'ALARM', 'OK')],
      expected: { fired: 2, resolved: 2, mttr: 20 * 60, state: 'OK', episodes: [{ start: 0, end: 10, ongoing: false, before: false, seconds: 600 }, { start: 100, end: 130, ongoing: false, before: false, seconds: 1800 }] },
    },
  ])('$name', ({ history, expected }) => {
    const summary = summaryOf(history);
    const a = summary.alarms[0];
    expect(summary.alarms).toHaveLength(1);
    expect(a?.fired).toBe(expected.fired);
    expect(a?.resolved).toBe(expected.resolved);
    expect(a?.mttrSeconds).toBe(expected.mttr);
    expect(a?.state).toBe(expected.state);
    expect(
      a?.episodes.map((e) => ({
        start: (e.start.getTime() - START) / MIN,
        end: e.end === undefined ? undefined : (e.end.getTime() - START) / MIN,
        ongoing: e.ongoing,
        before: e.startedBeforeWindow,
        seconds: e.durationSeconds,
      })),
    ).toEqual(expected.episodes);
    expect(summary.totals.mttrSeconds).toBe(expected.mttr);
  });

  it('says when an episode is counted from the window start', () => {
    expect(summaryOf([change('a', 30, 'ALARM', 'OK')]).notes).toContain(BEFORE_WINDOW_NOTE);
    expect(summaryOf([change('a', 3, 'OK', 'ALARM'), change('a', 30, 'ALARM', 'OK')]).notes).not.toContain(BEFORE_WINDOW_NOTE);
  });

  it('MTTR over the shift is the mean of every resolved episode, whatever the alarm', () => {
    const s = summaryOf([change('a', 0, 'OK', 'ALARM'), change('a', 10, 'ALARM', 'OK'), change('b', 0, 'OK', 'ALARM'), change('b', 50, 'ALARM', 'OK'), change('c', 5, 'OK', 'ALARM')]);
    expect(s.totals).toEqual({ fired: 3, resolved: 2, mttrSeconds: 30 * 60, ongoing: 1, flapping: 0, alarms: 3 });
  });

  it('lists composites first, then the most fired', () => {
    const s = summaryOf([
      change('tripline-web-dlq-depth', 1, 'OK', 'ALARM'),
      change('tripline-web-lag', 2, 'OK', 'ALARM'),
      change('tripline-web-lag', 3, 'ALARM', 'OK'),
      change('tripline-web-lag', 4, 'OK', 'ALARM'),
      change('tripline-web-pipeline', 5, 'OK', 'ALARM', 'composite'),
    ]);
    expect(s.alarms.map((a) => [a.name, a.kind, a.pipeline])).toEqual([
      ['tripline-web-pipeline', 'composite', 'web'],
      ['tripline-web-lag', 'metric', 'web'],
      ['tripline-web-dlq-depth', 'metric', 'web'],
    ]);
  });

  it.each([
    [3, 4, false],
    [4, 4, true],
    [3, 3, true],
  ])('with %i changes and a flapping threshold of %i, flapping is %s', (changes, threshold, flapping) => {
    const states: AlarmStateValue[] = ['OK', 'ALARM'];
    const history = Array.from({ length: changes }, (_, i) => change('noisy', i * 5, states[i % 2] ?? 'OK', states[(i + 1) % 2] ?? 'OK'));
    const s = summaryOf([...history, change('quiet', 1, 'OK', 'ALARM')], { flappingTransitions: threshold });
    expect(s.flapping.map((a) => a.name)).toEqual(flapping ? ['noisy'] : []);
    expect(s.totals.flapping).toBe(flapping ? 1 : 0);
  });

  it('counts an alarm in ALARM all shift (no change in the window) from the window start', () => {
    const snapshot = snapshotOf({
      at: window.end,
      alarms: [alarmStatus('tripline-ios-dlq-depth', 'ALARM', { since: new Date(START - 90 * MIN) }), alarmStatus('tripline-ios-lag', 'OK', { since: new Date(START - 90 * MIN) })],
    });
    const s = buildShiftSummary({ history: [], snapshot, audit: [], window, pipelines: PIPELINES });
    expect(s.alarms.map((a) => [a.name, a.fired, a.state, a.episodes[0]?.durationSeconds, a.episodes[0]?.startedBeforeWindow])).toEqual([
      ['tripline-ios-dlq-depth', 0, 'ALARM', 720 * 60, true],
    ]);
    expect(s.attention[0]).toBe('1 alarm still in ALARM: tripline-ios-dlq-depth');
  });

  it('ignores changes outside the window', () => {
    const s = summaryOf([change('a', -5, 'OK', 'ALARM'), change('a', 721, 'ALARM', 'OK')]);
    expect(s.alarms).toEqual([]);
    expect(s.totals.fired).toBe(0);
  });
});

describe('buildShiftSummary: pipelines, incidents, redrives, attention', () => {
  it('reports DLQ depth and age, quality rates and freshness against each pipeline\'s thresholds', () => {
    const snapshot = snapshotOf({
      at: window.end,
      pipelines: [
        pipelineHealth('web', {
          dlq: { depth: reading(3), oldestAgeSeconds: reading(1800), stats: queueStats('tripline-web-dlq', 3, { inFlight: 1 }) },
          invalidRate: reading(0.031, 'bad'),
          freshnessSeconds: reading(420, 'warn'),
        }),
        pipelineHealth('ios'),
      ],
    });
    const s = buildShiftSummary({ history: [], snapshot, audit: [], window, pipelines: PIPELINES });
    const web = s.pipelines[0];
    expect(web?.dlq).toEqual({ queue: 'tripline-web-dlq', depth: 3, inFlight: 1, oldestAgeSeconds: 1800, threshold: 0, breached: true });
    expect(web?.quality.invalidRate).toEqual({ value: 0.031, threshold: 0.02, level: 'bad', breached: true });
    expect(web?.quality.duplicateRate).toMatchObject({ value: 0.01, threshold: 0.05, breached: false });
    expect(web?.freshness).toEqual({ value: 420, threshold: 600, level: 'warn', breached: false });
    expect(s.pipelines[1]?.freshness.threshold).toBe(900);
    expect(s.attention).toEqual(['web: DLQ tripline-web-dlq holds 3 messages (oldest 30m)', 'web: invalid rate 3.10% is above 2.00%']);
  });

  it('lists open incidents, and says when no incident source is configured', () => {
    const open: Incident[] = [
      { id: 'Q1', title: 'tripline-web-pipeline ALARM', status: 'triggered', createdAt: new Date(START + 700 * MIN) },
      { id: 'Q0', title: 'old', status: 'resolved', createdAt: new Date(START) },
    ];
    const withReader = summaryOf([], { incidents: open });
    expect(withReader.incidents).toEqual({ configured: true, open: [open[0]] });
    expect(withReader.attention).toContain('1 incident open');
    expect(summaryOf([]).incidents).toEqual({ configured: false, open: [] });
  });

  it('reports redrives from the audit trail, or why there are none to read', () => {
    const audit: AuditEntry[] = [
      { at: new Date(START + 60 * MIN).toISOString(), actor: 'arn:aws:sts::123456789012:assumed-role/oncall/alice', action: 'dlq.redrive.native', source: 'tripline-web-dlq', count: 40, outcome: 'started' },
      { at: new Date(START + 62 * MIN).toISOString(), actor: 'arn:aws:sts::123456789012:assumed-role/oncall/alice', action: 'dlq.redrive.native', source: 'tripline-web-dlq', count: 40, outcome: 'succeeded' },
    ];
    const s = summaryOf([], { audit, auditSource: '.tripline/audit.jsonl' });
    expect(s.recovery.available).toBe(true);
    expect(s.recovery.redrives.map((r) => [r.action, r.count, r.outcome])).toEqual([['dlq.redrive.native', 40, 'succeeded']]);
    const lambda = summaryOf([], { audit: { unavailable: 'not available in the Lambda' } });
    expect(lambda.recovery).toEqual({ available: false, source: 'not available in the Lambda', redrives: [], other: [] });
  });

  it('carries the snapshot\'s problems and the caller\'s, once each', () => {
    const snapshot = snapshotOf({ at: window.end, problems: ['CloudWatch metrics: throttled'] });
    const s = buildShiftSummary({ history: [], snapshot, audit: [], window, pipelines: PIPELINES, problems: ['audit line 3 unreadable', 'CloudWatch metrics: throttled'] });
    expect(s.problems).toEqual(['audit line 3 unreadable', 'CloudWatch metrics: throttled']);
  });

  it('needs no attention on a quiet shift', () => {
    const s = summaryOf([change('a', 3, 'OK', 'ALARM'), change('a', 17, 'ALARM', 'OK')]);
    expect(s.attention).toEqual([]);
  });
});
