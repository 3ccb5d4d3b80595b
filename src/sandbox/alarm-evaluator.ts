import type { AlarmHistoryItem, AlarmHistoryReader, AlarmStateValue, MetricWindow } from '../domain/health.js';
import type { AlarmDefinition, Comparison, CompositeAlarmDefinition, MetricAlarmDefinition, MetricStat } from '../pipeline-alarms/types.js';
import { compileMath, compileRule, type CompositeRule, type MathExpression } from './expressions.js';

/** Where the evaluator reads datapoints: the sandbox MetricStore. */
export interface DatapointSource {
  datapoint(metric: MetricStat, statistic: string, startMs: number, periodSeconds: number): number | undefined;
}

/** An alarm's state as the evaluator keeps it. */
export interface EvaluatedAlarm {
  readonly definition: AlarmDefinition;
  readonly state: AlarmStateValue;
  /** Sandbox epoch ms of the last state change. */
  readonly since: number;
  readonly reason: string;
}

/** One state change, with what CloudWatch puts in the EventBridge event. */
export interface AlarmChange {
  readonly definition: AlarmDefinition;
  readonly from: AlarmStateValue;
  readonly to: AlarmStateValue;
  readonly previousSince: number;
  readonly previousReason: string;
  readonly at: number;
  readonly reason: string;
  /** Metric alarms: the evaluation range's datapoints, oldest first (undefined: missing). */
  readonly datapoints?: readonly (number | undefined)[];
  /** Composite alarms: the children whose state made the rule true. */
  readonly triggeringAlarms?: readonly string[];
}

/** What one evaluation of a metric alarm's datapoints decides. */
export interface Decision {
  readonly state: AlarmStateValue;
  /** Datapoints that counted as breaching (missing ones included when treated as breaching). */
  readonly breaching: number;
  /** Datapoints that were evaluated (missing ones under `ignore`/`missing` are not). */
  readonly evaluated: number;
}

/** Lower and upper edge of an anomaly band for one period. */
export interface Band {
  readonly lower: number;
  readonly upper: number;
}

/**
 * CloudWatch's decision for one metric alarm, from the datapoints of its
 * evaluation range (`evaluationPeriods` periods, oldest first; undefined
 * is a missing period):
 * - each present datapoint is breaching when it passes the comparison
 *   (against the threshold, or outside the anomaly band);
 * - a missing one is breaching (`breaching`), not breaching
 *   (`notBreaching`), or not counted (`ignore`, `missing`);
 * - ALARM when at least `datapointsToAlarm` count as breaching, else OK;
 * - nothing counted at all: `missing` → INSUFFICIENT_DATA, `ignore` → the
 *   current state is kept.
 *
 * Simplification (documented in the README): CloudWatch widens the
 * evaluation range to look further back when datapoints are missing; this
 * does not.
 */
export function decide(
  def: Pick<MetricAlarmDefinition, 'comparison' | 'threshold' | 'datapointsToAlarm' | 'treatMissingData'>,
  datapoints: readonly (number | undefined)[],
  current: AlarmStateValue,
  bands?: readonly (Band | undefined)[],
): Decision {
  let breaching = 0;
  let evaluated = 0;
  datapoints.forEach((value, i) => {
    if (value === undefined) {
      if (def.treatMissingData === 'breaching') {
        breaching++;
        evaluated++;
      } else if (def.treatMissingData === 'notBreaching') evaluated++;
      return;
    }
    evaluated++;
    if (breaches(def.comparison, value, def.threshold, bands?.[i])) breaching++;
  });
  if (evaluated === 0) return { state: def.treatMissingData === 'ignore' ? current : 'INSUFFICIENT_DATA', breaching, evaluated };
  return { state: breaching >= def.datapointsToAlarm ? 'ALARM' : 'OK', breaching, evaluated };
}

/** Whether one datapoint breaches; a band comparison without a band (still learning) does not. */
export function breaches(comparison: Comparison, value: number, threshold: number | undefined, band?: Band): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > (threshold ?? 0);
    case 'GreaterThanOrEqualToThreshold':
      return value >= (threshold ?? 0);
    case 'LessThanThreshold':
      return value < (threshold ?? 0);
    case 'LessThanOrEqualToThreshold':
      return value <= (threshold ?? 0);
    case 'LessThanLowerOrGreaterThanUpperThreshold':
      return band !== undefined && (value < band.lower || value > band.upper);
    case 'LessThanLowerThreshold':
      return band !== undefined && value < band.lower;
    case 'GreaterThanUpperThreshold':
      return band !== undefined && value > band.upper;
  }
}

/** Periods of history an anomaly band learns from, and the fewest it needs. */
export const BAND_HISTORY_PERIODS = 12;
export const BAND_MIN_HISTORY = 3;

/**
 * The sandbox's stand-in for CloudWatch's anomaly detection model (which
 * learns daily and weekly patterns over two weeks): mean ± width × standard
 * deviation of the metric's datapoints in the `BAND_HISTORY_PERIODS` periods
 * before the one evaluated, the deviation at least 10% of the mean (a steady
 * synthetic load would otherwise give a band of zero width). No band (never
 * breaching) with fewer than `BAND_MIN_HISTORY` datapoints: the model is
 * still learning.
 */
export function approximateBand(history: readonly number[], width: number): Band | undefined {
  if (history.length < BAND_MIN_HISTORY) return undefined;
  const mean = history.reduce((a, b) => a + b, 0) / history.length;
  const variance = history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length;
  const sd = Math.max(Math.sqrt(variance), Math.abs(mean) * 0.1);
  return { lower: mean - width * sd, upper: mean + width * sd };
}

const OPERATOR_WORDS: Readonly<Record<Comparison, string>> = {
  GreaterThanThreshold: 'greater than the threshold',
  GreaterThanOrEqualToThreshold: 'greater than or equal to the threshold',
  LessThanThreshold: 'less than the threshold',
  LessThanOrEqualToThreshold: 'less than or equal to the threshold',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  LessThanLowerThreshold: 'less than the lower thresholds',
  GreaterThanUpperThreshold: 'greater than the upper thresholds',
};

interface MetricEntry {
  readonly def: MetricAlarmDefinition;
  readonly math?: MathExpression;
}

interface CompositeEntry {
  readonly def: CompositeAlarmDefinition;
  readonly rule: CompositeRule;
}

/**
 * The shipped alarms (src/pipeline-alarms, composite included) evaluated as
 * CloudWatch does, once a (sandbox) minute: each metric alarm over its last
 * `evaluationPeriods` complete periods (see {@link decide}), then each
 * composite over its children's new states. Every change is kept as alarm
 * history (DescribeAlarmHistory's StateUpdate items) and returned, for the
 * sandbox to send as an EventBridge `CloudWatch Alarm State Change`.
 */
export class AlarmEvaluator implements AlarmHistoryReader {
  readonly #metric: MetricEntry[] = [];
  readonly #composite: CompositeEntry[] = [];
  readonly #state = new Map<string, EvaluatedAlarm>();
  readonly #history: AlarmHistoryItem[] = [];
  readonly #source: DatapointSource;

  constructor(definitions: readonly AlarmDefinition[], source: DatapointSource, options: { readonly start: number }) {
    this.#source = source;
    for (const def of definitions) {
      if (def.kind === 'composite') this.#composite.push({ def, rule: compileRule(def.rule) });
      else this.#metric.push({ def, ...(def.signal.kind === 'math' ? { math: compileMath(def.signal.expression) } : {}) });
      this.#state.set(def.name, { definition: def, state: 'INSUFFICIENT_DATA', since: options.start, reason: 'Unchecked: Initial alarm creation' });
    }
  }

  /** Every alarm's current state, in definition order. */
  alarms(): readonly EvaluatedAlarm[] {
    return [...this.#state.values()];
  }

  get(name: string): EvaluatedAlarm | undefined {
    return this.#state.get(name);
  }

  /** Evaluates every alarm at sandbox time `now`; returns the changes, metric alarms first. */
  evaluate(now: number): AlarmChange[] {
    const changes: AlarmChange[] = [];
    for (const entry of this.#metric) {
      const { def } = entry;
      const periodMs = def.periodSeconds * 1000;
      const end = Math.floor(now / periodMs) * periodMs;
      const starts = Array.from({ length: def.evaluationPeriods }, (_, i) => end - (def.evaluationPeriods - i) * periodMs);
      const datapoints = starts.map((s) => this.#value(entry, s));
      let bands: (Band | undefined)[] | undefined;
      if (def.signal.kind === 'anomaly-band') {
        const { bandWidth } = def.signal;
        bands = starts.map((s) => {
          const history = Array.from({ length: BAND_HISTORY_PERIODS }, (_, i) => this.#value(entry, s - (BAND_HISTORY_PERIODS - i) * periodMs)).filter(
            (v): v is number => v !== undefined,
          );
          return approximateBand(history, bandWidth);
        });
      }
      const current = this.#state.get(def.name);
      if (current === undefined) continue;
      const decision = decide(def, datapoints, current.state, bands);
      if (decision.state === current.state) continue;
      const reason = metricReason(def, datapoints, decision, starts, current.state);
      changes.push(this.#change(current, decision.state, now, reason, { datapoints }));
    }
    for (const { def, rule } of this.#composite) {
      const current = this.#state.get(def.name);
      if (current === undefined) continue;
      const stateOf = (n: string): AlarmStateValue | undefined => this.#state.get(n)?.state;
      const to: AlarmStateValue = rule(stateOf) ? 'ALARM' : 'OK';
      if (to === current.state) continue;
      const triggering = rule.alarms.filter((n) => stateOf(n) === 'ALARM');
      const reason =
        to === 'ALARM'
          ? `${triggering.map((n) => `${arnOfAlarm(n)} transitioned to ALARM`).join(', ') || 'the rule evaluates to TRUE'}`
          : `${def.name} alarm rule evaluates to FALSE: no child in ALARM`;
      changes.push(this.#change(current, to, now, reason, { triggeringAlarms: triggering }));
    }
    return changes;
  }

  async history(window: MetricWindow, prefixes: readonly string[]): Promise<readonly AlarmHistoryItem[]> {
    const from = window.start.getTime();
    const to = window.end.getTime();
    return this.#history.filter((h) => h.at.getTime() >= from && h.at.getTime() < to && (prefixes.length === 0 || prefixes.some((p) => h.alarmName.startsWith(p))));
  }

  #change(current: EvaluatedAlarm, to: AlarmStateValue, at: number, reason: string, extra: Pick<AlarmChange, 'datapoints' | 'triggeringAlarms'>): AlarmChange {
    const def = current.definition;
    this.#state.set(def.name, { definition: def, state: to, since: at, reason });
    this.#history.push({ alarmName: def.name, kind: def.kind, at: new Date(at), from: current.state, to, reason });
    return { definition: def, from: current.state, to, previousSince: current.since, previousReason: current.reason, at, reason, ...extra };
  }

  #value(entry: MetricEntry, startMs: number): number | undefined {
    const { def } = entry;
    const signal = def.signal;
    if (signal.kind === 'math') {
      const values: Record<string, number | undefined> = {};
      for (const [id, stat] of Object.entries(signal.inputs)) values[id] = this.#source.datapoint(stat, stat.statistic, startMs, def.periodSeconds);
      return entry.math?.(values);
    }
    return this.#source.datapoint(signal.metric, signal.metric.statistic, startMs, def.periodSeconds);
  }
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** The ARN CloudWatch gives an alarm in the sandbox's (fake) account and region. */
export function arnOfAlarm(name: string): string {
  return `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
}

export const SANDBOX_ACCOUNT = ACCOUNT;
export const SANDBOX_REGION = REGION;

function metricReason(def: MetricAlarmDefinition, datapoints: readonly (number | undefined)[], decision: Decision, starts: readonly number[], from: AlarmStateValue): string {
  if (decision.state === 'INSUFFICIENT_DATA') {
    return `Insufficient Data: ${datapoints.length} datapoint${datapoints.length === 1 ? ' was' : 's were'} unknown.`;
  }
  const shown = datapoints
    .map((v, i) => (v === undefined ? undefined : `${formatNumber(v)} (${cloudWatchShortTime(starts[i] ?? 0)})`))
    .filter((s) => s !== undefined)
    .reverse();
  const missing = datapoints.length - shown.length;
  if (missing > 0 && def.treatMissingData !== 'ignore' && def.treatMissingData !== 'missing') {
    shown.push(`${missing} missing (treated as ${def.treatMissingData === 'breaching' ? 'breaching' : 'not breaching'})`);
  }
  const verb = decision.state === 'ALARM' ? 'were' : 'were not';
  const threshold = def.threshold !== undefined ? ` (${formatNumber(def.threshold)})` : '';
  const count = decision.state === 'ALARM' ? decision.breaching : decision.evaluated - decision.breaching;
  return (
    `Threshold Crossed: ${count} out of the last ${datapoints.length} datapoints [${shown.join(', ')}] ${verb} ${OPERATOR_WORDS[def.comparison]}${threshold}` +
    ` (minimum ${def.datapointsToAlarm} datapoint${def.datapointsToAlarm === 1 ? '' : 's'} for ${from} -> ${decision.state} transition).`
  );
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(Math.round(v * 1000) / 1000);
}

/** `22/11/26 03:10:00`, as CloudWatch writes datapoint times in reasons. */
function cloudWatchShortTime(ms: number): string {
  const d = new Date(ms).toISOString();
  return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(2, 4)} ${d.slice(11, 19)}`;
}
