import { PipelineSchema, type Pipeline } from '../../src/config/pipelines.js';
import type { AuditEntry, AuditSink, PipelineHealth, Reading } from '../../src/domain/health.js';
import { AwsError } from '../../src/errors.js';
import type { ActOutcome, RunbookActions, RunbookClock } from '../../src/runbooks/types.js';

/** The web pipeline as tripline.config.yaml defines it. */
export const WEB: Pipeline = PipelineSchema.parse({
  stream: 'tracking-web',
  processor: 'tripline-web-processor',
  failedQueue: 'tripline-web-failed',
  dlq: 'tripline-web-dlq',
  thresholds: { processorErrorRate: 0.01, lagSeconds: 60 },
});

/**
 * A tiny pipeline whose numbers the fake actions really change: a redrive
 * moves DLQ messages to the failed-event queue, an export copies them.
 */
export interface World {
  dlq: number;
  failed: number;
  errorRate: number;
  lagSeconds: number;
  invalidRate: number;
  exported: { queue: string; file: string; count: number }[];
  redrives: { queue: string; to?: string; mode: string; rate?: number }[];
  /** Makes the next act throw this AWS failure. */
  failNextAct?: AwsError;
}

export function world(overrides: Partial<World> = {}): World {
  return { dlq: 42, failed: 0, errorRate: 0.002, lagSeconds: 10, invalidRate: 0.001, exported: [], redrives: [], ...overrides };
}

const r = (value: number | undefined): Reading => ({ value, history: value === undefined ? [] : [value], level: 'ok' });

export function healthOf(w: World, pipeline = 'web'): PipelineHealth {
  return {
    pipeline,
    lagSeconds: r(w.lagSeconds),
    processorErrors: r(Math.round(w.errorRate * 1000)),
    processorErrorRate: r(w.errorRate),
    throttles: r(0),
    failedQueue: { depth: r(w.failed), oldestAgeSeconds: r(0) },
    dlq: { depth: r(w.dlq), oldestAgeSeconds: r(w.dlq > 0 ? 3600 : 0) },
    freshnessSeconds: r(120),
    invalidRate: r(w.invalidRate),
    duplicateRate: r(0),
    lateRate: r(0),
  };
}

export function actionsOn(w: World): RunbookActions {
  const failing = (): void => {
    const error = w.failNextAct;
    if (error !== undefined) {
      delete w.failNextAct;
      throw error;
    }
  };
  return {
    redrive: async (args): Promise<ActOutcome> => {
      failing();
      w.redrives.push({ queue: args.queue, mode: args.mode, ...(args.to !== undefined ? { to: args.to } : {}), ...(args.rate !== undefined ? { rate: args.rate } : {}) });
      const moved = w.dlq;
      w.failed += moved;
      w.dlq = 0;
      return { count: moved, summary: `moved ${moved} messages to ${args.to ?? 'the source queue'}` };
    },
    cancel: async (): Promise<ActOutcome> => {
      failing();
      return { count: w.dlq, summary: 'cancelled' };
    },
    export: async (args): Promise<ActOutcome> => {
      failing();
      const count = args.queue === WEB.dlq ? w.dlq : w.failed;
      w.exported.push({ queue: args.queue, file: args.file, count });
      return { count, summary: `exported ${count} messages to ${args.file}` };
    },
  };
}

/** Time that passes only when the executor sleeps; `onSleep` lets the world change meanwhile. */
export function fakeClock(start = Date.parse('2026-11-22T03:05:00Z'), onSleep: (elapsedMs: number) => void = () => {}): RunbookClock & { readonly sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
      onSleep(now - start);
    },
  };
}

export function memoryAudit(): AuditSink & { readonly entries: Omit<AuditEntry, 'at' | 'actor'>[] } {
  const entries: Omit<AuditEntry, 'at' | 'actor'>[] = [];
  return {
    entries,
    record: async (entry) => {
      entries.push(entry);
    },
  };
}

export const denied = (): AwsError =>
  new AwsError('SQS StartMessageMoveTask on tripline-web-dlq: access denied (AccessDenied): grant sqs:StartMessageMoveTask to the caller\'s IAM role', {
    service: 'SQS',
    operation: 'StartMessageMoveTask',
  });
