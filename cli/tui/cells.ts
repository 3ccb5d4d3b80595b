import type { Reading } from '../../src/domain/health.js';
import { formatCount, formatDuration, formatRate, sparkline } from '../../src/health/format.js';

export type Level = Reading['level'];

export interface Cell {
  readonly text: string;
  readonly level: Level;
}

export const NO_DATA = '—';

/** Ink colour per level: red is bad, yellow a warning, dim means no data. */
export function colorOf(level: Level): string | undefined {
  switch (level) {
    case 'bad':
      return 'red';
    case 'warn':
      return 'yellow';
    case 'ok':
      return 'green';
    default:
      return undefined;
  }
}

export function durationCell(r: Reading | undefined, spark = 0): Cell {
  if (r === undefined || r.value === undefined) return { text: NO_DATA, level: 'unknown' };
  const line = spark > 0 ? ` ${sparkline(r.history, spark)}` : '';
  return { text: `${formatDuration(r.value)}${line}`, level: r.level };
}

export function rateCell(r: Reading | undefined): Cell {
  if (r === undefined || r.value === undefined) return { text: NO_DATA, level: 'unknown' };
  return { text: formatRate(r.value), level: r.level };
}

export function countCell(r: Reading | undefined): Cell {
  if (r === undefined || r.value === undefined) return { text: NO_DATA, level: 'unknown' };
  return { text: formatCount(r.value), level: r.level };
}

/** Fit text into a column: cut with an ellipsis, pad to the width. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
  return text + ' '.repeat(width - chars.length);
}

/** Seconds since a date, as the console shows ages ("12m"). */
export function ageOf(date: Date | undefined, now: Date): string {
  if (date === undefined) return NO_DATA;
  return formatDuration(Math.max(0, (now.getTime() - date.getTime()) / 1000));
}
