import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { Actor, AuditEntry, AuditSink } from '../domain/health.js';
import { InputError } from '../errors.js';

/** Where audit entries go besides the file: a Slack channel (see `slackAuditPoster`). */
export interface AuditPoster {
  /** Where it posts, for messages (`#oncall-audit`). */
  readonly target: string;
  post(text: string): Promise<void>;
}

export interface AuditTrailOptions {
  /** JSONL file, appended (parent directories created, mode 0600). */
  readonly file: string;
  readonly actor: Actor;
  /** Also post each entry to Slack when configured (`console.audit.slackChannel`). */
  readonly slack?: AuditPoster | undefined;
  /** A Slack failure never fails the action (the file is the record); it is reported here. */
  readonly onWarning?: ((message: string) => void) | undefined;
  readonly now?: () => Date;
}

export interface AuditTrail extends AuditSink {
  readonly file: string;
  readonly actor: Actor;
}

/**
 * The audit trail: one JSON line per action (who, what, when, how many) in a
 * local file, and a Slack message when a channel is configured.
 *
 * @example
 * const audit = createAuditTrail({ file: '.tripline/audit.jsonl', actor: await resolveActor(sts) });
 * await audit.record({ action: 'dlq.redrive.selective', source: 'web-dlq', destination: 'web-failed', count: 120, outcome: 'succeeded' });
 */
export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  const file = path.resolve(options.file);
  const now = options.now ?? (() => new Date());
  return {
    file,
    actor: options.actor,
    async record(entry) {
      const full: AuditEntry = { at: now().toISOString(), actor: options.actor.arn, ...entry };
      await appendLine(file, `${JSON.stringify(full)}\n`, options.file);
      if (options.slack) {
        try {
          await options.slack.post(auditText(full));
        } catch (error) {
          options.onWarning?.(
            `audit: could not post to Slack ${options.slack.target} (${error instanceof Error ? error.message : String(error)}); the entry is in ${options.file}`,
          );
        }
      }
    },
  };
}

async function appendLine(file: string, line: string, shown: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const handle = await open(file, 'a', 0o600);
    try {
      await handle.appendFile(line, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
    throw new InputError(
      `cannot write the audit trail ${shown} (${code}); nothing was done. Fix its permissions or set console.audit.file in tripline.config.yaml`,
      { cause: error },
    );
  }
}

const OUTCOME_ICON: Readonly<Record<AuditEntry['outcome'], string>> = {
  started: ':arrow_forward:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':stop_button:',
  'dry-run': ':mag:',
  refused: ':no_entry:',
};

/** One line of Slack mrkdwn for an entry. */
export function auditText(entry: AuditEntry): string {
  const where = entry.source ? ` ${entry.source}${entry.destination ? ` → ${entry.destination}` : ''}` : '';
  const count = entry.count !== undefined ? `, ${entry.count} messages` : '';
  return `${OUTCOME_ICON[entry.outcome]} \`${entry.action}\` ${entry.outcome}${where}${count} — by ${entry.actor} at ${entry.at}`;
}
