import type { Reading } from '../../src/domain/health.js';
import { formatCount, formatDuration, formatRate, NO_DATA, sparkline } from '../../src/health/format.js';

export type Level = Reading['level'];

export interface Cell {
  readonly text: string;
  readonly level: Level;
}

export { NO_DATA };

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

/** A reading as a cell: no data is NO_DATA at level unknown, whatever the format. */
function cellOf(r: Reading | undefined, format: (value: number) => string): Cell {
  if (r === undefined || r.value === undefined) return { text: NO_DATA, level: 'unknown' };
  return { text: format(r.value), level: r.level };
}

export function durationCell(r: Reading | undefined, spark = 0): Cell {
  return cellOf(r, (v) => (spark > 0 ? `${formatDuration(v)} ${sparkline(r?.history, spark)}` : formatDuration(v)));
}

export function rateCell(r: Reading | undefined): Cell {
  return cellOf(r, formatRate);
}

export function countCell(r: Reading | undefined): Cell {
  return cellOf(r, formatCount);
}

/** Milliseconds, whole: `180ms`. */
export function latencyCell(r: Reading | undefined): Cell {
  return cellOf(r, (v) => `${Math.round(v)}ms`);
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

/**
 * The rows that fit `room` lines, scrolled so the selected row is visible,
 * with how many are hidden above and below (shown as "↑ N more").
 */
export function visibleWindow<T>(rows: readonly T[], selected: number, room: number): { readonly rows: readonly T[]; readonly offset: number; readonly above: number; readonly below: number } {
  const size = Math.max(1, room);
  if (rows.length <= size) return { rows, offset: 0, above: 0, below: 0 };
  const offset = Math.min(Math.max(0, selected - Math.floor(size / 2)), rows.length - size);
  return { rows: rows.slice(offset, offset + size), offset, above: offset, below: rows.length - offset - size };
}
