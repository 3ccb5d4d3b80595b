import type { Severity } from '../domain/alarm.js';
import { ConfigError } from '../errors.js';
import { alarmPrefixOf, type Pipeline, type Pipelines } from '../config/pipelines.js';
import { queueNameOf } from '../aws/queue-spec.js';
import {
  COMPOSITE_TAG,
  type AlarmDefinition,
  type AlarmSignal,
  type Comparison,
  type CompositeAlarmDefinition,
  type MetricAlarmDefinition,
  type MetricRef,
  type MetricStat,
  type MissingData,
} from './types.js';

/** The composite's key: its name is `<prefix>pipeline`. */
export const COMPOSITE_KEY = 'pipeline';

/** Alarm descriptions are at most 1024 characters (PutMetricAlarm). */
const DESCRIPTION_MAX = 1024;

/** The runbooks the repository ships (`runbooks/<id>.md`). */
export const SHIPPED_RUNBOOKS: readonly string[] = ['dlq-redrive', 'stream-lag', 'invalid-event-spike'];

/** The alarm set of one or more pipelines, and what could not be filled in. */
export interface AlarmCatalog {
  readonly alarms: readonly AlarmDefinition[];
  /** One line each (a runbook template that cannot be filled in when the alarm is created, …). */
  readonly warnings: readonly string[];
}

export interface PipelineAlarmOptions {
  /**
   * Runbook link template used when the pipeline has no `runbookUrl` of its own
   * (the config's `paging.defaults.runbookUrl`): `{runbook}`, `{pipeline}`,
   * `{alarmName}`, `{alarmNameEncoded}` and `{tags.<key>}` are filled in; a
   * template needing `{accountId}`, `{region}` or `{state}` gives no link.
   */
  readonly defaultRunbookUrl?: string;
  /**
   * The pipelines that name the same collector (API and stage), in config
   * order, this one included. Its alarms are created once, by the first of
   * them, so that a collector outage is one page, not one per pipeline.
   */
  readonly collectorSharedBy?: readonly string[];
}

/** What the catalog reads from a parsed `tripline.config.yaml`. */
export interface AlarmCatalogConfig {
  readonly pipelines: Pipelines;
  readonly paging?: { readonly defaults?: { readonly runbookUrl?: string | undefined } };
}

/**
 * Every shipped alarm of every configured pipeline: the children first, each
 * pipeline's composite after its children (the order they can be created in).
 *
 * @throws ConfigError when two pipelines would create alarms of the same name.
 * @example catalogFromConfig(config).alarms.map((a) => a.name)
 * // ['tripline-web-collector-5xx-rate', …, 'tripline-web-pipeline', 'tripline-ios-collector-5xx-rate', …]
 */
export function catalogFromConfig(config: AlarmCatalogConfig): AlarmCatalog {
  const alarms: AlarmDefinition[] = [];
  const warnings: string[] = [];
  const owner = new Map<string, string>();
  const defaultRunbookUrl = config.paging?.defaults?.runbookUrl;
  const collectorUsers = new Map<string, string[]>();
  for (const [name, pipeline] of Object.entries(config.pipelines)) {
    if (pipeline.collector === undefined) continue;
    const key = collectorKey(pipeline.collector);
    collectorUsers.set(key, [...(collectorUsers.get(key) ?? []), name]);
  }
  for (const [name, pipeline] of Object.entries(config.pipelines)) {
    const sharedBy = pipeline.collector !== undefined ? collectorUsers.get(collectorKey(pipeline.collector)) : undefined;
    const one = pipelineAlarms(name, pipeline, {
      ...(defaultRunbookUrl !== undefined ? { defaultRunbookUrl } : {}),
      ...(sharedBy !== undefined && sharedBy.length > 1 ? { collectorSharedBy: sharedBy } : {}),
    });
    for (const alarm of one.alarms) {
      const other = owner.get(alarm.name);
      if (other !== undefined) {
        throw new ConfigError(
          `pipelines ${other} and ${name} would both create alarm ${alarm.name}: give one of them its own pipelines.<name>.alarmPrefix`,
        );
      }
      owner.set(alarm.name, name);
      alarms.push(alarm);
    }
    warnings.push(...one.warnings);
  }
  return { alarms, warnings };
}

/** A collector as CloudWatch tells it apart: API name and stage. */
function collectorKey(collector: NonNullable<Pipeline['collector']>): string {
  return `${collector.apiName}\u0000${collector.stage ?? ''}`;
}

/** `tracking-collector/prod`, as people name a collector. */
function collectorLabel(collector: NonNullable<Pipeline['collector']>): string {
  return collector.stage !== undefined ? `${collector.apiName}/${collector.stage}` : collector.apiName;
}

/**
 * A quality-freshness datapoint when the collector accepted requests in the
 * period but the quality monitor published no freshness: no event seen (a day).
 */
export const NO_EVENTS_FRESHNESS_SECONDS = 86_400;

/** What a child alarm is made of, before its name, tags and description are filled in. */
type ChildSpec = Pick<
  MetricAlarmDefinition,
  'key' | 'meaning' | 'signal' | 'periodSeconds' | 'evaluationPeriods' | 'datapointsToAlarm' | 'comparison' | 'threshold' | 'unit' | 'treatMissingData' | 'severity' | 'runbook' | 'inComposite'
>;

/**
 * The shipped alarms of one pipeline, from its resources and thresholds.
 * Alarms for parts the pipeline does not name (collector, Firehose) are left
 * out. Every alarm is tagged `severity`, `pipeline`, `runbook` and, children
 * only, `composite` (the composite whose Slack thread they reply in).
 */
export function pipelineAlarms(name: string, pipeline: Pipeline, options: PipelineAlarmOptions = {}): AlarmCatalog {
  const prefix = alarmPrefixOf(name, pipeline);
  const compositeName = `${prefix}${COMPOSITE_KEY}`;
  const warnings: string[] = [];
  const template = pipeline.runbookUrl ?? options.defaultRunbookUrl;
  const link = (runbook: string, alarmName: string, tags: Readonly<Record<string, string>>): string | undefined => {
    if (template === undefined) return undefined;
    const url = fillRunbookLink(template, { runbook, pipeline: name, alarmName, tags });
    if (url === undefined) {
      const warning = `pipeline ${name}: runbook link "${template}" needs a value unknown when the alarm is created ({accountId}, {region} or {state}); its alarms carry the runbook id instead. Set pipelines.${name}.runbookUrl, e.g. "https://runbooks.example.com/{runbook}?pipeline={pipeline}".`;
      if (!warnings.includes(warning)) warnings.push(warning);
    }
    return url;
  };

  const children = childSpecs(name, pipeline, options.collectorSharedBy ?? [name]).map((spec): MetricAlarmDefinition => {
    const alarmName = `${prefix}${spec.key}`;
    const baseTags = { severity: spec.severity, pipeline: name, [COMPOSITE_TAG]: compositeName };
    const runbookUrl = link(spec.runbook, alarmName, baseTags);
    const definition = {
      kind: 'metric' as const,
      name: alarmName,
      key: spec.key,
      meaning: spec.meaning,
      severity: spec.severity,
      runbook: spec.runbook,
      ...(runbookUrl !== undefined ? { runbookUrl } : {}),
      pipeline: name,
      tags: { ...baseTags, runbook: runbookUrl ?? spec.runbook },
      signal: spec.signal,
      periodSeconds: spec.periodSeconds,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      comparison: spec.comparison,
      ...(spec.threshold !== undefined ? { threshold: spec.threshold } : {}),
      unit: spec.unit,
      treatMissingData: spec.treatMissingData,
      inComposite: spec.inComposite,
    };
    return { ...definition, description: describeMetricAlarm(definition) };
  });

  const members = children.filter((c) => c.inComposite).map((c) => c.name);
  const compositeTags = { severity: 'critical' as const, pipeline: name };
  const compositeRunbookUrl = link('pipeline-down', compositeName, compositeTags);
  const sharedBy = options.collectorSharedBy ?? [];
  const collectorToo =
    pipeline.collector !== undefined && sharedBy[0] === name && sharedBy.length > 1
      ? ` It also watches the collector ${collectorLabel(pipeline.collector)} that ${joinNames(sharedBy)} share: a collector outage pages once, here.`
      : '';
  const compositeBase = {
    kind: 'composite' as const,
    name: compositeName,
    key: COMPOSITE_KEY,
    meaning: `Pipeline ${name} is broken for users: events are failing, stuck or not arriving. The one alarm that pages; the child alarm in ALARM says where.${collectorToo}`,
    severity: 'critical' as const,
    runbook: 'pipeline-down',
    ...(compositeRunbookUrl !== undefined ? { runbookUrl: compositeRunbookUrl } : {}),
    pipeline: name,
    tags: { ...compositeTags, runbook: compositeRunbookUrl ?? 'pipeline-down' },
    rule: members.map((m) => `ALARM("${m}")`).join(' OR '),
    children: members,
  };
  const composite: CompositeAlarmDefinition = { ...compositeBase, description: describeComposite(compositeBase) };
  return { alarms: [...children, composite], warnings };
}

/**
 * The alarm on the alarm router's own failure queue: a transition the router
 * gave up on. It pages directly (it is nobody's child, and carries no
 * `pipeline` tag, which would route it to Slack only).
 */
export function routerFailureAlarm(input: { readonly alarmName: string; readonly queueName: string; readonly runbookUrl?: string }): MetricAlarmDefinition {
  const definition = {
    kind: 'metric' as const,
    name: input.alarmName,
    key: 'router-failures',
    meaning:
      'The alarm router gave up on at least one alarm transition (it is in the failure queue): pages may be missing. Check the router logs, then redrive the queue.',
    severity: 'critical' as const,
    runbook: 'router-failures',
    ...(input.runbookUrl !== undefined ? { runbookUrl: input.runbookUrl } : {}),
    tags: { severity: 'critical', runbook: input.runbookUrl ?? 'router-failures' },
    signal: { kind: 'metric' as const, metric: stat(sqs('ApproximateNumberOfMessagesVisible', input.queueName), 'Maximum') },
    periodSeconds: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    comparison: 'GreaterThanThreshold' as const,
    threshold: 0,
    unit: 'messages',
    treatMissingData: 'notBreaching' as const,
    inComposite: false,
  };
  return { ...definition, description: describeMetricAlarm(definition) };
}

/**
 * The child alarms of one pipeline. `collectorSharedBy` lists the pipelines
 * naming the same collector (this one included, config order): only the first
 * gets the collector alarms.
 */
function childSpecs(name: string, pipeline: Pipeline, collectorSharedBy: readonly string[]): ChildSpec[] {
  const t = pipeline.thresholds;
  const specs: ChildSpec[] = [];
  const collector = pipeline.collector;
  const dims: Record<string, string> = collector !== undefined ? { ApiName: collector.apiName, ...(collector.stage !== undefined ? { Stage: collector.stage } : {}) } : {};
  const api = (metricName: string): MetricRef => ({ namespace: 'AWS/ApiGateway', metricName, dimensions: dims });
  const shared = collector !== undefined && collectorSharedBy.length > 1 ? ` The collector ${collectorLabel(collector)} serves ${joinNames(collectorSharedBy)}: this alarm is created once, with ${collectorSharedBy[0] ?? name}'s.` : '';

  if (collector !== undefined && collectorSharedBy[0] === name) {
    specs.push(
      collectorShare('collector-5xx-rate', 'errors', api('5XXError'), '5XX', t.collector5xxRate, `The collector answers SDKs with server errors: their events are being retried or lost.${shared}`),
      collectorShare(
        'collector-4xx-rate',
        'rejected',
        api('4XXError'),
        '4XX',
        t.collector4xxRate,
        `The collector refuses more SDK requests than allowed (4XX: an expired API key, a changed auth or request format, throttling): those events never reach the stream.${shared}`,
      ),
      {
        key: 'collector-p99-latency',
        meaning: `The collector is slow for the slowest 1% of requests: SDK batches time out and are sent again.${shared}`,
        signal: { kind: 'metric', metric: stat(api('Latency'), 'p99') },
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparison: 'GreaterThanThreshold',
        threshold: t.collectorP99Ms,
        unit: 'ms',
        treatMissingData: 'notBreaching',
        severity: 'warning',
        runbook: 'collector-latency',
        inComposite: false,
      },
      {
        key: 'collector-traffic-drop',
        meaning: `Fewer requests reach the collector than the learned daily pattern allows: an SDK release, DNS or client config stopped sending. A quiet night stays inside the band; no requests at all is breaching.${shared}`,
        signal: { kind: 'anomaly-band', metric: stat(api('Count'), 'Sum'), bandWidth: t.trafficBandWidth },
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparison: 'LessThanLowerThreshold',
        unit: 'requests',
        treatMissingData: 'breaching',
        severity: 'error',
        runbook: 'collector-traffic-drop',
        inComposite: true,
      },
    );
  }

  specs.push(
    {
      key: 'stream-iterator-age',
      meaning: 'Records wait in the Kinesis stream longer than allowed: some consumer (processor or Firehose) is behind, and data is lost when it falls past retention.',
      signal: { kind: 'metric', metric: stat({ namespace: 'AWS/Kinesis', metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: { StreamName: pipeline.stream } }, 'Maximum') },
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparison: 'GreaterThanThreshold',
      threshold: t.lagSeconds * 1000,
      unit: 'ms',
      treatMissingData: 'notBreaching',
      severity: 'error',
      runbook: 'stream-lag',
      inComposite: true,
    },
    {
      key: 'iterator-age',
      meaning: 'The processor Lambda is behind the stream: events reach the warehouse and downstream late.',
      signal: { kind: 'metric', metric: stat(lambda('IteratorAge', pipeline.processor), 'Maximum') },
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparison: 'GreaterThanThreshold',
      threshold: t.lagSeconds * 1000,
      unit: 'ms',
      treatMissingData: 'notBreaching',
      severity: 'error',
      runbook: 'stream-lag',
      inComposite: true,
    },
    {
      key: 'processor-errors',
      meaning: 'The processor Lambda fails on more invocations than allowed: events go to the failed-event queue and, failing again, to the DLQ.',
      signal: {
        kind: 'math',
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        label: 'processor error rate (%)',
        inputs: { errors: stat(lambda('Errors', pipeline.processor), 'Sum'), invocations: stat(lambda('Invocations', pipeline.processor), 'Sum') },
      },
      periodSeconds: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparison: 'GreaterThanThreshold',
      threshold: percentOf(t.processorErrorRate),
      unit: '%',
      treatMissingData: 'notBreaching',
      severity: 'error',
      runbook: 'processor-errors',
      inComposite: true,
    },
    {
      key: 'processor-throttles',
      meaning: 'The processor Lambda is throttled (concurrency limit): the stream backs up; lag follows.',
      signal: { kind: 'metric', metric: stat(lambda('Throttles', pipeline.processor), 'Sum') },
      periodSeconds: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparison: 'GreaterThanThreshold',
      threshold: t.processorThrottles,
      unit: 'throttles',
      treatMissingData: 'notBreaching',
      severity: 'warning',
      runbook: 'stream-lag',
      inComposite: false,
    },
    {
      key: 'failed-queue-age',
      meaning: 'Failed events wait for their retry longer than allowed: the retry Lambda is failing or stopped.',
      signal: { kind: 'metric', metric: stat(sqs('ApproximateAgeOfOldestMessage', queueNameOf(pipeline.failedQueue)), 'Maximum') },
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparison: 'GreaterThanThreshold',
      threshold: t.failedQueueAgeSeconds,
      unit: 's',
      treatMissingData: 'notBreaching',
      severity: 'warning',
      runbook: 'failed-queue-age',
      inComposite: false,
    },
    {
      key: 'dlq-depth',
      meaning: 'Events failed their retries and sit in the DLQ: they reach nobody until redriven after the fix.',
      signal: { kind: 'metric', metric: stat(sqs('ApproximateNumberOfMessagesVisible', queueNameOf(pipeline.dlq)), 'Maximum') },
      periodSeconds: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparison: 'GreaterThanThreshold',
      threshold: t.dlqDepth,
      unit: 'messages',
      treatMissingData: 'notBreaching',
      severity: 'error',
      runbook: 'dlq-redrive',
      inComposite: true,
    },
  );

  if (pipeline.firehose !== undefined) {
    const firehose = (metricName: string): MetricRef => ({ namespace: 'AWS/Firehose', metricName, dimensions: { DeliveryStreamName: pipeline.firehose ?? '' } });
    specs.push(
      {
        key: 'firehose-freshness',
        meaning: 'The oldest record not yet in S3 is older than allowed: the warehouse (Athena) is missing recent events.',
        signal: { kind: 'metric', metric: stat(firehose('DeliveryToS3.DataFreshness'), 'Maximum') },
        periodSeconds: 300,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        comparison: 'GreaterThanThreshold',
        threshold: t.freshnessSeconds,
        unit: 's',
        treatMissingData: 'missing',
        severity: 'error',
        runbook: 'warehouse-load',
        inComposite: true,
      },
      {
        key: 'firehose-delivery-success',
        meaning: 'Firehose writes to S3 keep failing (bucket policy, KMS key, throttling); it retries, then records are lost after 24 hours.',
        signal: { kind: 'metric', metric: stat(firehose('DeliveryToS3.Success'), 'Average') },
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparison: 'LessThanThreshold',
        threshold: t.firehoseSuccessRate,
        unit: '(share of S3 writes)',
        treatMissingData: 'notBreaching',
        severity: 'warning',
        runbook: 'warehouse-load',
        inComposite: false,
      },
    );
  }

  if (!pipeline.qualityAlarms) return specs;
  const qualityDims = pipeline.qualityDimensions ?? { Pipeline: name };
  const quality = (metricName: string): MetricStat => stat({ namespace: pipeline.qualityNamespace, metricName, dimensions: qualityDims }, 'Sum');
  const qualityRate = (key: string, counted: string, ofValid: boolean, threshold: number, meaning: string, runbook: string): ChildSpec => ({
    key,
    meaning,
    signal: ofValid
      ? {
          kind: 'math',
          expression: `IF(events - invalid > 0, 100 * counted / (events - invalid), 0)`,
          label: `${counted} / valid events (%)`,
          inputs: { counted: quality(counted), events: quality('Events'), invalid: quality('InvalidEvents') },
        }
      : {
          kind: 'math',
          expression: 'IF(events > 0, 100 * counted / events, 0)',
          label: `${counted} / all events (%)`,
          inputs: { counted: quality(counted), events: quality('Events') },
        },
    periodSeconds: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    comparison: 'GreaterThanThreshold',
    threshold: percentOf(threshold),
    unit: '%',
    treatMissingData: 'notBreaching',
    severity: 'warning',
    runbook,
    // A bad release (invalid events) is an outage for the data: it pages through the composite.
    inComposite: counted === 'InvalidEvents',
  });
  specs.push(
    qualityRate(
      'quality-invalid-rate',
      'InvalidEvents',
      false,
      t.invalidRate,
      'More tracked events than allowed fail the tracking plan: usually a new app release sends a changed event.',
      'invalid-event-spike',
    ),
    qualityRate(
      'quality-duplicate-rate',
      'DuplicateEvents',
      true,
      t.duplicateRate,
      'More valid events than allowed are copies of one already seen: SDK retries or a replayed batch inflate the numbers.',
      'quality-duplicates',
    ),
    qualityRate(
      'quality-late-rate',
      'LateEvents',
      true,
      t.lateRate,
      'More valid events than allowed arrive long after they happened: offline devices or a stuck SDK queue; daily numbers will move after the fact.',
      'quality-late-events',
    ),
    qualityFreshness(pipeline, qualityDims, collector !== undefined ? api : undefined),
  );
  return specs;
}

/** A rate (0–1) as the percent the alarms compare with, without float noise (0.07 → 7, not 7.000000000000001). */
function percentOf(rate: number): number {
  return Math.round(rate * 100 * 1e6) / 1e6;
}

/** The share of collector requests answered with `errors` (4XX or 5XX), in percent: a composite child. */
function collectorShare(key: string, id: string, errors: MetricRef, what: string, rate: number, meaning: string): ChildSpec {
  const requests: MetricRef = { ...errors, metricName: 'Count' };
  return {
    key,
    meaning,
    signal: {
      kind: 'math',
      expression: `IF(requests > 0, 100 * ${id} / requests, 0)`,
      label: `collector ${what} share of requests (%)`,
      inputs: { [id]: stat(errors, 'Sum'), requests: stat(requests, 'Sum') },
    },
    periodSeconds: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    comparison: 'GreaterThanThreshold',
    threshold: percentOf(rate),
    unit: '%',
    treatMissingData: 'notBreaching',
    severity: 'error',
    runbook: 'collector-errors',
    inComposite: true,
  };
}

/**
 * Quality freshness: no valid event newer than allowed. With a collector, only
 * while the collector accepted requests: a collector that receives nothing, or
 * answers everything with 4XX or 5XX, is the collector's outage (its own alarms page,
 * once), not one more page per pipeline it serves. A platform gone silent
 * while the others still send is this alarm's to catch.
 */
function qualityFreshness(pipeline: Pipeline, dims: Readonly<Record<string, string>>, api: ((metricName: string) => MetricRef) | undefined): ChildSpec {
  const threshold = pipeline.thresholds.freshnessSeconds;
  const freshness = stat({ namespace: pipeline.qualityNamespace, metricName: 'FreshnessSeconds', dimensions: dims }, 'Minimum');
  const common = {
    key: 'quality-freshness',
    periodSeconds: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    comparison: 'GreaterThanThreshold' as const,
    threshold,
    unit: 's',
    severity: 'warning' as const,
    runbook: 'quality-freshness',
    // A platform gone silent pages (through the composite): no events is the outage users do not report.
    inComposite: true,
  };
  if (api === undefined) {
    return {
      ...common,
      meaning: 'No valid tracked event is newer than allowed, or the quality monitor reports nothing: events stopped arriving (or the monitor stopped).',
      // Minimum over the period's batches: the newest event anywhere, as `dq check` defines freshness.
      signal: { kind: 'metric', metric: freshness },
      treatMissingData: 'breaching',
    };
  }
  const noEvents = Math.max(NO_EVENTS_FRESHNESS_SECONDS, threshold * 2);
  return {
    ...common,
    meaning: `No valid tracked event is newer than allowed while the collector accepts requests, or the quality monitor reports nothing then (counted as ${noEvents} s): this platform stopped sending (or the monitor stopped). A collector that receives nothing, or refuses or fails everything, is left to the collector alarms.`,
    signal: {
      kind: 'math',
      expression: `IF(FILL(requests, 0) - FILL(rejected, 0) - FILL(errors, 0) > 0, FILL(freshness, ${noEvents}), 0)`,
      label: 'freshness while the collector accepts requests (s)',
      inputs: { freshness, requests: stat(api('Count'), 'Sum'), rejected: stat(api('4XXError'), 'Sum'), errors: stat(api('5XXError'), 'Sum') },
    },
    treatMissingData: 'notBreaching',
  };
}

function joinNames(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

/** The queue name in a name, queue URL or queue ARN (CloudWatch's QueueName dimension). */
export { queueNameOf };

/**
 * Fills a runbook link template; undefined when it needs `{accountId}`,
 * `{region}`, `{state}` or another value unknown when the alarm is created.
 */
export function fillRunbookLink(
  template: string,
  values: { readonly runbook: string; readonly pipeline: string; readonly alarmName: string; readonly tags: Readonly<Record<string, string>> },
): string | undefined {
  let unknown = false;
  const url = template.replace(/\{([^{}]*)\}/g, (_raw, name: string) => {
    switch (name) {
      case 'runbook':
        return encodeURIComponent(values.runbook);
      case 'pipeline':
        return encodeURIComponent(values.pipeline);
      case 'alarmName':
        return values.alarmName.split('/').map(encodeURIComponent).join('/');
      case 'alarmNameEncoded':
        return encodeURIComponent(values.alarmName);
      default:
        if (name.startsWith('tags.')) return encodeURIComponent(values.tags[name.slice('tags.'.length)] ?? '');
        unknown = true;
        return '';
    }
  });
  return unknown ? undefined : url;
}

const OPERATOR_TEXT: Readonly<Record<Comparison, string>> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '≥',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the expected band',
  LessThanLowerThreshold: 'below the expected band',
  GreaterThanUpperThreshold: 'above the expected band',
};

/**
 * The condition in words, e.g.
 * `ApproximateNumberOfMessagesVisible (Maximum) > 0 messages for 1 of 1 1-minute periods`.
 */
export function conditionText(def: Omit<MetricAlarmDefinition, 'description'>): string {
  const signal = def.signal;
  const what = signal.kind === 'math' ? signal.label : `${signal.metric.metricName} (${signal.metric.statistic})`;
  const minutes = def.periodSeconds % 60 === 0 ? `${def.periodSeconds / 60}-minute` : `${def.periodSeconds}-second`;
  const test =
    signal.kind === 'anomaly-band'
      ? `${OPERATOR_TEXT[def.comparison]} (${signal.bandWidth} standard deviations)`
      : `${OPERATOR_TEXT[def.comparison]} ${def.threshold ?? 0}${def.unit === '%' ? '%' : ` ${def.unit}`}`;
  const missing = def.treatMissingData === 'breaching' ? '; no data counts as breaching' : '';
  return `${what} ${test} for ${def.datapointsToAlarm} of ${def.evaluationPeriods} ${minutes} periods${missing}`;
}

function runbookText(def: { readonly runbook: string; readonly runbookUrl?: string }): string {
  const local = SHIPPED_RUNBOOKS.includes(def.runbook) ? ` (tripline runbook show ${def.runbook})` : '';
  return `Runbook ${def.runbook}${def.runbookUrl !== undefined ? `: ${def.runbookUrl}` : ''}${local}.`;
}

function describeMetricAlarm(def: Omit<MetricAlarmDefinition, 'description'>): string {
  const where = def.pipeline !== undefined ? ` Pipeline ${def.pipeline}.` : '';
  return cut(`${def.meaning} Fires when ${conditionText(def)}.${where} ${runbookText(def)}`);
}

function describeComposite(def: Omit<CompositeAlarmDefinition, 'description'>): string {
  const runbook = runbookText(def);
  const head = `${def.meaning} ALARM while any child is in ALARM; the children post to Slack only. Pipeline ${def.pipeline ?? ''}. ${runbook}`;
  return cut(`${head} Children: ${def.children.join(', ')}.`);
}

function cut(text: string): string {
  return text.length <= DESCRIPTION_MAX ? text : `${text.slice(0, DESCRIPTION_MAX - 1)}…`;
}

function stat(metric: MetricRef, statistic: string): MetricStat {
  return { ...metric, statistic };
}

function lambda(metricName: string, functionName: string): MetricRef {
  return { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName } };
}

function sqs(metricName: string, queueName: string): MetricRef {
  return { namespace: 'AWS/SQS', metricName, dimensions: { QueueName: queueName } };
}
