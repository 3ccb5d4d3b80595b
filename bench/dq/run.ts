/**
 * bench/dq: tripline's `dq check` against DuckDB on the same files, in one
 * run — events/s, the ratio, and peak RSS of each.
 *
 *   npx tsx bench/dq/run.ts [--events 1000000] [--dedup-events 10000000] [--skip-dedup] [--dir /tmp/tripline-dq-bench]
 *
 * DuckDB computes the same four metrics (count, duplicates by eventId, late
 * events, newest receivedAt) with explicit column types; tripline does that
 * and full schema validation against the tracking plan. Targets (issue 3):
 * NDJSON ≥ 1.0× DuckDB's events/s; 10M events de-duplicated exactly in
 * ≤ 400 MB peak RSS; Parquet ≥ 0.5× DuckDB's read_parquet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? String(args[i + 1]) : fallback;
};
const EVENTS = Number(flag('--events', '1000000'));
const DEDUP_EVENTS = Number(flag('--dedup-events', '10000000'));
const DIR = flag('--dir', '/tmp/tripline-dq-bench');
const SKIP_DEDUP = args.includes('--skip-dedup');
const PLAN = path.join(ROOT, 'tracking-plan');

interface Measured {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs a command under GNU time: wall seconds and peak RSS (all threads of the process). */
function measure(command: string[], cwd = ROOT): Measured {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', ...command], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const last = run.stderr.trim().split('\n').pop() ?? '';
  const [seconds, kb] = last.split(' ').map(Number);
  if (run.status !== 0 && run.status !== 1) throw new Error(`${command.join(' ')} exited ${run.status}:\n${run.stderr}`);
  return { seconds: seconds ?? NaN, peakRssMb: (kb ?? NaN) / 1024, stdout: run.stdout };
}

const DUCKDB_SCRIPT = path.join(ROOT, 'bench', 'dq', 'duckdb-metrics.mjs');

function duckdb(source: string, now: string): Measured {
  return measure([process.execPath, DUCKDB_SCRIPT, source, now]);
}

function tripline(input: string, now: string, extra: string[] = []): Measured {
  return measure([process.execPath, path.join(ROOT, 'dist', 'cli', 'main.js'), 'dq', 'check', input, '--schemas', PLAN, '--now', now, '--json', ...extra]);
}

function line(label: string, events: number, ours: Measured, ref: Measured, target: string): void {
  const oursRate = events / ours.seconds;
  const refRate = events / ref.seconds;
  console.log(
    `${label.padEnd(34)} tripline ${(oursRate / 1e6).toFixed(2)}M ev/s (${ours.seconds.toFixed(2)} s, ${ours.peakRssMb.toFixed(0)} MB)   ` +
      `duckdb ${(refRate / 1e6).toFixed(2)}M ev/s (${ref.seconds.toFixed(2)} s, ${ref.peakRssMb.toFixed(0)} MB)   ratio ${(oursRate / refRate).toFixed(2)}   ${target}`,
  );
}

async function ensureFile(file: string, events: number): Promise<string> {
  const truthFile = `${file}.truth.json`;
  if (!existsSync(file) || !existsSync(truthFile)) {
    process.stderr.write(`generating ${events.toLocaleString('en-US')} events into ${file} …\n`);
    const truth = await generate({ events, out: file, seed: 1, planDir: PLAN });
    writeFileSync(truthFile, JSON.stringify(truth));
  }
  return truthFile;
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  const cpus = (await import('node:os')).availableParallelism();
  console.log(`tripline dq bench · node ${process.version} · ${cpus} cores · ${new Date().toISOString()}\n`);

  // NDJSON, EVENTS events.
  const ndjson = path.join(DIR, `events-${EVENTS}.ndjson`);
  const truthFile = await ensureFile(ndjson, EVENTS);
  const { now } = JSON.parse((await import('node:fs')).readFileSync(truthFile, 'utf8')) as { now: string };
  console.log(`NDJSON ${ndjson} (${(statSync(ndjson).size / 1e6).toFixed(0)} MB)`);
  duckdb(ndjson, now); // warm the page cache for both
  const ref = duckdb(ndjson, now);
  const ours = tripline(ndjson, now);
  line('  NDJSON, full validation', EVENTS, ours, ref, 'target ratio ≥ 1.0');
  const one = tripline(ndjson, now, ['--workers', '0']);
  line('  NDJSON, one thread', EVENTS, one, ref, '(for scale)');
  check(ours.stdout, truthFile);

  // Parquet written by DuckDB from the same events.
  const parquet = path.join(DIR, `events-${EVENTS}.parquet`);
  if (!existsSync(parquet)) {
    spawnSync(process.execPath, [DUCKDB_SCRIPT, '--to-parquet', ndjson, parquet], { stdio: 'inherit' });
  }
  const refParquet = duckdb(parquet, now);
  const oursParquet = tripline(parquet, now);
  line('  Parquet', EVENTS, oursParquet, refParquet, 'target ratio ≥ 0.5');

  if (!SKIP_DEDUP) {
    const big = path.join(DIR, `events-${DEDUP_EVENTS}.ndjson`);
    const bigTruth = await ensureFile(big, DEDUP_EVENTS);
    const { now: bigNow } = JSON.parse((await import('node:fs')).readFileSync(bigTruth, 'utf8')) as { now: string };
    const refBig = duckdb(big, bigNow);
    const oursBig = tripline(big, bigNow);
    line(`  ${(DEDUP_EVENTS / 1e6).toFixed(0)}M events, exact duplicates`, DEDUP_EVENTS, oursBig, refBig, `target peak RSS ≤ 400 MB (tripline ${oursBig.peakRssMb.toFixed(0)} MB)`);
    check(oursBig.stdout, bigTruth);
  }
}

/** The figures only count if the report is right. */
function check(stdout: string, truthFile: string): void {
  const report = JSON.parse(stdout) as Record<string, unknown>;
  const truth = JSON.parse((require_('node:fs') as typeof import('node:fs')).readFileSync(truthFile, 'utf8')) as Record<string, unknown>;
  for (const key of ['total', 'valid', 'invalid', 'duplicates', 'late', 'newestReceivedAt']) {
    if (report[key] !== truth[key]) throw new Error(`tripline's ${key} ${String(report[key])} ≠ ground truth ${String(truth[key])}`);
  }
  console.log(`    (report checked against the generator's ground truth: ${String(report['total'])} records, ${String(report['duplicates'])} duplicates, ${String(report['late'])} late)`);
}

import { createRequire } from 'node:module';
const require_ = createRequire(import.meta.url);

await main();
