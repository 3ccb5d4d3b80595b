export type {
  AlarmDefinition,
  AlarmSignal,
  Comparison,
  CompositeAlarmDefinition,
  MetricAlarmDefinition,
  MetricRef,
  MetricStat,
  MissingData,
} from './types.js';
export { COMPOSITE_TAG } from './types.js';
export {
  COMPOSITE_KEY,
  SHIPPED_RUNBOOKS,
  catalogFromConfig,
  conditionText,
  fillRunbookLink,
  pipelineAlarms,
  queueNameOf,
  routerFailureAlarm,
  type AlarmCatalog,
  type AlarmCatalogConfig,
  type PipelineAlarmOptions,
} from './definitions.js';
export { BAND_ID, EXPRESSION_ID, toPutCompositeAlarmInput, toPutMetricAlarmInput } from './cloudwatch-input.js';
export { COMPARED_FIELDS, diffAlarms, summaryOf, type AlarmDiff, type ChangedAlarm, type DeployedAlarms, type FieldChange } from './diff.js';
