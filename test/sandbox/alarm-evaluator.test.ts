import { describe, expect, it } from 'vitest';
import type { AlarmStateValue } from '../../src/domain/health.js';
import type { CompositeAlarmDefinition, MetricAlarmDefinition, MissingData } from '../../src/pipeline-alarms/types.js';
import { AlarmEvaluator, approximateBand, decide } from '../../src/sandbox/alarm-evaluator.js';
import { compileMath, compileRule } from '../../src/sandbox/expressions.js';
import { MetricStore } from '../../src/sandbox/metric-store.js';

const X = 5; // breaching (threshold 1, GreaterThanThreshold)
const o = 0; // not breaching
const _ = undefined; // missing

describe('decide: M out of N with each missing-data treatment', () => {
  // AWS "Configuring how CloudWatch alarms treat missing data", 3 of 3 and 2 of 3 cases.
  it.each<[string, number, (number | undefined)[], MissingData, AlarmStateValue, AlarmStateValue]>([
    ['3/3 all breaching', 3, [X, X, X], 'missing', 'OK', 'ALARM'],
    ['3/3 one not breaching', 3, [X, o, X], 'breaching', 'OK', 'OK'],
    ['3/3 missing counted as breaching', 3, [X, _, X], 'breaching', 'OK', 'ALARM'],
    ['3/3 missing counted as good', 3, [X, _, X], 'notBreaching', 'ALARM', 'OK'],
    ['3/3 missing not counted: 2 breaching is not 3', 3, [X, _, X], 'missing', 'ALARM', 'OK'],
    ['all missing, missing → INSUFFICIENT_DATA', 3, [_, _, _], 'missing', 'ALARM', 'INSUFFICIENT_DATA'],
    ['all missing, ignore → keeps ALARM', 3, [_, _, _], 'ignore', 'ALARM', 'ALARM'],
    ['all missing, ignore → keeps OK', 3, [_, _, _], 'ignore', 'OK', 'OK'],
    ['all missing, breaching → ALARM', 3, [_, _, _], 'breaching', 'OK', 'ALARM'],
    ['all missing, notBreaching → OK', 3, [_, _, _], 'notBreaching', 'ALARM', 'OK'],
    ['2/3 two breaching out of order', 2, [X, o, X], 'notBreaching', 'OK', 'ALARM'],
    ['2/3 one breaching', 2, [o, o, X], 'notBreaching', 'ALARM', 'OK'],
    ['2/3 one breaching, one missing as breaching', 2, [_, o, X], 'breaching', 'OK', 'ALARM'],
    ['1/1 the DLQ alarm', 1, [X], 'notBreaching', 'OK', 'ALARM'],
    ['1/1 nothing reported: fine', 1, [_], 'notBreaching', 'ALARM', 'OK'],
  ])('%s', (_name, m, datapoints, treatMissingData, current, expected) => {
    const decision = decide({ comparison: 'GreaterThanThreshold', threshold: 1, datapointsToAlarm: m, treatMissingData }, datapoints, current);
    expect(decision.state).toBe(expected);
  });

  it.each<[MetricAlarmDefinition['comparison'], number, boolean]>([
    ['GreaterThanThreshold', 1, false],
    ['GreaterThanOrEqualToThreshold', 1, true],
    ['LessThanThreshold', 0.99, true],
    ['LessThanOrEqualToThreshold', 1, true],
    ['LessThanThreshold', 1, false],
  ])('%s at %s against 1 breaches: %s', (comparison, value, breaching) => {
    expect(decide({ comparison, threshold: 1, datapointsToAlarm: 1, treatMissingData: 'missing' }, [value], 'OK').state).toBe(breaching ? 'ALARM' : 'OK');
  });

  it('compares with the anomaly band, and never breaches while the band is still learning', () => {
    const band = approximateBand([100, 104, 96, 100], 3);
    expect(band?.lower).toBeCloseTo(70); // the deviation is floored at 10% of the mean
    const def = { comparison: 'LessThanLowerThreshold' as const, datapointsToAlarm: 1, treatMissingData: 'breaching' as const };
    expect(decide(def, [60], 'OK', [band]).state).toBe('ALARM');
    expect(decide(def, [90], 'ALARM', [band]).state).toBe('OK');
    expect(approximateBand([100, 100], 3)).toBeUndefined();
    expect(decide(def, [0], 'OK', [undefined]).state).toBe('OK');
  });
});

describe('metric math and composite rules', () => {
  it.each<[string, Record<string, number | undefined>, number | undefined]>([
    ['IF(invocations > 0, 100 * errors / invocations, 0)', { errors: 2, invocations: 50 }, 4],
    ['IF(invocations > 0, 100 * errors / invocations, 0)', { errors: 0, invocations: 0 }, 0],
    ['IF(invocations > 0, 100 * errors / invocations, 0)', { errors: 1, invocations: undefined }, undefined],
    ['IF(events - invalid > 0, 100 * counted / (events - invalid), 0)', { counted: 3, events: 110, invalid: 10 }, 3],
    ['-a + b * 2 >= 4 AND a < 1', { a: 0, b: 2 }, 1],
    // quality-freshness with a collector: masked while the collector accepts nothing, a day when the monitor is silent.
    ['IF(FILL(requests, 0) - FILL(errors, 0) > 0, FILL(freshness, 86400), 0)', { requests: 40, errors: 0, freshness: 30 }, 30],
    ['IF(FILL(requests, 0) - FILL(errors, 0) > 0, FILL(freshness, 86400), 0)', { requests: 40, errors: 0, freshness: undefined }, 86400],
    ['IF(FILL(requests, 0) - FILL(errors, 0) > 0, FILL(freshness, 86400), 0)', { requests: undefined, errors: undefined, freshness: undefined }, 0],
    ['IF(FILL(requests, 0) - FILL(errors, 0) > 0, FILL(freshness, 86400), 0)', { requests: 40, errors: 40, freshness: 5000 }, 0],
    ['IF(FILL(requests, 0) - FILL(rejected, 0) - FILL(errors, 0) > 0, FILL(freshness, 86400), 0)', { requests: 40, rejected: 40, errors: undefined, freshness: 5000 }, 0],
  ])('%s with %j is %s', (expression, values, expected) => {
    expect(compileMath(expression)(values)).toBe(expected);
  });

  it('names its inputs and rejects what it cannot read', () => {
    expect([...compileMath('IF(requests > 0, 100 * errors / requests, 0)').inputs].sort()).toEqual(['errors', 'requests']);
    expect(() => compileMath('IF(a > 0, 1')).toThrow(/end of/);
    expect(() => compileMath('a $ b')).toThrow(/unexpected "\$" at 2/);
  });

  it.each<[string, Record<string, AlarmStateValue>, boolean]>([
    ['ALARM("a") OR ALARM("b")', { a: 'OK', b: 'ALARM' }, true],
    ['ALARM("a") OR ALARM("b")', { a: 'OK', b: 'INSUFFICIENT_DATA' }, false],
    ['ALARM(a-1) AND NOT OK("b")', { 'a-1': 'ALARM', b: 'INSUFFICIENT_DATA' }, true],
    ['(ALARM("a") OR TRUE) AND INSUFFICIENT_DATA("b")', { a: 'OK', b: 'INSUFFICIENT_DATA' }, true],
    ['NOT (ALARM("a") OR FALSE)', { a: 'ALARM' }, false],
  ])('%s with %j is %s', (rule, states, expected) => {
    const compiled = compileRule(rule);
    expect(compiled((n) => states[n])).toBe(expected);
  });

  it('rejects a rule it cannot read, naming what it accepts', () => {
    expect(() => compileRule('ALARM("a") XOR ALARM("b")')).toThrow(/unexpected "XOR"/);
    expect(() => compileRule('METRIC("a")')).toThrow(/use ALARM\("name"\)/);
  });
});

describe('AlarmEvaluator over the sandbox metrics', () => {
  const metric = { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'web-dlq' } };
  const base = { description: 'd', meaning: 'm', severity: 'error' as const, runbook: 'dlq-redrive', tags: { pipeline: 'web' }, unit: 'messages', inComposite: true };
  const dlq: MetricAlarmDefinition = {
    ...base,
    kind: 'metric',
    name: 'w-dlq-depth',
    key: 'dlq-depth',
    signal: { kind: 'metric', metric: { ...metric, statistic: 'Maximum' } },
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    comparison: 'GreaterThanThreshold',
    threshold: 0,
    treatMissingData: 'notBreaching',
  };
  const composite: CompositeAlarmDefinition = { ...base, kind: 'composite', name: 'w-pipeline', key: 'pipeline', rule: 'ALARM("w-dlq-depth")', children: ['w-dlq-depth'] };
  const t0 = Date.UTC(2026, 10, 22, 3, 0);
  const minute = 60_000;

  it('goes to ALARM on the second breaching minute, the composite with it, and back to OK, keeping the history', async () => {
    const store = new MetricStore();
    const evaluator = new AlarmEvaluator([dlq, composite], store, { start: t0 });
    for (const [m, depth] of [[0, 0], [1, 3], [2, 4], [3, 0], [4, 0]] as const) {
      store.put(metric, depth, t0 + m * minute + 10_000);
      store.put(metric, depth === 0 ? 0 : depth + 1, t0 + m * minute + 40_000);
    }
    const states = [1, 2, 3, 4, 5, 6].map((m) => {
      const changes = evaluator.evaluate(t0 + m * minute);
      return [m, evaluator.get('w-dlq-depth')?.state, evaluator.get('w-pipeline')?.state, changes.length] as const;
    });
    expect(states).toEqual([
      [1, 'OK', 'OK', 2],
      [2, 'OK', 'OK', 0], // one breaching minute of three: not yet
      [3, 'ALARM', 'ALARM', 2],
      [4, 'ALARM', 'ALARM', 0],
      [5, 'OK', 'OK', 2], // minutes 2 and 3 breached, 3 and 4 did not: one of three left
      [6, 'OK', 'OK', 0],
    ]);
    expect(evaluator.get('w-dlq-depth')?.reason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints \[0\.0 .*\] were not greater than the threshold \(0\.0\)/);
    const history = await evaluator.history({ start: new Date(t0), end: new Date(t0 + 10 * minute) }, ['w-']);
    expect(history.map((h) => `${h.alarmName} ${h.from}→${h.to}`)).toEqual([
      'w-dlq-depth INSUFFICIENT_DATA→OK',
      'w-pipeline INSUFFICIENT_DATA→OK',
      'w-dlq-depth OK→ALARM',
      'w-pipeline OK→ALARM',
      'w-dlq-depth ALARM→OK',
      'w-pipeline ALARM→OK',
    ]);
  });
});
