import { Box, Text } from 'ink';
import type { PipelineHealth } from '../../../src/domain/health.js';
import type { ActionProgress, MoveTaskView, PeekedMessage } from '../backend.js';
import { durationCell, fit, NO_DATA } from '../cells.js';

export interface DlqProps {
  readonly pipeline?: PipelineHealth;
  readonly queueName: string;
  readonly tasks?: readonly MoveTaskView[];
  readonly peeked?: readonly PeekedMessage[];
  readonly progress?: ActionProgress;
  readonly width: number;
  readonly readOnly: boolean;
}

/** Peeked messages grouped by their error attribute, biggest group first. */
export function groupMessages(messages: readonly PeekedMessage[]): { readonly group: string; readonly messages: readonly PeekedMessage[] }[] {
  const groups = new Map<string, PeekedMessage[]>();
  for (const m of messages) {
    const list = groups.get(m.group) ?? [];
    list.push(m);
    groups.set(m.group, list);
  }
  return [...groups.entries()].map(([group, list]) => ({ group, messages: list })).sort((a, b) => b.messages.length - a.messages.length);
}

export function progressBar(done: number, total: number | undefined, width: number): string {
  if (total === undefined || total <= 0) return `${done} done`;
  const share = Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${done}/${total} (${Math.round(share * 100)}%)`;
}

export function Dlq({ pipeline, queueName, tasks, peeked, progress, width, readOnly }: DlqProps) {
  const stats = pipeline?.dlq.stats;
  return (
    <Box flexDirection="column">
      <Text bold>
        DLQ {queueName}
        {pipeline !== undefined ? ` (pipeline ${pipeline.pipeline})` : ''}
      </Text>
      <Text>
        depth{' '}
        {stats === undefined ? NO_DATA : (
          <Text color={stats.visible > 0 ? 'red' : 'green'}>
            {stats.visible} visible, {stats.inFlight} in flight, {stats.delayed} delayed
          </Text>
        )}{' '}
        · oldest {durationCell(pipeline?.dlq.oldestAgeSeconds).text}
        {stats?.fifo === true ? ' · FIFO' : ''}
      </Text>
      <Text bold>Move tasks</Text>
      {tasks === undefined ? <Text dimColor>reading…</Text> : null}
      {tasks?.length === 0 ? <Text dimColor>none</Text> : null}
      {(tasks ?? []).slice(0, 3).map((t, i) => (
        <Text key={i} color={t.status === 'RUNNING' ? 'cyan' : t.status === 'FAILED' ? 'red' : undefined}>
          {fit(t.status, 11)} {progressBar(t.moved, t.toMove, 20)}
          {t.rate !== undefined ? ` at ${t.rate}/s` : ''}
          {t.destination !== undefined ? ` → ${t.destination}` : ' → source queues'}
          {t.failureReason !== undefined ? ` (${t.failureReason})` : ''}
        </Text>
      ))}
      {progress !== undefined ? (
        <Text color="cyan">
          {progressBar(progress.done, progress.total, 20)} {progress.note ?? ''}
        </Text>
      ) : null}
      <Text bold>Messages</Text>
      {peeked === undefined ? (
        <Text dimColor>p: peek at 10 messages (they stay in the queue and are visible again at once; their receive counts rise by one)</Text>
      ) : peeked.length === 0 ? (
        <Text color="green">The peek found no messages.</Text>
      ) : (
        groupMessages(peeked).map((g) => (
          <Box key={g.group} flexDirection="column">
            <Text color="yellow">
              {g.group} ({g.messages.length})
            </Text>
            {g.messages.slice(0, 4).map((m) => (
              <Text key={m.messageId}>
                {'  '}
                {fit(m.body.replace(/\s+/g, ' '), width - 14)} ×{m.receiveCount ?? '?'}
              </Text>
            ))}
          </Box>
        ))
      )}
      <Text dimColor>
        {readOnly ? 'read-only: actions are off' : 'R native redrive · S selective redrive · C cancel move · E export'} · p peek · Esc back
      </Text>
    </Box>
  );
}
