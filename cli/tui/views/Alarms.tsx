import { Box, Text } from 'ink';
import type { AlarmStatus } from '../../../src/domain/health.js';
import { ageOf, fit, visibleWindow } from '../cells.js';

export interface AlarmsProps {
  readonly rows: readonly AlarmStatus[];
  readonly selected: number;
  readonly width: number;
  readonly now: Date;
  readonly loaded: boolean;
  /** Lines available for rows. */
  readonly room: number;
}

const STATE_COLOR: Record<AlarmStatus['state'], string> = { ALARM: 'red', OK: 'green', INSUFFICIENT_DATA: 'yellow' };

/** ALARM first, then INSUFFICIENT_DATA, then OK; newest change first within a state. */
export function sortAlarms(alarms: readonly AlarmStatus[]): AlarmStatus[] {
  const rank = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 } as const;
  return [...alarms].sort((a, b) => rank[a.state] - rank[b.state] || b.since.getTime() - a.since.getTime() || a.name.localeCompare(b.name));
}

export function Alarms({ rows, selected, width, now, loaded, room }: AlarmsProps) {
  if (!loaded) return <Text dimColor>Reading alarms…</Text>;
  const nameWidth = Math.min(44, Math.max(20, Math.floor(width * 0.4)));
  const reasonWidth = Math.max(10, width - nameWidth - 17 - 8 - 5);
  const shown = visibleWindow(rows, selected, room - 4);
  return (
    <Box flexDirection="column">
      <Text bold>
        {' '}
        {fit('STATE', 17)} {fit('ALARM', nameWidth)} {fit('SINCE', 8)} REASON
      </Text>
      {shown.above > 0 ? <Text dimColor> ↑ {shown.above} more</Text> : null}
      {shown.rows.map((alarm, j) => {
        const i = j + shown.offset;
        return (
        <Box key={alarm.arn}>
          <Text inverse={i === selected}>{i === selected ? '›' : ' '}</Text>
          <Text color={STATE_COLOR[alarm.state]}>{fit(alarm.state, 17)} </Text>
          <Text>
            {fit(`${alarm.kind === 'composite' ? '◆ ' : ''}${alarm.name}`, nameWidth)} {fit(ageOf(alarm.since, now), 8)} {fit(alarm.reason.replace(/\s+/g, ' '), reasonWidth)}
          </Text>
        </Box>
        );
      })}
      {shown.below > 0 ? <Text dimColor> ↓ {shown.below} more</Text> : null}
      {rows.length === 0 ? <Text dimColor>No alarms with the pipelines' prefixes (or none match the filter).</Text> : null}
      <Text dimColor>Enter: the alarm's runbook · ◆ composite (the one that pages)</Text>
    </Box>
  );
}
