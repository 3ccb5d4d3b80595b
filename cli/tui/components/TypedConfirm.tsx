import { Box, Text } from 'ink';
import { useState } from 'react';
import { useLineInput } from '../hooks/use-line-input.js';

export interface TypedConfirmProps {
  /** What will happen, with the queue and the message count. */
  readonly prompt: string;
  /** The text the user must type exactly (the queue name). */
  readonly expected: string;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** A dangerous action runs only after the user types the queue name; Esc cancels. */
export function TypedConfirm({ prompt, expected, onConfirm, onCancel }: TypedConfirmProps) {
  const [wrong, setWrong] = useState<string | undefined>(undefined);
  const input = useLineInput(
    '',
    (value) => {
      if (value.trim() === expected) onConfirm();
      else setWrong(value);
    },
    onCancel,
  );
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
      <Text color="red" bold>
        {prompt}
      </Text>
      <Text>
        Type <Text bold>{expected}</Text> to confirm, Esc to cancel:
      </Text>
      <Text>
        › {input.value}
        <Text inverse> </Text>
      </Text>
      {wrong !== undefined ? <Text color="yellow">"{wrong.trim()}" is not the queue name; nothing was done. Type it exactly, or Esc.</Text> : null}
    </Box>
  );
}
