import { Box, Text } from 'ink';
import type { RunbookView } from '../backend.js';

export interface RunbookProps {
  readonly alarmName: string;
  readonly runbook?: RunbookView | null;
  readonly output: readonly string[];
  readonly height: number;
  readonly readOnly: boolean;
}

export function Runbook({ alarmName, runbook, output, height, readOnly }: RunbookProps) {
  if (runbook === undefined) return <Text dimColor>Finding the runbook for {alarmName}…</Text>;
  if (runbook === null) {
    return <Text color="yellow">No runbook applies to {alarmName}: add one under runbooks/ whose `alarms:` matches it.</Text>;
  }
  const lines = runbook.text.split('\n');
  const room = Math.max(5, height - output.length - 8);
  return (
    <Box flexDirection="column">
      <Text bold>
        Runbook {runbook.id}: {runbook.title} (for {alarmName})
      </Text>
      {lines.slice(0, room).map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
      {lines.length > room ? <Text dimColor>… {lines.length - room} more lines (tripline runbook show {runbook.id})</Text> : null}
      {output.map((line, i) => (
        <Text key={`o${i}`} color="cyan">
          {line}
        </Text>
      ))}
      <Text dimColor>{readOnly ? 'read-only: runs are off' : 'x run (asks before each action)'} · Esc back</Text>
    </Box>
  );
}
