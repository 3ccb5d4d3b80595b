import { Box, Text } from 'ink';
import type { HealthSnapshot } from '../../../src/domain/health.js';
import type { View } from '../keymap.js';

export interface HeaderProps {
  readonly snapshot?: HealthSnapshot;
  readonly environment: string;
  readonly view: View;
  readonly readOnly: boolean;
  readonly refreshing: boolean;
  readonly nextDelayMs: number;
}

const TABS: readonly { readonly view: View; readonly label: string }[] = [
  { view: 'overview', label: '1 Overview' },
  { view: 'alarms', label: '2 Alarms' },
  { view: 'incidents', label: '3 Incidents' },
  { view: 'dlq', label: '4 DLQ' },
];

/** Production is red so nobody mistakes it for staging at 3 a.m. */
export function isProduction(environment: string): boolean {
  return /^prod(uction)?$/i.test(environment);
}

export function Header({ snapshot, environment, view, readOnly, refreshing, nextDelayMs }: HeaderProps) {
  const at = snapshot === undefined ? 'loading…' : `refreshed ${snapshot.at.toISOString().slice(11, 19)}Z`;
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold>tripline</Text>
        <Text> · account {snapshot?.account ?? '?'} · {snapshot?.region ?? '?'} · </Text>
        <Text bold inverse={isProduction(environment)} color={isProduction(environment) ? 'red' : 'green'}>
          {` ${environment.toUpperCase()} `}
        </Text>
        <Text>
          {' '}
          · {refreshing ? 'refreshing…' : at} · next {Math.round(nextDelayMs / 1000)}s
        </Text>
        {readOnly ? <Text color="yellow"> · READ-ONLY</Text> : null}
      </Box>
      <Box>
        {TABS.map((tab) => (
          <Text key={tab.view} inverse={tab.view === view || (tab.view === 'alarms' && view === 'runbook')}>
            {` ${tab.label} `}
          </Text>
        ))}
        <Text dimColor> ? help · q quit</Text>
      </Box>
    </Box>
  );
}
