import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Pipeline } from '../config/pipelines.js';
import { functionNameOf, queueNameOf, streamNameOf } from '../health/queries.js';
import type { Classifier } from '../quality/check/index.js';
import { DedupWindow, processKinesisBatch, writeQualityEmf, type EmfWriter, type QualityMetricUnit } from '../quality/monitor/index.js';
import type { MetricName, MetricStore } from './metric-store.js';
import type { EventProducer, ProducerOverrides, TrafficSettings } from './producer.js';
import type { Random } from './random.js';

/** What is wrong with one pipeline right now (the fault keys and scenarios set these). */
export interface PipelineFaults {
  /** The processor (and the retry processor, which runs the same code) fails events. */
  readonly processorBroken: boolean;
  /** Share of events the broken processor fails. */
  readonly failShare: number;
  /** The platform's SDKs send nothing (an SDK release, DNS, a client config). */
  readonly silent: boolean;
  readonly overrides: ProducerOverrides;
}

export const HEALTHY: PipelineFaults = { processorBroken: false, failShare: 0.3, silent: false, overrides: {} };

/** Where every event produced went (the scenarios' "none lost" accounting). */
export interface PipelineCounts {
  produced: number;
  /** Processed by the processor, or later by the retry processor. */
  processed: number;
  /** Classified invalid against the tracking plan: counted, not processed. */
  invalid: number;
  /** Sent to the failed-event queue by the processor. */
  failed: number;
  /** Of those, processed by the retry processor. */
  retried: number;
}

export interface QueueUrls {
  readonly failed: string;
  readonly dlq: string;
}


interface InStream {
  readonly line: string;
  readonly arrivedAt: number;
}

/** Processor capacity: this many times the normal rate (a spike beyond it builds lag). */
const CAPACITY_FACTOR = 2.5;
/** Events a processor Lambda invocation takes (the event source mapping's batch size). */
const BATCH_SIZE = 25;
/** Firehose's buffer interval (sandbox time). */
const FIREHOSE_BUFFER_MS = 120_000;
/** ReceiveMessage calls the retry processor makes per tick. */
const RETRY_RECEIVES_PER_TICK = 4;

/**
 * One platform's pipeline in the sandbox: SDKs (the producer) → the Kinesis
 * stream (in memory) → the processor, which runs the quality monitor's real
 * code on each batch (processKinesisBatch, EMF into the metric store) and
 * sends the events it fails to the failed-event queue (local-aws-sqs) → the
 * retry processor, which fails them again while the processor is broken, so
 * SQS's RedrivePolicy moves them to the DLQ after `maxReceiveCount` receives.
 * Firehose and the collector are modelled only by the metrics they emit.
 *
 * Each `tick` advances the pipeline to sandbox time `now` and writes the
 * metrics CloudWatch would have (AWS/Kinesis, AWS/Lambda, AWS/SQS,
 * AWS/Firehose, AWS/ApiGateway and the quality namespace).
 */
export class SandboxPipeline {
  readonly name: string;
  readonly config: Pipeline;
  readonly counts: PipelineCounts = { produced: 0, processed: 0, invalid: 0, failed: 0, retried: 0 };
  faults: PipelineFaults = HEALTHY;
  traffic: TrafficSettings;
  /** Invalid events by reason, as the quality monitor classified them, since the pipeline started. */
  readonly invalidByReason = new Map<string, number>();

  readonly #stream: InStream[] = [];
  readonly #firehose: number[] = [];
  readonly #deps: PipelineDeps;
  readonly #window = new DedupWindow(200_000);
  #lastTick: number;
  #capacityCarry = 0;
  #sequence = 0;
  #lastFirehoseDelivery: number;
  readonly #oldestSince = new Map<string, number>();

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
    this.name = deps.name;
    this.config = deps.config;
    this.traffic = deps.traffic;
    this.#lastTick = deps.start;
    this.#lastFirehoseDelivery = deps.start;
  }

  /** Events in the stream not yet read by the processor. */
  get backlog(): number {
    return this.#stream.length;
  }

  /** Advances to `now`; with `sqs` false (the warm-up before the sandbox opens) no queue is touched. */
  async tick(now: number, options: { readonly sqs: boolean }): Promise<void> {
    const from = this.#lastTick;
    if (now <= from) return;
    this.#lastTick = now;
    const { store } = this.#deps;
    const m = this.#metrics;

    // SDKs → collector → stream.
    const produced = this.faults.silent ? [] : this.#deps.producer.produce(from, now, this.traffic, this.faults.overrides);
    this.counts.produced += produced.length;
    for (const e of produced) {
      this.#stream.push({ line: e.line, arrivedAt: e.receivedAt });
      this.#firehose.push(e.receivedAt);
    }
    if (produced.length > 0) {
      const requests = Math.max(1, Math.round(produced.length / 5));
      store.put(m.collector('Count'), requests, now);
      store.put(m.collector('4XXError'), 0, now);
      store.put(m.collector('5XXError'), 0, now);
      for (let i = 0; i < Math.min(requests, 20); i++) store.put(m.collector('Latency'), 40 + this.#deps.random.int(0, 120), now);
    }

    // Processor: reads what its capacity allows.
    this.#capacityCarry += (Math.max(this.traffic.eventsPerMinute, 10) * CAPACITY_FACTOR * (now - from)) / 60_000;
    const take = Math.min(this.#stream.length, Math.floor(this.#capacityCarry));
    this.#capacityCarry -= take;
    if (this.#stream.length === 0) this.#capacityCarry = Math.min(this.#capacityCarry, BATCH_SIZE);
    const batch = this.#stream.splice(0, take);
    const oldest = batch[0]?.arrivedAt;
    if (batch.length > 0) await this.#process(batch, now);
    const lagMs = this.#stream[0] !== undefined ? now - this.#stream[0].arrivedAt : oldest !== undefined ? now - oldest : 0;
    store.put(m.kinesis, lagMs, now);
    if (batch.length > 0) store.put(m.lambda('IteratorAge'), lagMs, now);

    // Firehose: the oldest record not yet delivered; a delivery every buffer interval.
    if (this.#firehose.length > 0) {
      store.put(m.firehose('DeliveryToS3.DataFreshness'), Math.round((now - (this.#firehose[0] ?? now)) / 1000), now);
      if (now - this.#lastFirehoseDelivery >= FIREHOSE_BUFFER_MS) {
        this.#firehose.length = 0;
        this.#lastFirehoseDelivery = now;
        store.put(m.firehose('DeliveryToS3.Success'), 1, now);
      }
    } else this.#lastFirehoseDelivery = now;

    if (options.sqs) {
      await this.#retry(now);
      await this.#sampleQueues(now);
    } else {
      for (const q of [this.config.failedQueue, this.config.dlq]) {
        store.put(m.sqs('ApproximateNumberOfMessagesVisible', q), 0, now);
        store.put(m.sqs('ApproximateAgeOfOldestMessage', q), 0, now);
      }
    }
  }

  async #process(batch: readonly InStream[], now: number): Promise<void> {
    const { store, classifier } = this.#deps;
    const m = this.#metrics;
    // The quality monitor's own code, on the batch as Lambda would deliver it.
    const event = {
      Records: batch.map((r) => ({
        eventSource: 'aws:kinesis',
        eventID: `shardId-000000000000:${++this.#sequence}`,
        eventSourceARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${this.config.stream}`,
        kinesis: { sequenceNumber: String(this.#sequence), partitionKey: this.name, data: Buffer.from(`${r.line}\n`).toString('base64'), approximateArrivalTimestamp: r.arrivedAt / 1000 },
      })),
    };
    const result = await processKinesisBatch(event, {
      classifier,
      window: this.#window,
      now: () => new Date(now),
      ...(this.#deps.accumulator !== undefined ? { accumulator: this.#deps.accumulator } : {}),
    });
    if (result.report.total > 0) {
      writeQualityEmf(result.report, emfInto(store, now, this.#deps.qualityNamespace), this.#deps.qualityDimensions);
      for (const [reason, n] of Object.entries(result.report.invalidByReason)) {
        if (n > 0) this.invalidByReason.set(reason, (this.invalidByReason.get(reason) ?? 0) + n);
      }
    }

    // The processor: invalid events are dropped (counted), valid ones processed or, while broken, failed.
    const failures: string[] = [];
    let invocations = 0;
    let errors = 0;
    for (let i = 0; i < batch.length; i += BATCH_SIZE) {
      invocations++;
      let failedHere = false;
      for (const r of batch.slice(i, i + BATCH_SIZE)) {
        if (!classifier.line(r.line).valid) {
          this.counts.invalid++;
          continue;
        }
        if (this.faults.processorBroken && this.#deps.random.next() < this.faults.failShare) {
          failures.push(r.line);
          failedHere = true;
        } else this.counts.processed++;
      }
      if (failedHere) errors++;
    }
    store.put(m.lambda('Invocations'), invocations, now);
    store.put(m.lambda('Errors'), errors, now);
    store.put(m.lambda('Throttles'), 0, now);
    if (failures.length > 0) await this.#sendFailed(failures, now);
  }

  async #sendFailed(lines: readonly string[], now: number): Promise<void> {
    const { sqs } = this.#deps;
    for (let i = 0; i < lines.length; i += 10) {
      const chunk = lines.slice(i, i + 10);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#deps.queues.failed,
          Entries: chunk.map((body, j) => ({
            Id: String(j),
            MessageBody: body,
            MessageAttributes: {
              errorType: { DataType: 'String', StringValue: 'EnrichmentError' },
              errorMessage: { DataType: 'String', StringValue: "TypeError: Cannot read properties of undefined (reading 'country') in enrichGeo" },
              failedAt: { DataType: 'String', StringValue: new Date(now).toISOString() },
            },
          })),
        }),
      );
      const sent = (out.Successful ?? []).length;
      this.counts.failed += sent;
      // A send that failed is an event the processor would retry: it stays counted as processed later, never lost.
      this.counts.processed += chunk.length - sent;
    }
  }

  /** The retry processor: while the processor is broken its receives fail, and SQS moves each message to the DLQ after maxReceiveCount. */
  async #retry(now: number): Promise<void> {
    const { sqs } = this.#deps;
    for (let i = 0; i < RETRY_RECEIVES_PER_TICK; i++) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: this.#deps.queues.failed, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 }));
      const messages = (out.Messages ?? []).filter((msg) => msg.ReceiptHandle !== undefined);
      if (messages.length === 0) return;
      const entries = messages.map((msg, j) => ({ Id: String(j), ReceiptHandle: msg.ReceiptHandle ?? '' }));
      if (this.faults.processorBroken) {
        await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#deps.queues.failed, Entries: entries.map((e) => ({ ...e, VisibilityTimeout: 0 })) }));
        this.#deps.store.put(this.#metrics.retryLambda('Errors'), 1, now);
      } else {
        const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.#deps.queues.failed, Entries: entries }));
        const n = (deleted.Successful ?? []).length;
        this.counts.processed += n;
        this.counts.retried += n;
      }
    }
  }

  async #sampleQueues(now: number): Promise<void> {
    const { store, sqs } = this.#deps;
    for (const [name, url] of [
      [this.config.failedQueue, this.#deps.queues.failed],
      [this.config.dlq, this.#deps.queues.dlq],
    ] as const) {
      const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      const visible = Number(out.Attributes?.['ApproximateNumberOfMessages'] ?? 0);
      store.put(this.#metrics.sqs('ApproximateNumberOfMessagesVisible', name), visible, now);
      // CloudWatch's age of the oldest message, approximated: how long the queue has not been empty.
      if (visible === 0) this.#oldestSince.delete(name);
      else if (!this.#oldestSince.has(name)) this.#oldestSince.set(name, now);
      store.put(this.#metrics.sqs('ApproximateAgeOfOldestMessage', name), Math.round((now - (this.#oldestSince.get(name) ?? now)) / 1000), now);
    }
  }

  get #metrics() {
    const c = this.config;
    const api: Record<string, string> = c.collector !== undefined ? { ApiName: c.collector.apiName, ...(c.collector.stage !== undefined ? { Stage: c.collector.stage } : {}) } : {};
    return {
      collector: (metricName: string): MetricName => ({ namespace: 'AWS/ApiGateway', metricName, dimensions: api }),
      kinesis: { namespace: 'AWS/Kinesis', metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: { StreamName: streamNameOf(c.stream) } },
      lambda: (metricName: string): MetricName => ({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionNameOf(c.processor) } }),
      retryLambda: (metricName: string): MetricName => ({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionNameOf(c.retryProcessor ?? `${c.processor}-retry`) } }),
      sqs: (metricName: string, queue: string): MetricName => ({ namespace: 'AWS/SQS', metricName, dimensions: { QueueName: queueNameOf(queue) } }),
      firehose: (metricName: string): MetricName => ({ namespace: 'AWS/Firehose', metricName, dimensions: { DeliveryStreamName: c.firehose ?? '' } }),
    };
  }
}

export interface PipelineDeps {
  readonly name: string;
  readonly config: Pipeline;
  readonly sqs: SQSClient;
  readonly queues: QueueUrls;
  readonly store: MetricStore;
  readonly producer: EventProducer;
  readonly classifier: Classifier;
  readonly accumulator?: { readonly allowedLatenessMs: number; readonly correctSkewWithSentAt: boolean; readonly segmentCap: number };
  readonly qualityNamespace: string;
  readonly qualityDimensions: Readonly<Record<string, string>>;
  readonly random: Random;
  readonly traffic: TrafficSettings;
  /** Sandbox epoch ms the pipeline starts at. */
  readonly start: number;
}

/** Powertools Metrics' EMF surface, writing into the metric store at sandbox time `at`. */
function emfInto(store: MetricStore, at: number, namespace: string): EmfWriter {
  let dimensions: Record<string, string> = {};
  const pending: { name: string; value: number }[] = [];
  return {
    addDimensions(d) {
      dimensions = { ...d };
    },
    addMetric(name: string, _unit: QualityMetricUnit, value: number) {
      pending.push({ name, value });
    },
    publishStoredMetrics() {
      for (const p of pending) store.put({ namespace, metricName: p.name, dimensions }, p.value, at);
      pending.length = 0;
      dimensions = {};
    },
    clearDefaultDimensions() {},
  };
}
