/**
 * Runbook URL templates: `https://runbooks.example.com/{alarmName}`.
 *
 * - `{alarmName}`: the alarm name, each `/`-separated part URL-encoded, the
 *   slashes kept (so a name can map onto a path);
 * - `{alarmNameEncoded}`: the whole name URL-encoded, slashes included (for a
 *   query string);
 * - `{accountId}`, `{region}`, `{state}` (`ALARM`, `OK`, `INSUFFICIENT_DATA`);
 * - `{tags.<key>}`: the alarm's tag, URL-encoded; empty when the alarm lacks it.
 */
export const RUNBOOK_PLACEHOLDERS = ['alarmName', 'alarmNameEncoded', 'accountId', 'region', 'state'] as const;
export type RunbookPlaceholder = (typeof RUNBOOK_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;
const TAG_PREFIX = 'tags.';

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'field'; readonly name: RunbookPlaceholder }
  | { readonly kind: 'tag'; readonly key: string };

function isRunbookPlaceholder(name: string): name is RunbookPlaceholder {
  return (RUNBOOK_PLACEHOLDERS as readonly string[]).includes(name);
}

/**
 * Splits a template into literal text and placeholders. An unknown
 * placeholder is returned as `{ kind: 'unknown' }` so validation can name it.
 */
export function parseRunbookTemplate(template: string): Array<TemplatePart | { kind: 'unknown'; raw: string }> {
  const parts: Array<TemplatePart | { kind: 'unknown'; raw: string }> = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    const at = m.index;
    if (at > last) parts.push({ kind: 'text', text: template.slice(last, at) });
    if (isRunbookPlaceholder(name)) parts.push({ kind: 'field', name });
    else if (name.startsWith(TAG_PREFIX) && name.length > TAG_PREFIX.length)
      parts.push({ kind: 'tag', key: name.slice(TAG_PREFIX.length) });
    else parts.push({ kind: 'unknown', raw: m[0] });
    last = at + m[0].length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}

const KNOWN = `${RUNBOOK_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')} or {tags.<key>}`;

/** Problems with a runbook URL template (empty when it is usable). */
export function runbookTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  const parts = parseRunbookTemplate(template);
  for (const part of parts) {
    if (part.kind === 'unknown') problems.push(`unknown placeholder ${part.raw}; use ${KNOWN}`);
  }
  // Placeholders become plain letters so the URL check sees the template's shape.
  const sample = parts.map((p) => (p.kind === 'text' ? p.text : 'x')).join('');
  if (!isHttpUrl(sample)) {
    problems.push(`must be an absolute http(s) URL, e.g. "https://runbooks.example.com/{alarmName}"`);
  }
  return problems;
}

/** True for an absolute `http:` or `https:` URL. */
export function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'https:' || protocol === 'http:';
}
