export {
  createClassifier,
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_DEDUP_KEY,
  DEFAULT_PLATFORM_PATHS,
  NO_EVENT_NAME,
  UNKNOWN_PLATFORM,
} from './classify.js';
export type { Classifier, ClassifierOptions, PropertiesChecker } from './classify.js';
export {
  DEFAULT_ALLOWED_LATENESS_MS,
  DEFAULT_SEGMENT_CAP,
  DEFAULT_TRACKED_SEGMENT_LIMIT,
  OTHER_SEGMENT,
  QualityAccumulator,
  workerBatchTransferList,
} from './accumulator.js';
export type {
  AccumulatorOptions,
  QualityAccumulatorState,
  SegmentDimension,
  SegmentKey,
  SegmentState,
  WorkerBatchResult,
} from './accumulator.js';
export { accumulateChunk } from './chunk.js';
export { FingerprintSet, fingerprintKey } from './fingerprint-set.js';
export { LATENESS_SIGNIFICANT_DIGITS, LatenessCounts } from './lateness.js';
export type { LatenessState } from './lateness.js';
export { parseIsoTimestamp } from './timestamp.js';
