import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AthenaClient } from '@aws-sdk/client-athena';

/**
 * A loopback stand-in for Athena's AWS JSON 1.1 API (`x-amz-target:
 * AmazonAthena.<Operation>`): StartQueryExecution, GetQueryExecution (walks
 * through the states a test scripts), GetQueryResults (paged, header row
 * first, every value as text — as Athena sends them) and StopQueryExecution.
 * Tests drive the real AthenaClient against it.
 */
export interface ScriptedQuery {
  /** States GetQueryExecution reports, one per call; the last one repeats. */
  readonly states: readonly ('QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED')[];
  readonly reason?: string;
  readonly errorCategory?: number;
  readonly columns?: readonly string[];
  /** Result rows; null is an SQL NULL (no VarCharValue). */
  readonly rows?: readonly (readonly (string | null)[])[];
}

export interface StartedQuery {
  readonly id: string;
  readonly queryString: string;
  readonly database?: string;
  readonly workGroup?: string;
  readonly outputLocation?: string;
}

export interface FakeAthena {
  readonly endpoint: string;
  /** What the next StartQueryExecution runs. */
  next: ScriptedQuery;
  /** Answer StartQueryExecution with this AWS error instead. */
  startError?: { readonly status: number; readonly type: string; readonly message: string };
  readonly started: StartedQuery[];
  readonly stopped: string[];
  readonly operations: string[];
  client(): AthenaClient;
  close(): Promise<void>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function startAthenaServer(options: { readonly pageSize?: number } = {}): Promise<FakeAthena> {
  const pageSize = options.pageSize ?? 3;
  const queries = new Map<string, { script: ScriptedQuery; polls: number }>();
  let counter = 0;
  let endpoint = '';

  const fake: FakeAthena = {
    get endpoint() {
      return endpoint;
    },
    next: { states: ['SUCCEEDED'], columns: [], rows: [] },
    started: [],
    stopped: [],
    operations: [],
    client: () =>
      new AthenaClient({
        region: 'eu-west-1',
        endpoint: fake.endpoint,
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': String(Buffer.byteLength(text)),
      'x-amzn-requestid': `req-${counter}`,
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(text);
  };
  const error = (res: ServerResponse, status: number, type: string, message: string): void => send(res, status, { __type: type, Message: message }, type);

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonAthena.') ? target.slice('AmazonAthena.'.length) : '';
    fake.operations.push(operation);
    let input: unknown;
    try {
      input = JSON.parse(raw);
    } catch {
      return error(res, 400, 'SerializationException', 'body is not JSON');
    }
    if (!isObject(input)) return error(res, 400, 'SerializationException', 'body is not an object');
    const id = str(input['QueryExecutionId']) ?? '';
    switch (operation) {
      case 'StartQueryExecution': {
        if (fake.startError) return error(res, fake.startError.status, fake.startError.type, fake.startError.message);
        counter++;
        const newId = `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
        const context = isObject(input['QueryExecutionContext']) ? input['QueryExecutionContext'] : {};
        const result = isObject(input['ResultConfiguration']) ? input['ResultConfiguration'] : {};
        const database = str(context['Database']);
        const workGroup = str(input['WorkGroup']);
        const outputLocation = str(result['OutputLocation']);
        fake.started.push({
          id: newId,
          queryString: str(input['QueryString']) ?? '',
          ...(database ? { database } : {}),
          ...(workGroup ? { workGroup } : {}),
          ...(outputLocation ? { outputLocation } : {}),
        });
        queries.set(newId, { script: fake.next, polls: 0 });
        return send(res, 200, { QueryExecutionId: newId });
      }
      case 'GetQueryExecution': {
        const q = queries.get(id);
        if (q === undefined) return error(res, 400, 'InvalidRequestException', `QueryExecution ${id} was not found`);
        const states = q.script.states;
        const state = states[Math.min(q.polls, states.length - 1)] ?? 'SUCCEEDED';
        q.polls++;
        const status: Record<string, unknown> = { State: fake.stopped.includes(id) ? 'CANCELLED' : state, SubmissionDateTime: 1795311600 };
        if (q.script.reason) status['StateChangeReason'] = q.script.reason;
        if (q.script.errorCategory !== undefined) status['AthenaError'] = { ErrorCategory: q.script.errorCategory, ErrorType: 1301, ErrorMessage: q.script.reason ?? '' };
        return send(res, 200, {
          QueryExecution: { QueryExecutionId: id, Status: status, Statistics: { DataScannedInBytes: 7_340_032, EngineExecutionTimeInMillis: 1234 } },
        });
      }
      case 'GetQueryResults': {
        const q = queries.get(id);
        if (q === undefined) return error(res, 400, 'InvalidRequestException', `QueryExecution ${id} was not found`);
        const columns = q.script.columns ?? [];
        const header = columns.map((c) => ({ VarCharValue: c }));
        const all = [header, ...(q.script.rows ?? []).map((row) => row.map((v) => (v === null ? {} : { VarCharValue: v })))];
        const start = Number(str(input['NextToken']) ?? '0');
        const size = Math.min(pageSize, typeof input['MaxResults'] === 'number' ? input['MaxResults'] : pageSize);
        const page = all.slice(start, start + size);
        const next = start + size < all.length ? String(start + size) : undefined;
        return send(res, 200, {
          ResultSet: {
            Rows: page.map((Data) => ({ Data })),
            ResultSetMetadata: { ColumnInfo: columns.map((Name) => ({ Name, Label: Name, Type: 'varchar', CatalogName: 'hive', SchemaName: '', TableName: '' })) },
          },
          ...(next ? { NextToken: next } : {}),
          UpdateCount: 0,
        });
      }
      case 'StopQueryExecution':
        fake.stopped.push(id);
        return send(res, 200, {});
      default:
        return error(res, 400, 'UnknownOperationException', `unknown operation ${target}`);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  return fake;
}
