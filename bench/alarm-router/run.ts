/**
 * bench/alarm-router: the alarm-router bundle's size, cold import time and CPU
 * per transition, each printed beside a reference measured in the same run.
 *
 *   npm run bench            (builds first)
 *   BENCH_INVOCATIONS=4000 npm run bench
 *
 * Targets (issue 2): ≤ 150 KB minified with @aws-sdk/* external; cold import
 * ≤ 1.6 × a bare `node` start (median of 10); ≤ 1 ms CPU per transition.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { deliver, eventBridgeAlarmEvent, sqsBatch, type AlarmEventSpec } from '../../test/support/alarm-events.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HERE = path.join(ROOT, 'bench', 'alarm-router');
const BUNDLE_DIR = path.join(ROOT, 'dist', 'lambdas', 'alarm-router');
const BUNDLE = path.join(BUNDLE_DIR, 'index.mjs');
const INVOCATIONS = Number(process.env['BENCH_INVOCATIONS'] ?? 2000);
const WARMUP = 300;
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const KB = 1024;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const kb = (bytes: number): string => `${(bytes / KB).toFixed(1)} KB`;
const line = (label: string, value: string, reference: string, ratio: number, target: string): void => {
  console.log(`${label.padEnd(44)} ${value.padStart(12)}   ref ${reference.padStart(12)}   ratio ${ratio.toFixed(2).padStart(5)}   ${target}`);
};

// ---------------------------------------------------------------- size
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** Module files a process loaded (via the resolve hook in loaded-files.mjs). */
function loadedBundleFiles(args: string[], env: NodeJS.ProcessEnv, input?: string): string[] {
  const run = spawnSync(process.execPath, ['--import', path.join(HERE, 'loaded-files.mjs'), ...args], {
    cwd: ROOT,
    env,
    input,
    encoding: 'utf8',
  });
  const marker = run.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!marker) throw new Error(`could not trace loaded files:\n${run.stderr}`);
  const urls: string[] = JSON.parse(marker.slice('LOADED '.length));
  return urls
    .filter((u) => u.startsWith('file:'))
    .map((u) => fileURLToPath(u))
    .filter((f) => f.startsWith(BUNDLE_DIR));
}

async function naiveBundleSize(): Promise<number> {
  // What a straightforward forwarder on the same libraries ships: one bundle,
  // default imports, cross-fetch kept, YAML and zod eager.
  const dir = mkdtempSync(path.join(tmpdir(), 'tripline-bench-'));
  try {
    const entry = path.join(dir, 'naive.mjs');
    writeFileSync(
      entry,
      [
        "import { Logger } from '@aws-lambda-powertools/logger';",
        "import { Metrics } from '@aws-lambda-powertools/metrics';",
        "import { event } from '@pagerduty/pdjs';",
        "import { WebClient } from '@slack/web-api';",
        "import * as z from 'zod';",
        "import { parse } from 'yaml';",
        "import globToRegExp from 'glob-to-regexp';",
        'const logger = new Logger(); const metrics = new Metrics();',
        'const Schema = z.object({ detail: z.object({ alarmName: z.string() }) });',
        'export const handler = async (e) => { const d = Schema.parse(e); logger.info(d.detail.alarmName); metrics.publishStoredMetrics();',
        "  parse(process.env.CFG ?? '{}'); globToRegExp('x*').test('xy');",
        "  await event({ data: {} }); await new WebClient('t').chat.postMessage({ channel: 'c', text: 't' }); };",
      ].join('\n'),
    );
    const out = path.join(dir, 'out.mjs');
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['@aws-sdk/*'],
      nodePaths: [path.join(ROOT, 'node_modules')],
      logLevel: 'error',
    });
    return statSync(out).size;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- servers
async function startServers(): Promise<{ child: ChildProcessWithoutNullStreams; endpoints: { pagerduty: string; slack: string; cloudwatch: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'servers.ts'), '50'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const endpoints = await new Promise<{ pagerduty: string; slack: string; cloudwatch: string }>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(text.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`servers exited ${code}`)));
  });
  return { child, endpoints };
}

function routerEnv(endpoints: { pagerduty: string; slack: string; cloudwatch: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_ENDPOINT_URL_CLOUDWATCH: endpoints.cloudwatch,
    PAGERDUTY_EVENTS_URL: endpoints.pagerduty,
    PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
    SLACK_API_URL: endpoints.slack,
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    TRIPLINE_CONFIG: JSON.stringify({
      version: 1,
      paging: {
        receivers: [{ name: 'oncall', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } }, slack: { channel: '#bench' } }],
        route: { receiver: 'oncall' },
      },
    }),
  };
}

function specs(count: number): AlarmEventSpec[] {
  // 50 alarms flipping between ALARM and OK, one minute apart.
  return Array.from({ length: count }, (_, i) => {
    const flips = Math.floor(i / 50);
    const state = flips % 2 === 0 ? 'ALARM' : 'OK';
    return {
      name: `bench-alarm-${i % 50}`,
      state,
      previousState: state === 'ALARM' ? 'OK' : 'ALARM',
      timestamp: new Date(Date.parse('2026-11-22T01:00:00.000Z') + i * 60_000).toISOString(),
    } as const;
  });
}

interface CpuResult {
  cpuMicros: number;
  wallMs: number;
  transitions: number;
  failures: number;
}

function cpuRun(module: string, events: unknown[], perEvent: number, env: NodeJS.ProcessEnv): CpuResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'tripline-bench-'));
  try {
    const file = path.join(dir, 'events.json');
    writeFileSync(file, JSON.stringify(events));
    const run = spawnSync(process.execPath, [path.join(HERE, 'cpu-driver.mjs'), module, file, String(perEvent), String(WARMUP)], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const last = run.stderr.trim().split('\n').pop() ?? '';
    if (run.status !== 0 || !last.startsWith('{')) throw new Error(`cpu driver failed:\n${run.stderr}`);
    return JSON.parse(last) as CpuResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  statSync(BUNDLE);
  console.log(`tripline alarm-router bench · node ${process.version} · ${new Date().toISOString()}\n`);

  // Size
  const all = filesUnder(BUNDLE_DIR);
  const total = all.reduce((s, f) => s + statSync(f).size, 0);
  const entry = statSync(BUNDLE).size;
  const naive = await naiveBundleSize();
  const { child, endpoints } = await startServers();
  try {
    const env = routerEnv(endpoints);
    const oneEvent = JSON.stringify(deliver({ name: 'bench-alarm-0', state: 'ALARM', previousState: 'OK', timestamp: '2026-11-22T00:30:00.000Z' }, 'sns-eventbridge'));
    const runner = path.join(ROOT, 'test', 'support', 'bundle-runner.mjs');
    const coldFiles = loadedBundleFiles([path.join(HERE, 'import.mjs'), BUNDLE], env);
    const pagingFiles = loadedBundleFiles([runner], env, JSON.stringify({ bundle: BUNDLE, events: [JSON.parse(oneEvent)], functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench' }));
    const { TRIPLINE_CONFIG: _config, SLACK_BOT_TOKEN: _token, ...pdOnlyEnv } = env;
    const pdFiles = loadedBundleFiles([runner], pdOnlyEnv, JSON.stringify({ bundle: BUNDLE, events: [JSON.parse(oneEvent)], functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench' }));
    const size = (files: string[]): number => files.reduce((s, f) => s + statSync(f).size, 0);

    console.log('Bundle size (minified, @aws-sdk/* external; ref = one naive bundle of the same libraries)');
    line('  loaded at cold import', kb(size(coldFiles)), kb(naive), size(coldFiles) / naive, 'target ≤ 150 KB');
    line('  loaded paging PagerDuty only', kb(size(pdFiles)), kb(naive), size(pdFiles) / naive, 'target ≤ 150 KB');
    line('  loaded paging PagerDuty + Slack', kb(size(pagingFiles)), kb(naive), size(pagingFiles) / naive, 'target ≤ 150 KB');
    line('  everything on disk (incl. lazy YAML chunk)', kb(total), kb(naive), total / naive, '');
    console.log(`  entry file index.mjs ${kb(entry)}; gzip of everything ${kb(all.reduce((s, f) => s + gzipSync(readFileSync(f)).length, 0))}\n`);

    // Cold import: interleaved, median of 10
    const bare: number[] = [];
    const withBundle: number[] = [];
    const time = (args: string[]): number => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    time([path.join(HERE, 'import.mjs'), BUNDLE]); // warm the file cache
    for (let i = 0; i < 10; i++) {
      bare.push(time([path.join(HERE, 'import.mjs')]));
      withBundle.push(time([path.join(HERE, 'import.mjs'), BUNDLE]));
    }
    console.log('Cold start (wall time of a new node process, median of 10, interleaved)');
    line('  import the bundle', `${median(withBundle).toFixed(1)} ms`, `${median(bare).toFixed(1)} ms`, median(withBundle) / median(bare), 'target ratio ≤ 1.6 (ref = bare node)');
    const firstInvoke: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, [runner], {
        cwd: ROOT,
        env,
        input: JSON.stringify({ bundle: BUNDLE, events: [JSON.parse(oneEvent)], functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench' }),
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      firstInvoke.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    line('  import + first invocation (PD + Slack)', `${median(firstInvoke).toFixed(1)} ms`, `${median(bare).toFixed(1)} ms`, median(firstInvoke) / median(bare), '(informative: lazy chunks load here)');
    console.log('');

    // CPU per transition
    const single = specs(INVOCATIONS + WARMUP).map((s, i) => deliver({ ...s, id: `e-${i}` }, 'eventbridge'));
    const ours = cpuRun(BUNDLE, single, 1, env);
    const ref = cpuRun(path.join(HERE, 'bare-forwarder.mjs'), specs(INVOCATIONS + WARMUP).map((s) => eventBridgeAlarmEvent(s)), 1, env);
    const batchSpecs = specs((INVOCATIONS + WARMUP) * 10);
    const batches = Array.from({ length: INVOCATIONS + WARMUP }, (_, i) =>
      sqsBatch(batchSpecs.slice(i * 10, i * 10 + 10), 'sqs-eventbridge', Array.from({ length: 10 }, (_, j) => `m-${i}-${j}`)),
    );
    const batched = cpuRun(BUNDLE, batches, 10, env);
    const per = (r: CpuResult): number => r.cpuMicros / r.transitions / 1000;

    // The same with the network stubbed at the handler's own seams (no sockets):
    // the figure is the router's work, its libraries' included.
    // Inside the repo (dist/ is ignored) so its @aws-sdk imports resolve as the Lambda's do.
    const stubDir = path.join(ROOT, 'dist', 'bench');
    const stubbedBundle = path.join(stubDir, 'stubbed-alarm-router.mjs');
    await build({
      entryPoints: [path.join(HERE, 'stubbed-handler.ts')],
      outfile: stubbedBundle,
      bundle: true,
      minify: true,
      keepNames: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      plugins: [{ name: 'pdjs-transport', setup: (b) => b.onResolve({ filter: /^cross-fetch$/ }, () => ({ path: path.join(ROOT, 'src/notify/pagerduty/pdjs-fetch.ts') })) }],
      logLevel: 'error',
    });
    const stubbedEnv = { ...env, BENCH_STUB_FETCH: '1' };
    const oursStub = cpuRun(stubbedBundle, single, 1, stubbedEnv);
    const batchedStub = cpuRun(stubbedBundle, batches, 10, stubbedEnv);
    const refStub = cpuRun(path.join(HERE, 'bare-forwarder.mjs'), specs(INVOCATIONS + WARMUP).map((s) => eventBridgeAlarmEvent(s)), 1, stubbedEnv);

    console.log(`CPU per transition, network stubbed at the handler's seams (warm, ${INVOCATIONS} invocations after ${WARMUP} warm-up)`);
    line('  one transition per invocation', `${per(oursStub).toFixed(3)} ms`, `${per(refStub).toFixed(3)} ms`, per(oursStub) / per(refStub), 'target ≤ 1 ms (ref = bare forwarder, same stub)');
    line('  SQS batches of 10', `${per(batchedStub).toFixed(3)} ms`, `${per(refStub).toFixed(3)} ms`, per(batchedStub) / per(refStub), 'target ≤ 1 ms');
    console.log(`  failures: ours ${oursStub.failures + batchedStub.failures}, reference ${refStub.failures}\n`);

    console.log(`CPU per transition, real HTTP to loopback stand-ins in another process (warm, ${INVOCATIONS} invocations)`);
    line('  one transition per invocation', `${per(ours).toFixed(3)} ms`, `${per(ref).toFixed(3)} ms`, per(ours) / per(ref), '(ref = bare fetch forwarder, PD only)');
    line('  SQS batches of 10', `${per(batched).toFixed(3)} ms`, `${per(ref).toFixed(3)} ms`, per(batched) / per(ref), '');
    console.log(`  failures: ours ${ours.failures + batched.failures}, reference ${ref.failures}; wall ${(ours.wallMs / ours.transitions).toFixed(2)} ms per single transition`);
    console.log('  each transition: normalize, DescribeAlarms, route, PagerDuty POST, Slack chat.postMessage, JSON logs, EMF');
  } finally {
    child.stdin.end();
    child.kill();
  }
}

await main();
