import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` as a newcomer sees it: the built `tripline sandbox` in a
 * terminal (tmux), the console on the local pipeline with numbers that move,
 * a fault key that breaks the web processor, and q to quit.
 */
const SOCKET = `tripline-sandbox-test-${process.pid}`;
const SESSION = 'sandbox';
const ROOT = path.resolve(import.meta.dirname, '../..');

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION);
const paneDead = (): boolean => tmux('display-message', '-p', '-t', SESSION, '#{pane_dead}').trim() === '1';

async function until(check: (text: string) => boolean, what: string, deadline: number): Promise<string> {
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (check(last)) return last;
    if (paneDead()) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; the screen:\n${last}`);
}

/** The pipeline rows and detail lines, without the header's clock: what a person reads as "the numbers". */
function numbers(text: string): string {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.startsWith('PIPELINE'));
  return lines.slice(from, from + 10).join('\n');
}

let dir: string;
beforeAll(async () => {
  execFileSync('tmux', ['-V']); // a clear failure when tmux is missing
  dir = await mkdtemp(path.join(tmpdir(), 'tripline-sandbox-tui-'));
});
afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
  await rm(dir, { recursive: true, force: true });
});

describe('tripline sandbox in a terminal', () => {
  it('shows live, changing numbers within 15 s, breaks the processor on b, and quits on q', async () => {
    const started = Date.now();
    // Started with node, not npx, so npm's warnings stay off the screen; cwd is the repository (its config, plan and runbooks).
    // A person's terminal: no CI variables (Ink draws only the last frame when it sees CI=true).
    const env = `env -i PATH='${process.env['PATH'] ?? ''}' HOME='${process.env['HOME'] ?? dir}' TERM=xterm-256color NODE_NO_WARNINGS=1`;
    tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', SESSION, '-c', ROOT, `${env} node ${path.join(ROOT, 'dist/cli/main.js')} sandbox; echo "tripline exited with status $?"`);
    tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on');
    const deadline = started + 15_000;

    const first = await until((t) => /›web\s+\d/.test(t) && t.includes('SANDBOX'), 'the overview with the web pipeline', deadline);
    expect(first).toMatch(/ios\s+\d/);
    expect(first).toMatch(/android\s+\d/);
    expect(first).toContain('PagerDuty: 0 open');
    const changed = await until((t) => numbers(t) !== numbers(first) && /›web\s+\d/.test(t), 'the numbers to change', deadline);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(numbers(changed)).not.toEqual(numbers(first));

    tmux('send-keys', '-t', SESSION, 'b');
    await until((t) => t.includes('web: processor broken'), 'the banner to say the processor is broken', Date.now() + 10_000);
    // Failed events reach the DLQ: its column for web leaves 0.
    await until((t) => /›web(\s+\S+){4}\s+\S+\s+[1-9]\d*\s/.test(t.split('\n').find((l) => l.startsWith('›web')) ?? '') , 'the web DLQ to fill', Date.now() + 20_000);

    tmux('send-keys', '-t', SESSION, 'q');
    const end = Date.now() + 10_000;
    while (!paneDead() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(paneDead()).toBe(true);
    expect(tmux('capture-pane', '-p', '-t', SESSION)).toContain('tripline exited with status 0');
  }, 60_000);
});
