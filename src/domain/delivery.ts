import type { AlarmTransition, Severity } from './alarm.js';

/**
 * What the router decided to do for one converged transition and one
 * receiver. Notifiers turn a Delivery into PagerDuty and Slack calls.
 */
export interface Delivery {
  /** Receiver name from the config (`default` when there is no config file). */
  readonly receiver: string;
  /** The transition to report: the delivered one, or the alarm's current state when that is newer. */
  readonly transition: AlarmTransition;
  readonly severity: Severity;
  readonly runbookUrl?: string;
  /** Stable per alarm, whichever payload shape delivered it. */
  readonly dedupKey: string;
  /** Link to the alarm in the CloudWatch console. */
  readonly consoleUrl: string;
  /** PagerDuty action, when the receiver has PagerDuty and the incident should change. */
  readonly pagerduty?: 'trigger' | 'resolve';
  /** Post to the receiver's Slack channel. */
  readonly slack: boolean;
  /** Config path of the route that produced it, e.g. `paging.route.routes[1]`. */
  readonly routePath: string;
  /** Why a page was held back, when it was (silence or inhibition). */
  readonly muted?: { readonly by: 'silence' | 'inhibition' | 'suppressed' | 'mute-rule'; readonly detail: string };
  /** What the router found out about the alarm for the responder (e.g. the top invalid reasons of a quality alarm). */
  readonly findings?: readonly Finding[];
}

/**
 * Something looked up when an alarm fires, shown with the page and the Slack
 * post: e.g. `{ label: 'Top invalid reasons', text: 'wrong_type 87 · missing_field 3 (…)', values: { wrong_type: 87, missing_field: 3 } }`.
 */
export interface Finding {
  readonly label: string;
  readonly text: string;
  readonly values?: Readonly<Record<string, number>>;
}

/** Looks up findings for an alarm going to ALARM; never throws (a page is never held up by it). */
export interface FindingsSource {
  findingsFor(transition: AlarmTransition): Promise<readonly Finding[]>;
}

export type NotifyChannel = 'pagerduty' | 'slack';

export interface NotifyOutcome {
  readonly channel: NotifyChannel;
  readonly receiver: string;
  readonly dedupKey: string;
  readonly status: 'sent' | 'skipped';
  readonly detail?: string;
  /** Attempts made, including the successful one. */
  readonly attempts: number;
}

/**
 * One channel's sender. Resolves with the outcome, rejects with a NotifyError
 * (whose `retryable` says whether a later invocation could succeed).
 */
export interface Notifier {
  readonly channel: NotifyChannel;
  notify(delivery: Delivery, options?: { signal?: AbortSignal }): Promise<NotifyOutcome>;
}
