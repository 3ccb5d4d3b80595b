import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { generate } from '../../bench/dq/generate.js';
import { reportDatums } from '../../src/aws/metrics-publisher.js';
import { recordingLog } from '../../src/domain/log.js';
import type { QualityReport } from '../../src/domain/quality.js';
import { ConfigError, InputError } from '../../src/errors.js';
import { createClassifier, type Classifier } from '../../src/quality/check/index.js';
import {
  createQualityMonitorHandler,
  DedupWindow,
  processKinesisBatch,
  writeQualityEmf,
  type KinesisBatchDeps,
} from '../../src/quality/monitor/index.js';
import { SqsQuarantine, quarantineBatches, MAX_BATCH_BYTES, MAX_MESSAGE_BYTES } from '../../src/quality/monitor/quarantine.js';
import { loadTrackingPlan } from '../../src/quality/plan/index.js';
import type { TrackingPlan } from '../../src/quality/plan/index.js';

/*
 * The quality monitor's logic on Lambda Kinesis events built from public
 * samples (test/fixtures/kinesis: the envelope is what Lambda sends; only
 * `data` and the sequence numbers change), with the repository's tracking
 * plan, a real SQS client against an SQS stand-in (nock, AWS JSON 1.0), and
 * real Powertools Metrics writing EMF to stdout.
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PLAN_DIR = path.join(REPO, 'tracking-plan');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'kinesis');
const NOW = new Date('2026-11-22T03:00:00.000Z');
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tripline-quarantine';
const SQS_HOST = 'https://sqs.us-east-1.amazonaws.com';

// ---------------------------------------------------------------- events

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return Object.fromEntries(Object.entries(value));
}

function fixture(name: string): { Records: Record<string, unknown>[] } {
  const records = asRecord(JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')), name)['Records'];
  if (!Array.isArray(records)) throw new Error(`${name} is not a Kinesis event`);
  return { Records: records.map((r: unknown, i) => asRecord(r, `${name} Records[${i}]`)) };
}

const TEMPLATE = fixture('stream-one-record.json').Records[0] ?? {};
const TEMPLATE_KINESIS = asRecord(TEMPLATE['kinesis'], 'stream-one-record.json kinesis');
const FIRST_SEQUENCE = BigInt(String(TEMPLATE_KINESIS['sequenceNumber']));

/** What a record carries: events as NDJSON lines, raw text or bytes, or a `data` string as given. */
type RecordData = readonly object[] | string | Uint8Array | { readonly rawData: unknown };

interface BuildOptions {
  /** Added to the template's sequence number for the first record. */
  readonly offset?: number;
  /** Record indexes whose data is gzipped. */
  readonly gzip?: readonly number[];
  readonly partitionKey?: string;
}

/** A Lambda Kinesis event: one record per entry, on aws-powertools' stream-one-record.json record. */
function kinesisEvent(datas: readonly RecordData[], options: BuildOptions = {}): { Records: Record<string, unknown>[] } {
  return {
    Records: datas.map((data, i) => {
      const sequenceNumber = String(FIRST_SEQUENCE + BigInt((options.offset ?? 0) + i));
      let encoded: unknown;
      if (typeof data === 'object' && data !== null && 'rawData' in data) {
        encoded = data.rawData;
      } else {
        let bytes: Uint8Array =
          typeof data === 'string' ? Buffer.from(data, 'utf8') : data instanceof Uint8Array ? data : Buffer.from(ndjson(data), 'utf8');
        if (options.gzip?.includes(i) === true) bytes = gzipSync(bytes);
        encoded = Buffer.from(bytes).toString('base64');
      }
      return {
        ...TEMPLATE,
        eventID: `shardId-000000000006:${sequenceNumber}`,
        kinesis: { ...TEMPLATE_KINESIS, sequenceNumber, data: encoded, partitionKey: options.partitionKey ?? `user-${i}` },
      };
    }),
  };
}

function ndjson(events: readonly object[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n');
}

function sequenceOf(event: { Records: Record<string, unknown>[] }, i: number): string {
  return String(asRecord(event.Records[i]?.['kinesis'], `Records[${i}].kinesis`)['sequenceNumber']);
}

/** A valid page_viewed from the web, received 30 s before NOW. */
function pageView(eventId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId,
    eventName: 'page_viewed',
    anonymousId: 'anon-1',
    timestamp: '2026-11-22T02:59:20.000Z',
    receivedAt: '2026-11-22T02:59:30.000Z',
    properties: { path: '/pricing' },
    context: { platform: 'web', appVersion: '5.2.0' },
    ...overrides,
  };
}

/** A valid button_clicked from iOS. */
function buttonClick(eventId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId,
    eventName: 'button_clicked',
    userId: 'u-42',
    timestamp: '2026-11-22T02:58:00.000Z',
    receivedAt: '2026-11-22T02:58:05.000Z',
    properties: { button_id: 'checkout.pay', location: 'Cart' },
    context: { platform: 'ios' },
    ...overrides,
  };
}

// ---------------------------------------------------------------- wiring

let plan: TrackingPlan;
let classifier: Classifier;
beforeAll(async () => {
  plan = await loadTrackingPlan(PLAN_DIR);
  classifier = createClassifier({ plan });
});

function deps(overrides: Partial<KinesisBatchDeps> = {}): KinesisBatchDeps {
  return { classifier, window: new DedupWindow(10_000), now: () => NOW, ...overrides };
}

function segment(report: QualityReport, eventName: string, platform: string): QualityReport['segments'][number] | undefined {
  return report.segments.find((s) => s.segment['eventName'] === eventName && s.segment['platform'] === platform);
}

// ---------------------------------------------------------------- SQS stand-in

interface SentMessage {
  readonly body: string;
  readonly attributes: Record<string, string>;
}

interface SqsStandIn {
  /** Messages accepted, in order. */
  readonly sent: SentMessage[];
  /** SendMessageBatch calls received (entries per call). */
  readonly calls: number[];
  /** Total message bytes (body + attributes) per call. */
  readonly callBytes: number[];
}

type EntryFault = { readonly senderFault: boolean; readonly code: string };

/**
 * SQS SendMessageBatch on the AWS JSON 1.0 protocol (`x-amz-target:
 * AmazonSQS.SendMessageBatch`), answering with the MD5 of each body as SQS
 * does (the SDK checks it). `fail` answers a whole call with an error;
 * `entryFault` fails chosen entries inside a 200 response.
 */
function sqsStandIn(behaviour: { fail?: { status: number; type: string; message: string }; entryFault?: (index: number) => EntryFault | undefined } = {}): SqsStandIn {
  const standIn: SqsStandIn = { sent: [], calls: [], callBytes: [] };
  let seen = 0;
  nock(SQS_HOST)
    .persist()
    .post('/')
    .matchHeader('x-amz-target', 'AmazonSQS.SendMessageBatch')
    .reply((_uri, requestBody) => {
      const body: unknown = typeof requestBody === 'string' ? JSON.parse(requestBody) : requestBody;
      const request = body as { QueueUrl: string; Entries: { Id: string; MessageBody: string; MessageAttributes?: Record<string, { DataType: string; StringValue: string }> }[] };
      standIn.calls.push(request.Entries.length);
      standIn.callBytes.push(
        request.Entries.reduce(
          (sum, e) =>
            sum +
            Buffer.byteLength(e.MessageBody) +
            Object.entries(e.MessageAttributes ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v.DataType) + Buffer.byteLength(v.StringValue), 0),
          0,
        ),
      );
      if (request.QueueUrl !== QUEUE_URL) throw new Error(`unexpected queue ${request.QueueUrl}`);
      if (behaviour.fail !== undefined) {
        return [
          behaviour.fail.status,
          JSON.stringify({ __type: `com.amazonaws.sqs#${behaviour.fail.type}`, message: behaviour.fail.message }),
          { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `AWS.SimpleQueueService.${behaviour.fail.type};Sender` },
        ];
      }
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of request.Entries) {
        const fault = behaviour.entryFault?.(seen++);
        if (fault !== undefined) {
          Failed.push({ Id: entry.Id, SenderFault: fault.senderFault, Code: fault.code, Message: `${fault.code} for ${entry.Id}` });
          continue;
        }
        const attributes = Object.fromEntries(Object.entries(entry.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
        standIn.sent.push({ body: entry.MessageBody, attributes });
        Successful.push({
          Id: entry.Id,
          MessageId: `m-${standIn.sent.length}`,
          MD5OfMessageBody: createHash('md5').update(entry.MessageBody, 'utf8').digest('hex'),
        });
      }
      return [200, JSON.stringify({ Successful, Failed }), { 'content-type': 'application/x-amz-json-1.0' }];
    });
  return standIn;
}

function sqsClient(): SQSClient {
  return new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' }, maxAttempts: 1 });
}

function quarantine(): SqsQuarantine {
  return new SqsQuarantine({ client: sqsClient(), queueUrl: QUEUE_URL });
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

// ---------------------------------------------------------------- tests

describe('processKinesisBatch: the same metrics as tripline dq check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tripline-qm-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports exactly the generator's ground truth, one to three lines a record, every third record gzipped", async () => {
    const out = path.join(dir, 'events.ndjson');
    const truth = await generate({ events: 3000, out, seed: 11, planDir: PLAN_DIR, invalid: 0.08, duplicates: 0.05, late: 0.08 });
    const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
    const datas: string[] = [];
    for (let i = 0, n = 0; i < lines.length; n++) {
      const take = (n % 3) + 1;
      datas.push(lines.slice(i, i + take).join('\n'));
      i += take;
    }
    const event = kinesisEvent(datas, { gzip: datas.map((_, i) => i).filter((i) => i % 3 === 2) });

    const result = await processKinesisBatch(event, deps({ now: () => new Date(truth.now), window: new DedupWindow(100_000) }));

    const { inputs, ...report } = result.report;
    const { generator, ...expected } = truth;
    expect(report).toEqual(expected);
    expect(generator.events).toBe(3000);
    expect(inputs).toEqual([{ source: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream/shardId-000000000006', records: datas.length }]);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.records).toEqual({ received: datas.length, committed: datas.length });
  });

  it('counts the public samples as what they are: JSON that is no tracked event, and plain text', async () => {
    const one = await processKinesisBatch(fixture('stream-one-record.json'), deps());
    expect(one.report).toMatchObject({ total: 1, valid: 0, invalid: 1, invalidRate: 1, freshnessSeconds: null });
    expect(one.report.invalidByReason.missing_field).toBe(1);
    expect(one.batchItemFailures).toEqual([]);

    const java = await processKinesisBatch(fixture('kinesis-event-java.json'), deps());
    expect(java.report.invalidByReason.unparseable_json).toBe(1);
    expect(java.report.inputs).toEqual([{ source: 'arn:aws:kinesis:EXAMPLE/shardId-000000000000', records: 1 }]);

    // A tumbling-window event's extra members (window, state, shardId…) are ignored.
    const window = await processKinesisBatch(fixture('stream-two-records-tumbling-window.json'), deps());
    expect(window.report).toMatchObject({ total: 2, invalid: 2 });
    expect(window.report.segments).toEqual([expect.objectContaining({ segment: { eventName: '__none__', platform: 'unknown' }, total: 2 })]);
  });

  it('counts data that cannot be decoded as invalid events, not batch failures, and keeps counting the rest', async () => {
    const gzipped = gzipSync(Buffer.from(ndjson([pageView('e-1')])));
    const truncated = gzipped.subarray(0, gzipped.length - 9);
    const event = kinesisEvent([
      [pageView('e-0')],
      { rawData: 'not base64!' },
      truncated,
      '',
      ' \r\n\t\n',
      { rawData: null },
      Buffer.from([0x00, 0xff, 0xfe, 0x01]),
      `${'x'.repeat(1024 * 1024 + 1)}\n${JSON.stringify(pageView('e-2'))}`,
      [buttonClick('e-3')],
    ]);

    const result = await processKinesisBatch(event, deps());

    expect(result.batchItemFailures).toEqual([]);
    expect(result.report).toMatchObject({ total: 10, valid: 3, invalid: 7 });
    expect(result.report.invalidByReason.unparseable_json).toBe(7);
    expect(segment(result.report, 'page_viewed', 'web')?.valid).toBe(2);
    expect(segment(result.report, 'button_clicked', 'ios')?.valid).toBe(1);
    expect(result.report.freshnessSeconds).toBe(30);
  });

  it('reads several events a record, a BOM, CRLF line ends and gzip alike', async () => {
    const text = `\uFEFF${JSON.stringify(pageView('a'))}\r\n\r\n${JSON.stringify(buttonClick('b'))}\r\n`;
    const result = await processKinesisBatch(kinesisEvent([text, text.replace(/"a"/, '"c"').replace(/"b"/, '"d"')], { gzip: [1] }), deps());
    expect(result.report).toMatchObject({ total: 4, valid: 4, invalid: 0, duplicates: 0 });
  });

  it('measures freshness from the newest receivedAt of a valid event, and lateness per the config', async () => {
    const late = pageView('late', { timestamp: '2026-11-22T01:00:00.000Z', receivedAt: '2026-11-22T02:50:00.000Z' });
    const result = await processKinesisBatch(
      kinesisEvent([[late, buttonClick('b', { receivedAt: '2026-11-22T02:59:50.000Z' })]]),
      deps({ accumulator: { allowedLatenessMs: 600_000 } }),
    );
    expect(result.report).toMatchObject({ late: 1, lateRate: 0.5, freshnessSeconds: 10, newestReceivedAt: '2026-11-22T02:59:50.000Z' });
  });

  it('throws InputError for an event that is not from Kinesis, naming what is wrong', async () => {
    const sqs = { Records: [{ messageId: 'm-1', body: '{}', eventSource: 'aws:sqs' }] };
    await expect(processKinesisBatch(sqs, deps())).rejects.toThrow(InputError);
    await expect(processKinesisBatch(sqs, deps())).rejects.toThrow(/not a Kinesis stream event \(Records\[0\]\.eventSource: must be "aws:kinesis" \(got "aws:sqs"\)/);
    await expect(processKinesisBatch({ hello: 'world' }, deps())).rejects.toThrow(/Records: missing \(expected a list\)/);
  });
});

describe('processKinesisBatch: duplicates across batches', () => {
  it('finds an extra copy in a later batch of the same container, in its segment', async () => {
    const window = new DedupWindow(10_000);
    const first = await processKinesisBatch(kinesisEvent([[pageView('e-1'), buttonClick('e-2')]]), deps({ window }));
    const second = await processKinesisBatch(
      kinesisEvent([[buttonClick('e-2'), pageView('e-3')], [pageView('e-3'), pageView('e-4')]], { offset: 1 }),
      deps({ window }),
    );

    expect(first.report.duplicates).toBe(0);
    expect(second.report).toMatchObject({ total: 4, valid: 4, duplicates: 2, duplicateRate: 0.5 });
    expect(segment(second.report, 'button_clicked', 'ios')).toMatchObject({ duplicates: 1, duplicateRate: 1 });
    expect(segment(second.report, 'page_viewed', 'web')).toMatchObject({ duplicates: 1, valid: 3 });
  });

  it('keys on the configured dedup key, and never counts an invalid event as a copy', async () => {
    const bySource = createClassifier({ plan, dedupKey: ['context.source', 'eventId'] });
    const window = new DedupWindow(10_000);
    const web = pageView('same', { context: { platform: 'web', source: 'sdk-web' } });
    const server = pageView('same', { context: { platform: 'web', source: 'server' } });
    const broken = { ...pageView('same'), properties: { path: 42 } };
    const result = await processKinesisBatch(kinesisEvent([[web, server, web, broken]]), deps({ classifier: bySource, window }));
    expect(result.report).toMatchObject({ total: 4, valid: 3, invalid: 1, duplicates: 1 });
  });

  it('remembers a key for at least the next keysPerGeneration distinct keys, and forgets it after twice that', () => {
    const window = new DedupWindow(3);
    expect(window.add(1, 1)).toBe(true);
    for (const k of [2, 3, 4]) expect(window.add(k, k)).toBe(true); // the generation of 1, 2, 3 retires at 3
    expect(window.add(1, 1)).toBe(false); // still remembered
    for (const k of [5, 6, 7]) expect(window.add(k, k)).toBe(true); // 4, 5, 6 retire; 1, 2, 3 are dropped
    expect(window.add(2, 2)).toBe(true);
    expect(window.generationsDropped).toBe(1);
    expect(() => new DedupWindow(0)).toThrow(/dedup window of 0 keys: use a whole number from 1 to 50,000,000/);
  });
});

describe('processKinesisBatch: a record that throws', () => {
  it('returns it and every later record as batch item failures, and counts only the records before it', async () => {
    const exploding: Classifier = {
      line: (text) => {
        if (text.includes('"boom"')) throw new RangeError('Maximum call stack size exceeded');
        return classifier.line(text);
      },
      object: (value) => classifier.object(value),
    };
    const window = new DedupWindow(10_000);
    const log = recordingLog();
    const event = kinesisEvent([[pageView('e-1')], [pageView('boom')], [pageView('e-3')]]);

    const result = await processKinesisBatch(event, deps({ classifier: exploding, window, log }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(event, 1) }, { itemIdentifier: sequenceOf(event, 2) }]);
    expect(result.report).toMatchObject({ total: 1, valid: 1 });
    expect(result.records).toEqual({ received: 3, committed: 1, threw: { sequenceNumber: sequenceOf(event, 1), error: 'RangeError: Maximum call stack size exceeded' } });
    expect(log.records).toEqual([expect.objectContaining({ level: 'error', attributes: expect.objectContaining({ sequenceNumber: sequenceOf(event, 1), shardId: 'shardId-000000000006' }) })]);

    // Lambda delivers from the failed record on; nothing is counted twice, nothing taken for a copy.
    const retried = await processKinesisBatch({ Records: event.Records.slice(1) }, deps({ window }));
    expect(retried.report).toMatchObject({ total: 2, valid: 2, duplicates: 0 });
  });
});

describe('quarantine (SQS stand-in)', () => {
  it('forwards the first N invalid events with reason, detail, field, partition key and sequence number', async () => {
    const sqs = sqsStandIn();
    const bad = { ...pageView('bad-1'), properties: { path: 42 } };
    const event = kinesisEvent([[pageView('ok'), bad], '{"truncated": ', [{ ...buttonClick('x'), eventName: 'nope_event' }]], { partitionKey: 'device-7' });

    const result = await processKinesisBatch(event, deps({ quarantine: quarantine(), sampleSize: 2 }));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.report).toMatchObject({ total: 4, invalid: 3 });
    expect(result.quarantine).toMatchObject({ sampled: 2, sent: 2, retry: [], dropped: [] });
    expect(sqs.calls).toEqual([2]);
    expect(sqs.sent[0]).toEqual({
      body: JSON.stringify(bad),
      attributes: {
        reason: 'wrong_type',
        detail: expect.stringContaining('path') as unknown as string,
        field: 'properties.path',
        eventName: 'page_viewed',
        partitionKey: 'device-7',
        sequenceNumber: sequenceOf(event, 0),
        shardId: 'shardId-000000000006',
        streamArn: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
        line: '2',
      },
    });
    expect(sqs.sent[1]).toMatchObject({ body: '{"truncated": ', attributes: { reason: 'unparseable_json', sequenceNumber: sequenceOf(event, 1), line: '1' } });
  });

  it('sends base64 for data that is not text, and cuts big bodies to fit, ten entries and 256 KiB a call', async () => {
    const sqs = sqsStandIn();
    const big = `{"eventId": "${'z'.repeat(900_000)}`;
    const binary = Buffer.from([0x1f, 0x8c, 0x00, 0xff, 0x10]);
    const many = Array.from({ length: 11 }, (_, i) => `not json ${i}`);
    const event = kinesisEvent([big, binary, ...many]);

    const result = await processKinesisBatch(event, deps({ quarantine: quarantine(), sampleSize: 13 }));

    expect(result.quarantine).toMatchObject({ sampled: 13, sent: 13 });
    expect(sqs.sent).toHaveLength(13);
    expect(sqs.calls.every((n) => n <= 10)).toBe(true);
    expect(sqs.callBytes.every((n) => n <= MAX_BATCH_BYTES)).toBe(true);
    const [first, second] = sqs.sent;
    expect(big.startsWith(first?.body ?? '-')).toBe(true);
    expect(first?.attributes['note']).toMatch(/^body cut to fit 256 KiB: 2\d\d,\d{3} of 900,013 bytes$/);
    expect(Buffer.from(second?.body ?? '', 'base64')).toEqual(binary);
    expect(second?.attributes['note']).toBe('body is base64: the data is not valid UTF-8 text');
  });

  it('packs messages within SQS limits whatever their size', () => {
    const sample = (i: number, bytes: number) => ({
      recordIndex: i,
      record: { sequenceNumber: String(i), partitionKey: 'p', shardId: 'shardId-000000000000', streamArn: undefined },
      line: 1,
      reason: 'unparseable_json' as const,
      detail: 'd'.repeat(5000),
      body: Buffer.alloc(bytes, 0x61),
    });
    const batches = quarantineBatches([sample(0, 300_000), sample(1, 100_000), sample(2, 100_000), sample(3, 10), sample(4, 0)]);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(batch.reduce((n, m) => n + m.bytes, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      for (const m of batch) expect(m.bytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
    expect(batches.flat().map((m) => m.sample.recordIndex)).toEqual([0, 1, 2, 3, 4]);
    expect(batches.flat()[4]?.entry.MessageBody).toBe('(empty)');
    expect(batches.flat()[0]?.entry.MessageAttributes?.['detail']?.StringValue).toHaveLength(1024);
  });

  it('on a failure that may pass on retry, returns the records from the first sampled one and counts none of them', async () => {
    sqsStandIn({ fail: { status: 500, type: 'InternalError', message: 'We encountered an internal error. Please try again.' } });
    const window = new DedupWindow(10_000);
    const log = recordingLog();
    const event = kinesisEvent([[pageView('e-1')], [pageView('e-2'), { eventId: 'no-name' }], [pageView('e-3')]]);

    const result = await processKinesisBatch(event, deps({ quarantine: quarantine(), window, log }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(event, 1) }, { itemIdentifier: sequenceOf(event, 2) }]);
    expect(result.report).toMatchObject({ total: 1, valid: 1, invalid: 0 });
    expect(result.quarantine.retry).toHaveLength(1);
    expect(log.records.map((r) => r.level)).toEqual(['warn']);

    // Redelivered with SQS healthy again: counted once, no copies, sample sent.
    nock.cleanAll();
    const sqs = sqsStandIn();
    const retried = await processKinesisBatch({ Records: event.Records.slice(1) }, deps({ quarantine: quarantine(), window }));
    expect(retried.batchItemFailures).toEqual([]);
    expect(retried.report).toMatchObject({ total: 3, valid: 2, invalid: 1, duplicates: 0 });
    expect(sqs.sent.map((m) => m.attributes['reason'])).toEqual(['missing_field']);
  });

  it('retries entries SQS failed on its side, and drops (with an error log) entries it rejects', async () => {
    sqsStandIn({ entryFault: (i) => (i === 1 ? { senderFault: false, code: 'InternalError' } : i === 0 ? { senderFault: true, code: 'InvalidParameterValue' } : undefined) });
    const log = recordingLog();
    const event = kinesisEvent(['bad 0', [pageView('ok')], 'bad 2', 'bad 3']);

    const result = await processKinesisBatch(event, deps({ quarantine: quarantine(), log }));

    expect(result.quarantine).toMatchObject({ sampled: 3, sent: 1 });
    expect(result.quarantine.dropped.map((f) => f.code)).toEqual(['InvalidParameterValue']);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(event, 2) }, { itemIdentifier: sequenceOf(event, 3) }]);
    expect(result.report).toMatchObject({ total: 2, valid: 1, invalid: 1 });
    expect(log.records.map((r) => r.level).sort()).toEqual(['error', 'warn']);
  });

  it('drops the sample and keeps the batch when SQS refuses the call (access denied): retrying cannot help', async () => {
    sqsStandIn({ fail: { status: 403, type: 'AccessDenied', message: 'not authorized to perform: sqs:sendmessage' } });
    const log = recordingLog();
    const event = kinesisEvent(['bad', [pageView('ok')]]);

    const result = await processKinesisBatch(event, deps({ quarantine: quarantine(), log }));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.report).toMatchObject({ total: 2, valid: 1, invalid: 1 });
    expect(result.quarantine.dropped.map((f) => f.code)).toEqual([expect.stringMatching(/AccessDenied/)]);
    const error = log.records.find((r) => r.level === 'error');
    expect(error?.message).toMatch(/quarantine refused; these samples are dropped/);
    expect(JSON.stringify(error?.attributes)).toContain(sequenceOf(event, 0));
  });

  it('on a network error, sends nothing more and returns the records from the first sample', async () => {
    nock(SQS_HOST).post('/').replyWithError('socket hang up');
    const event = kinesisEvent([[pageView('ok')], 'bad', 'bad again']);
    const result = await processKinesisBatch(event, deps({ quarantine: quarantine() }));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([sequenceOf(event, 1), sequenceOf(event, 2)]);
    expect(result.report.total).toBe(1);
  });
});

describe('EMF (Powertools Metrics)', () => {
  let writes: string[];
  beforeEach(() => {
    writes = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
      writes.push(String(chunk));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  interface EmfDocument {
    readonly _aws: { readonly Timestamp: number; readonly CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
    readonly [key: string]: unknown;
  }
  function emfDocuments(): EmfDocument[] {
    return writes
      .flatMap((w) => w.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as EmfDocument);
  }

  it('writes the metrics tripline dq check --publish sends: same names, units, values and dimensions', async () => {
    const event = kinesisEvent([[pageView('a'), pageView('a'), buttonClick('b'), { eventId: 'x' }]]);
    const { report } = await processKinesisBatch(event, deps());
    const dimensions = { Pipeline: 'web' };

    const documents = writeQualityEmf(report, new Metrics({ namespace: 'Tripline/Quality', serviceName: 'tripline-quality-monitor' }), dimensions);

    const emf = emfDocuments();
    expect(emf).toHaveLength(documents);
    const fromEmf = emf.flatMap((doc) => {
      const directive = doc._aws.CloudWatchMetrics[0];
      const keys = directive?.Dimensions[0] ?? [];
      const dims = keys.map((k) => ({ Name: k, Value: doc[k] }));
      return (directive?.Metrics ?? []).map((m) => ({ MetricName: m.Name, Unit: m.Unit, Value: doc[m.Name], Dimensions: dims }));
    });
    const datums = reportDatums(report, dimensions, NOW).map(({ Timestamp: _, ...d }) => d);
    expect(fromEmf).toEqual(datums);
    // The invalid event ({ eventId: 'x' }) is counted under its reason too.
    expect(fromEmf.filter((d) => d.Dimensions.some((x) => x.Name === 'Reason'))).toEqual([
      { MetricName: 'InvalidEvents', Unit: 'Count', Value: 1, Dimensions: [{ Name: 'Pipeline', Value: 'web' }, { Name: 'Reason', Value: expect.any(String) }] },
    ]);
    expect(emf.every((doc) => doc._aws.CloudWatchMetrics[0]?.Namespace === 'Tripline/Quality')).toBe(true);
    // No `service` dimension: a metric with an extra dimension would be another metric.
    expect(emf.flatMap((doc) => doc._aws.CloudWatchMetrics[0]?.Dimensions ?? [])).toEqual([
      ['Pipeline'],
      ['Pipeline', 'Reason'],
      ['Pipeline', 'EventName', 'Platform'],
      ['Pipeline', 'EventName', 'Platform'],
      ['Pipeline', 'EventName', 'Platform'],
    ]);
  });

  it('the handler writes one document per scope in the config namespace, with freshness, and [[]] when there are no dimensions', async () => {
    const log = recordingLog();
    const handler = createQualityMonitorHandler({
      log,
      metricsFor: (namespace) => new Metrics({ namespace, serviceName: 'tripline-quality-monitor' }),
      handlerDir: REPO,
      env: { TRIPLINE_QUALITY_CONFIG: 'publish:\n  namespace: Acme/Tracking\n' },
      now: () => NOW,
    });

    const response = await handler(kinesisEvent([[pageView('a'), buttonClick('b')]]), { getRemainingTimeInMillis: () => 60_000 });

    expect(response).toEqual({ batchItemFailures: [] });
    const emf = emfDocuments();
    expect(emf.map((d) => d._aws.CloudWatchMetrics[0]?.Dimensions)).toEqual([[[]], [['EventName', 'Platform']], [['EventName', 'Platform']]]);
    expect(emf[0]).toMatchObject({ Events: 2, InvalidEvents: 0, InvalidRate: 0, FreshnessSeconds: 30 });
    expect(emf[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('Acme/Tracking');
    expect(emf[0]?._aws.CloudWatchMetrics[0]?.Metrics).toContainEqual({ Name: 'FreshnessSeconds', Unit: 'Seconds' });
    expect(log.records.map((r) => r.message)).toEqual(['quality monitor ready', 'quality batch checked']);
  });

  it('writes no data points for a batch of which nothing was counted', async () => {
    const handler = createQualityMonitorHandler({
      log: recordingLog(),
      metricsFor: (namespace) => new Metrics({ namespace, serviceName: 'tripline-quality-monitor' }),
      handlerDir: REPO,
      env: { TRIPLINE_QUARANTINE_QUEUE_URL: QUEUE_URL },
      sqs: sqsClient(),
      now: () => NOW,
    });
    sqsStandIn({ fail: { status: 503, type: 'ServiceUnavailable', message: 'try later' } });
    const event = kinesisEvent(['bad', [pageView('a')]]);

    const response = await handler(event);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([sequenceOf(event, 0), sequenceOf(event, 1)]);
    expect(emfDocuments()).toEqual([]);
  });
});

describe('wiring', () => {
  const metricsFor = (namespace: string) => new Metrics({ namespace, serviceName: 'tripline-quality-monitor' });

  it('names every bad environment variable at once', async () => {
    const handler = createQualityMonitorHandler({
      log: recordingLog(),
      metricsFor,
      handlerDir: REPO,
      env: { TRIPLINE_DEDUP_WINDOW_KEYS: 'lots', TRIPLINE_QUARANTINE_SAMPLE: '-1', TRIPLINE_QUARANTINE_QUEUE_URL: 'tripline-quarantine' },
    });
    const error: unknown = await handler(kinesisEvent([[pageView('a')]])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error instanceof ConfigError ? error.issues : []).toEqual([
      'TRIPLINE_DEDUP_WINDOW_KEYS: "lots" is not a whole number from 1 to 50,000,000',
      'TRIPLINE_QUARANTINE_SAMPLE: "-1" is not a whole number from 0 to 100',
      'TRIPLINE_QUARANTINE_QUEUE_URL: "tripline-quarantine" is not a queue URL; use https://sqs.<region>.amazonaws.com/<account>/<queue>',
    ]);
  });

  it('reports a bad quality section with its path, and retries wiring on the next invocation', async () => {
    const env: NodeJS.ProcessEnv = { TRIPLINE_QUALITY_CONFIG: JSON.stringify({ thresholds: { invalidRate: 2 }, segmentCapp: 3 }) };
    const handler = createQualityMonitorHandler({ log: recordingLog(), metricsFor, handlerDir: REPO, env, now: () => NOW });
    const error: unknown = await handler(kinesisEvent([[pageView('a')]])).catch((e: unknown) => e);
    expect(error instanceof ConfigError ? [...error.issues].sort() : error).toEqual([
      'quality.segmentCapp: unknown key; did you mean "segmentCap"?',
      'quality.thresholds.invalidRate: must be between 0 and 1',
    ]);

    env['TRIPLINE_QUALITY_CONFIG'] = JSON.stringify({ thresholds: { invalidRate: 0.2 } });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await expect(handler(kinesisEvent([[pageView('a')]]))).resolves.toEqual({ batchItemFailures: [] });
    vi.restoreAllMocks();
  });

  it('takes the quality section of a whole tripline config, and says where a missing tracking plan should be', async () => {
    const config = JSON.stringify({
      version: 1,
      paging: { receivers: [{ name: 'ops', slack: { channel: '#ops' } }], route: { receiver: 'ops' } },
      quality: { segmentCap: 1, publish: { namespace: 'Whole/Config' } },
    });
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
      writes.push(String(chunk));
      return true;
    });
    const handler = createQualityMonitorHandler({ log: recordingLog(), metricsFor, handlerDir: REPO, env: { TRIPLINE_CONFIG: config }, now: () => NOW });
    await handler(kinesisEvent([[pageView('a'), pageView('b'), buttonClick('c')]]));
    vi.restoreAllMocks();
    const emf = writes.filter((w) => w.includes('"_aws"')).map((w) => JSON.parse(w) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } });
    expect(emf.map((d) => d._aws.CloudWatchMetrics[0]?.Namespace)).toEqual(['Whole/Config', 'Whole/Config', 'Whole/Config']);
    expect(emf.map((d) => d._aws.CloudWatchMetrics[0]?.Dimensions)).toEqual([[[]], [['EventName', 'Platform']], [['Segment']]]);

    const missing = createQualityMonitorHandler({ log: recordingLog(), metricsFor, handlerDir: REPO, env: { TRIPLINE_CONFIG: config, TRIPLINE_TRACKING_PLAN: 'no-such-plan' } });
    await expect(missing(kinesisEvent([[pageView('a')]]))).rejects.toThrow(/no-such-plan: cannot read the tracking plan/);
  });
});
