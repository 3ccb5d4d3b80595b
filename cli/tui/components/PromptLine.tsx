import { Box, Text } from 'ink';
import { useLineInput } from '../hooks/use-line-input.js';

export interface PromptLineProps {
  readonly label: string;
  readonly defaultValue?: string;
  readonly hint?: string;
  readonly onSubmit: (value: string) => void;
  readonly onCancel: () => void;
}

/** A one-line input (filter, command, rate, file name); Enter submits, Esc cancels. */
export function PromptLine({ label, defaultValue, hint, onSubmit, onCancel }: PromptLineProps) {
  const input = useLineInput(defaultValue ?? '', onSubmit, onCancel);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{label} </Text>
        {input.value}
        <Text inverse> </Text>
      </Text>
      {hint !== undefined ? <Text dimColor>{hint}</Text> : null}
    </Box>
  );
}
