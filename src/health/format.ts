/*
 * Number formatting shared by the console and runbook output. Pure; every
 * function accepts `undefined` (no data) and answers with NO_DATA.
 */

/** What a cell shows when CloudWatch has no datapoint. */
export const NO_DATA = '–';

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

function known(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}

/**
 * A duration, at most two units: `45s`, `12m`, `3h05m`, `2d04h`.
 * Below a minute rounds to the second, above it truncates (12m59s is `12m`).
 */
export function formatDuration(seconds: number | undefined): string {
  if (!known(seconds)) return NO_DATA;
  // Seconds round (59.6 s is 1m, not 0m); longer durations truncate.
  const s = seconds < 60 ? Math.round(Math.max(0, seconds)) : seconds;
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/**
 * A 0–1 rate as a percentage: `1.23%`, `12.3%`, `100%`, `0%`.
 * Two decimals below 10 %, one below 100 %, none above; a rate too small for
 * two decimals but not zero shows as `<0.01%`.
 */
export function formatRate(rate: number | undefined): string {
  if (!known(rate)) return NO_DATA;
  const percent = rate * 100;
  if (percent === 0) return '0%';
  if (percent > 0 && percent < 0.005) return '<0.01%';
  const abs = Math.abs(percent);
  const decimals = abs < 9.995 ? 2 : abs < 99.95 ? 1 : 0;
  return `${percent.toFixed(decimals)}%`;
}

const COUNT_UNITS = [
  { size: 1e12, suffix: 'T' },
  { size: 1e9, suffix: 'G' },
  { size: 1e6, suffix: 'M' },
  { size: 1e3, suffix: 'k' },
] as const;

/**
 * A count in at most three significant digits: `950`, `1.2k`, `12.3k`, `123k`, `4.5M`.
 * Below 1,000 rounds to a whole number.
 */
export function formatCount(count: number | undefined): string {
  if (!known(count)) return NO_DATA;
  const sign = count < 0 ? '-' : '';
  const abs = Math.abs(count);
  if (Math.round(abs) < 1000) return `${sign}${Math.round(abs)}`;
  // Round first, then pick the unit: 999,950 is 1M, not 1000k.
  const rounded = Number(abs.toPrecision(3));
  const unit = COUNT_UNITS.find((u) => rounded >= u.size) ?? COUNT_UNITS[COUNT_UNITS.length - 1];
  if (unit === undefined) return `${sign}${Math.round(abs)}`;
  const scaled = Number((rounded / unit.size).toPrecision(3));
  return `${sign}${scaled}${unit.suffix}`;
}

/**
 * A sparkline of the last `width` values, exactly `width` characters wide
 * (left-padded with spaces when there are fewer values). Bars are scaled from
 * 0 (or the lowest value, when negative) to the highest; a missing value is a
 * space; no values at all is all spaces.
 *
 * @example
 * sparkline([0, 1, 2, 4, 8], 5); // '▁▂▃▅█'
 */
export function sparkline(values: readonly (number | undefined)[] | undefined, width = 30): string {
  const w = Math.max(0, Math.floor(width));
  if (w === 0) return '';
  const recent = (values ?? []).slice(-w);
  const numbers = recent.filter(known);
  if (numbers.length === 0) return ' '.repeat(w);
  const low = Math.min(0, ...numbers);
  const high = Math.max(...numbers);
  const span = high - low;
  const bars = recent.map((v) => {
    if (!known(v)) return ' ';
    if (span === 0) return BARS[0];
    const index = Math.round(((v - low) / span) * (BARS.length - 1));
    return BARS[index] ?? BARS[0];
  });
  return ' '.repeat(w - bars.length) + bars.join('');
}
