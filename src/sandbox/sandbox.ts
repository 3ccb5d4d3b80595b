import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import { CloudWatchAlarmStateReader } from '../aws/alarm-states.js';
import { SqsQueueReader } from '../aws/queues.js';
import { createAuditTrail, localActor, type AuditTrail } from '../audit/index.js';
import { alarmPrefixOf, loadConfig, type Config } from '../config/index.js';
import type { AlarmHistoryReader, AlarmStateReader, HealthSnapshot, IncidentReader, QueueReader } from '../domain/health.js';
import type { Log } from '../domain/log.js';
import { silentLog } from '../domain/log.js';
import { collectHealth } from '../health/collect.js';
import { request } from '../notify/http.js';
import { createAlarmRouterHandler } from '../paging/lambda.js';
import { catalogFromConfig } from '../pipeline-alarms/index.js';
import { createClassifier } from '../quality/check/index.js';
import { loadTrackingPlan } from '../quality/plan/index.js';
import { alarmStateChangeEvent } from './alarm-events.js';
import { AlarmEvaluator, SANDBOX_ACCOUNT, SANDBOX_REGION, type AlarmChange } from './alarm-evaluator.js';
import { SandboxClock } from './clock.js';
import { SANDBOX_CREDENTIALS, startCloudWatchEndpoint, type CloudWatchEndpoint } from './cloudwatch-endpoint.js';
import { inboxIncidentReader } from './incidents.js';
import { MetricStore } from './metric-store.js';
import { startPagerDutyServer, type PagerDutyServer } from './pagerduty-inbox.js';
import { HEALTHY, SandboxPipeline, type PipelineCounts, type PipelineFaults } from './pipeline.js';
import { DEFAULT_TRAFFIC, EventProducer, type TrafficSettings } from './producer.js';
import { Random } from './random.js';
import { startSlackServer, type SlackServer } from './slack-inbox.js';

export interface SandboxOptions {
  /** Sandbox seconds per real second; default 10 (the console), scenarios use 120. */
  readonly speed?: number;
  readonly seed?: number;
  /** `tripline.config.yaml` to use; default the one in `cwd`. */
  readonly configFile?: string;
  /** Where the config, tracking plan and runbooks are looked up; default the process's. */
  readonly cwd?: string;
  /** Audit trail and redrive backups go here (created); default `.tripline/sandbox` under `cwd`. */
  readonly workDir?: string;
  readonly traffic?: Partial<TrafficSettings>;
  /** Sandbox minutes of healthy history made before the sandbox opens (sparklines, alarm baselines); default 40. */
  readonly warmupMinutes?: number;
  /** Real milliseconds between ticks; default 200. */
  readonly tickMs?: number;
  readonly log?: Log;
}

/** One line of the sandbox's timeline (the scenarios' JSON). */
export interface TimelineEvent {
  /** Sandbox time, ISO-8601. */
  readonly at: string;
  /** Real milliseconds since the sandbox opened. */
  readonly realMs: number;
  readonly type: 'sandbox' | 'fault' | 'alarm' | 'pagerduty' | 'slack' | 'runbook' | 'redrive' | 'router' | 'accounting' | 'expectation';
  readonly [key: string]: unknown;
}

/** Where every produced event is, per pipeline and in total. */
export interface Accounting {
  readonly pipelines: Readonly<Record<string, PipelineCounts & { inStream: number; inFailedQueue: number; inDlq: number }>>;
  readonly produced: number;
  readonly processed: number;
  readonly invalid: number;
  readonly inStream: number;
  readonly inQueues: number;
  /** produced − processed − invalid − in the stream − in queues: 0 when none is lost. */
  readonly unaccounted: number;
}

const ROUTING_KEY = 'sandboxroutingkey000000000000000';
const SLACK_TOKEN = 'xoxb-sandbox-not-a-real-token';
const MAX_RECEIVE_COUNT = 3;

/**
 * The local pipeline behind `tripline sandbox` and `npm start`: the real
 * code on loopback, no AWS account.
 *
 * - local-aws-sqs holds each pipeline's failed-event queue and DLQ (RedrivePolicy, maxReceiveCount 3);
 * - per pipeline a producer, processor (with the quality monitor's code) and retry processor ({@link SandboxPipeline});
 * - a {@link MetricStore} answers the console's metric queries and the alarms' datapoints;
 * - the shipped alarms (`catalogFromConfig`) are evaluated as CloudWatch does ({@link AlarmEvaluator});
 *   each transition is sent as an EventBridge event into the real alarm-router handler with the config's routes;
 * - the router reaches a local PagerDuty Events API and Slack Web API, and reads the alarms back from a
 *   loopback CloudWatch (DescribeAlarms, ListTagsForResource).
 *
 * @example
 * const sandbox = await Sandbox.start({ speed: 120 });
 * sandbox.setFaults('web', { processorBroken: true });
 * await sandbox.until(() => sandbox.pagerduty.openIncidents().length > 0, 10 * 60_000);
 * await sandbox.stop();
 */
export class Sandbox {
  readonly clock: SandboxClock;
  readonly config: Config;
  readonly configSource: string;
  readonly metrics: MetricStore;
  readonly evaluator: AlarmEvaluator;
  readonly pipelines: ReadonlyMap<string, SandboxPipeline>;
  readonly pagerduty: PagerDutyServer;
  readonly slack: SlackServer;
  readonly cloudwatch: CloudWatchEndpoint;
  readonly sqs: SQSClient;
  readonly sqsEndpoint: string;
  readonly audit: AuditTrail;
  readonly workDir: string;
  /** Where runbooks are read from. */
  readonly runbooksDir: string;
  readonly readers: {
    readonly metrics: MetricStore;
    readonly queues: QueueReader;
    readonly alarms: AlarmStateReader;
    readonly history: AlarmHistoryReader;
    readonly incidents: IncidentReader & { all(): ReturnType<ReturnType<typeof inboxIncidentReader>['all']> };
  };
  readonly timeline: TimelineEvent[] = [];

  readonly #servers: { sqs: Server };
  readonly #router: (event: unknown) => Promise<unknown>;
  readonly #tickMs: number;
  readonly #log: Log;
  readonly #listeners = new Set<(e: TimelineEvent) => void>();
  #lastEvaluated: number;
  #running = false;
  #loop: Promise<void> | undefined;
  #routing: Promise<void> = Promise.resolve();
  #pdSeen = 0;
  #slackSeen = 0;
  #seq = 0;
  #tickError: unknown;

  private constructor(parts: SandboxParts) {
    this.clock = parts.fields.clock;
    this.config = parts.fields.config;
    this.configSource = parts.fields.configSource;
    this.metrics = parts.fields.metrics;
    this.evaluator = parts.fields.evaluator;
    this.pipelines = parts.fields.pipelines;
    this.pagerduty = parts.fields.pagerduty;
    this.slack = parts.fields.slack;
    this.cloudwatch = parts.fields.cloudwatch;
    this.sqs = parts.fields.sqs;
    this.sqsEndpoint = parts.fields.sqsEndpoint;
    this.audit = parts.fields.audit;
    this.workDir = parts.fields.workDir;
    this.runbooksDir = parts.fields.runbooksDir;
    this.readers = parts.fields.readers;
    this.#servers = parts.servers;
    this.#router = parts.router;
    this.#tickMs = parts.tickMs;
    this.#log = parts.log;
    this.#lastEvaluated = parts.lastEvaluated;
  }

  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    const cwd = options.cwd ?? process.cwd();
    const log = options.log ?? silentLog;
    const { config, source } = await loadConfig({ env: {}, cwd, ...(options.configFile !== undefined ? { file: options.configFile } : {}) });
    const configFile = path.resolve(cwd, options.configFile ?? 'tripline.config.yaml');
    const baseDir = path.dirname(configFile);
    if (Object.keys(config.pipelines).length === 0) {
      throw new Error(`${source} defines no pipelines: the sandbox runs the pipelines of tripline.config.yaml (see the example in the repository)`);
    }
    const workDir = path.resolve(cwd, options.workDir ?? '.tripline/sandbox');
    const speed = options.speed ?? 10;
    const warmupMs = (options.warmupMinutes ?? 40) * 60_000;
    const clock = new SandboxClock({ speed });
    const opensAt = clock.now();
    const startAt = opensAt - warmupMs;
    const random = new Random(options.seed ?? 1);
    const metrics = new MetricStore();

    // SQS: local-aws-sqs on loopback; queue URLs carry the port, so it is set once the server listens.
    const handler = createRequestHandler({ port: 0, hostname: '127.0.0.1', region: SANDBOX_REGION, accountId: SANDBOX_ACCOUNT, emulateQueueCreationLifecycle: false });
    const sqsServer = createServer((req, res) => void handler.requestHandler(req, res));
    await new Promise<void>((resolve) => sqsServer.listen(0, '127.0.0.1', resolve));
    const sqsPort = (sqsServer.address() as AddressInfo).port;
    handler.service.PORT = sqsPort;
    const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: SANDBOX_REGION, credentials: SANDBOX_CREDENTIALS, maxAttempts: 2 });

    const plan = await loadTrackingPlan(path.resolve(baseDir, config.quality.trackingPlan), { pii: { enabled: config.quality.pii.enabled } });
    const classifier = createClassifier({ plan, dedupKey: config.quality.dedupKey, clockSkewMs: config.quality.clockSkewSeconds * 1000 });
    const traffic: TrafficSettings = { ...DEFAULT_TRAFFIC, ...options.traffic };

    const pipelines = new Map<string, SandboxPipeline>();
    for (const [name, pipeline] of Object.entries(config.pipelines)) {
      const dlq = await createQueue(sqs, pipeline.dlq, { MessageRetentionPeriod: '1209600' });
      const failed = await createQueue(sqs, pipeline.failedQueue, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: MAX_RECEIVE_COUNT }) });
      pipelines.set(
        name,
        new SandboxPipeline({
          name,
          config: pipeline,
          sqs,
          queues: { failed: failed.url, dlq: dlq.url },
          store: metrics,
          producer: new EventProducer({ plan, classifier, random, platform: name, allowedLatenessMs: config.quality.allowedLatenessSeconds * 1000 }),
          classifier,
          accumulator: { allowedLatenessMs: config.quality.allowedLatenessSeconds * 1000, correctSkewWithSentAt: config.quality.correctSkewWithSentAt, segmentCap: config.quality.segmentCap },
          qualityNamespace: pipeline.qualityNamespace,
          qualityDimensions: pipeline.qualityDimensions ?? { Pipeline: name },
          random,
          traffic,
          start: startAt,
        }),
      );
    }

    const catalog = catalogFromConfig(config);
    const evaluator = new AlarmEvaluator(catalog.alarms, metrics, { start: startAt });
    const pagerduty = await startPagerDutyServer();
    const channels = config.paging.receivers.flatMap((r) => (r.slack?.channel !== undefined ? [r.slack.channel, r.slack.channel.replace(/^#/, '')] : []));
    const slack = await startSlackServer({ token: SLACK_TOKEN, channels });
    const cloudwatch = await startCloudWatchEndpoint(() => evaluator.alarms(), metrics);
    const router = createAlarmRouterHandler({
      log,
      env: {
        TRIPLINE_CONFIG_FILE: configFile,
        PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
        PAGERDUTY_EVENTS_URL: pagerduty.url,
        SLACK_API_URL: slack.url,
        SLACK_BOT_TOKEN: SLACK_TOKEN,
        AWS_REGION: SANDBOX_REGION,
      },
      // node:http for the notifiers (what the Lambda bundle's pdjs transport does too), so plain-http loopback inboxes work however the CLI was loaded.
      transports: { cloudWatch: cloudwatch.client(), http: request },
    });

    const prefixes = Object.fromEntries(Object.entries(config.pipelines).map(([n, p]) => [alarmPrefixOf(n, p), n]));
    const incidents = inboxIncidentReader(pagerduty);
    const sandbox = new Sandbox({
      fields: {
        clock,
        config,
        configSource: source,
        metrics,
        evaluator,
        pipelines,
        pagerduty,
        slack,
        cloudwatch,
        sqs,
        sqsEndpoint,
        audit: createAuditTrail({ file: path.join(workDir, 'audit.jsonl'), actor: { arn: `sandbox:${localActor().arn.replace(/^local:/, '')}` }, now: () => clock.date() }),
        workDir,
        runbooksDir: path.resolve(baseDir, config.console.runbooks),
        readers: {
          metrics,
          queues: new SqsQueueReader(sqs),
          alarms: new CloudWatchAlarmStateReader(cloudwatch.client(), { pipelineByPrefix: prefixes }),
          history: evaluator,
          incidents,
        },
      },
      servers: { sqs: sqsServer },
      router: (event) => router(event),
      tickMs: options.tickMs ?? 200,
      log,
      lastEvaluated: startAt,
    });
    // History before the sandbox opens: healthy traffic, the alarms settle (their transitions are history, not pages).
    for (let t = startAt + 10_000; t <= opensAt; t += 10_000) {
      for (const p of pipelines.values()) await p.tick(t, { sqs: false });
      sandbox.#evaluate(t, false);
    }
    sandbox.record('sandbox', { what: 'opened', speed, seed: options.seed ?? 1, config: source, pipelines: [...pipelines.keys()], alarms: catalog.alarms.length });
    sandbox.#running = true;
    sandbox.#loop = sandbox.#run();
    return sandbox;
  }

  /** Adds to the timeline (and tells listeners). */
  record(type: TimelineEvent['type'], fields: Record<string, unknown>): TimelineEvent {
    const event: TimelineEvent = { at: this.clock.date().toISOString(), realMs: this.clock.elapsedRealMs(), type, ...fields };
    this.timeline.push(event);
    for (const l of this.#listeners) l(event);
    return event;
  }

  onEvent(listener: (e: TimelineEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Changes what is wrong with one pipeline; recorded on the timeline. */
  setFaults(pipeline: string, patch: Partial<PipelineFaults>, label?: string): void {
    const p = this.pipelines.get(pipeline);
    if (p === undefined) throw new RangeError(`no pipeline "${pipeline}" in the sandbox; it runs ${[...this.pipelines.keys()].join(', ')}`);
    p.faults = { ...p.faults, ...patch, overrides: { ...p.faults.overrides, ...patch.overrides } };
    this.record('fault', { pipeline, fault: label ?? Object.keys(patch).join(','), faults: describeFaults(p.faults) ?? 'none' });
  }

  /** Every pipeline back to healthy. */
  clearFaults(): void {
    for (const [name, p] of this.pipelines) {
      if (describeFaults(p.faults) === undefined) continue;
      p.faults = HEALTHY;
      this.record('fault', { pipeline: name, fault: 'cleared', faults: 'none' });
    }
  }

  /** "web: processor broken · ios: silent", or undefined when all is healthy (the console's banner). */
  faultSummary(): string | undefined {
    const parts = [...this.pipelines].flatMap(([name, p]) => {
      const d = describeFaults(p.faults);
      return d === undefined ? [] : [`${name}: ${d}`];
    });
    return parts.length === 0 ? undefined : parts.join(' · ');
  }

  /** One console refresh at sandbox time. */
  snapshot(): Promise<HealthSnapshot> {
    return collectHealth(
      { metrics: this.readers.metrics, queues: this.readers.queues, alarms: this.readers.alarms, incidents: this.readers.incidents },
      { pipelines: this.config.pipelines, environment: 'sandbox', account: SANDBOX_ACCOUNT, region: SANDBOX_REGION, now: this.clock.date() },
    );
  }

  /** Resolves when `check` holds (polled every tick); rejects after `timeoutSandboxMs` of sandbox time. */
  async until(check: () => boolean | Promise<boolean>, timeoutSandboxMs: number, what = 'the condition'): Promise<void> {
    const end = this.clock.now() + timeoutSandboxMs;
    for (;;) {
      if (this.#tickError !== undefined) throw this.#tickError;
      if (await check()) return;
      if (this.clock.now() > end) throw new Error(`timed out after ${Math.round(timeoutSandboxMs / 60_000)} sandbox minutes waiting for ${what}`);
      await new Promise((r) => setTimeout(r, this.#tickMs / 2));
    }
  }

  /** Lets `sandboxMs` of sandbox time pass. */
  wait(sandboxMs: number): Promise<void> {
    return this.clock.sleep(sandboxMs);
  }

  /** Messages in a queue, in flight or not (local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages). */
  async depth(queueName: string): Promise<number> {
    const url = (await this.readers.queues.stats(queueName)).url;
    const out = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
    return Number(out.Attributes?.['ApproximateNumberOfMessages'] ?? 0);
  }

  /** Stops the producers (traffic 0) so the pipelines drain. */
  stopTraffic(): void {
    for (const p of this.pipelines.values()) p.faults = { ...p.faults, silent: true };
    this.record('sandbox', { what: 'traffic stopped' });
  }

  /** Where every produced event is. Call after the pipelines drained (nothing in flight). */
  async accounting(): Promise<Accounting> {
    const pipelines: Record<string, PipelineCounts & { inStream: number; inFailedQueue: number; inDlq: number }> = {};
    let produced = 0;
    let processed = 0;
    let invalid = 0;
    let inStream = 0;
    let inQueues = 0;
    for (const [name, p] of this.pipelines) {
      const inFailedQueue = await this.depth(p.config.failedQueue);
      const inDlq = await this.depth(p.config.dlq);
      pipelines[name] = { ...p.counts, inStream: p.backlog, inFailedQueue, inDlq };
      produced += p.counts.produced;
      processed += p.counts.processed;
      invalid += p.counts.invalid;
      inStream += p.backlog;
      inQueues += inFailedQueue + inDlq;
    }
    return { pipelines, produced, processed, invalid, inStream, inQueues, unaccounted: produced - processed - invalid - inStream - inQueues };
  }

  /** Waits for alarm events still being routed. */
  async settle(): Promise<void> {
    await this.#routing;
  }

  /** Stops time's effects: no more ticks or evaluations (the servers stay up, e.g. for a final count). */
  async pause(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async stop(): Promise<void> {
    await this.pause();
    await this.#routing.catch(() => undefined);
    await Promise.all([
      this.pagerduty.close(),
      this.slack.close(),
      this.cloudwatch.close(),
      new Promise<void>((resolve) => {
        this.#servers.sqs.closeAllConnections();
        this.#servers.sqs.close(() => resolve());
      }),
    ]);
    this.sqs.destroy();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const began = Date.now();
      try {
        const now = this.clock.now();
        await Promise.all([...this.pipelines.values()].map((p) => p.tick(now, { sqs: true })));
        this.#evaluate(now, true);
        this.#watchInboxes();
      } catch (error) {
        this.#tickError = error;
        this.#log.error('sandbox tick failed', { error: error instanceof Error ? error.message : String(error) });
      }
      const rest = this.#tickMs - (Date.now() - began);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
  }

  /** CloudWatch evaluates alarms once a minute: every minute boundary since the last evaluation. */
  #evaluate(now: number, dispatch: boolean): void {
    const minute = 60_000;
    for (let t = Math.floor(this.#lastEvaluated / minute) * minute + minute; t <= now; t += minute) {
      const changes = this.evaluator.evaluate(t);
      this.#lastEvaluated = t;
      for (const change of changes) {
        if (dispatch) this.#dispatch(change);
      }
    }
  }

  /** EventBridge → the router, one event at a time, as its Lambda would see them. */
  #dispatch(change: AlarmChange): void {
    this.record('alarm', { alarm: change.definition.name, from: change.from, to: change.to, reason: change.reason });
    const event = alarmStateChangeEvent(change, ++this.#seq);
    this.#routing = this.#routing.then(async () => {
      try {
        const summary = await this.#router(event);
        this.#log.debug('alarm routed', { alarm: change.definition.name, summary });
      } catch (error) {
        this.record('router', { alarm: change.definition.name, error: error instanceof Error ? error.message : String(error) });
      }
      this.#watchInboxes();
    });
  }

  #watchInboxes(): void {
    while (this.#pdSeen < this.pagerduty.accepted.length) {
      const e = this.pagerduty.accepted[this.#pdSeen++];
      if (e === undefined) continue;
      this.record('pagerduty', { action: e.event_action, dedupKey: e.dedup_key, summary: e.payload?.summary, severity: e.payload?.severity });
    }
    while (this.#slackSeen < this.slack.messages.length) {
      const m = this.slack.messages[this.#slackSeen++];
      if (m === undefined) continue;
      this.record('slack', { channel: m.channel, thread: m.thread_ts !== undefined, text: m.text });
    }
  }
}

interface SandboxParts {
  readonly fields: {
    clock: SandboxClock;
    config: Config;
    configSource: string;
    metrics: MetricStore;
    evaluator: AlarmEvaluator;
    pipelines: ReadonlyMap<string, SandboxPipeline>;
    pagerduty: PagerDutyServer;
    slack: SlackServer;
    cloudwatch: CloudWatchEndpoint;
    sqs: SQSClient;
    sqsEndpoint: string;
    audit: AuditTrail;
    workDir: string;
    runbooksDir: string;
    readers: Sandbox['readers'];
  };
  readonly servers: { sqs: Server };
  readonly router: (event: unknown) => Promise<unknown>;
  readonly tickMs: number;
  readonly log: Log;
  readonly lastEvaluated: number;
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = out.QueueUrl ?? '';
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: attrs.Attributes?.['QueueArn'] ?? '' };
}

function describeFaults(f: PipelineFaults): string | undefined {
  const parts: string[] = [];
  if (f.processorBroken) parts.push(`processor broken (${Math.round(f.failShare * 100)}% fail)`);
  if (f.silent) parts.push('silent');
  if ((f.overrides.rateFactor ?? 1) !== 1) parts.push(`traffic ×${f.overrides.rateFactor ?? 1}`);
  if (f.overrides.badRelease !== undefined) parts.push(`bad release ${f.overrides.badRelease.appVersion} (${Math.round(f.overrides.badRelease.share * 100)}% invalid)`);
  if (f.overrides.duplicateShare !== undefined) parts.push(`duplicate storm (${Math.round(f.overrides.duplicateShare * 100)}%)`);
  if (f.overrides.skewShare !== undefined) parts.push(`skewed clocks (${Math.round(f.overrides.skewShare * 100)}%)`);
  return parts.length === 0 ? undefined : parts.join(', ');
}
