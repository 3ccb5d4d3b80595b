import { readFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import '../zod-config.js';
import type { AuditEntry, MetricWindow } from '../domain/health.js';
import { InputError } from '../errors.js';
import type { RecoveryAction } from './types.js';

const OUTCOMES = ['started', 'succeeded', 'failed', 'cancelled', 'dry-run', 'refused'] as const;

/** One line of the audit trail (src/audit/trail.ts writes them), as read back. */
export const AuditEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  source: z.optional(z.string()),
  destination: z.optional(z.string()),
  count: z.optional(z.number()),
  outcome: z.enum(OUTCOMES),
  detail: z.optional(z.record(z.string(), z.unknown())),
});

export interface AuditRead {
  readonly entries: readonly AuditEntry[];
  /** Lines that are not audit entries (a torn write, a hand edit), by 1-based line number. */
  readonly badLines: readonly number[];
  /** False when the file does not exist (nothing was ever recorded on this machine). */
  readonly found: boolean;
}

/**
 * Reads an audit trail file (JSONL). A missing file is an empty trail;
 * lines that are not entries are skipped and reported by number.
 *
 * @throws InputError when the file exists but cannot be read.
 */
export async function readAuditFile(file: string): Promise<AuditRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
    if (code === 'ENOENT') return { entries: [], badLines: [], found: false };
    throw new InputError(`cannot read the audit trail ${file} (${code}); fix its permissions or set console.audit.file in tripline.config.yaml`, { cause: error });
  }
  return { ...parseAuditLines(text), found: true };
}

/** The entries of JSONL text, and the numbers of lines that are not entries. */
export function parseAuditLines(text: string): { entries: AuditEntry[]; badLines: number[] } {
  const entries: AuditEntry[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      badLines.push(i + 1);
      return;
    }
    const parsed = AuditEntrySchema.safeParse(value);
    if (!parsed.success || Number.isNaN(Date.parse(parsed.data.at))) {
      badLines.push(i + 1);
      return;
    }
    const e = parsed.data;
    entries.push({
      at: e.at,
      actor: e.actor,
      action: e.action,
      outcome: e.outcome,
      ...(e.source !== undefined ? { source: e.source } : {}),
      ...(e.destination !== undefined ? { destination: e.destination } : {}),
      ...(e.count !== undefined ? { count: e.count } : {}),
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
    });
  });
  return { entries, badLines };
}

/**
 * The redrives (and cancels, exports) done in the window, from audit
 * entries. A redrive's `started` entry and its outcome (same action, queue
 * and actor) are one action; dry runs are left out; a runbook's act steps
 * count as what they did (`via: runbook <id>`).
 */
export function recoveryActions(entries: readonly AuditEntry[], window: MetricWindow): { redrives: RecoveryAction[]; other: RecoveryAction[] } {
  const inWindow = entries
    .map((e) => ({ e, at: new Date(e.at) }))
    .filter(({ at }) => at.getTime() >= window.start.getTime() && at.getTime() <= window.end.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const done: RecoveryAction[] = [];
  const pending = new Map<string, RecoveryAction>();

  for (const { e, at } of inWindow) {
    const action = actionOf(e);
    if (action === undefined || e.outcome === 'dry-run') continue;
    const via = viaOf(e);
    const key = [action, e.source ?? '', e.actor, via].join('\n');
    const base: RecoveryAction = {
      at,
      startedAt: undefined,
      actor: e.actor,
      action,
      source: e.source,
      destination: e.destination,
      count: e.count,
      outcome: e.outcome,
      via,
    };
    if (e.outcome === 'started') {
      const earlier = pending.get(key);
      if (earlier !== undefined) done.push(earlier);
      pending.set(key, { ...base, startedAt: at });
      continue;
    }
    const started = pending.get(key);
    pending.delete(key);
    done.push(
      started === undefined
        ? base
        : { ...base, startedAt: started.startedAt, destination: base.destination ?? started.destination, count: base.count ?? started.count },
    );
  }
  done.push(...pending.values());
  done.sort((a, b) => a.at.getTime() - b.at.getTime());
  return {
    redrives: done.filter((a) => a.action.startsWith('dlq.redrive.')),
    other: done.filter((a) => !a.action.startsWith('dlq.redrive.')),
  };
}

/** The recovery action an entry records, or undefined for anything else (runbook checks, waits). */
function actionOf(e: AuditEntry): string | undefined {
  if (e.action === 'dlq.redrive.native' || e.action === 'dlq.redrive.selective' || e.action === 'dlq.cancel' || e.action === 'dlq.export') return e.action;
  if (e.action !== 'runbook.step') return undefined;
  const act = e.detail?.['action'];
  if (e.detail?.['kind'] !== 'act' || typeof act !== 'object' || act === null || !('verb' in act)) return undefined;
  if (act.verb === 'redrive') return 'mode' in act && act.mode === 'selective' ? 'dlq.redrive.selective' : 'dlq.redrive.native';
  if (act.verb === 'cancel') return 'dlq.cancel';
  if (act.verb === 'export') return 'dlq.export';
  return undefined;
}

function viaOf(e: AuditEntry): string {
  if (e.action === 'runbook.step') {
    const runbook = e.detail?.['runbook'];
    return typeof runbook === 'string' ? `runbook ${runbook}` : 'runbook';
  }
  const via = e.detail?.['via'];
  return typeof via === 'string' ? via : 'cli';
}

