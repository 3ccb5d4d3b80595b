import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatRate, NO_DATA, sparkline } from '../../src/health/format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [59.4, '59s'],
    [59.6, '1m'],
    [60, '1m'],
    [12 * 60 + 59, '12m'],
    [3 * 3600 + 5 * 60, '3h05m'],
    [23 * 3600 + 59 * 60 + 59, '23h59m'],
    [2 * 86400 + 4 * 3600, '2d04h'],
    [-5, '0s'],
    [undefined, NO_DATA],
    [Number.NaN, NO_DATA],
  ])('%s s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('formatRate', () => {
  it.each([
    [0.0123, '1.23%'],
    [0, '0%'],
    [0.00004, '<0.01%'],
    [0.0005, '0.05%'],
    [0.09999, '10.0%'],
    [0.123, '12.3%'],
    [1, '100%'],
    [undefined, NO_DATA],
  ])('%s → %s', (rate, text) => {
    expect(formatRate(rate)).toBe(text);
  });
});

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [950, '950'],
    [999.6, '1k'],
    [1000, '1k'],
    [1234, '1.23k'],
    [12345, '12.3k'],
    [123456, '123k'],
    [999_950, '1M'],
    [4_500_000, '4.5M'],
    [7.2e9, '7.2G'],
    [-1500, '-1.5k'],
    [undefined, NO_DATA],
  ])('%s → %s', (count, text) => {
    expect(formatCount(count)).toBe(text);
  });
});

describe('sparkline', () => {
  it.each([
    [[0, 1, 2, 4, 8], 5, '▁▂▃▅█'],
    [[0, 0, 0], 3, '▁▁▁'],
    [[5, 5], 2, '██'],
    [[1, undefined, 7], 3, '▂ █'],
    [[3, 7], 5, '   ▄█'],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4, '▆▇▇█'],
    [[], 4, '    '],
    [undefined, 3, '   '],
    [[undefined, Number.NaN], 2, '  '],
    [[1, 2], 0, ''],
  ])('%j in %i columns → "%s"', (values, width, text) => {
    expect(sparkline(values, width)).toBe(text);
  });

  it('is 30 columns by default', () => {
    expect(sparkline([1])).toHaveLength(30);
  });
});
