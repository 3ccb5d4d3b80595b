import * as z from 'zod/mini';
import '../zod-config.js';

/** The schedule the oncall-summary Lambda runs on when `summary.schedule` is not set: 08:00 and 20:00 UTC. */
export const DEFAULT_SUMMARY_SCHEDULE = 'cron(0 8,20 * * ? *)';
/** How far back a summary looks when neither `--since` nor `summary.since` says. */
export const DEFAULT_SUMMARY_SINCE = '12h';
/** An alarm with at least this many state changes in the window is listed as flapping. */
export const DEFAULT_FLAPPING_TRANSITIONS = 4;
/** CloudWatch keeps alarm history for 30 days; a longer window would silently miss the start. */
export const MAX_SUMMARY_SECONDS = 30 * 86_400;

const DURATION = /^(\d+)\s*(m|min|h|d)$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { m: 60, min: 60, h: 3600, d: 86_400 };

/**
 * A shift length such as `30m`, `12h` or `2d`, in seconds; undefined when it
 * is not one (or is 0).
 *
 * @example
 * durationSeconds('12h'); // 43200
 */
export function durationSeconds(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  const count = Number(m?.[1]);
  const unit = UNIT_SECONDS[m?.[2] ?? ''];
  if (unit === undefined || !Number.isSafeInteger(count) || count <= 0) return undefined;
  return count * unit;
}

/** Why an EventBridge schedule expression would be refused at deploy time, or undefined when it is fine. */
export function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate !== null) {
    const n = Number(rate[1]);
    if (n < 1) return 'a rate must be at least 1';
    const unit = (rate[2] ?? '').replace(/s$/, '');
    const wanted = n === 1 ? unit : `${unit}s`;
    if (rate[2] !== wanted) return `write "rate(${n} ${wanted})": EventBridge wants the singular unit for 1 and the plural otherwise`;
    return undefined;
  }
  const cron = /^cron\(([^()]*)\)$/.exec(expression);
  if (cron === null) return 'use an EventBridge schedule expression: "cron(0 8,20 * * ? *)" (minutes hours day-of-month month day-of-week year, UTC) or "rate(12 hours)"';
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has ${fields.length}: e.g. "cron(0 8,20 * * ? *)"`;
  if (fields[2] !== '?' && fields[4] !== '?') return 'day-of-month or day-of-week must be "?" (EventBridge cannot take both): e.g. "cron(0 8,20 * * ? *)"';
  return undefined;
}

/**
 * `summary:` — shift summaries (`tripline summary`, and the oncall-summary
 * Lambda on a schedule when the section is present in the deployed config).
 */
export const SummarySectionSchema = z.strictObject({
  /** Slack channel `--post` and the Lambda post to (an id such as C0123 is best; `#name` works); else SLACK_CHANNEL. */
  channel: z.optional(z.string().check(z.minLength(1, 'must name a Slack channel, e.g. "#pipeline-oncall"'))),
  /** When the Lambda runs: an EventBridge schedule expression, in UTC. */
  schedule: z._default(
    z.string().check(
      z.superRefine((expression, ctx) => {
        const problem = scheduleProblem(expression);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ),
    DEFAULT_SUMMARY_SCHEDULE,
  ),
  /** How far back each summary looks: `30m`, `12h`, `1d` (at most 30 days, CloudWatch's alarm history). */
  since: z._default(
    z.string().check(
      z.superRefine((text, ctx) => {
        const seconds = durationSeconds(text);
        if (seconds === undefined) ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration: use minutes, hours or days, e.g. "12h"` });
        else if (seconds > MAX_SUMMARY_SECONDS) ctx.addIssue({ code: 'custom', message: `"${text}" is longer than the 30 days of alarm history CloudWatch keeps` });
      }),
    ),
    DEFAULT_SUMMARY_SINCE,
  ),
  /** An alarm that changed state at least this many times in the window is listed as flapping. */
  flappingTransitions: z._default(z.int().check(z.gte(2, 'must be at least 2 (one fire and one resolve)')), DEFAULT_FLAPPING_TRANSITIONS),
});
export type SummarySection = z.infer<typeof SummarySectionSchema>;
