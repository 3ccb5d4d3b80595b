import { Box, Text } from 'ink';
import type { Incident } from '../../../src/domain/health.js';
import { ageOf, fit, visibleWindow } from '../cells.js';

export interface IncidentsProps {
  readonly rows: readonly Incident[];
  readonly selected: number;
  readonly width: number;
  readonly now: Date;
  readonly loaded: boolean;
  readonly configured: boolean;
  /** Lines available for rows. */
  readonly room: number;
}

export function Incidents({ rows, selected, width, now, loaded, configured, room }: IncidentsProps) {
  if (!configured) {
    return <Text dimColor>Open incidents need a PagerDuty API token: set console.pagerdutyApiToken in tripline.config.yaml.</Text>;
  }
  if (!loaded) return <Text dimColor>Reading incidents…</Text>;
  const titleWidth = Math.max(20, width - 14 - 8 - 6 - 4);
  const shown = visibleWindow(rows, selected, room - 3);
  return (
    <Box flexDirection="column">
      <Text bold>
        {' '}
        {fit('STATUS', 14)} {fit('AGE', 8)} {fit('URG', 6)} TITLE
      </Text>
      {shown.above > 0 ? <Text dimColor> ↑ {shown.above} more</Text> : null}
      {shown.rows.map((incident, j) => {
        const i = j + shown.offset;
        return (
        <Box key={incident.id}>
          <Text inverse={i === selected}>{i === selected ? '›' : ' '}</Text>
          <Text color={incident.status === 'triggered' ? 'red' : 'yellow'}>{fit(incident.status, 14)} </Text>
          <Text>
            {fit(ageOf(incident.createdAt, now), 8)} {fit(incident.urgency ?? '', 6)} {fit(incident.title, titleWidth)}
          </Text>
        </Box>
        );
      })}
      {shown.below > 0 ? <Text dimColor> ↓ {shown.below} more</Text> : null}
      {rows.length === 0 ? <Text color="green">No open incidents.</Text> : null}
    </Box>
  );
}
