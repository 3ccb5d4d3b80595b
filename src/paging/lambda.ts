import type { Log } from '../domain/log.js';
import { NotifyError } from '../errors.js';
import { routeAlarmEvent, type RouterMetrics, type RouterReport } from './router.js';
import { createRouterDeps, type RouterRuntime, type RouterWiringOptions } from './wiring.js';

/** The part of the Lambda context the router uses. */
export interface InvocationContext {
  readonly invokedFunctionArn?: string;
  getRemainingTimeInMillis?(): number;
}

export interface LambdaResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/** Time kept back from the Lambda deadline to log, flush metrics and throw cleanly. */
const DEADLINE_MARGIN_MS = 2_500;

/**
 * Builds the alarm-router entry point. Wiring (config, secrets, clients) is
 * done once per container and reused while warm; a wiring failure is retried
 * on the next invocation rather than cached.
 *
 * Results: for SQS-delivered events, a partial batch response naming the
 * records whose alarms could not be notified; for every other source, a
 * thrown error when any notification failed, so Lambda's retries and the
 * failure destination keep the transition.
 */
export function createAlarmRouterHandler(options: {
  readonly log: Log;
  readonly metrics?: RouterMetrics & { flush(): void };
  readonly env?: NodeJS.ProcessEnv;
  readonly transports?: RouterWiringOptions['transports'];
}): (event: unknown, context?: InvocationContext) => Promise<LambdaResult | RouterSummary> {
  const env = options.env ?? process.env;
  let runtime: Promise<RouterRuntime> | undefined;

  return async (event, context) => {
    runtime ??= createRouterDeps({ env, log: options.log, ...(options.transports ? { transports: options.transports } : {}) }).catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    const deps = await runtime;
    const remaining = context?.getRemainingTimeInMillis?.();
    const signal = remaining === undefined ? undefined : AbortSignal.timeout(Math.max(1_000, remaining - DEADLINE_MARGIN_MS));
    const ownAccount = context?.invokedFunctionArn?.split(':')[4];
    let report: RouterReport;
    try {
      report = await routeAlarmEvent(event, {
        ...deps,
        log: options.log,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(signal ? { signal } : {}),
        ...(ownAccount ? { ownAccount } : {}),
        ...(env['AWS_REGION'] ? { ownRegion: env['AWS_REGION'] } : {}),
      });
    } finally {
      options.metrics?.flush();
    }

    if (isSqsEvent(event)) {
      return { batchItemFailures: report.failedSqsMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
    }
    if (report.failures.length > 0) {
      const first = report.failures[0];
      const detail = report.failures.map((f) => `${f.channel}/${f.delivery.receiver} (${f.delivery.transition.alarmName}): ${f.error.message}`);
      throw new NotifyError(
        `${report.failures.length} notification(s) failed; throwing so Lambda retries and the failure destination keeps the event:\n${detail.join('\n')}`,
        { retryable: report.failures.some((f) => f.error.retryable), receiver: first?.delivery.receiver ?? '', ...(first?.error.status !== undefined ? { status: first.error.status } : {}) },
      );
    }
    return summarize(report);
  };
}

export interface RouterSummary {
  readonly transitions: number;
  readonly deliveries: number;
  readonly sent: number;
  readonly skipped: number;
  readonly rejected: number;
}

function summarize(report: RouterReport): RouterSummary {
  return {
    transitions: report.converged.length,
    deliveries: report.deliveries.length,
    sent: report.outcomes.filter((o) => o.status === 'sent').length,
    skipped: report.skipped.length,
    rejected: report.rejected.length,
  };
}

function isSqsEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null || !('Records' in event) || !Array.isArray(event.Records)) return false;
  const first: unknown = event.Records[0];
  return typeof first === 'object' && first !== null && 'eventSource' in first && first.eventSource === 'aws:sqs';
}
