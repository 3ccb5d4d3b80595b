import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeBundle } from '../support/invoke-bundle.js';

/**
 * The built bundle (dist/lambdas/quality-monitor/index.mjs, with the tracking
 * plan npm run build copies beside it), invoked the way Lambda does — one
 * warm container, several batches — with a loopback stand-in for SQS
 * SendMessageBatch (AWS JSON 1.0) as the quarantine queue.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE_DIR = path.join(REPO, 'dist', 'lambdas', 'quality-monitor');

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return Object.fromEntries(Object.entries(value));
}

const sample = asRecord(JSON.parse(readFileSync(path.join(REPO, 'test/fixtures/kinesis/stream-one-record.json'), 'utf8')), 'fixture')['Records'];
const TEMPLATE = asRecord(Array.isArray(sample) ? sample[0] : undefined, 'Records[0]');
const TEMPLATE_KINESIS = asRecord(TEMPLATE['kinesis'], 'Records[0].kinesis');

/** Records on aws-powertools' stream-one-record.json, one per NDJSON text, sequence numbers from `offset`. */
function kinesisEvent(texts: readonly string[], offset: number, gzip: readonly number[] = []): { Records: unknown[] } {
  const first = BigInt(String(TEMPLATE_KINESIS['sequenceNumber']));
  return {
    Records: texts.map((text, i) => {
      const sequenceNumber = String(first + BigInt(offset + i));
      const bytes = gzip.includes(i) ? gzipSync(text) : Buffer.from(text);
      return {
        ...TEMPLATE,
        eventID: `shardId-000000000006:${sequenceNumber}`,
        kinesis: { ...TEMPLATE_KINESIS, sequenceNumber, partitionKey: `anon-${i}`, data: bytes.toString('base64') },
      };
    }),
  };
}

function view(eventId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    eventId,
    eventName: 'page_viewed',
    anonymousId: 'anon-1',
    // Freshness is measured against the bundle's clock: received 20 s ago.
    timestamp: new Date(Date.now() - 30_000).toISOString(),
    receivedAt: new Date(Date.now() - 20_000).toISOString(),
    properties: { path: '/pricing' },
    context: { platform: 'web' },
    ...extra,
  });
}

interface Emf {
  readonly _aws: { readonly CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  readonly [key: string]: unknown;
}

function emfIn(logs: string): Emf[] {
  return logs
    .split('\n')
    .filter((line) => line.startsWith('{"_aws"'))
    .map((line) => {
      const doc = asRecord(JSON.parse(line), 'EMF document');
      const aws = asRecord(doc['_aws'], '_aws');
      if (!Array.isArray(aws['CloudWatchMetrics'])) throw new Error('no CloudWatchMetrics');
      return doc as Emf;
    });
}

describe('quality-monitor bundle', () => {
  let server: Server;
  let queueUrl = '';
  const received: { body: string; attributes: Record<string, string> }[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(BUNDLE_DIR, 'index.mjs')) || !existsSync(path.join(BUNDLE_DIR, 'tracking-plan'))) {
      throw new Error('dist/lambdas/quality-monitor is missing or has no tracking-plan/: run node scripts/build.mjs --quiet');
    }
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = asRecord(JSON.parse(Buffer.concat(chunks).toString('utf8')), 'SendMessageBatch request');
        const entries = Array.isArray(request['Entries']) ? request['Entries'].map((e: unknown) => asRecord(e, 'entry')) : [];
        const ok = req.headers['x-amz-target'] === 'AmazonSQS.SendMessageBatch' && request['QueueUrl'] === queueUrl;
        if (!ok) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAddress', message: 'unexpected' }));
          return;
        }
        const successful = entries.map((e) => {
          const body = String(e['MessageBody']);
          const attributes = Object.fromEntries(Object.entries(asRecord(e['MessageAttributes'] ?? {}, 'attributes')).map(([k, v]) => [k, String(asRecord(v, k)['StringValue'])]));
          received.push({ body, attributes });
          return { Id: e['Id'], MessageId: `m-${received.length}`, MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex') };
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ Successful: successful, Failed: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    queueUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/123456789012/tripline-quarantine`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    nock.enableNetConnect();
  });

  it('checks batches in one warm container: EMF per scope, duplicates across batches, a quarantined sample', async () => {
    const env = {
      TRIPLINE_QUALITY_CONFIG: JSON.stringify({ publish: { namespace: 'Tripline/Quality', dimensions: { Pipeline: 'web' } } }),
      TRIPLINE_QUARANTINE_QUEUE_URL: queueUrl,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_MAX_ATTEMPTS: '1',
    };
    const first = kinesisEvent([`${view('e-1')}\n${view('e-2')}`, view('e-3'), '{"eventId": "broken'], 0, [0]);
    const second = kinesisEvent([view('e-2'), view('e-4')], 3);
    const notKinesis = { Records: [{ messageId: 'm-1', eventSource: 'aws:sqs', body: '{}' }] };

    const { outcomes, logs } = await invokeBundle('quality-monitor', [first, second, notKinesis], env);

    expect(outcomes[0]).toEqual({ ok: true, result: { batchItemFailures: [] } });
    expect(outcomes[1]).toEqual({ ok: true, result: { batchItemFailures: [] } });
    expect(outcomes[2]).toMatchObject({ ok: false, error: { name: 'InputError', message: expect.stringContaining('not a Kinesis stream event') } });

    const overall = emfIn(logs).filter((d) => JSON.stringify(d._aws.CloudWatchMetrics[0]?.Dimensions) === '[["Pipeline"]]');
    expect(overall.map((d) => [d['Events'], d['InvalidEvents'], d['DuplicateEvents']])).toEqual([
      [4, 1, 0],
      [2, 0, 1],
    ]);
    expect(overall.every((d) => d._aws.CloudWatchMetrics[0]?.Namespace === 'Tripline/Quality' && d['Pipeline'] === 'web')).toBe(true);
    expect(overall.every((d) => typeof d['FreshnessSeconds'] === 'number' && d['FreshnessSeconds'] < 120)).toBe(true);
    expect(emfIn(logs).some((d) => d['EventName'] === 'page_viewed' && d['Platform'] === 'web')).toBe(true);

    expect(received).toEqual([
      {
        body: '{"eventId": "broken',
        attributes: expect.objectContaining({ reason: 'unparseable_json', partitionKey: 'anon-2', shardId: 'shardId-000000000006', line: '1' }) as unknown as Record<string, string>,
      },
    ]);
    // The plan came from beside the bundle.
    expect(logs).toContain(`"trackingPlan":"${path.join(BUNDLE_DIR, 'tracking-plan')}"`);
  }, 60_000);
});
