import type { ConfigIssue } from './issues.js';

const RECEIVER_KEYS = new Set(['name', 'pagerduty', 'slack']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rules that span fields: receiver names unique and defined, a receiver
 * reaches someone, silence windows run forwards. They read the raw document
 * defensively, so they are reported together with schema problems elsewhere
 * in the file instead of after the user fixed those.
 */
export function crossCheck(raw: unknown): ConfigIssue[] {
  if (!isRecord(raw) || !isRecord(raw['paging'])) return [];
  const paging = raw['paging'];
  const issues: ConfigIssue[] = [];

  const receivers = paging['receivers'];
  const defined = new Map<string, number>();
  if (Array.isArray(receivers)) {
    receivers.forEach((receiver: unknown, index) => {
      if (!isRecord(receiver)) return;
      const path = ['paging', 'receivers', index];
      const name = receiver['name'];
      if (typeof name === 'string' && name !== '') {
        const first = defined.get(name);
        if (first === undefined) defined.set(name, index);
        else {
          issues.push({
            path: [...path, 'name'],
            message: `duplicate receiver name "${name}" (first defined at paging.receivers[${first}])`,
          });
        }
      }
      // A misspelt channel key is reported as an unknown key already; saying "neither" too would be noise.
      const onlyKnownKeys = Object.keys(receiver).every((k) => RECEIVER_KEYS.has(k));
      if (onlyKnownKeys && receiver['pagerduty'] === undefined && receiver['slack'] === undefined) {
        const label = typeof name === 'string' ? `receiver "${name}"` : 'receiver';
        issues.push({ path, message: `${label} has neither pagerduty nor slack; add at least one` });
      }
    });
    // With no receiver defined at all, "define at least one receiver" says it already.
    if (defined.size > 0) checkRouteReceivers(paging['route'], ['paging', 'route'], defined, issues);
  }

  const silences = paging['silences'];
  if (Array.isArray(silences)) {
    silences.forEach((silence: unknown, index) => {
      if (!isRecord(silence)) return;
      const { startsAt, endsAt } = silence;
      if (typeof startsAt !== 'string' || typeof endsAt !== 'string') return;
      const start = Date.parse(startsAt);
      const end = Date.parse(endsAt);
      if (Number.isNaN(start) || Number.isNaN(end)) return;
      if (end <= start) {
        issues.push({ path: ['paging', 'silences', index, 'endsAt'], message: `must be after startsAt (${startsAt})` });
      }
    });
  }
  return issues;
}

function checkRouteReceivers(
  node: unknown,
  path: readonly PropertyKey[],
  defined: ReadonlyMap<string, number>,
  issues: ConfigIssue[],
): void {
  if (!isRecord(node)) return;
  const receiver = node['receiver'];
  if (typeof receiver === 'string' && receiver !== '' && !defined.has(receiver)) {
    issues.push({ path: [...path, 'receiver'], message: `undefined receiver "${receiver}" used in route` });
  }
  const routes = node['routes'];
  if (Array.isArray(routes)) {
    routes.forEach((child: unknown, index) => checkRouteReceivers(child, [...path, 'routes', index], defined, issues));
  }
}

/**
 * Orders issues as their places appear in the document (top to bottom), so
 * schema and cross-field problems read in one pass through the file.
 */
export function inDocumentOrder(raw: unknown, issues: readonly ConfigIssue[]): ConfigIssue[] {
  const rank = (path: readonly PropertyKey[]): number[] => {
    const out: number[] = [];
    let node = raw;
    for (const key of path) {
      if (Array.isArray(node) && typeof key === 'number') {
        out.push(key);
        node = node[key];
      } else if (isRecord(node) && typeof key === 'string') {
        const index = Object.keys(node).indexOf(key);
        out.push(index === -1 ? Number.MAX_SAFE_INTEGER : index);
        node = node[key];
      } else {
        out.push(Number.MAX_SAFE_INTEGER);
        node = undefined;
      }
    }
    return out;
  };
  const ranked = issues.map((issue, order) => ({ issue, order, rank: rank(issue.path) }));
  ranked.sort((a, b) => {
    for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i++) {
      const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
      if (d !== 0) return d;
    }
    return a.rank.length - b.rank.length || a.order - b.order;
  });
  return ranked.map((r) => r.issue);
}
