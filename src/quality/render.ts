import { INVALID_REASONS, type QualityMetrics, type QualityReport } from '../domain/quality.js';
import type { Breach } from './thresholds.js';

const pct = (rate: number): string => `${(rate * 100).toFixed(2)}%`;
const int = (n: number): string => n.toLocaleString('en-US');
const secs = (s: number | null): string => {
  if (s === null) return '—';
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
};

function pad(cells: readonly string[], widths: readonly number[], right: ReadonlySet<number>): string {
  return cells.map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
}

function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [pad(header, widths, right), pad(widths.map((w) => '─'.repeat(w)), widths, new Set()), ...rows.map((r) => pad(r, widths, right))];
}

function row(label: string, m: QualityMetrics): string[] {
  return [
    label,
    int(m.total),
    int(m.invalid),
    pct(m.invalidRate),
    int(m.duplicates),
    pct(m.duplicateRate),
    int(m.late),
    pct(m.lateRate),
    secs(m.lateness.p95),
    secs(m.freshnessSeconds),
  ];
}

/** The report as a person reads it in a terminal: totals, reasons, lateness, segments, breaches. */
export function renderQualityReport(report: QualityReport, found: readonly Breach[] = []): string {
  const lines: string[] = [];
  lines.push(`Data quality at ${report.now} · ${int(report.total)} records, ${int(report.valid)} valid`);
  lines.push('');
  const header = ['scope', 'records', 'invalid', 'rate', 'dups', 'rate', 'late', 'rate', 'p95 late', 'freshness'];
  const right = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const segmentLabel = (s: Readonly<Record<string, string>>): string =>
    s['segment'] ?? [s['eventName'], s['platform']].filter((x) => x !== undefined).join(' / ');
  lines.push(...table(header, [row('overall', report), ...report.segments.map((s) => row(segmentLabel(s.segment), s))], right));

  const reasons = INVALID_REASONS.filter((r) => report.invalidByReason[r] > 0);
  if (reasons.length > 0) {
    lines.push('');
    lines.push(`Invalid by reason: ${reasons.map((r) => `${r} ${int(report.invalidByReason[r])}`).join(' · ')}`);
  }
  lines.push(
    `Lateness (receivedAt − timestamp): p50 ${secs(report.lateness.p50)} · p95 ${secs(report.lateness.p95)} · p99 ${secs(report.lateness.p99)} · max ${secs(report.lateness.max)}`,
  );
  lines.push(`Newest receivedAt: ${report.newestReceivedAt ?? '—'} (freshness ${secs(report.freshnessSeconds)})`);

  const problems = report.inputs.filter((i) => i.error !== undefined);
  if (problems.length > 0) {
    lines.push('');
    for (const p of problems) lines.push(`input ${p.source}: ${p.error}`);
  }
  lines.push('');
  if (found.length === 0) {
    lines.push('No threshold breached.');
  } else {
    for (const b of found) {
      const value = b.value === null ? 'no valid event' : b.metric === 'freshnessSeconds' ? secs(b.value) : pct(b.value);
      const limit = b.metric === 'freshnessSeconds' ? secs(b.threshold) : pct(b.threshold);
      lines.push(`BREACH ${b.metric}: ${value} > ${limit} (${b.scope})`);
    }
  }
  return lines.join('\n');
}
