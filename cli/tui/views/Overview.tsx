import { Box, Text } from 'ink';
import type { HealthSnapshot, PipelineHealth } from '../../../src/domain/health.js';
import { ageOf, colorOf, countCell, durationCell, fit, latencyCell, NO_DATA, rateCell, visibleWindow, type Cell } from '../cells.js';

interface Column {
  readonly title: string;
  readonly width: number;
  readonly cell: (p: PipelineHealth, now: Date) => Cell;
  /** Shown only when the terminal is wide enough (the detail pane shows it otherwise). */
  readonly wide?: boolean;
}

/** The overview's columns, as data: the table and its tests read the same list. */
export const OVERVIEW_COLUMNS: readonly Column[] = [
  { title: 'PIPELINE', width: 10, cell: (p) => ({ text: p.pipeline, level: 'unknown' }) },
  { title: 'LAG', width: 15, cell: (p) => durationCell(p.lagSeconds, 8) },
  {
    title: 'PROC ERR',
    width: 10,
    cell: (p) => {
      const rate = rateCell(p.processorErrorRate);
      const count = p.processorErrors.value;
      return count === undefined ? rate : { text: `${countCell(p.processorErrors).text} ${rate.text}`, level: rate.level };
    },
  },
  { title: 'FAILED', width: 7, cell: (p) => countCell(p.failedQueue.depth) },
  { title: 'DLQ', width: 7, cell: (p) => countCell(p.dlq.depth) },
  { title: 'DLQ AGE', width: 8, cell: (p) => durationCell(p.dlq.oldestAgeSeconds) },
  { title: 'FRESH', width: 7, cell: (p) => durationCell(p.freshnessSeconds) },
  { title: 'INVALID', width: 8, cell: (p) => rateCell(p.invalidRate) },
  { title: 'DUP', width: 7, cell: (p) => rateCell(p.duplicateRate) },
  { title: 'LATE', width: 7, cell: (p) => rateCell(p.lateRate) },
  { title: 'REQ/MIN', width: 8, cell: (p) => countCell(p.collector?.requestsPerMinute), wide: true },
  { title: '5XX', width: 7, cell: (p) => rateCell(p.collector?.errorRate5xx), wide: true },
  { title: 'P99', width: 8, cell: (p) => latencyCell(p.collector?.p99LatencyMs), wide: true },
  { title: 'LOADED', width: 8, cell: (p, now) => ({ text: ageOf(p.lastDeliveryAt, now), level: 'unknown' }), wide: true },
];

/** Columns that fit `width` terminal columns. */
export function columnsFor(width: number): readonly Column[] {
  const all = OVERVIEW_COLUMNS.reduce((sum, c) => sum + c.width + 1, 0);
  return all <= width ? OVERVIEW_COLUMNS : OVERVIEW_COLUMNS.filter((c) => c.wide !== true);
}

export interface OverviewProps {
  readonly snapshot?: HealthSnapshot;
  readonly rows: readonly PipelineHealth[];
  readonly selected: number;
  readonly width: number;
  /** Lines available for the table and the detail pane. */
  readonly room: number;
}

export function Overview({ snapshot, rows, selected, width, room }: OverviewProps) {
  if (snapshot === undefined) return <Text dimColor>Reading CloudWatch, SQS and alarms…</Text>;
  if (snapshot.pipelines.length === 0) {
    return <Text color="yellow">No pipelines configured: add a `pipelines:` section to tripline.config.yaml (see README, Configuration).</Text>;
  }
  const columns = columnsFor(width);
  const now = snapshot.at;
  const current = rows[selected];
  const shown = visibleWindow(rows, selected, room - 9);
  return (
    <Box flexDirection="column">
      <Text bold>{columns.map((c) => fit(c.title, c.width)).join(' ')}</Text>
      {shown.above > 0 ? <Text dimColor> ↑ {shown.above} more</Text> : null}
      {shown.rows.map((row, j) => {
        const i = j + shown.offset;
        return (
        <Box key={row.pipeline}>
          <Text inverse={i === selected}>{i === selected ? '›' : ' '}</Text>
          {columns.map((c, j) => {
            const cell = c.cell(row, now);
            const color = colorOf(cell.level);
            const text = fit(cell.text, j === 0 ? c.width - 1 : c.width);
            return (
              <Text key={c.title} {...(color !== undefined ? { color } : {})}>
                {text}{' '}
              </Text>
            );
          })}
        </Box>
        );
      })}
      {shown.below > 0 ? <Text dimColor> ↓ {shown.below} more</Text> : null}
      {rows.length === 0 ? <Text dimColor>No pipeline matches the filter.</Text> : null}
      {current !== undefined ? <Detail row={current} now={now} /> : null}
    </Box>
  );
}

function Detail({ row, now }: { readonly row: PipelineHealth; readonly now: Date }) {
  const dlq = row.dlq.stats;
  const failed = row.failedQueue.stats;
  const collector = row.collector;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>{row.pipeline}</Text>
      <Text>
        lag {durationCell(row.lagSeconds, 30).text} · throttles {countCell(row.throttles).text}
      </Text>
      <Text>
        failed queue {failed?.name ?? ''}: {failed === undefined ? NO_DATA : `${failed.visible} visible, ${failed.inFlight} in flight, ${failed.delayed} delayed`} · oldest{' '}
        {durationCell(row.failedQueue.oldestAgeSeconds).text}
      </Text>
      <Text>
        DLQ {dlq?.name ?? ''}: {dlq === undefined ? NO_DATA : `${dlq.visible} visible, ${dlq.inFlight} in flight, ${dlq.delayed} delayed`} · oldest{' '}
        {durationCell(row.dlq.oldestAgeSeconds).text} · Enter: DLQ view
      </Text>
      <Text>
        collector {collector === undefined ? 'not configured' : `${countCell(collector.requestsPerMinute).text} req/min, 5XX ${rateCell(collector.errorRate5xx).text}, p99 ${latencyCell(collector.p99LatencyMs).text}`} · warehouse freshness{' '}
        {durationCell(row.freshnessSeconds).text}, last delivery {ageOf(row.lastDeliveryAt, now)} ago
      </Text>
    </Box>
  );
}
