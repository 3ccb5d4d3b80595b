import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** `tripline schema check`, as a user runs it on the shipped plan and on a broken evolution of it. */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });

describe('tripline schema check', () => {
  it('passes on the shipped tracking plan', () => {
    const result = run(['schema', 'check', path.join(ROOT, 'tracking-plan')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/every version is backward and forward compatible/);
  });

  it('exits 1 naming the field and versions when a new version drops a required field', () => {
    const plan = mkdtempSync(path.join(tmpdir(), 'tripline-plan-'));
    cpSync(path.join(ROOT, 'tracking-plan'), plan, { recursive: true });
    const v2 = JSON.parse(readFileSync(path.join(plan, 'button_clicked', '2.avsc'), 'utf8')) as { fields: { name: string }[] };
    writeFileSync(path.join(plan, 'button_clicked', '3.avsc'), JSON.stringify({ ...v2, fields: v2.fields.filter((f) => f.name !== 'location') }));
    const result = run(['schema', 'check', plan, '--json']);
    expect(result.status).toBe(1);
    const doc = JSON.parse(result.stdout) as { incompatibilities: { event: string; olderVersion: number; newerVersion: number; field?: string }[] };
    expect(doc.incompatibilities).toContainEqual(expect.objectContaining({ event: 'button_clicked', olderVersion: 2, newerVersion: 3, field: 'location' }));
  });

  it('exits 2 with a clear message when the plan cannot be loaded', () => {
    const result = run(['schema', 'check', path.join(tmpdir(), 'no-such-plan-dir')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no-such-plan-dir/);
  });
});
