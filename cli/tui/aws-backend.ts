import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchAlarmStateReader } from '../../src/aws/alarm-states.js';
import { incidentReaderFromConsole } from '../../src/aws/incidents.js';
import { CloudWatchMetricsReader } from '../../src/aws/metrics-reader.js';
import { queueNameOf, queueStats, resolveQueue, SqsQueueReader } from '../../src/aws/queues.js';
import { enforceGuard, parseFilter, pipelineForQueue, processorErrorGuard } from '../../src/aws/redrive/index.js';
import { assertNoRunningTask, cancelMoveTask, listMoveTasks, startNativeRedrive } from '../../src/aws/redrive/native.js';
import { exportMessages, peekMessages } from '../../src/aws/redrive/peek.js';
import { selectiveRedrive } from '../../src/aws/redrive/selective.js';
import type { AuditTrail } from '../../src/audit/trail.js';
import { alarmPrefixOf, SecretResolver, type ConsoleSection, type Pipelines } from '../../src/config/index.js';
import type { AuditEntry, HealthSnapshot } from '../../src/domain/health.js';
import { InputError } from '../../src/errors.js';
import { collectHealth } from '../../src/health/collect.js';
import { healthConditions } from '../../src/runbooks/conditions.js';
import { runRunbook } from '../../src/runbooks/executor.js';
import { collectedHealthSource } from '../../src/runbooks/health-source.js';
import { loadRunbooks, runbookForAlarm } from '../../src/runbooks/load.js';
import { formatRunbookEvent, renderRunbookText, runOutcomeLine } from '../../src/runbooks/render.js';
import { sqsRunbookActions } from '../../src/runbooks/sqs-actions.js';
import type { ConsoleBackend, MoveTaskView } from './backend.js';

export interface AwsBackendOptions {
  readonly cloudwatch: CloudWatchClient;
  readonly sqs: SQSClient;
  readonly pipelines: Pipelines;
  readonly console: ConsoleSection;
  readonly env: NodeJS.ProcessEnv;
  readonly account?: string;
  readonly region?: string;
  /** Built on the first action, so a read-only session never asks STS. */
  readonly audit: () => Promise<AuditTrail>;
  /** Redrive even while the processor's error rate is above its threshold. */
  readonly force: boolean;
}

/**
 * The console against AWS: one GetMetricData per refresh (src/health),
 * GetQueueAttributes, DescribeAlarms, PagerDuty's REST API, and the redrive
 * engine (src/aws/redrive) with its guard and the audit trail for actions.
 */
export function awsConsoleBackend(options: AwsBackendOptions): ConsoleBackend {
  const metrics = new CloudWatchMetricsReader(options.cloudwatch);
  const queues = new SqsQueueReader(options.sqs);
  const alarms = new CloudWatchAlarmStateReader(options.cloudwatch, { pipelineByPrefix: prefixes(options.pipelines) });
  const incidents = incidentReaderFromConsole(options.console, new SecretResolver({ env: options.env }));
  const { sqs } = options;
  const runbooks = loadRunbooks(options.console.runbooks);
  runbooks.catch(() => undefined); // reported when a runbook is asked for

  /** Records the outcome of an action, whether it succeeded or not. */
  const audited = async <T>(entry: Omit<AuditEntry, 'at' | 'actor' | 'outcome'>, act: () => Promise<{ result: T; count?: number; detail?: Record<string, unknown> }>) => {
    const audit = await options.audit();
    try {
      const { result, count, detail } = await act();
      await audit.record({ ...entry, outcome: 'succeeded', ...(count !== undefined ? { count } : {}), ...(detail !== undefined ? { detail: { ...entry.detail, ...detail } } : {}) });
      return result;
    } catch (error) {
      await audit.record({ ...entry, outcome: 'failed', detail: { ...entry.detail, error: error instanceof Error ? error.message : String(error) } });
      throw error;
    }
  };

  const guard = async (queueName: string) => {
    const owner = pipelineForQueue(options.pipelines, queueName);
    if (owner === undefined) return;
    enforceGuard(await processorErrorGuard(metrics, owner.name, owner.pipeline, new Date()), options.force);
  };

  return {
    snapshot: (): Promise<HealthSnapshot> =>
      collectHealth(
        { metrics, queues, alarms, ...(incidents !== undefined ? { incidents } : {}) },
        {
          pipelines: options.pipelines,
          environment: options.console.environment,
          now: new Date(),
          ...(options.account !== undefined ? { account: options.account } : {}),
          ...(options.region !== undefined ? { region: options.region } : {}),
        },
      ),

    async peek(queue, max) {
      const result = await peekMessages(sqs, await resolveQueue(sqs, queue), { max });
      return result.messages.map((m) => ({
        messageId: m.messageId,
        group: m.group,
        body: m.body,
        receiveCount: m.receiveCount,
        ...(m.sentAt !== undefined ? { sentAt: new Date(m.sentAt) } : {}),
      }));
    },

    async moveTasks(queue): Promise<readonly MoveTaskView[]> {
      const tasks = await listMoveTasks(sqs, await resolveQueue(sqs, queue));
      return tasks.map((t) => ({
        status: t.status,
        moved: t.moved,
        toMove: t.toMove,
        startedAt: t.startedAt,
        ...(t.maxPerSecond !== undefined ? { rate: t.maxPerSecond } : {}),
        ...(t.destinationArn !== undefined ? { destination: t.destinationArn.split(':').pop() ?? t.destinationArn } : {}),
        ...(t.failureReason !== undefined ? { failureReason: t.failureReason } : {}),
      }));
    },

    async redriveNative(queue, { rate }) {
      const source = await resolveQueue(sqs, queue);
      await assertNoRunningTask(sqs, source);
      await guard(source.name);
      const before = await queueStats(sqs, source.url);
      return audited({ action: 'dlq.redrive.native', source: source.name, detail: { rate, via: 'tui' } }, async () => {
        await startNativeRedrive({ sqs, source, ratePerSecond: rate });
        return {
          result: `Started a move task: ${before.visible} messages from ${source.name} back to their source queues at ${rate}/s.`,
          count: before.visible,
        };
      });
    },

    async redriveSelective(queue, { filter, max, rate }, onProgress) {
      const source = await resolveQueue(sqs, queue);
      const owner = pipelineForQueue(options.pipelines, source.name);
      if (owner === undefined) {
        throw new InputError(`${source.name} is not the DLQ of a configured pipeline, so the console does not know where to send its messages; use tripline dlq redrive ${source.name} --to <queue>`);
      }
      const destination = await resolveQueue(sqs, owner.pipeline.failedQueue);
      const parsed = filter !== undefined ? parseFilter(filter) : undefined;
      await assertNoRunningTask(sqs, source);
      await guard(source.name);
      const backupFile = `${source.name}-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
      const total = (await queueStats(sqs, source.url)).visible;
      return audited(
        { action: 'dlq.redrive.selective', source: source.name, destination: destination.name, detail: { filter: filter ?? null, backup: backupFile, via: 'tui' } },
        async () => {
          const summary = await selectiveRedrive({
            sqs,
            source,
            destination,
            filter: parsed,
            ratePerSecond: rate,
            max,
            backupFile,
            onProgress: (p) => onProgress({ done: p.examined, total, note: `moved ${p.moved}, skipped ${p.skipped}, failed ${p.failed}` }),
          });
          const text =
            `Moved ${summary.moved}, skipped ${summary.skipped}, failed ${summary.failed}` +
            `${summary.duplicatesPossible > 0 ? `, ${summary.duplicatesPossible} possibly duplicated` : ''} → ${destination.name}; backup ${backupFile}.`;
          return { result: text, count: summary.moved, detail: { skipped: summary.skipped, failed: summary.failed, duplicatesPossible: summary.duplicatesPossible } };
        },
      );
    },

    async cancelMoveTask(queue) {
      const source = await resolveQueue(sqs, queue);
      return audited({ action: 'dlq.cancel', source: source.name, detail: { via: 'tui' } }, async () => {
        const { moved } = await cancelMoveTask(sqs, source);
        return { result: `Cancelled the move task on ${source.name} after ${moved} messages moved.`, count: moved };
      });
    },

    async exportMessages(queue, file, onProgress) {
      const source = await resolveQueue(sqs, queue);
      const total = (await queueStats(sqs, source.url)).visible;
      return audited({ action: 'dlq.export', source: source.name, detail: { file, via: 'tui' } }, async () => {
        const summary = await exportMessages(sqs, source, { file, onProgress: (n) => onProgress({ done: n, total }) });
        return { result: `Exported ${summary.exported} messages from ${source.name} to ${file}; they are still in the queue.`, count: summary.exported };
      });
    },

    async runbookFor(alarmName) {
      const found = runbookForAlarm(await runbooks, alarmName);
      return found === undefined ? undefined : { id: found.id, title: found.title, text: renderRunbookText(found) };
    },

    async runRunbook(id, pipelineName, hooks) {
      const runbook = (await runbooks).find((r) => r.id === id);
      const pipeline = options.pipelines[pipelineName];
      if (runbook === undefined) throw new InputError(`no runbook "${id}" in ${options.console.runbooks}`);
      if (pipeline === undefined) throw new InputError(`unknown pipeline "${pipelineName}"`);
      const result = await runRunbook({
        runbook,
        pipeline: { name: pipelineName, config: pipeline },
        health: collectedHealthSource({ metrics, queues, pipelines: options.pipelines, environment: options.console.environment, onProblem: hooks.onLine }),
        actions: sqsRunbookActions({ sqs, pipeline, onProgress: hooks.onLine }),
        audit: await options.audit(),
        conditions: healthConditions,
        confirm: (prompt, action) => hooks.confirm(prompt, 'queue' in action && typeof action.queue === 'string' ? queueNameOf(action.queue) : id),
        onEvent: (event) => {
          for (const line of formatRunbookEvent(event)) hooks.onLine(line);
        },
      });
      return { ok: result.outcome === 'succeeded', summary: runOutcomeLine(result) };
    },
  };
}

function prefixes(pipelines: Pipelines): Record<string, string> {
  return Object.fromEntries(Object.entries(pipelines).map(([name, p]) => [alarmPrefixOf(name, p), name]));
}
