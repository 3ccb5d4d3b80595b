import type { AlarmTransition } from '../domain/alarm.js';
import type { AlarmLabels } from '../domain/labels.js';

/**
 * What routing matches on, from a transition. Only entries naming a metric
 * count: metric-math expressions and anomaly bands have no namespace of
 * their own, and composites have no metrics at all.
 */
export function labelsOf(t: AlarmTransition): AlarmLabels {
  const namespaces = new Set<string>();
  const metrics = new Set<string>();
  const dimensions: Record<string, string> = {};
  for (const m of t.metrics) {
    if (m.metricName === undefined || m.metricName === '') continue;
    metrics.add(m.metricName);
    if (m.namespace !== undefined && m.namespace !== '') namespaces.add(m.namespace);
    for (const [name, value] of Object.entries(m.dimensions)) {
      if (!(name in dimensions)) dimensions[name] = value;
    }
  }
  return {
    alarmName: t.alarmName,
    namespaces: [...namespaces],
    metrics: [...metrics],
    dimensions,
    account: t.accountId,
    region: t.region,
    tags: t.tags,
  };
}
