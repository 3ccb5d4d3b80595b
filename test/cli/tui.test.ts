import { describe, expect, it } from 'vitest';
import { tripline } from '../support/cli.js';
import { parseRefresh } from '../../cli/commands/tui.js';
import { columnsFor, OVERVIEW_COLUMNS } from '../../cli/tui/views/Overview.js';

describe('tripline tui (outside a terminal)', () => {
  it('says it needs a terminal and what to use instead, exit 2', async () => {
    const run = await tripline(['tui']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('tripline tui needs a terminal');
    expect(run.stderr).toContain('tripline dlq list --json');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a refresh interval it cannot honour, exit 2', async () => {
    const run = await tripline(['tui', '--refresh', '0s']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--refresh "0s" is not a duration from 1s to 10m');
  });

  it.each([
    ['5s', 5000],
    ['1m', 60_000],
    ['2500ms', 2500],
    ['30', 30_000],
  ])('reads --refresh %s as %i ms', (text, ms) => {
    expect(parseRefresh(text)).toBe(ms);
  });

  it('shows collector and warehouse columns when the terminal is wide enough, and drops them on 100 columns', () => {
    const wide = columnsFor(160).map((c) => c.title);
    expect(wide).toEqual(OVERVIEW_COLUMNS.map((c) => c.title));
    expect(wide).toEqual(expect.arrayContaining(['REQ/MIN', '5XX', 'P99', 'LOADED']));
    const narrow = columnsFor(100);
    expect(narrow.map((c) => c.title)).not.toContain('REQ/MIN');
    expect(narrow.reduce((sum, c) => sum + c.width + 1, 1)).toBeLessThanOrEqual(100);
  });
});
