export { ConfigSchema, type Config } from './schema.js';
export {
  PagingSchema,
  PagingDefaultsSchema,
  ReceiverConfigSchema,
  RouteConfigSchema,
  RootRouteConfigSchema,
  MatcherSchema,
  InhibitRuleSchema,
  SilenceSchema,
  SeveritySchema,
  InsufficientDataPolicySchema,
  PatternSchema,
  LabelNameSchema,
  isBuiltinLabel,
  type Paging,
  type PagingDefaults,
  type ReceiverConfig,
  type RouteConfig,
  type RootRouteConfig,
  type Matcher,
  type InhibitRule,
  type Silence,
  type InsufficientDataPolicy,
  type BuiltinLabel,
} from './paging.js';
export {
  PipelineSchema,
  PipelinesSchema,
  PipelineThresholdsSchema,
  ConsoleSectionSchema,
  alarmPrefixOf,
  type Pipeline,
  type Pipelines,
  type PipelineThresholds,
  type ConsoleSection,
} from './pipelines.js';
export { SlackSectionSchema, type SlackSection } from './slack.js';
export { SummarySectionSchema, DEFAULT_SUMMARY_SCHEDULE, DEFAULT_SUMMARY_SINCE, DEFAULT_FLAPPING_TRANSITIONS, durationSeconds, type SummarySection } from './summary.js';
export { NotifySectionSchema, type NotifySection } from './notify.js';
export { QualitySectionSchema, QualityThresholdsSchema, type QualitySection, type QualityThresholds } from './quality.js';
export { SecretRefSchema, describeSecretRef, type SecretRef } from './secret-ref.js';
export { SecretResolver, type SecretResolverOptions } from './secrets.js';
export { parseConfigJson, parseConfigText, validateConfig } from './parse.js';
export { loadConfig, loadQualityConfig, CONFIG_FILE_NAME, type LoadConfigOptions, type LoadedConfig } from './load.js';
export { defaultConfig, NoReceiverError } from './defaults.js';
export { regexSourceOf } from './pattern.js';
export { RUNBOOK_PLACEHOLDERS, parseRunbookTemplate, runbookTemplateProblems, isHttpUrl } from './runbook-template.js';
export { formatPath, type ConfigIssue } from './issues.js';
