/**
 * The quality-monitor Lambda's logic: Kinesis batches checked against the
 * tracking plan, metrics written as EMF, invalid samples quarantined, partial
 * batch responses. `lambdas/quality-monitor/handler.ts` only wires it.
 */
export { createQualityMonitorHandler } from './lambda.js';
export type { InvocationContext, KinesisBatchResponse, QualityMonitorOptions } from './lambda.js';
export { DEFAULT_QUARANTINE_SAMPLE, processKinesisBatch } from './process-batch.js';
export type { KinesisBatchDeps, KinesisBatchResult } from './process-batch.js';
export { DEFAULT_DEDUP_WINDOW_KEYS, DedupWindow, MAX_DEDUP_WINDOW_KEYS } from './dedup-window.js';
export { qualityMetricScopes, qualityMetricValues, writeQualityEmf } from './emf.js';
export type { EmfWriter, QualityMetricScope, QualityMetricUnit, QualityMetricValue } from './emf.js';
export {
  decodeKinesisData,
  kinesisRecords,
  KinesisStreamEventSchema,
  MAX_DECODED_BYTES,
  MAX_LINE_BYTES,
  recordLines,
} from './kinesis-records.js';
export type { DecodedData, KinesisRecordRef, RecordLine } from './kinesis-records.js';
export type { Quarantine, QuarantineFailure, QuarantineOutcome, QuarantineSample } from './quarantine.js';
export { loadQualitySection, parseQualitySection, readMonitorSettings } from './settings.js';
export type { MonitorSettings } from './settings.js';
