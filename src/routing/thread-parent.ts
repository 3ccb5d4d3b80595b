import type { Paging } from '../config/paging.js';
import type { AlarmTransition } from '../domain/alarm.js';
import { dedupKeyOf } from '../domain/alarm-links.js';
import type { Delivery } from '../domain/delivery.js';
import { COMPOSITE_TAG } from '../pipeline-alarms/types.js';
import type { Inhibition } from './inhibit.js';
import { routeLabels } from './route.js';

/**
 * The alarm whose Slack thread an inhibited child reports in: its composite,
 * already in ALARM and paging. One outage, one page: the child adds a reply
 * to that thread instead of a page or a post of its own.
 */
export interface ThreadParent {
  readonly alarmName: string;
  /** The parent's dedup key: its Slack thread is stored under it. */
  readonly dedupKey: string;
  /** Receivers the parent routes to: their Slack channels hold its thread. */
  readonly receivers: readonly string[];
}

/** A Delivery as `plan` makes it: an inhibited child of a composite also names its thread parent. */
export type RoutedDelivery = Delivery & { readonly threadParent?: ThreadParent };

/**
 * The thread parent of an ALARM held back by inhibition, when the inhibiting
 * alarm is the one the target's `composite` tag names (the shipped pipeline
 * alarms carry it). Other inhibitions stay silent, as they always were.
 */
export function threadParentFor(t: AlarmTransition, hit: Inhibition | undefined, paging: Paging): ThreadParent | undefined {
  if (hit === undefined) return undefined;
  const parent = t.tags[COMPOSITE_TAG];
  if (parent === undefined || parent !== hit.source.alarmName) return undefined;
  const receivers = [...new Set(routeLabels(hit.source, paging).map((m) => m.receiver.name))];
  return {
    alarmName: parent,
    dedupKey: dedupKeyOf({ accountId: hit.source.account, region: hit.source.region, alarmName: parent }),
    receivers,
  };
}

/** The thread parent a delivery carries, if any (notifiers receive plain Deliveries). */
export function threadParentOf(delivery: Delivery): ThreadParent | undefined {
  if (!('threadParent' in delivery)) return undefined;
  const value: unknown = delivery.threadParent;
  if (typeof value !== 'object' || value === null) return undefined;
  const alarmName = 'alarmName' in value ? value.alarmName : undefined;
  const dedupKey = 'dedupKey' in value ? value.dedupKey : undefined;
  const receivers = 'receivers' in value ? value.receivers : undefined;
  if (typeof alarmName !== 'string' || typeof dedupKey !== 'string' || !Array.isArray(receivers)) return undefined;
  return { alarmName, dedupKey, receivers: receivers.filter((r): r is string => typeof r === 'string') };
}
