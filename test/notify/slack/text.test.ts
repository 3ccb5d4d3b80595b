import { describe, expect, it } from 'vitest';
import { code, cutMrkdwn, escapeMrkdwn, mrkdwn, plain } from '../../../src/notify/slack/text.js';
import { LONE_SURROGATE } from './factories.js';

describe('escapeMrkdwn', () => {
  it('escapes exactly &, < and >', () => {
    expect(escapeMrkdwn('a & b < c > d * _ ~ `')).toBe('a &amp; b &lt; c &gt; d * _ ~ `');
  });
});

describe('mrkdwn (escape, then cut)', () => {
  it.each([
    { name: 'short text is escaped whole', raw: 'p95 > 2s', max: 20, out: 'p95 &gt; 2s' },
    { name: 'cut ends with an ellipsis within max', raw: 'abcdefghij', max: 5, out: 'abcd…' },
    { name: 'never splits a surrogate pair', raw: 'ab🔥🔥🔥', max: 5, out: 'ab🔥…' },
    { name: 'never splits a ZWJ emoji sequence', raw: 'a👩‍👩‍👧‍👦b', max: 6, out: 'a…' },
    { name: 'never splits an escape', raw: 'ab&cd', max: 6, out: 'ab…' },
    { name: 'keeps an escape that fits', raw: 'ab&cd', max: 8, out: 'ab&amp;…' },
    { name: 'counts the escaped length', raw: '<<<<', max: 10, out: '&lt;&lt;…' },
  ])('$name', ({ raw, max, out }) => {
    const result = mrkdwn(raw, max);

    expect(result).toBe(out);
    expect(result.length).toBeLessThanOrEqual(max);
    expect(result).not.toMatch(LONE_SURROGATE);
  });
});

describe('plain (cut only)', () => {
  it('leaves control characters alone and cuts between graphemes', () => {
    expect(plain('a<b&c>', 10)).toBe('a<b&c>');
    expect(plain('🔥🔥🔥', 4)).toBe('🔥…');
    expect(plain('🔥🔥🔥', 4)).not.toMatch(LONE_SURROGATE);
  });
});

describe('cutMrkdwn (already escaped text)', () => {
  it('does not cut inside an escape or a surrogate pair', () => {
    expect(cutMrkdwn('ab&amp;cd', 6)).toBe('ab…');
    expect(cutMrkdwn('ab&lt;&gt;', 8)).toBe('ab&lt;…');
    expect(cutMrkdwn('a🔥🔥', 4)).toBe('a🔥…');
  });

  it('leaves text within the limit untouched', () => {
    expect(cutMrkdwn('a &amp; b', 9)).toBe('a &amp; b');
  });
});

describe('code', () => {
  it('wraps in backticks, escapes, and keeps backticks from ending the span', () => {
    expect(code('a`b<c', 20)).toBe('`aˋb&lt;c`');
    expect(code('x'.repeat(50), 10)).toBe('`xxxxxxx…`');
  });
});
