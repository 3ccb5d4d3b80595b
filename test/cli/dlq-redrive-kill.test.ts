import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Message } from '@aws-sdk/client-sqs';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, tripline } from '../support/cli.js';
import { startSqsEmulator, type SqsEmulator, type TestQueue } from '../support/sqs-emulator.js';
import { startStsServer, type StsServer } from '../support/sts-server.js';

/**
 * Conservation under SIGKILL: `tripline dlq redrive --selective --yes` is
 * killed at random points — at its k-th SQS request (the request still
 * reaches SQS, its answer never comes back) or after a random delay — and
 * afterwards every original message must be in the DLQ, the destination, or
 * both (a duplicate, counted), with its message attributes and FIFO group
 * id, and backed up before it reached the destination. A second, complete
 * run then empties the DLQ; on FIFO queues the deterministic deduplication
 * id means no message arrives twice.
 */

const RUNS_PER_KIND = 12;
const MESSAGES = 40;
/** Receive visibility in the killed runs: how long their in-flight messages stay hidden. */
const VISIBILITY_SECONDS = 1;
const CONCURRENCY = 12;
/** How long the test's own look at a queue hides its messages. */
const HIDE_SECONDS = 1;

let sqs: SqsEmulator;
let sts: StsServer;
let cwd: string;
const seed = Number(process.env['TRIPLINE_KILL_SEED'] ?? Date.now() % 1_000_000);
let state = seed;
/** Deterministic for a given seed (printed on failure), so a failing run can be replayed. */
function random(): number {
  state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
  return state / 2_147_483_648;
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  [sqs, sts] = await Promise.all([startSqsEmulator(), startStsServer()]);
  cwd = await mkdtemp(path.join(tmpdir(), 'tripline-dlq-kill-'));
});

afterAll(async () => {
  await Promise.all([sqs.close(), sts.close()]);
  await rm(cwd, { recursive: true, force: true });
  nock.enableNetConnect();
});

interface Original {
  readonly body: string;
  readonly errorType: string;
  readonly seq: string;
  readonly groupId?: string;
}

interface RunResult {
  readonly name: string;
  readonly kill: string;
  readonly killed: boolean;
  readonly duplicates: number;
  readonly inDestination: number;
  readonly afterRerun: { readonly dlq: number; readonly destination: number; readonly duplicates: number };
}

function env(): Record<string, string> {
  return {
    ...sqs.env(),
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    TRIPLINE_REDRIVE_VISIBILITY_SECONDS: String(VISIBILITY_SECONDS),
    TRIPLINE_REDRIVE_WAIT_SECONDS: '0',
  };
}

/** Runs the CLI and SIGKILLs it at the `killAt`-th request about its queues, or after `killAfterMs`. */
async function killedRun(args: readonly string[], queues: readonly string[], plan: { killAt?: number; killAfterMs?: number }): Promise<boolean> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '', ...env() }, stdio: ['ignore', 'ignore', 'ignore'] });
  let killed = false;
  const kill = (): void => {
    if (child.exitCode === null && !killed) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  let seen = 0;
  const off = sqs.onRequest((r) => {
    if (plan.killAt !== undefined && r.queue !== undefined && queues.includes(r.queue) && ++seen === plan.killAt) kill();
  });
  const timer = plan.killAfterMs !== undefined ? setTimeout(kill, plan.killAfterMs) : undefined;
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  off();
  if (timer) clearTimeout(timer);
  return killed;
}

function key(m: Message): string {
  return m.Body ?? '';
}

async function oneRun(fifo: boolean, index: number): Promise<RunResult> {
  const name = `kill${fifo ? 'f' : 's'}${index}`;
  // The test reads the destination to check it: a high maxReceiveCount keeps those reads from sending messages back to the DLQ.
  const pair = await sqs.createPair(name, { fifo, maxReceiveCount: 1000 });
  const originals: Original[] = Array.from({ length: MESSAGES }, (_, i) => ({
    body: JSON.stringify({ run: name, i }),
    errorType: ['Timeout', 'Schema', 'Throttled'][i % 3] ?? 'Timeout',
    seq: String(i),
    ...(fifo ? { groupId: `g${i % 4}` } : {}),
  }));
  await sqs.seed(
    pair.dlq,
    originals.map((o, i) => ({
      body: o.body,
      attributes: { errorType: { DataType: 'String', StringValue: o.errorType }, seq: { DataType: 'Number', StringValue: o.seq } },
      ...(o.groupId ? { groupId: o.groupId, dedupId: `${name}-${i}` } : {}),
    })),
  );
  const backup = path.join(cwd, `${name}.ndjson`);
  const args = ['dlq', 'redrive', pair.dlq.name, '--selective', '--yes', '--backup', backup];
  // Killed at a request while moving (6th–18th: receives, sends, deletes), during the startup checks
  // (1st–5th), or at a random time; a killed request still reaches SQS, its answer never returns.
  const pick = random();
  const plan =
    pick < 0.6 ? { killAt: 6 + Math.floor(random() * 13) } : pick < 0.8 ? { killAt: 1 + Math.floor(random() * 5) } : { killAfterMs: 300 + Math.floor(random() * 1700) };
  const killed = await killedRun(args, [pair.dlq.name, pair.source.name], plan);
  // Messages the killed run had in hand come back after their visibility timeout.
  await new Promise((r) => setTimeout(r, VISIBILITY_SECONDS * 1000 + 700));

  const inDlq = await sqs.snapshot(pair.dlq, HIDE_SECONDS);
  const inDestination = await sqs.snapshot(pair.source, HIDE_SECONDS);
  const label = `${name} (seed ${seed}, ${JSON.stringify(plan)})`;
  const backedUp = new Set(
    (await readFile(backup, 'utf8').catch(() => ''))
      .split('\n')
      .flatMap((line) => {
        try {
          return [String((JSON.parse(line) as { body?: unknown }).body)];
        } catch {
          return [];
        }
      }),
  );
  const dlqBodies = new Set(inDlq.map(key));
  const destCount = new Map<string, number>();
  for (const m of inDestination) destCount.set(key(m), (destCount.get(key(m)) ?? 0) + 1);
  let duplicates = 0;
  for (const o of originals) {
    // Conservation: every message is somewhere; never lost.
    expect(dlqBodies.has(o.body) || destCount.has(o.body), `${label}: ${o.body} is lost`).toBe(true);
    if (dlqBodies.has(o.body) && destCount.has(o.body)) duplicates++;
    expect(destCount.get(o.body) ?? 0, `${label}: ${o.body} sent twice in one run`).toBeLessThanOrEqual(1);
  }
  expect(inDlq.length, `${label}: the DLQ holds a message twice`).toBe(dlqBodies.size);
  for (const m of inDestination) {
    const o = originals.find((x) => x.body === m.Body);
    expect(o, `${label}: unknown message ${m.Body ?? ''} in the destination`).toBeDefined();
    expect(backedUp.has(m.Body ?? ''), `${label}: ${m.Body ?? ''} reached the destination without a backup line`).toBe(true);
    expect(m.MessageAttributes?.['errorType']?.StringValue, label).toBe(o?.errorType);
    expect(m.MessageAttributes?.['seq'], label).toEqual({ DataType: 'Number', StringValue: o?.seq });
    if (fifo) expect(m.Attributes?.['MessageGroupId'], label).toBe(o?.groupId);
  }

  // A complete run afterwards finishes the job.
  await new Promise((r) => setTimeout(r, HIDE_SECONDS * 1000 + 300)); // the snapshots above hid the messages
  // A longer poll here tolerates messages still hidden a moment longer on a busy machine.
  const rerun = await tripline(args, { ...env(), TRIPLINE_REDRIVE_WAIT_SECONDS: '1' }, cwd);
  expect(rerun.code, `${label}: rerun failed: ${rerun.stderr}`).toBe(0);
  const finalDest = await sqs.snapshot(pair.source, 5);
  const counts = new Map<string, number>();
  for (const m of finalDest) counts.set(key(m), (counts.get(key(m)) ?? 0) + 1);
  expect(await sqs.depth(pair.dlq), label).toBe(0);
  for (const o of originals) expect(counts.get(o.body) ?? 0, `${label}: ${o.body} missing after the rerun`).toBeGreaterThanOrEqual(1);
  const extra = finalDest.length - originals.length;
  // FIFO: a resend carries the same deduplication id, so SQS drops it; standard queues may hold one extra copy of each duplicate.
  if (fifo) expect(extra, `${label}: FIFO duplicates after the rerun`).toBe(0);
  else expect(extra, label).toBeLessThanOrEqual(duplicates);
  return { name, kill: JSON.stringify(plan), killed, duplicates, inDestination: inDestination.length, afterRerun: { dlq: 0, destination: finalDest.length, duplicates: extra } };
}

async function pool<T>(tasks: (() => Promise<T>)[], size: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < tasks.length) {
        const i = next++;
        const task = tasks[i];
        if (task) results[i] = await task();
      }
    }),
  );
  return results;
}

describe('selective redrive killed at random points (built CLI, SIGKILL)', () => {
  it(`loses no message in ${RUNS_PER_KIND * 2} runs over standard and FIFO queues`, { timeout: 120_000 }, async () => {
    const tasks = [false, true].flatMap((fifo) => Array.from({ length: RUNS_PER_KIND }, (_, i) => () => oneRun(fifo, i)));
    const results = await pool(tasks, CONCURRENCY);
    expect(results).toHaveLength(RUNS_PER_KIND * 2);
    // The kills must really land mid-run in most runs for this test to mean anything.
    const midRun = results.filter((r) => r.killed && r.inDestination > 0 && r.inDestination < MESSAGES);
    expect(midRun.length, JSON.stringify(results)).toBeGreaterThanOrEqual(5);
  });
});
