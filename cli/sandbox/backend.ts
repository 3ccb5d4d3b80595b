import { queueStats, resolveQueue } from '../../src/aws/queues.js';
import { enforceGuard, parseFilter, pipelineForQueue, processorErrorGuard } from '../../src/aws/redrive/index.js';
import { assertNoRunningTask, startNativeRedrive } from '../../src/aws/redrive/native.js';
import { selectiveRedrive } from '../../src/aws/redrive/selective.js';
import type { AuditEntry } from '../../src/domain/health.js';
import { InputError } from '../../src/errors.js';
import { loadRunbooks, runbookForAlarm } from '../../src/runbooks/load.js';
import { formatRunbookEvent, renderRunbookText, runOutcomeLine } from '../../src/runbooks/render.js';
import { runSandboxRunbook } from '../../src/sandbox/runbooks.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { awsConsoleBackend } from '../tui/aws-backend.js';
import type { ConsoleBackend } from '../tui/backend.js';

/**
 * The console over the sandbox: the same pieces as against AWS, wired to
 * the local pipeline. Health comes from the sandbox's readers at sandbox
 * time; peek, move tasks, cancel and export are the AWS backend's own code
 * against local-aws-sqs; redrives run the real redrive engine with the
 * processor-error guard reading the sandbox's metrics; runbooks run on the
 * sandbox clock. Every action goes to the sandbox's audit trail.
 */
export function sandboxConsoleBackend(sandbox: Sandbox): ConsoleBackend {
  const { sqs, config } = sandbox;
  const audit = sandbox.audit;
  const base = awsConsoleBackend({
    cloudwatch: sandbox.cloudwatch.client(),
    sqs,
    pipelines: config.pipelines,
    console: { ...config.console, audit: { ...config.console.audit, file: audit.file } },
    env: {},
    audit: async () => audit,
    force: false,
  });
  const runbooks = loadRunbooks(sandbox.runbooksDir);
  runbooks.catch(() => undefined);

  const audited = async <T>(entry: Omit<AuditEntry, 'at' | 'actor' | 'outcome'>, act: () => Promise<{ result: T; count?: number }>): Promise<T> => {
    try {
      const { result, count } = await act();
      await audit.record({ ...entry, outcome: 'succeeded', ...(count !== undefined ? { count } : {}) });
      return result;
    } catch (error) {
      await audit.record({ ...entry, outcome: 'failed', detail: { ...entry.detail, error: error instanceof Error ? error.message : String(error) } });
      throw error;
    }
  };
  const guard = async (queueName: string): Promise<void> => {
    const owner = pipelineForQueue(config.pipelines, queueName);
    if (owner === undefined) return;
    enforceGuard(await processorErrorGuard(sandbox.readers.metrics, owner.name, owner.pipeline, sandbox.clock.date()), false);
  };

  return {
    ...base,
    snapshot: () => sandbox.snapshot(),

    async redriveNative(queue, { rate }) {
      const source = await resolveQueue(sqs, queue);
      await assertNoRunningTask(sqs, source);
      await guard(source.name);
      const before = await queueStats(sqs, source.url);
      return audited({ action: 'dlq.redrive.native', source: source.name, detail: { rate, via: 'sandbox' } }, async () => {
        await startNativeRedrive({ sqs, source, ratePerSecond: rate });
        return { result: `Started a move task: ${before.visible} messages from ${source.name} back to their source queues at ${rate}/s.`, count: before.visible };
      });
    },

    async redriveSelective(queue, { filter, max, rate }, onProgress) {
      const source = await resolveQueue(sqs, queue);
      const owner = pipelineForQueue(config.pipelines, source.name);
      if (owner === undefined) throw new InputError(`${source.name} is not the DLQ of a sandbox pipeline`);
      const destination = await resolveQueue(sqs, owner.pipeline.failedQueue);
      await assertNoRunningTask(sqs, source);
      await guard(source.name);
      const total = (await queueStats(sqs, source.url)).visible;
      const backupFile = `${sandbox.workDir}/${source.name}-backup-${sandbox.clock.date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
      return audited({ action: 'dlq.redrive.selective', source: source.name, destination: destination.name, detail: { filter: filter ?? null, backup: backupFile, via: 'sandbox' } }, async () => {
        const summary = await selectiveRedrive({
          sqs,
          source,
          destination,
          filter: filter !== undefined ? parseFilter(filter) : undefined,
          ratePerSecond: rate,
          max,
          backupFile,
          waitSeconds: 0,
          onProgress: (p) => onProgress({ done: p.examined, total, note: `moved ${p.moved}, skipped ${p.skipped}, failed ${p.failed}` }),
        });
        return { result: `Moved ${summary.moved}, skipped ${summary.skipped}, failed ${summary.failed} → ${destination.name}; backup ${backupFile}.`, count: summary.moved };
      });
    },

    async runbookFor(alarmName) {
      const found = runbookForAlarm(await runbooks, alarmName);
      return found === undefined ? undefined : { id: found.id, title: found.title, text: renderRunbookText(found) };
    },

    async runRunbook(id, pipeline, hooks) {
      const result = await runSandboxRunbook(sandbox, {
        id,
        pipeline,
        confirm: (prompt, action) => hooks.confirm(prompt, 'queue' in action && typeof action.queue === 'string' ? (action.queue.split(/[/:]/).pop() ?? action.queue) : id),
        onProgress: hooks.onLine,
        onEvent: (event) => {
          for (const line of formatRunbookEvent(event)) hooks.onLine(line);
        },
      });
      return { ok: result.outcome === 'succeeded', summary: runOutcomeLine(result) };
    },
  };
}
