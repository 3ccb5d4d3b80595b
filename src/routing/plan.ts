import { isHttpUrl } from '../config/runbook-template.js';
import type { Paging } from '../config/paging.js';
import { SEVERITIES, type AlarmTransition, type Severity } from '../domain/alarm.js';
import { consoleUrlOf, dedupKeyOf } from '../domain/alarm-links.js';
import type { Delivery } from '../domain/delivery.js';
import type { AlarmLabels } from '../domain/labels.js';
import { inhibitingRule, type Inhibition } from './inhibit.js';
import { labelsOf } from './labels.js';
import { routeLabels, type RouteMatch } from './route.js';
import { renderRunbookUrl } from './runbook.js';
import { activeSilence } from './silence.js';
import { threadParentFor, type RoutedDelivery } from './thread-parent.js';

export interface PlanContext {
  readonly now: Date;
  /** Alarms in ALARM now (from CloudWatch); without them no inhibition applies. */
  readonly inhibitionSources?: readonly AlarmLabels[];
}

type Muted = NonNullable<Delivery['muted']>;

/**
 * Decides what to send for one (converged) transition: one Delivery per
 * receiver the route tree picks (when `continue` leads to the same receiver
 * twice, the first route wins, so nobody is paged or posted to twice).
 *
 * Severity: the route chain's `severity`, else the alarm's `severity` tag
 * when it is a valid severity, else `paging.defaults.severity`;
 * INSUFFICIENT_DATA paged under policy `page` is always `warning`.
 * Runbook: the route chain's template, else the alarm's `runbook` tag (an
 * http(s) URL, used as is), else the default template.
 *
 * By state:
 * - ALARM: PagerDuty `trigger` (receiver with pagerduty) and a Slack post
 *   (receiver with slack) — unless held back, in this order, by the
 *   composite alarm's action suppression (`muted.by: 'suppressed'`), a
 *   CloudWatch alarm mute rule whose window holds the change (`'mute-rule'`),
 *   an active silence (`'silence'`) or an inhibition rule (`'inhibition'`):
 *   then neither is sent.
 * - OK: PagerDuty `resolve`, always, even when silenced (an OK must never
 *   leave an incident open). Slack post, unless a silence is active, or the
 *   alarm comes from INSUFFICIENT_DATA under policy `ignore` (it was never
 *   announced, so its recovery is not news).
 * - INSUFFICIENT_DATA, by the route's `insufficientData` policy:
 *   `ignore` → PagerDuty `resolve`, no Slack; `notify` → PagerDuty
 *   `resolve` and a Slack post (held back by an active silence); `page` →
 *   as ALARM at severity `warning`.
 *
 * An ALARM held back by inhibition whose `composite` tag names the inhibiting
 * alarm (a shipped pipeline alarm while its composite pages) keeps `slack:
 * false` but carries `threadParent`: the Slack notifier replies in the
 * composite's thread (or posts plainly when it knows no thread). Never a page.
 */
export function plan(t: AlarmTransition, paging: Paging, ctx: PlanContext): RoutedDelivery[] {
  const labels = labelsOf(t);
  const seen = new Set<string>();
  const matches = routeLabels(labels, paging).filter((m) => {
    if (seen.has(m.receiver.name)) return false;
    seen.add(m.receiver.name);
    return true;
  });

  // Mutes do not depend on the receiver, so each is worked out at most once.
  let silence: Muted | null | undefined;
  const silenced = (): Muted | undefined => {
    if (silence === undefined) {
      const hit = activeSilence(t, paging.silences, ctx.now);
      silence = hit === undefined ? null : { by: 'silence', detail: silenceDetail(hit.path, hit.silence) };
    }
    return silence ?? undefined;
  };
  let inhibition: Muted | null | undefined;
  let inhibitedBy: Inhibition | undefined;
  const inhibited = (): Muted | undefined => {
    if (inhibition === undefined) {
      const hit = inhibitingRule(labels, paging.inhibitRules, ctx.inhibitionSources ?? []);
      inhibitedBy = hit;
      inhibition =
        hit === undefined
          ? null
          : {
              by: 'inhibition',
              detail: `inhibited by alarm ${hit.source.alarmName} in ALARM (${hit.path}, equal: ${hit.rule.equal.join(', ')})`,
            };
    }
    return inhibition ?? undefined;
  };
  const pageMute = (): Muted | undefined => suppressed(t) ?? muteRule(t) ?? silenced() ?? inhibited();

  return matches.map((m) => {
    const hasPagerDuty = m.receiver.pagerduty !== undefined;
    const hasSlack = m.receiver.slack !== undefined;
    const pagesNow = t.state === 'ALARM' || (t.state === 'INSUFFICIENT_DATA' && m.insufficientData === 'page');

    let pagerduty: Delivery['pagerduty'];
    let slack = false;
    let muted: Muted | undefined;
    if (pagesNow) {
      muted = pageMute();
      if (muted === undefined) {
        if (hasPagerDuty) pagerduty = 'trigger';
        slack = hasSlack;
      }
    } else {
      if (hasPagerDuty) pagerduty = 'resolve';
      const announce =
        t.state === 'OK'
          ? !(t.previousState === 'INSUFFICIENT_DATA' && m.insufficientData === 'ignore')
          : m.insufficientData === 'notify';
      if (hasSlack && announce) {
        muted = silenced();
        slack = muted === undefined;
      }
    }

    const runbookUrl = runbookOf(t, paging, m);
    // One outage, one page: a held-back child of the paging composite still reports, in the composite's Slack thread.
    const threadParent = muted?.by === 'inhibition' && hasSlack ? threadParentFor(t, inhibitedBy, paging) : undefined;
    return {
      receiver: m.receiver.name,
      transition: t,
      severity: severityOf(t, paging, m, pagesNow),
      ...(runbookUrl !== undefined ? { runbookUrl } : {}),
      dedupKey: dedupKeyOf(t),
      consoleUrl: consoleUrlOf(t),
      ...(pagerduty !== undefined ? { pagerduty } : {}),
      slack,
      routePath: m.path,
      ...(muted !== undefined ? { muted } : {}),
      ...(threadParent !== undefined ? { threadParent } : {}),
    };
  });
}

function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

function severityOf(t: AlarmTransition, paging: Paging, m: RouteMatch, pagesNow: boolean): Severity {
  if (pagesNow && t.state === 'INSUFFICIENT_DATA') return 'warning';
  if (m.severity !== undefined) return m.severity;
  const tag = t.tags['severity']?.trim().toLowerCase();
  if (tag !== undefined && isSeverity(tag)) return tag;
  return paging.defaults.severity;
}

function runbookOf(t: AlarmTransition, paging: Paging, m: RouteMatch): string | undefined {
  if (m.runbookUrl !== undefined) return renderRunbookUrl(m.runbookUrl, t);
  const tag = t.tags['runbook']?.trim();
  if (tag !== undefined && isHttpUrl(tag)) return tag;
  if (paging.defaults.runbookUrl !== undefined) return renderRunbookUrl(paging.defaults.runbookUrl, t);
  return undefined;
}

/**
 * A CloudWatch alarm mute rule whose window holds the state change mutes
 * the page, as it mutes the alarm's own actions. A window that does not
 * hold it (or cannot be read) leaves the page alone: better one page too many.
 */
function muteRule(t: AlarmTransition): Muted | undefined {
  if (t.mute === undefined) return undefined;
  const at = Date.parse(t.stateTimestamp);
  const start = t.mute.windowStart === undefined ? Number.NEGATIVE_INFINITY : Date.parse(t.mute.windowStart);
  const end = t.mute.windowEnd === undefined ? Number.POSITIVE_INFINITY : Date.parse(t.mute.windowEnd);
  if (Number.isNaN(at) || Number.isNaN(start) || Number.isNaN(end) || at < start || at > end) return undefined;
  const window = t.mute.windowStart !== undefined || t.mute.windowEnd !== undefined ? ` (${t.mute.windowStart ?? '…'} – ${t.mute.windowEnd ?? '…'})` : '';
  return { by: 'mute-rule', detail: `muted by CloudWatch alarm mute rule ${t.mute.ruleArn}${window}` };
}

function suppressed(t: AlarmTransition): Muted | undefined {
  if (t.actionsSuppressedBy === undefined) return undefined;
  const reason = t.actionsSuppressedReason?.trim();
  return {
    by: 'suppressed',
    detail: reason !== undefined && reason !== '' ? reason : `actions suppressed by ${t.actionsSuppressedBy}`,
  };
}

function silenceDetail(path: string, s: { endsAt: string; createdBy: string; comment: string }): string {
  return `silenced until ${s.endsAt} by ${s.createdBy}: ${s.comment} (${path})`;
}
