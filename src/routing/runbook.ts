import { parseRunbookTemplate } from '../config/runbook-template.js';
import type { AlarmTransition } from '../domain/alarm.js';

/**
 * Fills a runbook URL template (validated when the config was parsed).
 * Values are URL-encoded: `{alarmName}` part by part, keeping its `/`s, so a
 * name can map onto a path; `{alarmNameEncoded}` as a whole; `{tags.<key>}`
 * is empty when the alarm lacks the tag.
 *
 * @example renderRunbookUrl('https://runbooks.example.com/{alarmName}?acct={accountId}', t)
 * // 'https://runbooks.example.com/tripline-web-dlq?acct=123456789012'
 */
export function renderRunbookUrl(template: string, t: AlarmTransition): string {
  return parseRunbookTemplate(template)
    .map((part) => {
      switch (part.kind) {
        case 'text':
          return part.text;
        case 'tag':
          return encodeURIComponent(t.tags[part.key] ?? '');
        case 'unknown':
          return part.raw;
        case 'field':
          switch (part.name) {
            case 'alarmName':
              return t.alarmName.split('/').map(encodeURIComponent).join('/');
            case 'alarmNameEncoded':
              return encodeURIComponent(t.alarmName);
            case 'accountId':
              return encodeURIComponent(t.accountId);
            case 'region':
              return encodeURIComponent(t.region);
            case 'state':
              return t.state;
          }
      }
    })
    .join('');
}
