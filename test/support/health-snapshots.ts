import type { AlarmStatus, HealthSnapshot, Incident, PipelineHealth, QueueStats, Reading } from '../../src/domain/health.js';

/** A reading with a history ending in `value`. */
export function reading(value: number | undefined, level: Reading['level'] = 'ok', history: readonly number[] = value === undefined ? [] : [value]): Reading {
  return { value, history, level };
}

export function queueStats(name: string, visible: number, extra: Partial<QueueStats> = {}): QueueStats {
  return {
    name,
    url: `http://127.0.0.1:9324/123456789012/${name}`,
    arn: `arn:aws:sqs:us-east-1:123456789012:${name}`,
    fifo: name.endsWith('.fifo'),
    visible,
    inFlight: 0,
    delayed: 0,
    ...extra,
  };
}

/** One overview row with plausible values; override what a test is about. */
export function pipelineHealth(pipeline: string, overrides: Partial<PipelineHealth> = {}): PipelineHealth {
  return {
    pipeline,
    lagSeconds: reading(12, 'ok', [3, 5, 8, 12]),
    processorErrors: reading(0),
    processorErrorRate: reading(0),
    throttles: reading(0),
    failedQueue: { depth: reading(0), oldestAgeSeconds: reading(0), stats: queueStats(`tripline-${pipeline}-failed`, 0) },
    dlq: { depth: reading(0), oldestAgeSeconds: reading(0), stats: queueStats(`tripline-${pipeline}-dlq`, 0) },
    freshnessSeconds: reading(120),
    invalidRate: reading(0.004),
    duplicateRate: reading(0.01),
    lateRate: reading(0.02),
    collector: { requestsPerMinute: reading(5400), errorRate5xx: reading(0.001), p99LatencyMs: reading(180) },
    lastDeliveryAt: new Date('2026-11-22T02:59:00Z'),
    ...overrides,
  };
}

export function alarmStatus(name: string, state: AlarmStatus['state'], overrides: Partial<AlarmStatus> = {}): AlarmStatus {
  return {
    name,
    arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    kind: 'metric',
    state,
    since: new Date('2026-11-22T02:40:00Z'),
    reason: `Threshold Crossed: 1 datapoint was ${state === 'ALARM' ? 'greater' : 'not greater'} than the threshold`,
    ...overrides,
  };
}

export function snapshotOf(parts: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    at: new Date('2026-11-22T03:00:00Z'),
    account: '123456789012',
    region: 'us-east-1',
    environment: 'prod',
    pipelines: [pipelineHealth('web'), pipelineHealth('ios')],
    alarms: [],
    incidents: [] as Incident[],
    problems: [],
    metricCalls: 1,
    ...parts,
  };
}
