import type { PipelineFaults } from '../../src/sandbox/pipeline.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { ExtraKey } from '../tui/App.js';

interface FaultKey {
  readonly key: string;
  readonly label: string;
  readonly pipeline: string;
  readonly on: Partial<PipelineFaults>;
  readonly off: Partial<PipelineFaults>;
  readonly isOn: (f: PipelineFaults) => boolean;
}

/**
 * The sandbox's fault keys (none is a key the console's keymap uses). Each
 * toggles one fault on one pipeline; `f` fixes everything.
 */
export function faultKeys(sandbox: Sandbox): readonly ExtraKey[] {
  const names = [...sandbox.pipelines.keys()];
  const first = names[0] ?? 'web';
  const second = names[1] ?? first;
  const third = names[2] ?? first;
  const keys: FaultKey[] = [
    { key: 'b', label: `break / fix the ${first} processor (events fail → failed queue → DLQ)`, pipeline: first, on: { processorBroken: true }, off: { processorBroken: false }, isOn: (f) => f.processorBroken },
    { key: 't', label: `traffic spike on ${first} (×4: the processor falls behind)`, pipeline: first, on: { overrides: { rateFactor: 4 } }, off: { overrides: { rateFactor: undefined } }, isOn: (f) => f.overrides.rateFactor !== undefined },
    { key: 's', label: `silence the ${second} SDKs (freshness)`, pipeline: second, on: { silent: true }, off: { silent: false }, isOn: (f) => f.silent },
    { key: 'i', label: `invalid-event spike on ${first} (a bad app release)`, pipeline: first, on: { overrides: { badRelease: { appVersion: '4.14.0', share: 0.25 } } }, off: { overrides: { badRelease: undefined } }, isOn: (f) => f.overrides.badRelease !== undefined },
    { key: 'd', label: `duplicate storm on ${third} (SDK retries)`, pipeline: third, on: { overrides: { duplicateShare: 0.3 } }, off: { overrides: { duplicateShare: undefined } }, isOn: (f) => f.overrides.duplicateShare !== undefined },
    { key: 'c', label: `skewed device clocks on ${third} (late events)`, pipeline: third, on: { overrides: { skewShare: 0.3 } }, off: { overrides: { skewShare: undefined } }, isOn: (f) => f.overrides.skewShare !== undefined },
  ];
  const collectorDown = (): boolean => [...sandbox.pipelines.values()].every((p) => p.faults.silent);
  return [
    ...keys.map((k) => ({
      key: k.key,
      label: k.label,
      run: () => {
        const p = sandbox.pipelines.get(k.pipeline);
        if (p === undefined) return `no pipeline ${k.pipeline}`;
        const turnOn = !k.isOn(p.faults);
        sandbox.setFaults(k.pipeline, turnOn ? k.on : k.off, `${k.key}:${turnOn ? 'on' : 'off'}`);
        return `${turnOn ? 'Injected' : 'Removed'}: ${k.label}`;
      },
    })),
    {
      key: 'o',
      label: `collector outage: the collector ${names.join(', ')} share receives nothing (one page, not one per pipeline)`,
      run: () => {
        const turnOn = !collectorDown();
        for (const name of names) sandbox.setFaults(name, { silent: turnOn }, `o:${turnOn ? 'on' : 'off'}`);
        return turnOn ? 'Injected: the shared collector receives nothing (every SDK is cut off)' : 'Removed: the collector receives requests again';
      },
    },
    {
      key: 'f',
      label: 'fix everything (every pipeline healthy again)',
      run: () => {
        sandbox.clearFaults();
        return 'Every pipeline is healthy again; alarms resolve as their periods pass (redrive the DLQ from the runbook: 2, Enter, x).';
      },
    },
  ];
}

/** What is broken, the open PagerDuty incidents and the latest Slack message: the console's banner line. */
export function sandboxBanner(sandbox: Sandbox): string {
  const faults = sandbox.faultSummary() ?? 'all healthy';
  const open = sandbox.pagerduty.openIncidents();
  const last = sandbox.slack.messages[sandbox.slack.messages.length - 1];
  const slack = last === undefined ? 'Slack: quiet' : `Slack ${last.channel}: ${(last.text ?? '').split('\n')[0]?.slice(0, 60) ?? ''}`;
  return `SANDBOX ×${sandbox.clock.speed} · ${faults} · PagerDuty: ${open.length} open · ${slack} · keys b t s i d c o f (? help)`;
}
