import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QualitySection } from '../../config/quality.js';
import type { Log } from '../../domain/log.js';
import { createClassifier } from '../check/index.js';
import { loadTrackingPlan } from '../plan/index.js';
import { DedupWindow } from './dedup-window.js';
import { writeQualityEmf, type EmfWriter } from './emf.js';
import { processKinesisBatch, type KinesisBatchDeps, type KinesisBatchResult } from './process-batch.js';
import type { Quarantine } from './quarantine.js';
import { loadQualitySection, readMonitorSettings, type MonitorSettings } from './settings.js';

/** The part of the Lambda context the monitor uses. */
export interface InvocationContext {
  getRemainingTimeInMillis?(): number;
}

/** Lambda's partial batch response for Kinesis. */
export interface KinesisBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface QualityMonitorOptions {
  readonly log: Log;
  /** An EMF writer for the config's namespace (Powertools `Metrics` in the Lambda). */
  readonly metricsFor: (namespace: string) => EmfWriter;
  /** The directory of the handler's bundle; `TRIPLINE_TRACKING_PLAN` is relative to it. */
  readonly handlerDir: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  /** The SQS client for the quarantine queue; created from the environment when absent. */
  readonly sqs?: SQSClient;
}

/** What a container builds once and keeps while warm. */
interface MonitorRuntime {
  readonly quality: QualitySection;
  readonly settings: MonitorSettings;
  readonly deps: Omit<KinesisBatchDeps, 'now' | 'signal' | 'log'>;
  readonly emf: EmfWriter;
}

/** Time kept back from the Lambda deadline to count, write metrics and return. */
const DEADLINE_MARGIN_MS = 3_000;

/**
 * Builds the quality-monitor entry point: a Kinesis consumer that checks each
 * batch against the tracking plan, writes the batch's quality metrics as EMF
 * (overall and per segment, the namespace and dimensions of
 * `quality.publish`), forwards a sample of invalid events to the quarantine
 * queue, and answers with a partial batch response.
 *
 * The config, plan and dedup window are built once per container; a wiring
 * failure (bad config, missing plan) throws and is retried on the next
 * invocation rather than cached.
 */
export function createQualityMonitorHandler(
  options: QualityMonitorOptions,
): (event: unknown, context?: InvocationContext) => Promise<KinesisBatchResponse> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  let runtime: Promise<MonitorRuntime> | undefined;

  return async (event, context) => {
    runtime ??= createRuntime(options, env).catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    const rt = await runtime;
    const remaining = context?.getRemainingTimeInMillis?.();
    const signal = remaining === undefined ? undefined : AbortSignal.timeout(Math.max(1_000, remaining - DEADLINE_MARGIN_MS));
    const result = await processKinesisBatch(event, { ...rt.deps, now, log: options.log, ...(signal ? { signal } : {}) });
    // Nothing counted (every record goes back): no data points, rather than zeros that would hide the gap.
    if (result.report.total > 0) writeQualityEmf(result.report, rt.emf, rt.quality.publish.dimensions);
    options.log.info('quality batch checked', summary(result));
    return { batchItemFailures: result.batchItemFailures };
  };
}

async function createRuntime(options: QualityMonitorOptions, env: NodeJS.ProcessEnv): Promise<MonitorRuntime> {
  const settings = readMonitorSettings(env, options.handlerDir);
  const { quality, source } = await loadQualitySection(env);
  const plan = await loadTrackingPlan(settings.planDir, { pii: { enabled: quality.pii.enabled } });
  const classifier = createClassifier({ plan, dedupKey: quality.dedupKey, clockSkewMs: quality.clockSkewSeconds * 1000 });
  let quarantine: Quarantine | undefined;
  if (settings.quarantineQueueUrl !== undefined && settings.quarantineSample > 0) {
    // Loaded only when a queue is configured: the SQS client stays out of the cold start otherwise.
    const [{ SqsQuarantine }, client] = await Promise.all([import('./quarantine.js'), options.sqs ?? newSqsClient()]);
    quarantine = new SqsQuarantine({ client, queueUrl: settings.quarantineQueueUrl });
  }
  options.log.info('quality monitor ready', {
    config: source,
    trackingPlan: settings.planDir,
    events: plan.events.size,
    namespace: quality.publish.namespace,
    dimensions: quality.publish.dimensions,
    dedupWindowKeys: settings.dedupWindowKeys,
    quarantine: quarantine === undefined ? 'off' : `${settings.quarantineSample} a batch`,
  });
  return {
    quality,
    settings,
    emf: options.metricsFor(quality.publish.namespace),
    deps: {
      classifier,
      accumulator: {
        allowedLatenessMs: quality.allowedLatenessSeconds * 1000,
        correctSkewWithSentAt: quality.correctSkewWithSentAt,
        segmentCap: quality.segmentCap,
      },
      window: new DedupWindow(settings.dedupWindowKeys),
      sampleSize: settings.quarantineSample,
      ...(quarantine ? { quarantine } : {}),
    },
  };
}

async function newSqsClient(): Promise<SQSClient> {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return new SQSClient({});
}

function summary(result: KinesisBatchResult): Record<string, unknown> {
  const r = result.report;
  return {
    records: result.records.received,
    committed: result.records.committed,
    batchItemFailures: result.batchItemFailures.length,
    events: r.total,
    invalid: r.invalid,
    invalidByReason: Object.fromEntries(Object.entries(r.invalidByReason).filter(([, n]) => n > 0)),
    duplicates: r.duplicates,
    late: r.late,
    freshnessSeconds: r.freshnessSeconds,
    quarantine: {
      sampled: result.quarantine.sampled,
      sent: result.quarantine.sent,
      retry: result.quarantine.retry.length,
      dropped: result.quarantine.dropped.length,
    },
  };
}
