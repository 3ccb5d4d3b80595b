import { Text } from 'ink';

export interface StatusLineProps {
  readonly problem?: string;
  readonly message?: string;
  readonly busy?: string;
}

/** One line at the bottom: what is running, what just happened, or what is wrong and what to do. */
export function StatusLine({ problem, message, busy }: StatusLineProps) {
  if (busy !== undefined) return <Text color="cyan">⟳ {busy}</Text>;
  if (problem !== undefined) return <Text color="red">✗ {problem}</Text>;
  if (message !== undefined) return <Text color="green">{message}</Text>;
  return <Text dimColor>ok</Text>;
}
