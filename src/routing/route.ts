import type { InsufficientDataPolicy, Paging, ReceiverConfig, RouteConfig } from '../config/paging.js';
import type { AlarmTransition, Severity } from '../domain/alarm.js';
import type { AlarmLabels } from '../domain/labels.js';
import { ConfigError } from '../errors.js';
import { labelsOf } from './labels.js';
import { matches } from './match.js';

/** One receiver an alarm goes to, with the settings the route chain gave it. */
export interface RouteMatch {
  readonly receiver: ReceiverConfig;
  /** Only when a route in the chain set one. */
  readonly severity?: Severity;
  /** The template, only when a route in the chain set one. */
  readonly runbookUrl?: string;
  readonly insufficientData: InsufficientDataPolicy;
  /** Config path of the matching route, e.g. `paging.route.routes[1]`. */
  readonly path: string;
}

interface Inherited {
  readonly receiver: string;
  readonly severity?: Severity;
  readonly runbookUrl?: string;
  readonly insufficientData: InsufficientDataPolicy;
}

/**
 * Walks the route tree as Alertmanager does. The root always matches.
 * Children are tried in order; a matching child is descended into, and the
 * walk stops at the first matching child unless that child has
 * `continue: true`. A route none of whose children match is itself a
 * match. Children inherit receiver, severity, runbookUrl and
 * insufficientData from their ancestors.
 *
 * @returns at least one match (the root when nothing else matches).
 * @throws ConfigError if a route names an undefined receiver (validation prevents it).
 */
export function route(t: AlarmTransition, paging: Paging): RouteMatch[] {
  return routeLabels(labelsOf(t), paging);
}

/** `route` for labels already at hand (e.g. to try a matcher without a transition). */
export function routeLabels(labels: AlarmLabels, paging: Paging): RouteMatch[] {
  const receivers = new Map(paging.receivers.map((r) => [r.name, r]));
  const root = paging.route;
  const inherited: Inherited = {
    receiver: root.receiver,
    ...(root.severity !== undefined ? { severity: root.severity } : {}),
    ...(root.runbookUrl !== undefined ? { runbookUrl: root.runbookUrl } : {}),
    insufficientData: root.insufficientData ?? paging.defaults.insufficientData,
  };
  const found = walkChildren(root.routes ?? [], 'paging.route', inherited, labels);
  const chains = found.length > 0 ? found : [{ settings: inherited, path: 'paging.route' }];
  return chains.map(({ settings, path }) => {
    const receiver = receivers.get(settings.receiver);
    if (receiver === undefined) {
      throw new ConfigError(`${path}.receiver: undefined receiver "${settings.receiver}" used in route`);
    }
    return {
      receiver,
      ...(settings.severity !== undefined ? { severity: settings.severity } : {}),
      ...(settings.runbookUrl !== undefined ? { runbookUrl: settings.runbookUrl } : {}),
      insufficientData: settings.insufficientData,
      path,
    };
  });
}

interface Found {
  readonly settings: Inherited;
  readonly path: string;
}

function walkChildren(children: readonly RouteConfig[], parentPath: string, parent: Inherited, labels: AlarmLabels): Found[] {
  const all: Found[] = [];
  for (const [index, child] of children.entries()) {
    if (child.match !== undefined && !matches(child.match, labels)) continue;
    const path = `${parentPath}.routes[${index}]`;
    const settings = inherit(parent, child);
    const below = walkChildren(child.routes ?? [], path, settings, labels);
    all.push(...(below.length > 0 ? below : [{ settings, path }]));
    if (child.continue !== true) break;
  }
  return all;
}

function inherit(parent: Inherited, child: RouteConfig): Inherited {
  const severity = child.severity ?? parent.severity;
  const runbookUrl = child.runbookUrl ?? parent.runbookUrl;
  return {
    receiver: child.receiver ?? parent.receiver,
    ...(severity !== undefined ? { severity } : {}),
    ...(runbookUrl !== undefined ? { runbookUrl } : {}),
    insufficientData: child.insufficientData ?? parent.insufficientData,
  };
}
