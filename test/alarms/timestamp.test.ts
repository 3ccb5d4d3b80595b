import { describe, expect, it } from 'vitest';
import { normalizeTimestamp } from '../../src/alarms/index.js';

describe('normalizeTimestamp', () => {
  it.each([
    ['2019-10-02T17:04:40.985+0000', '2019-10-02T17:04:40.985Z'],
    ['2019-10-02T17:04:40.985+00:00', '2019-10-02T17:04:40.985Z'],
    ['2019-10-02T17:04:40.985Z', '2019-10-02T17:04:40.985Z'],
    ['2019-10-02T17:04:40Z', '2019-10-02T17:04:40.000Z'],
    ['2019-10-02T17:04:40.9+0000', '2019-10-02T17:04:40.900Z'],
    ['2019-10-02T17:04:40.985999+0000', '2019-10-02T17:04:40.985Z'],
    ['2019-10-02T22:34:40.985+0530', '2019-10-02T17:04:40.985Z'],
    ['2019-10-02T12:04:40.985-0500', '2019-10-02T17:04:40.985Z'],
    ['2019-12-31T23:59:59.999+0000', '2019-12-31T23:59:59.999Z'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it('is exact to the millisecond for the +0000 form CloudWatch sends', () => {
    const iso = normalizeTimestamp('2023-08-04T12:36:15.490+0000');

    expect(iso).toBeDefined();
    expect(Date.parse(iso ?? '')).toBe(Date.UTC(2023, 7, 4, 12, 36, 15, 490));
  });

  it.each(['yesterday', '', '2019-10-02', '2019-13-45T25:61:00Z', '02/10/19 16:59:00'])('rejects %j', (input) => {
    expect(normalizeTimestamp(input)).toBeUndefined();
  });
});
