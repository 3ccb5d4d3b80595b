import { isBuiltinLabel, type InhibitRule, type Paging } from '../config/paging.js';
import type { AlarmLabels } from '../domain/labels.js';
import { matches } from './match.js';

export interface Inhibition {
  readonly rule: InhibitRule;
  /** Config path, e.g. `paging.inhibitRules[0]`. */
  readonly path: string;
  /** The alarm in ALARM that holds the page back. */
  readonly source: AlarmLabels;
}

const TAG_PREFIX = 'tags.';

/**
 * The value an `equal` label has on an alarm. `namespace` and `metric`
 * compare the sorted set of the alarm's values; a missing label is the empty
 * string, as in Alertmanager.
 */
function labelValue(labels: AlarmLabels, name: string): string {
  if (name.startsWith(TAG_PREFIX)) return labels.tags[name.slice(TAG_PREFIX.length)] ?? '';
  if (!isBuiltinLabel(name)) return labels.tags[name] ?? '';
  switch (name) {
    case 'alarmName':
      return labels.alarmName;
    case 'account':
      return labels.account;
    case 'region':
      return labels.region;
    case 'namespace':
      return [...new Set(labels.namespaces)].sort().join(',');
    case 'metric':
      return [...new Set(labels.metrics)].sort().join(',');
  }
}

function sameAlarm(a: AlarmLabels, b: AlarmLabels): boolean {
  return a.alarmName === b.alarmName && a.account === b.account && a.region === b.region;
}

/**
 * The first inhibition rule that holds back a page for `target`, with
 * Alertmanager semantics: `target` matches the rule's `target`, some alarm
 * in `sourcesInAlarm` matches its `source`, that source is not the target
 * itself (same alarmName, account and region), and every label listed in
 * `equal` has the same value on both. A label missing on both sides counts
 * as equal (a missing label is the empty value, as in Alertmanager), so
 * `equal: [pipeline]` also pairs two alarms that both lack the tag.
 *
 * Labels in `equal` are alarmName, namespace, metric, account, region, or a
 * tag key (`tags.<key>` names a tag whose key is one of those words).
 */
export function inhibitingRule(
  target: AlarmLabels,
  rules: readonly InhibitRule[],
  sourcesInAlarm: readonly AlarmLabels[],
): Inhibition | undefined {
  for (const [index, rule] of rules.entries()) {
    if (!matches(rule.target, target)) continue;
    for (const source of sourcesInAlarm) {
      if (sameAlarm(source, target) || !matches(rule.source, source)) continue;
      if (rule.equal.every((name) => labelValue(source, name) === labelValue(target, name))) {
        return { rule, path: `paging.inhibitRules[${index}]`, source };
      }
    }
  }
  return undefined;
}

/** True when the config has inhibition rules, so the caller must read the alarms now in ALARM. */
export function inhibitionSourcesNeeded(paging: Paging): boolean {
  return paging.inhibitRules.length > 0;
}

/**
 * Tag keys that inhibition rules read from source alarms (their `source`
 * matchers' tags and their `equal` labels), sorted. Non-empty means the
 * caller must fetch the tags of the alarms in ALARM, which DescribeAlarms
 * does not return.
 */
export function tagKeysUsedByInhibition(paging: Paging): string[] {
  const keys = new Set<string>();
  for (const rule of paging.inhibitRules) {
    for (const key of Object.keys(rule.source.tags ?? {})) keys.add(key);
    for (const name of rule.equal) {
      if (name.startsWith(TAG_PREFIX)) keys.add(name.slice(TAG_PREFIX.length));
      else if (!isBuiltinLabel(name)) keys.add(name);
    }
  }
  return [...keys].sort();
}
