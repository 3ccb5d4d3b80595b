import { describe, expect, it } from 'vitest';
import { parseIsoTimestamp } from '../../../src/quality/check/index.js';

describe('parseIsoTimestamp', () => {
  it.each([
    ['2026-11-22T10:00:00.000Z', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T10:00:00Z', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T10:00:00.1Z', Date.UTC(2026, 10, 22, 10, 0, 0, 100)],
    ['2026-11-22T10:00:00.12Z', Date.UTC(2026, 10, 22, 10, 0, 0, 120)],
    ['2026-11-22T10:00:00.123456789Z', Date.UTC(2026, 10, 22, 10, 0, 0, 123)],
    ['2026-11-22T11:30:00+01:30', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T00:00:00-10:00', Date.UTC(2026, 10, 22, 10)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['1969-12-31T23:59:59.999Z', -1],
  ])('%s', (text, ms) => {
    expect(parseIsoTimestamp(text)).toBe(ms);
  });

  it.each([
    '',
    'yesterday',
    '1795341600000',
    '2026-11-22',
    '2026-11-22T10:00:00', // no offset: ambiguous
    '2026-11-22 10:00:00Z',
    '2026-11-22t10:00:00z',
    '2026-11-22T10:00:00+0100',
    '2026-11-22T10:00:00.Z',
    '2026-11-22T10:00:00Z ',
    '2026-13-01T10:00:00Z',
    '2026-00-01T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2023-02-29T10:00:00Z',
    '1900-02-29T10:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T10:60:00Z',
    '2026-11-22T23:59:60Z',
    '2026-11-22T10:00:00+24:00',
    '+02026-11-22T10:00:00Z',
    '2026-1l-22T10:00:00Z',
    'Sun Nov 22 2026 10:00:00 GMT+0000 (Coordinated Universal Time)',
  ])('rejects %j', (text) => {
    expect(parseIsoTimestamp(text)).toBeNaN();
  });

  it('agrees with Date.parse on 20,000 RFC 3339 strings across four centuries and offsets', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor((random() * 4 - 2) * 3.2e12);
      const offset = Math.floor(random() * 48 - 24) * 30;
      const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
      const abs = Math.abs(offset);
      const text = `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      if (parseIsoTimestamp(text) !== ms || Date.parse(text) !== ms) mismatches.push(text);
    }
    expect(mismatches).toEqual([]);
  });
});
