/**
 * Text helpers for Slack: mrkdwn escaping and truncation that respects both
 * the escapes and user-perceived characters.
 */

const ELLIPSIS = '…';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Escapes the three characters Slack treats as control characters in mrkdwn
 * (https://docs.slack.dev/messaging/formatting-message-text#escaping).
 *
 * @example escapeMrkdwn('p95 > 2s & <rising>') // 'p95 &gt; 2s &amp; &lt;rising&gt;'
 */
export function escapeMrkdwn(raw: string): string {
  return raw.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * `raw` escaped for mrkdwn, at most `max` UTF-16 units long, ending in `…`
 * when cut. The cut falls between graphemes of the raw text, so it never
 * splits a surrogate pair, an emoji sequence or an `&amp;`-style escape.
 */
export function mrkdwn(raw: string, max: number): string {
  return fit(raw, max, escapeMrkdwn);
}

/** `raw` unescaped (plain_text renders literally), cut like {@link mrkdwn}. */
export function plain(raw: string, max: number): string {
  return fit(raw, max, (s) => s);
}

/**
 * An inline code span of `raw`, escaped and cut to `max`. A backtick inside
 * would end the span early, so it becomes a look-alike modifier letter.
 */
export function code(raw: string, max: number): string {
  return `\`${mrkdwn(raw.replace(/`/g, 'ˋ'), Math.max(1, max - 2))}\``;
}

/**
 * Cuts text that is already mrkdwn (built from escaped pieces) to `max`.
 * Unlike {@link mrkdwn} it does not escape, but still never cuts inside an
 * `&…;` escape or a grapheme.
 */
export function cutMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  const budget = max - ELLIPSIS.length;
  let out = '';
  for (const unit of escapeAwareUnits(text)) {
    if (out.length + unit.length > budget) break;
    out += unit;
  }
  return out.trimEnd() + ELLIPSIS;
}

function fit(raw: string, max: number, encode: (s: string) => string): string {
  const whole = encode(raw);
  if (whole.length <= max) return whole;
  const budget = max - ELLIPSIS.length;
  let out = '';
  for (const { segment } of segmenter.segment(raw)) {
    const piece = encode(segment);
    if (out.length + piece.length > budget) break;
    out += piece;
  }
  return out.trimEnd() + ELLIPSIS;
}

/** Graphemes, with `&amp;`, `&lt;`, `&gt;` kept whole. */
function* escapeAwareUnits(text: string): Generator<string> {
  let pending = '';
  for (const { segment } of segmenter.segment(text)) {
    if (pending !== '') {
      pending += segment;
      if (segment === ';' || pending.length > 5) {
        yield pending;
        pending = '';
      }
      continue;
    }
    if (segment === '&') {
      pending = '&';
      continue;
    }
    yield segment;
  }
  if (pending !== '') yield pending;
}
