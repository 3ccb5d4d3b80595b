/** Shift summaries: what happened during a shift (alarms, incidents, DLQs, quality, redrives), for a terminal, JSON or Slack. */
export { readAuditFile, parseAuditLines, recoveryActions, AuditEntrySchema, type AuditRead } from './audit.js';
export { buildShiftSummary, BEFORE_WINDOW_NOTE, type ShiftSummaryInput } from './build.js';
export { collectShiftSummary, type AuditSource, type ShiftSummaryDeps, type ShiftSummaryRequest } from './collect.js';
export { summaryJson } from './json.js';
export { postShiftSummary, type SummaryPostOptions, type SummaryPosted } from './post.js';
export { listSections, renderSummaryBlocks } from './render-blocks.js';
export { renderSummaryText, summaryFallbackText } from './render-text.js';
export type { AlarmEpisode, AlarmShift, PipelineShift, RecoveryAction, ShiftSummary, ThresholdCheck } from './types.js';
