import { Box, Text } from 'ink';
import { helpFor, type View } from '../keymap.js';

export interface HelpProps {
  readonly view: View;
  readonly readOnly: boolean;
  /** Lines for keys outside the keymap (the sandbox's faults). */
  readonly extra?: readonly string[];
}

export function Help({ view, readOnly, extra = [] }: HelpProps) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>Keys in {view}</Text>
      {helpFor(view, readOnly).map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      {extra.map((line) => (
        <Text key={line} color="magenta">
          {line}
        </Text>
      ))}
      {readOnly ? <Text color="yellow">Read-only: redrive, cancel, export and runbook runs are switched off.</Text> : null}
      <Text dimColor>Esc closes this help.</Text>
    </Box>
  );
}
