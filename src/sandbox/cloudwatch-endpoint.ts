import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { toPutCompositeAlarmInput, toPutMetricAlarmInput } from '../pipeline-alarms/cloudwatch-input.js';
import { arnOfAlarm, SANDBOX_REGION, type EvaluatedAlarm } from './alarm-evaluator.js';
import type { MetricName, MetricStore } from './metric-store.js';

/** Fake credentials: the endpoint never checks them, and nothing real is ever sent. */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'AKIDSANDBOXSANDBOX', secretAccessKey: 'sandbox-secret-not-real' };

export interface CloudWatchEndpoint {
  readonly endpoint: string;
  /** A CloudWatchClient for this endpoint (fake credentials, no retries). */
  client(): CloudWatchClient;
  /** Operations received, for tests. */
  readonly calls: string[];
  close(): Promise<void>;
}

/**
 * The part of the CloudWatch API the alarm router and the console read,
 * served on loopback from the sandbox evaluator's alarms, in the AWS JSON 1.0
 * protocol the v3 SDK speaks (`x-amz-target: GraniteServiceVersion20100801.<Op>`):
 * DescribeAlarms (names, prefix, state filter, paging),
 * ListTagsForResource, and GetMetricData of plain metric queries from the
 * sandbox's metric store (what the router reads for a quality page's top
 * invalid reasons). The alarm configuration is what PutMetricAlarm /
 * PutCompositeAlarm would have written from the same definitions.
 *
 * (test/support/cloudwatch-server.ts is a wider test stand-in with faults;
 * this one only serves the sandbox's own alarms and metrics.)
 */
export async function startCloudWatchEndpoint(
  alarms: () => readonly EvaluatedAlarm[],
  metrics?: Pick<MetricStore, 'datapoint'>,
): Promise<CloudWatchEndpoint> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, 'InternalFailure', error instanceof Error ? error.message : String(error), 500));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    calls.push(op);
    if (calls.length > 1000) calls.splice(0, 500);
    const text = Buffer.concat(chunks).toString('utf8');
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    const input: Record<string, unknown> = typeof parsed === 'object' && parsed !== null ? Object.fromEntries(Object.entries(parsed)) : {};
    if (op === 'DescribeAlarms') return send(res, describe(input, alarms()));
    if (op === 'ListTagsForResource') {
      const arn = String(input['ResourceARN'] ?? '');
      const alarm = alarms().find((a) => arnOfAlarm(a.definition.name) === arn);
      if (alarm === undefined) return sendError(res, 'ResourceNotFound', `${arn} is not an alarm of the sandbox`);
      return send(res, { Tags: Object.entries(alarm.definition.tags).map(([Key, Value]) => ({ Key, Value })) });
    }
    if (op === 'GetMetricData' && metrics !== undefined) {
      const result = metricData(input, metrics);
      return typeof result === 'string' ? sendError(res, 'InvalidParameterValue', result) : send(res, result);
    }
    return sendError(res, 'InvalidAction', `the sandbox's CloudWatch serves DescribeAlarms, ListTagsForResource and GetMetricData, not ${op}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    calls,
    client: () => new CloudWatchClient({ endpoint, region: SANDBOX_REGION, credentials: SANDBOX_CREDENTIALS, maxAttempts: 1 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function describe(input: Record<string, unknown>, all: readonly EvaluatedAlarm[]): unknown {
  const names = Array.isArray(input['AlarmNames']) ? input['AlarmNames'].map(String) : undefined;
  const state = typeof input['StateValue'] === 'string' ? input['StateValue'] : undefined;
  const prefix = typeof input['AlarmNamePrefix'] === 'string' ? input['AlarmNamePrefix'] : undefined;
  const pageSize = typeof input['MaxRecords'] === 'number' ? input['MaxRecords'] : 50;
  const start = typeof input['NextToken'] === 'string' ? Number(input['NextToken']) : 0;
  const matching = all
    .filter((a) => (names === undefined || names.includes(a.definition.name)) && (state === undefined || a.state === state) && (prefix === undefined || a.definition.name.startsWith(prefix)))
    .sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  const page = matching.slice(start, start + pageSize);
  const common = (a: EvaluatedAlarm): Record<string, unknown> => ({
    AlarmName: a.definition.name,
    AlarmArn: arnOfAlarm(a.definition.name),
    AlarmDescription: a.definition.description,
    StateValue: a.state,
    StateReason: a.reason,
    StateUpdatedTimestamp: a.since / 1000,
    StateTransitionedTimestamp: a.since / 1000,
    ActionsEnabled: true,
  });
  const metric: unknown[] = [];
  const composite: unknown[] = [];
  for (const a of page) {
    const def = a.definition;
    if (def.kind === 'composite') {
      const { Tags: _tags, ...config } = toPutCompositeAlarmInput(def);
      composite.push({ ...config, ...common(a) });
    } else {
      const { Tags: _tags, ...config } = toPutMetricAlarmInput(def);
      metric.push({ ...config, ...common(a) });
    }
  }
  return { MetricAlarms: metric, CompositeAlarms: composite, ...(start + pageSize < matching.length ? { NextToken: String(start + pageSize) } : {}) };
}

/** GetMetricData over the store: MetricStat queries only (the sandbox's readers send no expressions here). */
function metricData(input: Record<string, unknown>, metrics: Pick<MetricStore, 'datapoint'>): unknown {
  const start = input['StartTime'];
  const end = input['EndTime'];
  if (typeof start !== 'number' || typeof end !== 'number' || end <= start) return 'StartTime and EndTime must be epoch seconds, StartTime first';
  const queries = Array.isArray(input['MetricDataQueries']) ? (input['MetricDataQueries'] as unknown[]) : [];
  const results = queries.map((raw) => {
    const q = (typeof raw === 'object' && raw !== null ? raw : {}) as { Id?: string; MetricStat?: { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] }; Period?: number; Stat?: string } };
    const stat = q.MetricStat;
    const period = stat?.Period ?? 60;
    const metric: MetricName = {
      namespace: stat?.Metric?.Namespace ?? '',
      metricName: stat?.Metric?.MetricName ?? '',
      dimensions: Object.fromEntries((stat?.Metric?.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
    };
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let t = Math.floor(start / period) * period; t < end; t += period) {
      const v = stat === undefined ? undefined : metrics.datapoint(metric, stat.Stat ?? 'Average', t * 1000, period);
      if (v === undefined) continue;
      timestamps.push(t);
      values.push(v);
    }
    // Newest first, as CloudWatch answers by default.
    return { Id: q.Id, Label: metric.metricName, StatusCode: 'Complete', Timestamps: timestamps.reverse(), Values: values.reverse() };
  });
  return { MetricDataResults: results, Messages: [] };
}

function send(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, code: string, message: string, status = 400): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${code};Sender` });
  res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message }));
}
