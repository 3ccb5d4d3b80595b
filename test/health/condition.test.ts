import { describe, expect, it } from 'vitest';
import { PipelinesSchema } from '../../src/config/pipelines.js';
import type { MetricSeries, QueueStats } from '../../src/domain/health.js';
import { ConditionError, InputError } from '../../src/errors.js';
import { pipelineHealth } from '../../src/health/compute.js';
import { CONDITION_PATHS, evaluateCondition, parseCondition, THRESHOLD_NAMES } from '../../src/health/condition.js';
import { planQueries } from '../../src/health/queries.js';

const T = Date.UTC(2026, 0, 15, 10, 0, 0);
const pipelines = PipelinesSchema.parse({
  web: {
    stream: 's',
    processor: 'f',
    failedQueue: 'q',
    dlq: 'd',
    firehose: 'h',
    collector: { apiName: 'api' },
    thresholds: { processorErrorRate: 0.01, lagSeconds: 60 },
  },
});
const plan = planQueries(pipelines).pipelines[0];
if (!plan) throw new Error('no plan');
const point = (key: keyof typeof plan.ids, value: number): [string, MetricSeries] => {
  const id = plan.ids[key] ?? '';
  return [id, { id, timestamps: [T], values: [value] }];
};
const dlqStats: QueueStats = { name: 'd', url: 'u', arn: 'a', fifo: false, visible: 3, inFlight: 2, delayed: 1 };
// lag 45 s, error rate 0.2 %, DLQ 3 visible (live), invalid rate 1.5 %, DLQ oldest 7200 s; no quality duplicate data.
const health = pipelineHealth(
  plan,
  new Map([
    point('streamAge', 45_000),
    point('errors', 2),
    point('invocations', 1000),
    point('dlqAge', 7200),
    point('dlqDepth', 1),
    point('invalidRate', 1.5),
    point('delivered', 1),
  ]),
  { dlq: dlqStats },
  60,
);

describe('evaluateCondition', () => {
  it.each([
    ['dlq.depth == 0', false, 'dlq.depth == 0 → false (dlq.depth = 3)'],
    ['dlq.depth != 0', true, 'dlq.depth != 0 → true (dlq.depth = 3)'],
    ['lag.seconds <= 60', true, 'lag.seconds <= 60 → true (lag.seconds = 45)'],
    ['lag.seconds > 60', false, 'lag.seconds > 60 → false (lag.seconds = 45)'],
    ['processor.errorRate < threshold.processorErrorRate', true, 'processor.errorRate < threshold.processorErrorRate → true (processor.errorRate = 0.002, threshold.processorErrorRate = 0.01)'],
    ['quality.invalidRate < 2%', true, 'quality.invalidRate < 2% → true (quality.invalidRate = 0.015)'],
    ['quality.invalidRate < 0.02 and dlq.oldestAgeSeconds < 3600', false, 'quality.invalidRate < 0.02 → true (quality.invalidRate = 0.015)\ndlq.oldestAgeSeconds < 3600 → false (dlq.oldestAgeSeconds = 7200)'],
    ['dlq.depth == 0 or lag.seconds < 60', true, 'dlq.depth == 0 → false (dlq.depth = 3)\nlag.seconds < 60 → true (lag.seconds = 45)'],
    ['(dlq.depth == 0 or dlq.inFlight > 0) AND dlq.delayed >= 1', true, 'dlq.depth == 0 → false (dlq.depth = 3)\ndlq.inFlight > 0 → true (dlq.inFlight = 2)\ndlq.delayed >= 1 → true (dlq.delayed = 1)'],
    ['dlq.depth == 0 or lag.seconds < 60 and dlq.depth > 5', false, 'dlq.depth == 0 → false (dlq.depth = 3)\nlag.seconds < 60 → true (lag.seconds = 45)\ndlq.depth > 5 → false (dlq.depth = 3)'],
    ['quality.duplicateRate < 0.05', false, 'quality.duplicateRate < 0.05 → false: no data for quality.duplicateRate'],
    ['quality.duplicateRate != 0', false, 'quality.duplicateRate != 0 → false: no data for quality.duplicateRate'],
    ['failed.visible == 0', false, 'failed.visible == 0 → false: no data for failed.visible'],
    ['warehouse.lastDeliveryAgeSeconds < 300', true, 'warehouse.lastDeliveryAgeSeconds < 300 → true (warehouse.lastDeliveryAgeSeconds = 120)'],
  ])('%s → %s', (condition, ok, text) => {
    const result = evaluateCondition(condition, { health, now: new Date(T + 120_000) });
    expect(result.ok).toBe(ok);
    expect(result.text).toBe(text);
  });

  it('reports every value it looked at, missing ones as undefined', () => {
    const result = evaluateCondition('dlq.depth == 0 or (processor.errorRate < threshold.processorErrorRate and quality.lateRate < 0.1)', { health });
    expect(result.values).toEqual({
      'dlq.depth': 3,
      'processor.errorRate': 0.002,
      'threshold.processorErrorRate': 0.01,
      'quality.lateRate': undefined,
    });
    expect(result.ok).toBe(false);
  });

  it('prefers queue attributes read after the snapshot (a runbook verify step)', () => {
    const drained: QueueStats = { ...dlqStats, visible: 0, inFlight: 0, delayed: 0 };
    expect(evaluateCondition('dlq.depth == 0', { health, queues: { dlq: drained } }).ok).toBe(true);
    expect(evaluateCondition('dlq.depth == 0', { queues: { dlq: drained } }).ok).toBe(true);
  });

  it('uses thresholds given in the context over the snapshot’s', () => {
    expect(evaluateCondition('lag.seconds < threshold.lagSeconds', { health, thresholds: { lagSeconds: 30 } }).ok).toBe(false);
    expect(evaluateCondition('lag.seconds < threshold.lagSeconds', { health }).ok).toBe(true);
  });

  it('evaluates a parsed condition again and again', () => {
    const condition = parseCondition('dlq.depth == 0');
    expect(evaluateCondition(condition, { queues: { dlq: { ...dlqStats, visible: 0 } } }).ok).toBe(true);
    expect(evaluateCondition(condition, { queues: { dlq: dlqStats } }).ok).toBe(false);
  });
});

describe('parseCondition errors', () => {
  it.each([
    ['dlq.dept == 0', /^condition "dlq.dept == 0": unknown path "dlq.dept" \(did you mean dlq.depth\?\); valid paths: lag.seconds, processor.errors, .* at column 1$/],
    ['lag.seconds < threshold.lag', /unknown threshold "threshold.lag"; valid: threshold.lagSeconds, threshold.processorErrorRate, .* at column 15$/],
    ['lag.seconds < threshold.lagSecond', /\(did you mean threshold.lagSeconds\?\)/],
    ['dlq.depth = 0', /unexpected "=": use "==" to compare at column 11$/],
    ['dlq.depth == 0 && lag.seconds < 1', /unexpected "&&": use "and" at column 16$/],
    ['dlq.depth == 0 || lag.seconds < 1', /unexpected "\|\|": use "or" at column 16$/],
    ['dlq.depth 0', /expected a comparison \(<= >= == != < >\) after dlq.depth, found "0" at column 11$/],
    ['dlq.depth ==', /expected a path, a number or threshold.<name> after "==", found the end at column 13$/],
    ['', /expected a path, a number or threshold.<name> \(the condition is empty\), found the end at column 1$/],
    ['(dlq.depth == 0', /expected "\)" to close the "\(" at column 1, found the end at column 16$/],
    ['dlq.depth == 0)', /unexpected "\)"; expected "and", "or" or the end at column 15$/],
    ['dlq.depth == 0 lag.seconds < 1', /unexpected "lag.seconds"; expected "and", "or", "\)" or the end at column 16$/],
    ['dlq.depth == $x', /unexpected "\$" at column 14$/],
    ['process.exit(1) == 0', /unknown path "process.exit"/],
  ])('%j', (condition, message) => {
    let error: unknown;
    try {
      parseCondition(condition);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConditionError);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
  });

  it('names the column of the bad token', () => {
    const error = (() => {
      try {
        parseCondition('dlq.depth == 0 and lag.secs < 60');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ column: 20, condition: 'dlq.depth == 0 and lag.secs < 60' });
  });
});

describe('the paths and threshold names', () => {
  it('lists what runbooks may name', () => {
    expect(CONDITION_PATHS).toEqual([
      'lag.seconds',
      'processor.errors',
      'processor.errorRate',
      'processor.throttles',
      'failed.depth',
      'failed.oldestAgeSeconds',
      'failed.visible',
      'failed.inFlight',
      'failed.delayed',
      'dlq.depth',
      'dlq.oldestAgeSeconds',
      'dlq.visible',
      'dlq.inFlight',
      'dlq.delayed',
      'freshness.seconds',
      'quality.invalidRate',
      'quality.duplicateRate',
      'quality.lateRate',
      'collector.requestsPerMinute',
      'collector.errorRate5xx',
      'collector.p99LatencyMs',
      'warehouse.deliverySuccessRate',
      'warehouse.lastDeliveryAgeSeconds',
    ]);
    expect(THRESHOLD_NAMES).toEqual(expect.arrayContaining(['lagSeconds', 'processorErrorRate', 'dlqDepth', 'collectorP99Ms']));
  });

  it('gives every path a value from a full snapshot row', () => {
    const full = new Map(Object.keys(plan.ids).map((key) => point(key as keyof typeof plan.ids, 1)));
    const row = pipelineHealth(plan, full, { failed: dlqStats, dlq: dlqStats }, 60);
    const result = evaluateCondition(CONDITION_PATHS.map((p) => `${p} >= 0`).join(' and '), { health: row, now: new Date(T + 60_000) });
    expect(Object.entries(result.values).filter(([, v]) => v === undefined)).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
