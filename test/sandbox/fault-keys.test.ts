import { describe, expect, it } from 'vitest';
import { faultKeys } from '../../cli/sandbox/fault-keys.js';
import { HEALTHY, type PipelineFaults } from '../../src/sandbox/pipeline.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';

/** The sandbox console's fault keys, over the pipelines' fault state (what the sandbox's producers read). */
function fakeSandbox(names: readonly string[]): { sandbox: Sandbox; faults: Map<string, { faults: PipelineFaults }>; labels: string[] } {
  const faults = new Map(names.map((n) => [n, { faults: HEALTHY }]));
  const labels: string[] = [];
  const sandbox = {
    pipelines: faults,
    setFaults(pipeline: string, patch: Partial<PipelineFaults>, label?: string) {
      const p = faults.get(pipeline);
      if (p === undefined) throw new RangeError(pipeline);
      p.faults = { ...p.faults, ...patch, overrides: { ...p.faults.overrides, ...patch.overrides } };
      labels.push(`${pipeline} ${label ?? ''}`);
    },
    clearFaults() {
      for (const p of faults.values()) p.faults = HEALTHY;
    },
  } as unknown as Sandbox;
  return { sandbox, faults, labels };
}

describe('sandbox fault keys', () => {
  it('o cuts every pipeline off the shared collector, and o again brings them back', () => {
    const { sandbox, faults, labels } = fakeSandbox(['web', 'ios', 'android']);
    const o = faultKeys(sandbox).find((k) => k.key === 'o');
    expect(o?.label).toContain('the collector web, ios, android share receives nothing');
    expect(o?.run()).toBe('Injected: the shared collector receives nothing (every SDK is cut off)');
    expect([...faults.values()].map((p) => p.faults.silent)).toEqual([true, true, true]);
    expect(labels).toEqual(['web o:on', 'ios o:on', 'android o:on']);
    expect(o?.run()).toBe('Removed: the collector receives requests again');
    expect([...faults.values()].map((p) => p.faults.silent)).toEqual([false, false, false]);
  });

  it('s silences one platform only, and no two keys share a letter', () => {
    const { sandbox, faults } = fakeSandbox(['web', 'ios', 'android']);
    const keys = faultKeys(sandbox);
    keys.find((k) => k.key === 's')?.run();
    expect([...faults.values()].map((p) => p.faults.silent)).toEqual([false, true, false]);
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
  });
});
