/** The audit trail of actions (redrive, cancel, export, runbook steps): a JSONL file and Slack. */
export { localActor, resolveActor } from './actor.js';
export { slackAuditPoster, type SlackAuditOptions } from './slack.js';
export { auditText, createAuditTrail, type AuditPoster, type AuditTrail, type AuditTrailOptions } from './trail.js';
