import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNNER = path.join(ROOT, 'test', 'support', 'bundle-runner.mjs');

export type BundleOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

export interface BundleRun {
  readonly outcomes: BundleOutcome[];
  /** The Lambda's log output (Powertools writes JSON lines to stdout/stderr). */
  readonly logs: string;
}

/**
 * Invokes dist/lambdas/<name>/index.mjs in a fresh Node process with only
 * the given environment (plus PATH), one warm container for all events.
 */
export async function invokeBundle(
  name: string,
  events: readonly unknown[],
  env: Record<string, string>,
  options: { timeoutMs?: number; functionArn?: string } = {},
): Promise<BundleRun> {
  const bundle = path.join(ROOT, 'dist', 'lambdas', name, 'index.mjs');
  const child = spawn(process.execPath, [RUNNER], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', AWS_REGION: 'us-east-1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  child.stdin.end(
    JSON.stringify({
      bundle,
      events,
      functionArn: options.functionArn ?? 'arn:aws:lambda:us-east-1:123456789012:function:tripline-alarm-router',
      timeoutMs: options.timeoutMs ?? 30_000,
    }),
  );
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const stdout = Buffer.concat(out).toString('utf8');
  const logs = Buffer.concat(err).toString('utf8');
  // Powertools logs go to stdout as JSON lines; the outcomes are the last line.
  const lines = stdout.trimEnd().split('\n');
  const last = lines.pop() ?? '';
  if (code !== 0 || !last.startsWith('[')) {
    throw new Error(`bundle runner exited ${code}:\n${logs}\n${stdout}`);
  }
  const outcomes: unknown = JSON.parse(last);
  return { outcomes: outcomes as BundleOutcome[], logs: `${lines.join('\n')}\n${logs}` };
}
