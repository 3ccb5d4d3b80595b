import { availableParallelism } from 'node:os';
import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { loadQualityConfig } from '../../src/config/index.js';
import { InputError } from '../../src/errors.js';
import { renderQualityReport } from '../../src/quality/render.js';
import { runQualityCheck } from '../../src/quality/run.js';
import { breaches } from '../../src/quality/thresholds.js';
import type { InputProblem } from '../../src/quality/readers/types.js';
import type { CommandResult } from './result.js';

const OptionsSchema = z.object({
  schemas: z.optional(z.string()),
  config: z.optional(z.string()),
  now: z.optional(z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time such as 2026-11-22T03:00:00Z'))),
  json: z._default(z.boolean(), false),
  publish: z._default(z.boolean(), false),
  workers: z.optional(z.string().check(z.regex(/^\d+$/, 'must be a whole number (0 = no worker threads)'))),
});

/** Notes about an input that are not failures: an empty file is worth a line, not a failed gate. */
const isNote = (p: InputProblem): boolean => !p.partial && /^(empty|no records)/.test(p.message);

/**
 * `tripline dq check <inputs...>`: the quality report of tracked events
 * against the tracking plan. Exit 1 when a configured threshold is
 * breached, 2 when an input could not be read (the report still prints).
 */
export async function runDqCheck(inputs: readonly string[], rawOptions: Record<string, unknown>): Promise<CommandResult> {
  const parsed = OptionsSchema.safeParse(rawOptions);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  const options = parsed.data;
  if (inputs.length === 0) throw new InputError('name at least one input: a file, a directory, a glob, "-" for stdin or s3://bucket/prefix');
  const quality = await loadQualityConfig({ env: process.env, cwd: process.cwd(), ...(options.config ? { file: options.config } : {}) });

  const problems: InputProblem[] = [];
  const progress = process.stderr.isTTY ? progressLine() : undefined;
  const report = await runQualityCheck({
    inputs,
    quality,
    ...(options.schemas ? { planDir: options.schemas } : {}),
    now: options.now ? new Date(options.now) : new Date(),
    workers: options.workers !== undefined ? Number(options.workers) : Math.max(1, Math.min(availableParallelism(), 8)),
    workerUrl: new URL('./dq-worker.js', import.meta.url),
    ...(progress ? { onProgress: progress.update } : {}),
    onProblem: (problem) => {
      problems.push(problem);
      progress?.clear();
      process.stderr.write(`${isNote(problem) ? 'note' : 'warn'}  ${problem.source}: ${problem.message}\n`);
    },
  });
  progress?.clear();

  const found = breaches(report, quality.thresholds);
  let published: { calls: number; datums: number } | undefined;
  if (options.publish) {
    const [{ CloudWatchClient }, { publishQualityReport }] = await Promise.all([
      import('@aws-sdk/client-cloudwatch'),
      import('../../src/aws/metrics-publisher.js'),
    ]);
    published = await publishQualityReport(report, {
      client: new CloudWatchClient({}),
      namespace: quality.publish.namespace,
      dimensions: quality.publish.dimensions,
    });
    process.stderr.write(`published ${published.datums} data points to CloudWatch namespace ${quality.publish.namespace} in ${published.calls} call(s)\n`);
  }

  const unreadable = problems.filter((p) => !isNote(p));
  const exitCode = unreadable.length > 0 ? 2 : found.length > 0 ? 1 : 0;
  const stdout = options.json
    ? JSON.stringify({ ...report, breaches: found, ...(published ? { published } : {}) }, null, 2)
    : renderQualityReport(report, found);
  return { exitCode, stdout };
}

/** One self-updating stderr line: bytes read, records counted, rate. */
function progressLine(): { update: (p: { source: string; bytesRead: number; bytesTotal?: number }) => void; clear: () => void } {
  const started = Date.now();
  let shown = false;
  return {
    update(p) {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const mb = (n: number): string => `${(n / 1_048_576).toFixed(0)} MB`;
      const of = p.bytesTotal ? ` of ${mb(p.bytesTotal)} (${((p.bytesRead / p.bytesTotal) * 100).toFixed(0)}%)` : '';
      process.stderr.write(`\r\x1b[2Kreading ${p.source}: ${mb(p.bytesRead)}${of} · ${mb(p.bytesRead / seconds)}/s`);
      shown = true;
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
