import type { Pipeline } from '../../config/pipelines.js';
import type { MetricsReader } from '../../domain/health.js';
import { RedriveRefusedError } from '../../errors.js';
import { queueNameOf } from '../queues.js';

/** How far back the guard looks, and the period it judges by. */
export const GUARD_WINDOW_MINUTES = 15;
export const GUARD_PERIOD_SECONDS = 300;

export interface GuardResult {
  readonly pipeline: string;
  readonly processor: string;
  /** True when redriving is safe by this check (or cannot be judged: no invocations). */
  readonly allowed: boolean;
  /** Errors / Invocations of the latest 5-minute period with invocations; undefined without any. */
  readonly errorRate: number | undefined;
  readonly threshold: number;
  /** Sums over the whole 15-minute window. */
  readonly errors: number;
  readonly invocations: number;
  /** One sentence for the user. */
  readonly reason: string;
}

/**
 * Is the pipeline's processor healthy enough to take its failed messages
 * back? Reads Lambda `Errors` and `Invocations` (Sum, 5-minute periods) for
 * `pipeline.processor` over the last 15 minutes and compares the latest
 * period's error rate with `thresholds.processorErrorRate`. A redrive into a
 * processor that still fails only refills the DLQ.
 *
 * With no invocations in the window the rate cannot be judged; that is
 * allowed, and the reason says so.
 */
export async function processorErrorGuard(metrics: MetricsReader, pipelineName: string, pipeline: Pipeline, now: Date): Promise<GuardResult> {
  const dims = { FunctionName: pipeline.processor };
  const common = { namespace: 'AWS/Lambda', dimensions: dims, stat: 'Sum', periodSeconds: GUARD_PERIOD_SECONDS };
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const start = new Date(end.getTime() - GUARD_WINDOW_MINUTES * 60_000);
  const series = await metrics.read(
    [
      { id: 'guard_errors', metricName: 'Errors', ...common },
      { id: 'guard_invocations', metricName: 'Invocations', ...common },
    ],
    { start, end },
  );
  const errors = byTime(series.get('guard_errors'));
  const invocations = byTime(series.get('guard_invocations'));
  const threshold = pipeline.thresholds.processorErrorRate;
  const sum = (m: Map<number, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const totalErrors = sum(errors);
  const totalInvocations = sum(invocations);
  const latest = [...invocations].filter(([, n]) => n > 0).sort((a, b) => b[0] - a[0])[0];
  const base = { pipeline: pipelineName, processor: pipeline.processor, threshold, errors: totalErrors, invocations: totalInvocations };
  if (!latest) {
    return {
      ...base,
      allowed: true,
      errorRate: undefined,
      reason: `processor ${pipeline.processor} had no invocations in the last ${GUARD_WINDOW_MINUTES} minutes, so its error rate cannot be judged`,
    };
  }
  const [at, calls] = latest;
  const rate = (errors.get(at) ?? 0) / calls;
  const shown = `${pct(rate)} (${errors.get(at) ?? 0} errors / ${calls} invocations in the 5 minutes from ${new Date(at).toISOString()})`;
  return rate > threshold
    ? {
        ...base,
        allowed: false,
        errorRate: rate,
        reason: `processor ${pipeline.processor} of pipeline ${pipelineName} still fails: error rate ${shown} is above its threshold ${pct(threshold)}`,
      }
    : { ...base, allowed: true, errorRate: rate, reason: `processor ${pipeline.processor} error rate ${shown} is within its threshold ${pct(threshold)}` };
}

/**
 * @throws RedriveRefusedError (exit 2) when the guard did not allow it and `force` is not set.
 */
export function enforceGuard(result: GuardResult, force: boolean): void {
  if (!result.allowed && !force) {
    throw new RedriveRefusedError(
      `refusing to redrive: ${result.reason}. Fix the processor first and wait until errors fall, or pass --force to redrive anyway`,
    );
  }
}

function byTime(series: { readonly timestamps: readonly number[]; readonly values: readonly number[] } | undefined): Map<number, number> {
  const out = new Map<number, number>();
  if (!series) return out;
  series.timestamps.forEach((t, i) => {
    const v = series.values[i];
    if (v !== undefined && Number.isFinite(v)) out.set(t, (out.get(t) ?? 0) + v);
  });
  return out;
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

/**
 * The pipeline a queue belongs to: the one whose `dlq` (or `failedQueue`)
 * names it, by name, URL or ARN.
 */
export function pipelineForQueue(
  pipelines: Readonly<Record<string, Pipeline>>,
  queueName: string,
): { readonly name: string; readonly pipeline: Pipeline } | undefined {
  const entries = Object.entries(pipelines);
  const hit = entries.find(([, p]) => queueNameOf(p.dlq) === queueName) ?? entries.find(([, p]) => queueNameOf(p.failedQueue) === queueName);
  return hit ? { name: hit[0], pipeline: hit[1] } : undefined;
}
