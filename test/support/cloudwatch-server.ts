import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AlarmState } from '../../src/domain/alarm.js';

/**
 * A loopback stand-in for the CloudWatch alarm API, speaking the AWS JSON 1.0
 * protocol the v3 SDK uses (`x-amz-target: GraniteServiceVersion20100801.<Op>`),
 * so tests drive the real CloudWatchClient. Holds alarms in memory and can be
 * told to fail (denied, throttled) for the next calls.
 */
export interface FakeAlarm {
  name: string;
  kind: 'metric' | 'composite';
  state: AlarmState;
  reason: string;
  /** Epoch milliseconds of the last state change. */
  changedAt: number;
  account?: string;
  region?: string;
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, string>;
  alarmRule?: string;
  tags?: Record<string, string>;
  description?: string;
  // Alarm configuration (DescribeAlarms returns it; PutMetricAlarm sets it):
  statistic?: string;
  extendedStatistic?: string;
  period?: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparison?: string;
  treatMissingData?: string;
  /** Metric-math / anomaly-band queries, as PutMetricAlarm's `Metrics` (then namespace and metricName are not reported). */
  metrics?: unknown[];
  thresholdMetricId?: string;
}

export type CloudWatchFault = 'AccessDenied' | 'Throttling' | 'ExpiredToken';

export interface CloudWatchServer {
  readonly endpoint: string;
  readonly alarms: Map<string, FakeAlarm>;
  /** DescribeAlarmHistory: state changes served (any order; filtered and sorted per request). */
  readonly history: FakeHistoryItem[];
  /** DescribeAlarmHistory requests, as received. */
  readonly historyRequests: Record<string, unknown>[];
  /** Operation names received, in order. */
  readonly calls: string[];
  /** PutMetricData requests, as received. */
  readonly published: { readonly namespace: string; readonly metricData: readonly Record<string, unknown>[] }[];
  failNext(...faults: CloudWatchFault[]): void;
  /** GetMetricData: the datapoints of one (namespace, metric, dimensions, stat); replaces earlier ones. */
  setMetric(metric: FakeMetricKey, points: readonly FakeMetricPoint[]): void;
  /** GetMetricData requests, as received (queries and window). */
  readonly metricRequests: FakeMetricDataRequest[];
  /** Answer GetMetricData in pages of at most this many datapoints (with NextToken); undefined: one page. */
  pageMetricsBy(datapoints: number | undefined): void;
  /** A CloudWatchClient wired to this server with fake credentials. */
  client(): CloudWatchClient;
  /** Forgets alarms, calls, metrics, history, published data, pending faults and paging. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * For a test file against one loopback CloudWatch: no network but loopback,
 * the server started before and closed after the file, and `reset()` before
 * each test. Call at the top level or in a describe; the getter is valid in tests.
 *
 * @example const server = useCloudWatchServer(); it('…', async () => { server().alarms.set(…) })
 */
export function useCloudWatchServer(): () => CloudWatchServer {
  let cw: CloudWatchServer | undefined;
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    cw = await startCloudWatchServer();
  });
  afterAll(async () => {
    await cw?.close();
    nock.enableNetConnect();
  });
  beforeEach(() => cw?.reset());
  return () => {
    if (cw === undefined) throw new Error('useCloudWatchServer: the server starts in beforeAll; use it inside a test');
    return cw;
  };
}

const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_REGION = 'us-east-1';

export function arnOf(alarm: FakeAlarm): string {
  return `arn:aws:cloudwatch:${alarm.region ?? DEFAULT_REGION}:${alarm.account ?? DEFAULT_ACCOUNT}:alarm:${alarm.name}`;
}

export async function startCloudWatchServer(initial: FakeAlarm[] = []): Promise<CloudWatchServer> {
  const alarms = new Map(initial.map((a) => [a.name, a]));
  const calls: string[] = [];
  const published: CloudWatchServer['published'][number][] = [];
  const faults: CloudWatchFault[] = [];
  const metricSeries = new Map<string, readonly FakeMetricPoint[]>();
  const metricRequests: FakeMetricDataRequest[] = [];
  const history: FakeHistoryItem[] = [];
  const historyRequests: Record<string, unknown>[] = [];
  let metricPageSize: number | undefined;

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.split('.').pop() ?? '';
    calls.push(op);
    // The SDK gzips large PutMetricData payloads (request compression).
    const raw = Buffer.concat(chunks);
    const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const body: unknown = text ? JSON.parse(text) : {};
    const input = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};

    const fault = faults.shift();
    if (fault) return sendError(res, fault);
    if (op === 'DescribeAlarms') return send(res, describe(input));
    if (op === 'DescribeAlarmHistory') {
      historyRequests.push(input);
      const page = alarmHistoryPage(history, input);
      return typeof page === 'string' ? sendError(res, 'InvalidParameterValue', page) : send(res, page);
    }
    if (op === 'GetMetricData') {
      const request = metricDataRequestOf(input);
      if (typeof request === 'string') return sendError(res, 'InvalidParameterValue', request);
      metricRequests.push(request);
      return send(res, metricDataPage(request, metricSeries, metricPageSize));
    }
    if (op === 'PutMetricData') {
      const data = Array.isArray(input['MetricData']) ? input['MetricData'] : [];
      if (data.length > 1000) return sendError(res, 'InvalidParameterValue');
      published.push({
        namespace: String(input['Namespace'] ?? ''),
        metricData: data.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null),
      });
      return send(res, {});
    }
    if (op === 'PutMetricAlarm' || op === 'PutCompositeAlarm') return send(res, putAlarm(op, input));
    if (op === 'TagResource') {
      const arn = String(input['ResourceARN'] ?? '');
      const alarm = [...alarms.values()].find((a) => arnOf(a) === arn);
      if (!alarm) return sendError(res, 'ResourceNotFound');
      alarm.tags = { ...alarm.tags, ...tagsIn(input['Tags']) };
      return send(res, {});
    }
    if (op === 'ListTagsForResource') {
      const arn = String(input['ResourceARN'] ?? '');
      const alarm = [...alarms.values()].find((a) => arnOf(a) === arn);
      if (!alarm) return sendError(res, 'ResourceNotFound');
      return send(res, { Tags: Object.entries(alarm.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) });
    }
    return sendError(res, 'InvalidAction');
  }

  /** PutMetricAlarm / PutCompositeAlarm: create (INSUFFICIENT_DATA, with Tags) or overwrite the configuration (state and tags kept, as AWS does). */
  function putAlarm(op: string, input: Record<string, unknown>): unknown {
    const name = String(input['AlarmName'] ?? '');
    const existing = alarms.get(name);
    const num = (key: string): number | undefined => (typeof input[key] === 'number' ? input[key] : undefined);
    const str = (key: string): string | undefined => (typeof input[key] === 'string' ? input[key] : undefined);
    const dims = Array.isArray(input['Dimensions']) ? (input['Dimensions'] as Record<string, unknown>[]) : undefined;
    const alarm: FakeAlarm = {
      name,
      kind: op === 'PutCompositeAlarm' ? 'composite' : 'metric',
      state: existing?.state ?? 'INSUFFICIENT_DATA',
      reason: existing?.reason ?? 'Unchecked: Initial alarm creation',
      changedAt: existing?.changedAt ?? Date.now(),
      tags: existing?.tags ?? tagsIn(input['Tags']),
      ...(str('AlarmDescription') !== undefined ? { description: str('AlarmDescription') } : {}),
      ...(str('AlarmRule') !== undefined ? { alarmRule: str('AlarmRule') } : {}),
      ...(str('Namespace') !== undefined ? { namespace: str('Namespace') } : {}),
      ...(str('MetricName') !== undefined ? { metricName: str('MetricName') } : {}),
      ...(dims !== undefined ? { dimensions: Object.fromEntries(dims.map((d) => [String(d['Name']), String(d['Value'])])) } : {}),
      ...(str('Statistic') !== undefined ? { statistic: str('Statistic') } : {}),
      ...(str('ExtendedStatistic') !== undefined ? { extendedStatistic: str('ExtendedStatistic') } : {}),
      ...(num('Period') !== undefined ? { period: num('Period') } : {}),
      ...(num('EvaluationPeriods') !== undefined ? { evaluationPeriods: num('EvaluationPeriods') } : {}),
      ...(num('DatapointsToAlarm') !== undefined ? { datapointsToAlarm: num('DatapointsToAlarm') } : {}),
      ...(num('Threshold') !== undefined ? { threshold: num('Threshold') } : {}),
      ...(str('ComparisonOperator') !== undefined ? { comparison: str('ComparisonOperator') } : {}),
      ...(str('TreatMissingData') !== undefined ? { treatMissingData: str('TreatMissingData') } : {}),
      ...(Array.isArray(input['Metrics']) ? { metrics: input['Metrics'] } : {}),
      ...(str('ThresholdMetricId') !== undefined ? { thresholdMetricId: str('ThresholdMetricId') } : {}),
    };
    alarms.set(name, alarm);
    return {};
  }

  function describe(input: Record<string, unknown>): unknown {
    const names = Array.isArray(input['AlarmNames']) ? input['AlarmNames'].map(String) : undefined;
    const state = typeof input['StateValue'] === 'string' ? input['StateValue'] : undefined;
    const prefix = typeof input['AlarmNamePrefix'] === 'string' ? input['AlarmNamePrefix'] : undefined;
    const pageSize = typeof input['MaxRecords'] === 'number' ? input['MaxRecords'] : 50;
    const start = typeof input['NextToken'] === 'string' ? Number(input['NextToken']) : 0;
    const matching = [...alarms.values()]
      .filter((a) => (!names || names.includes(a.name)) && (!state || a.state === state) && (!prefix || a.name.startsWith(prefix)))
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = matching.slice(start, start + pageSize);
    const seconds = (ms: number): number => ms / 1000;
    const common = (a: FakeAlarm): Record<string, unknown> => ({
      AlarmName: a.name,
      AlarmArn: arnOf(a),
      StateValue: a.state,
      StateReason: a.reason,
      StateUpdatedTimestamp: seconds(a.changedAt),
      StateTransitionedTimestamp: seconds(a.changedAt),
      ...(a.description !== undefined ? { AlarmDescription: a.description } : {}),
    });
    return {
      MetricAlarms: page
        .filter((a) => a.kind === 'metric')
        .map((a) => ({
          ...common(a),
          ...(a.metrics !== undefined
            ? { Metrics: a.metrics }
            : {
                Namespace: a.namespace ?? 'AWS/SQS',
                MetricName: a.metricName ?? 'ApproximateNumberOfMessagesVisible',
                Dimensions: Object.entries(a.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
              }),
          ...(a.statistic !== undefined ? { Statistic: a.statistic } : {}),
          ...(a.extendedStatistic !== undefined ? { ExtendedStatistic: a.extendedStatistic } : {}),
          ...(a.period !== undefined ? { Period: a.period } : {}),
          ...(a.evaluationPeriods !== undefined ? { EvaluationPeriods: a.evaluationPeriods } : {}),
          ...(a.datapointsToAlarm !== undefined ? { DatapointsToAlarm: a.datapointsToAlarm } : {}),
          ...(a.threshold !== undefined ? { Threshold: a.threshold } : {}),
          ...(a.comparison !== undefined ? { ComparisonOperator: a.comparison } : {}),
          ...(a.treatMissingData !== undefined ? { TreatMissingData: a.treatMissingData } : {}),
          ...(a.thresholdMetricId !== undefined ? { ThresholdMetricId: a.thresholdMetricId } : {}),
        })),
      CompositeAlarms: page
        .filter((a) => a.kind === 'composite')
        .map((a) => ({ ...common(a), AlarmRule: a.alarmRule ?? 'FALSE' })),
      ...(start + pageSize < matching.length ? { NextToken: String(start + pageSize) } : {}),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    alarms,
    calls,
    published,
    failNext: (...f) => faults.push(...f),
    setMetric: (metric, points) => metricSeries.set(metricKeyOf(metric), [...points].sort((a, b) => a.timestamp - b.timestamp)),
    metricRequests,
    history,
    historyRequests,
    pageMetricsBy: (datapoints) => {
      metricPageSize = datapoints;
    },
    reset: () => {
      alarms.clear();
      calls.length = 0;
      published.length = 0;
      faults.length = 0;
      metricSeries.clear();
      metricRequests.length = 0;
      history.length = 0;
      historyRequests.length = 0;
      metricPageSize = undefined;
    },
    client: () =>
      new CloudWatchClient({
        endpoint,
        region: DEFAULT_REGION,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
        maxAttempts: 1,
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function tagsIn(raw: unknown): Record<string, string> {
  if (!Array.isArray(raw)) return {};
  return Object.fromEntries(
    raw.filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null).map((t) => [String(t['Key']), String(t['Value'] ?? '')]),
  );
}

function send(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  code: CloudWatchFault | 'ResourceNotFound' | 'InvalidAction' | 'InvalidParameterValue',
  message = `${code} (test stand-in)`,
): void {
  const status = code === 'Throttling' ? 400 : code === 'AccessDenied' || code === 'ExpiredToken' ? 403 : 400;
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-query-error': `${code};Sender`,
  });
  res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message }));
}

// ── GetMetricData ──

/** Which series a GetMetricData MetricStat reads. */
export interface FakeMetricKey {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** `Maximum`, `Sum`, `Average`, `p99`, … */
  stat: string;
}

export interface FakeMetricPoint {
  /** Epoch milliseconds. */
  timestamp: number;
  value: number;
}

/** One GetMetricData request as the stand-in understood it. */
export interface FakeMetricDataRequest {
  readonly queries: readonly (FakeMetricKey & { id: string; period: number })[];
  /** Epoch milliseconds. */
  readonly start: number;
  readonly end: number;
  readonly scanBy: string | undefined;
  readonly nextToken: string | undefined;
}

/** GetMetricData's own limits: at most 500 queries, ids `^[a-z][a-zA-Z0-9_]*$` and unique. */
const METRIC_QUERIES_MAX = 500;
const METRIC_ID = /^[a-z][a-zA-Z0-9_]*$/;

function metricKeyOf(key: FakeMetricKey): string {
  const dims = Object.entries(key.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${key.namespace}|${key.metricName}|${dims}|${key.stat}`;
}

/** Validates a GetMetricData body as CloudWatch would; a string is the ValidationError message. */
function metricDataRequestOf(input: Record<string, unknown>): FakeMetricDataRequest | string {
  const raw = Array.isArray(input['MetricDataQueries']) ? input['MetricDataQueries'] : [];
  if (raw.length === 0) return 'MetricDataQueries must not be empty';
  if (raw.length > METRIC_QUERIES_MAX) return `The collection MetricDataQueries must not have a size greater than ${METRIC_QUERIES_MAX}.`;
  const start = input['StartTime'];
  const end = input['EndTime'];
  // The SDK sends AWS JSON 1.0 timestamps as epoch seconds.
  if (typeof start !== 'number' || typeof end !== 'number') return 'StartTime and EndTime must be epoch-second numbers';
  if (end <= start) return 'The parameter StartTime must be less than the parameter EndTime.';
  const ids = new Set<string>();
  const queries: (FakeMetricKey & { id: string; period: number })[] = [];
  for (const q of raw) {
    const query = typeof q === 'object' && q !== null ? (q as Record<string, unknown>) : {};
    const id = String(query['Id'] ?? '');
    if (!METRIC_ID.test(id)) return `Invalid metric data query id: ${id}`;
    if (ids.has(id)) return `The value ${id} for field Id must be unique.`;
    ids.add(id);
    const stat = (query['MetricStat'] ?? {}) as Record<string, unknown>;
    const metric = (stat['Metric'] ?? {}) as Record<string, unknown>;
    const dims = Array.isArray(metric['Dimensions']) ? (metric['Dimensions'] as Record<string, unknown>[]) : [];
    const period = stat['Period'];
    if (typeof period !== 'number' || period < 1 || (period >= 60 && period % 60 !== 0)) return `Invalid period for ${id}: ${String(period)}`;
    if (typeof stat['Stat'] !== 'string' || typeof metric['MetricName'] !== 'string' || typeof metric['Namespace'] !== 'string') {
      return `MetricStat of ${id} needs Metric.Namespace, Metric.MetricName and Stat`;
    }
    queries.push({
      id,
      namespace: metric['Namespace'],
      metricName: metric['MetricName'],
      dimensions: Object.fromEntries(dims.map((d) => [String(d['Name']), String(d['Value'])])),
      stat: stat['Stat'],
      period,
    });
  }
  return {
    queries,
    start: start * 1000,
    end: end * 1000,
    scanBy: typeof input['ScanBy'] === 'string' ? input['ScanBy'] : undefined,
    nextToken: typeof input['NextToken'] === 'string' ? input['NextToken'] : undefined,
  };
}

/**
 * MetricDataResults in request order. Datapoints in [start, end), oldest first
 * for TimestampAscending (newest first otherwise, CloudWatch's default). With a
 * page size, the datapoints of all queries are cut into pages in query order
 * and NextToken carries the offset.
 */
function metricDataPage(
  request: FakeMetricDataRequest,
  series: ReadonlyMap<string, readonly FakeMetricPoint[]>,
  pageSize: number | undefined,
): Record<string, unknown> {
  const perQuery = request.queries.map((q) => {
    const points = (series.get(metricKeyOf(q)) ?? []).filter((p) => p.timestamp >= request.start && p.timestamp < request.end);
    return request.scanBy === 'TimestampAscending' ? points : [...points].reverse();
  });
  const total = perQuery.reduce((n, points) => n + points.length, 0);
  const from = request.nextToken === undefined ? 0 : Number(request.nextToken);
  const to = pageSize === undefined ? total : Math.min(total, from + pageSize);
  let offset = 0;
  const results = request.queries.map((q, i) => {
    const points = perQuery[i] ?? [];
    const page = points.slice(Math.max(0, from - offset), Math.max(0, to - offset));
    offset += points.length;
    return {
      Id: q.id,
      Label: q.metricName,
      Timestamps: page.map((p) => p.timestamp / 1000),
      Values: page.map((p) => p.value),
      StatusCode: to < total ? 'PartialData' : 'Complete',
    };
  });
  return { MetricDataResults: results, Messages: [], ...(to < total ? { NextToken: String(to) } : {}) };
}

// ── DescribeAlarmHistory ──

/** One alarm state change the stand-in reports (HistoryItemType StateUpdate). */
export interface FakeHistoryItem {
  alarmName: string;
  kind: 'metric' | 'composite';
  /** Epoch milliseconds. */
  at: number;
  from: AlarmState;
  to: AlarmState;
  reason?: string;
  /** Sent as HistoryData instead of the JSON built from the states (to test odd payloads). */
  historyData?: string;
  /** Sent as HistorySummary instead of `Alarm updated from <from> to <to>`. */
  historySummary?: string;
}

/**
 * DescribeAlarmHistory as CloudWatch answers it: StateUpdate items in
 * [StartDate, EndDate], of the AlarmTypes asked (MetricAlarm only when none
 * are given, as AWS does), newest first unless ScanBy is TimestampAscending,
 * at most MaxRecords (1–100, default 100) a page with NextToken.
 */
function alarmHistoryPage(history: readonly FakeHistoryItem[], input: Record<string, unknown>): Record<string, unknown> | string {
  const type = input['HistoryItemType'];
  if (type !== undefined && !['ConfigurationUpdate', 'StateUpdate', 'Action', 'AlarmContributorStateUpdate', 'AlarmContributorAction'].includes(String(type))) {
    return `Invalid HistoryItemType: ${String(type)}`;
  }
  const max = input['MaxRecords'] === undefined ? 100 : Number(input['MaxRecords']);
  if (!Number.isInteger(max) || max < 1 || max > 100) return `MaxRecords must be between 1 and 100, got ${String(input['MaxRecords'])}`;
  const start = typeof input['StartDate'] === 'number' ? input['StartDate'] * 1000 : -Infinity;
  const end = typeof input['EndDate'] === 'number' ? input['EndDate'] * 1000 : Infinity;
  const types = Array.isArray(input['AlarmTypes']) ? input['AlarmTypes'].map(String) : ['MetricAlarm'];
  const name = typeof input['AlarmName'] === 'string' ? input['AlarmName'] : undefined;
  const matching = history
    .filter((h) => (type === undefined || type === 'StateUpdate') && h.at >= start && h.at <= end)
    .filter((h) => types.includes(h.kind === 'composite' ? 'CompositeAlarm' : 'MetricAlarm') && (name === undefined || h.alarmName === name))
    .sort((a, b) => a.at - b.at);
  if (input['ScanBy'] !== 'TimestampAscending') matching.reverse();
  const from = typeof input['NextToken'] === 'string' ? Number(input['NextToken']) : 0;
  const page = matching.slice(from, from + max);
  return {
    AlarmHistoryItems: page.map((h) => ({
      AlarmName: h.alarmName,
      AlarmType: h.kind === 'composite' ? 'CompositeAlarm' : 'MetricAlarm',
      Timestamp: h.at / 1000,
      HistoryItemType: 'StateUpdate',
      HistorySummary: h.historySummary ?? `Alarm updated from ${h.from} to ${h.to}`,
      HistoryData:
        h.historyData ??
        JSON.stringify({
          version: '1.0',
          oldState: { stateValue: h.from, stateReason: 'previous state (test stand-in)' },
          newState: { stateValue: h.to, stateReason: h.reason ?? `Threshold Crossed (test stand-in): ${h.to}` },
        }),
    })),
    ...(from + max < matching.length ? { NextToken: String(from + max) } : {}),
  };
}
