import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
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
}

export type CloudWatchFault = 'AccessDenied' | 'Throttling' | 'ExpiredToken';

export interface CloudWatchServer {
  readonly endpoint: string;
  readonly alarms: Map<string, FakeAlarm>;
  /** Operation names received, in order. */
  readonly calls: string[];
  /** PutMetricData requests, as received. */
  readonly published: { readonly namespace: string; readonly metricData: readonly Record<string, unknown>[] }[];
  failNext(...faults: CloudWatchFault[]): void;
  /** A CloudWatchClient wired to this server with fake credentials. */
  client(): CloudWatchClient;
  close(): Promise<void>;
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
    if (op === 'PutMetricData') {
      const data = Array.isArray(input['MetricData']) ? input['MetricData'] : [];
      if (data.length > 1000) return sendError(res, 'InvalidParameterValue');
      published.push({
        namespace: String(input['Namespace'] ?? ''),
        metricData: data.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null),
      });
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
    });
    return {
      MetricAlarms: page
        .filter((a) => a.kind === 'metric')
        .map((a) => ({
          ...common(a),
          Namespace: a.namespace ?? 'AWS/SQS',
          MetricName: a.metricName ?? 'ApproximateNumberOfMessagesVisible',
          Dimensions: Object.entries(a.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
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

function send(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, code: CloudWatchFault | 'ResourceNotFound' | 'InvalidAction' | 'InvalidParameterValue'): void {
  const status = code === 'Throttling' ? 400 : code === 'AccessDenied' || code === 'ExpiredToken' ? 403 : 400;
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-query-error': `${code};Sender`,
  });
  res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message: `${code} (test stand-in)` }));
}
