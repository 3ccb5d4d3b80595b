import { alarmPrefixOf, type Pipelines } from '../config/pipelines.js';
import type { AlarmHistoryReader, AlarmStateReader, AuditEntry, IncidentReader, MetricsReader, MetricWindow, QueueReader } from '../domain/health.js';
import { collectHealth } from '../health/collect.js';
import { readAuditFile } from './audit.js';
import { buildShiftSummary } from './build.js';
import type { ShiftSummary } from './types.js';

/** Where the redrives come from: the local audit file, entries already read, or nowhere (with the reason). */
export type AuditSource =
  | { readonly file: string; readonly shownAs?: string }
  | { readonly entries: readonly AuditEntry[]; readonly source: string }
  | { readonly unavailable: string };

/**
 * The readers a summary needs: the same one-method interfaces the console
 * uses, so the AWS ones (src/aws) and the sandbox's work alike.
 */
export interface ShiftSummaryDeps {
  readonly history: AlarmHistoryReader;
  readonly metrics: MetricsReader;
  readonly queues?: QueueReader | undefined;
  readonly alarms?: AlarmStateReader | undefined;
  /** Undefined when no incident source is configured (the summary says so). */
  readonly incidents?: IncidentReader | undefined;
  readonly audit: AuditSource;
}

export interface ShiftSummaryRequest {
  readonly window: MetricWindow;
  readonly pipelines: Pipelines;
  readonly environment: string;
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  readonly flappingTransitions?: number | undefined;
  /** The clock, to tell when the window ended in the past (queue depths and incidents are always current). */
  readonly now?: Date;
}

/** A window ending longer ago than this gets a note: live readings are not as of its end. */
const PAST_WINDOW_MS = 5 * 60_000;

/**
 * Reads everything a shift summary needs and builds it: the alarm history
 * of the window (one paginated DescribeAlarmHistory scan), one health
 * snapshot (one GetMetricData call, queue attributes, alarm states, open
 * incidents — src/health/collect.ts), and the audit trail.
 *
 * Without pipelines in the config the history of every alarm is read.
 *
 * @throws AwsError when the alarm history cannot be read (without it there is no summary);
 * the snapshot's readers only add problems.
 *
 * @example
 * const summary = await collectShiftSummary(
 *   { history, metrics, queues, alarms, incidents, audit: { file: '.tripline/audit.jsonl' } },
 *   { window: { start, end }, pipelines: config.pipelines, environment: 'prod' },
 * );
 */
export async function collectShiftSummary(deps: ShiftSummaryDeps, request: ShiftSummaryRequest): Promise<ShiftSummary> {
  const prefixes = Object.entries(request.pipelines).map(([name, p]) => alarmPrefixOf(name, p));
  const [history, snapshot, audit] = await Promise.all([
    deps.history.history(request.window, prefixes),
    collectHealth(
      {
        metrics: deps.metrics,
        ...(deps.queues !== undefined ? { queues: deps.queues } : {}),
        ...(deps.alarms !== undefined ? { alarms: deps.alarms } : {}),
        ...(deps.incidents !== undefined ? { incidents: deps.incidents } : {}),
      },
      {
        pipelines: request.pipelines,
        environment: request.environment,
        now: request.window.end,
        ...(request.account !== undefined ? { account: request.account } : {}),
        ...(request.region !== undefined ? { region: request.region } : {}),
      },
    ),
    readAudit(deps.audit),
  ]);

  const summary = buildShiftSummary({
    history,
    snapshot,
    ...(deps.incidents !== undefined ? { incidents: snapshot.incidents } : {}),
    incidentsConfigured: deps.incidents !== undefined,
    audit: audit.entries,
    auditSource: audit.source,
    window: request.window,
    pipelines: request.pipelines,
    ...(request.flappingTransitions !== undefined ? { flappingTransitions: request.flappingTransitions } : {}),
    problems: audit.problems,
  });
  const now = request.now ?? new Date();
  if (now.getTime() - request.window.end.getTime() > PAST_WINDOW_MS) {
    return {
      ...summary,
      notes: [
        ...summary.notes,
        `The window ended at ${request.window.end.toISOString()}: metrics are read as of then, but DLQ depths, alarm states and open incidents are as of now.`,
      ],
    };
  }
  return summary;
}

async function readAudit(source: AuditSource): Promise<{ entries: readonly AuditEntry[] | { unavailable: string }; source: string; problems: string[] }> {
  if ('unavailable' in source) return { entries: { unavailable: source.unavailable }, source: source.unavailable, problems: [] };
  if ('entries' in source) return { entries: source.entries, source: source.source, problems: [] };
  const shown = source.shownAs ?? source.file;
  const read = await readAuditFile(source.file);
  const problems =
    read.badLines.length > 0
      ? [
          `${read.badLines.length} line${read.badLines.length === 1 ? '' : 's'} of the audit trail ${shown} ${read.badLines.length === 1 ? 'is' : 'are'} not an audit entry (line ${read.badLines.slice(0, 5).join(', ')}${read.badLines.length > 5 ? ', …' : ''}) and left out`,
        ]
      : [];
  return { entries: read.entries, source: read.found ? shown : `${shown} (none yet: nothing was recorded on this machine)`, problems };
}
