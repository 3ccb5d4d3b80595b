import type { QualityThresholds } from '../config/quality.js';
import type { QualityMetrics } from '../domain/quality.js';

export interface Breach {
  readonly metric: keyof QualityThresholds;
  readonly value: number | null;
  readonly threshold: number;
  /** Where: `overall` or a segment label such as `page_viewed/web`. */
  readonly scope: string;
}

/**
 * The thresholds a report breaches (overall only: a segment's rate over few
 * events is noise, not a gate). A missing freshness — no valid event at all
 * — breaches any freshness threshold.
 */
export function breaches(metrics: QualityMetrics, thresholds: QualityThresholds): Breach[] {
  const out: Breach[] = [];
  const check = (metric: keyof QualityThresholds, value: number | null): void => {
    const threshold = thresholds[metric];
    if (threshold === undefined) return;
    if (value === null || value > threshold) out.push({ metric, value, threshold, scope: 'overall' });
  };
  check('invalidRate', metrics.invalidRate);
  check('duplicateRate', metrics.duplicateRate);
  check('lateRate', metrics.lateRate);
  check('freshnessSeconds', metrics.freshnessSeconds);
  return out;
}
