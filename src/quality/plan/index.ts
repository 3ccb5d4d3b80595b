/**
 * The tracking plan: Avro schemas of each event's properties, the per-event
 * validator the checker runs on every record, and the FULL_ALL compatibility
 * check behind `tripline schema check`.
 */
export { loadTrackingPlan, buildTrackingPlan } from './load.js';
export { checkCompatibility, formatIncompatibility } from './compat.js';
export {
  DEFAULT_PII_PATTERNS,
  EMAIL_PATTERN,
  PHONE_INTERNATIONAL_PATTERN,
  PHONE_NANP_PATTERN,
  PHONE_NATIONAL_PATTERN,
  createPiiDetector,
  type PiiDetector,
} from './pii.js';
export { typeLabel } from './schema-node.js';
export type {
  EventDefinition,
  EventVersion,
  FieldNode,
  Incompatibility,
  PiiOptions,
  SchemaNode,
  SchemaSource,
  TrackingPlan,
  TrackingPlanOptions,
} from './types.js';
