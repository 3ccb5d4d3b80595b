import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthSnapshot } from '../../src/domain/health.js';
import type { ActionProgress, ConsoleBackend, MoveTaskView, PeekedMessage, RunbookHooks } from '../../cli/tui/backend.js';
import { App } from '../../cli/tui/App.js';
import { alarmStatus, pipelineHealth, queueStats, reading, snapshotOf } from '../support/health-snapshots.js';

const ENTER = '\r';
const ESC = '\u001b';
const DOWN = '\u001b[B';

/** A backend that records what the console asked it to do. */
class FakeBackend implements ConsoleBackend {
  snapshots = 0;
  actions: string[] = [];
  fail: unknown;
  constructor(public current: HealthSnapshot = snapshotOf()) {}
  async snapshot(): Promise<HealthSnapshot> {
    this.snapshots += 1;
    if (this.fail !== undefined) throw this.fail;
    return this.current;
  }
  async peek(queue: string): Promise<readonly PeekedMessage[]> {
    this.actions.push(`peek ${queue}`);
    return [
      { messageId: 'm1', group: 'ValidationError', body: '{"eventName":"checkout","email":"[redacted]"}', receiveCount: 3 },
      { messageId: 'm2', group: 'ValidationError', body: '{"eventName":"signup"}', receiveCount: 2 },
      { messageId: 'm3', group: 'Timeout', body: '{"eventName":"page_view"}', receiveCount: 4 },
    ];
  }
  async moveTasks(): Promise<readonly MoveTaskView[]> {
    return [{ status: 'RUNNING', moved: 5, toMove: 20, rate: 10 }];
  }
  async redriveNative(queue: string, options: { rate: number }): Promise<string> {
    this.actions.push(`native ${queue} ${options.rate}`);
    return `Started a move task on ${queue} at ${options.rate}/s.`;
  }
  async redriveSelective(queue: string, options: { filter?: string }, onProgress: (p: ActionProgress) => void): Promise<string> {
    this.actions.push(`selective ${queue} ${options.filter ?? '*'}`);
    onProgress({ done: 1, total: 2 });
    return 'Moved 2, skipped 0, failed 0.';
  }
  async cancelMoveTask(queue: string): Promise<string> {
    this.actions.push(`cancel ${queue}`);
    return 'Cancelled.';
  }
  async exportMessages(queue: string, file: string): Promise<string> {
    this.actions.push(`export ${queue} ${file}`);
    return `Exported 3 messages to ${file}.`;
  }
  async runbookFor(alarmName: string) {
    return alarmName.endsWith('dlq-depth') ? { id: 'dlq-redrive', title: 'DLQ not empty after a processor fix', text: '1. check processor errors fell\n2. act redrive' } : undefined;
  }
  async runRunbook(id: string, pipeline: string, hooks: RunbookHooks) {
    hooks.onLine(`step 1 check ok`);
    const yes = await hooks.confirm('Redrive 7 messages from tripline-web-dlq', 'tripline-web-dlq');
    this.actions.push(`runbook ${id} ${pipeline} ${yes ? 'confirmed' : 'declined'}`);
    return { ok: yes, summary: yes ? 'runbook finished' : 'runbook stopped: declined' };
  }
}

let lastShown = () => '';
async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the screen:\n${lastShown()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  // A new prompt takes the keyboard once React has run its effects.
  await new Promise((r) => setTimeout(r, 20));
}

function mount(backend: FakeBackend, readOnly = false, environment = 'prod') {
  const app = render(
    <App backend={backend} environment={environment} readOnly={readOnly} refreshMs={60_000} dlqOf={(p) => `tripline-${p}-dlq`} incidentsConfigured />,
  );
  const frame = () => app.lastFrame() ?? '';
  lastShown = frame;
  const press = async (keys: string) => {
    for (const k of [...(keys.startsWith('\u001b[') ? [keys] : keys)]) {
      app.stdin.write(k);
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  const type = async (text: string) => {
    for (const ch of text) {
      app.stdin.write(ch);
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 15));
  };
  return { app, frame, press, type };
}

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

describe('tripline tui', () => {
  it('shows a row per pipeline with its numbers, the account and a red PROD header', async () => {
    const backend = new FakeBackend(
      snapshotOf({
        pipelines: [
          pipelineHealth('web', { dlq: { depth: reading(42, 'bad'), oldestAgeSeconds: reading(3900, 'bad'), stats: queueStats('tripline-web-dlq', 42) } }),
          pipelineHealth('ios'),
        ],
      }),
    );
    const ui = mount(backend);
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('web'), 'the overview');
    const frame = ui.frame();
    expect(frame).toContain('123456789012');
    expect(frame).toContain(' PROD ');
    expect(frame).toMatch(/web\s+12s/);
    expect(frame).toContain('42');
    expect(frame).toContain('1h05m');
    expect(frame).toContain('ios');
    expect(backend.snapshots).toBe(1);
  });

  it('moves with j/k and arrows, opens the DLQ view with Enter, peeks with p and groups by error', async () => {
    const backend = new FakeBackend();
    const ui = mount(backend);
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('ios'), 'the overview');
    await ui.press('j');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('DLQ tripline-ios-dlq'), 'the DLQ view of ios');
    await until(() => ui.frame().includes('RUNNING'), 'move tasks');
    expect(ui.frame()).toContain('5/20');
    await ui.press('p');
    await until(() => ui.frame().includes('ValidationError (2)'), 'grouped messages');
    expect(ui.frame()).toContain('Timeout (1)');
    expect(ui.frame()).toContain('receive counts rose');
    expect(backend.actions).toEqual(['peek tripline-ios-dlq']);
    await ui.press(ESC);
    await until(() => ui.frame().includes('PIPELINE'), 'back to the overview');
    await ui.press(DOWN);
    await ui.press('k');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('DLQ tripline-web-dlq'), 'the DLQ view of web');
  });

  it('redrives only after the queue name is typed exactly', async () => {
    const backend = new FakeBackend();
    const ui = mount(backend);
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('web'), 'the overview');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('DLQ tripline-web-dlq'), 'the DLQ view');
    await ui.press('R');
    await until(() => ui.frame().includes('Rate'), 'the rate prompt');
    await ui.press(ENTER); // default rate 10
    await until(() => ui.frame().includes('Type tripline-web-dlq to confirm'), 'the typed confirmation');
    expect(ui.frame()).toContain('Redrive 0 messages from tripline-web-dlq back to their source queues at 10/s');
    await ui.type('tripline-web');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('is not the queue name'), 'the refusal');
    expect(backend.actions).toEqual([]);
    await ui.type('-dlq');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('Started a move task'), 'the result');
    expect(backend.actions).toEqual(['native tripline-web-dlq 10']);
  });

  it('Esc at the confirmation does nothing; a bad rate is refused', async () => {
    const backend = new FakeBackend();
    const ui = mount(backend);
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('web'), 'the overview');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('DLQ tripline-web-dlq'), 'the DLQ view');
    await ui.press('S');
    await until(() => ui.frame().includes('Filter'), 'the filter prompt');
    await ui.type('attr.errorType=Timeout');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('Type tripline-web-dlq'), 'the confirmation');
    await ui.press(ESC);
    await until(() => ui.frame().includes('nothing was done'), 'the cancel note');
    await ui.press('R');
    await until(() => ui.frame().includes('Rate'), 'the rate prompt');
    for (let i = 0; i < 3; i++) await ui.press('\u007f');
    await ui.type('900');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('not a whole number from 1 to 500'), 'the rate error');
    expect(backend.actions).toEqual([]);
  });

  it('--read-only has no redrive, cancel, export or runbook run keys, and says so in help', async () => {
    const backend = new FakeBackend();
    const ui = mount(backend, true);
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('web'), 'the overview');
    expect(ui.frame()).toContain('READ-ONLY');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('DLQ tripline-web-dlq'), 'the DLQ view');
    await ui.press('R');
    await ui.press('S');
    await ui.press('E');
    await ui.press('C');
    await new Promise((r) => setTimeout(r, 50));
    expect(ui.frame()).not.toContain('to confirm');
    expect(ui.frame()).toContain('read-only: actions are off');
    await ui.press('?');
    await until(() => ui.frame().includes('Keys in dlq'), 'help');
    expect(ui.frame()).toContain('peek');
    expect(ui.frame()).not.toContain('native');
    expect(ui.frame()).toContain('Read-only: redrive, cancel, export');
    expect(backend.actions).toEqual([]);
  });

  it('lists alarms ALARM first, filters with /, and Enter shows and runs the runbook with a typed confirmation', async () => {
    const backend = new FakeBackend(
      snapshotOf({
        alarms: [
          alarmStatus('tripline-web-iterator-age', 'OK', { pipeline: 'web' }),
          alarmStatus('tripline-web-dlq-depth', 'ALARM', { pipeline: 'web', reason: 'Threshold Crossed: 1 datapoint [7.0] was greater than 0.0' }),
        ],
      }),
    );
    const ui = mount(backend);
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('web'), 'the overview');
    await ui.press('2');
    await until(() => ui.frame().includes('tripline-web-dlq-depth'), 'alarms');
    const lines = ui.frame().split('\n');
    expect(lines.findIndex((l) => l.includes('dlq-depth'))).toBeLessThan(lines.findIndex((l) => l.includes('iterator-age')));
    expect(ui.frame()).toContain('20m');
    await ui.press('/');
    await ui.type('iterator');
    await ui.press(ENTER);
    await until(() => !ui.frame().includes('dlq-depth'), 'the filter');
    await ui.press(ESC);
    await until(() => ui.frame().includes('dlq-depth'), 'the filter cleared');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('Runbook dlq-redrive'), 'the runbook');
    await ui.press('x');
    await until(() => ui.frame().includes('Type tripline-web-dlq to confirm'), 'the act confirmation');
    await ui.type('tripline-web-dlq');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('runbook finished'), 'the run');
    expect(backend.actions).toEqual(['runbook dlq-redrive web confirmed']);
  });

  it('keeps the alarms in ALARM on screen when there are more alarms than lines, and scrolls with the selection', async () => {
    const many = Array.from({ length: 60 }, (_, i) => alarmStatus(`tripline-web-child-${String(i).padStart(2, '0')}`, 'OK', { pipeline: 'web' }));
    const backend = new FakeBackend(snapshotOf({ alarms: [...many, alarmStatus('tripline-web-dlq-depth', 'ALARM', { pipeline: 'web' })] }));
    const ui = mount(backend);
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('web'), 'the overview');
    await ui.press('2');
    await until(() => ui.frame().includes('tripline-web-dlq-depth'), 'the alarm in ALARM');
    expect(ui.frame()).toMatch(/↓ \d+ more/);
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(40);
    for (let i = 0; i < 59; i++) await ui.press('j');
    await until(() => ui.frame().includes('tripline-web-child-58'), 'the selection scrolled into view');
    expect(ui.frame()).toMatch(/↑ \d+ more/);
    expect(ui.frame()).not.toContain('tripline-web-dlq-depth');
  });

  it('shows an AWS failure in the status line with what to do, and keeps running', async () => {
    const backend = new FakeBackend();
    backend.fail = Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' });
    const ui = mount(backend);
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('expired'), 'the status line');
    expect(ui.frame()).toContain('aws sso login');
    await until(() => ui.frame().includes('next 120s'), 'the backed-off interval: twice the 60 s'); 
    expect(ui.frame()).not.toMatch(/at .*\.js:\d+/);
    backend.fail = undefined;
    await ui.press('r');
    await until(() => ui.frame().includes('ios'), 'the recovered overview');
    expect(ui.frame()).not.toContain('expired');
    await until(() => ui.frame().includes('next 60s'), 'the interval restored');
  });

  it('`:` runs commands and says what it does not know', async () => {
    const backend = new FakeBackend();
    const ui = mount(backend, false, 'staging');
    unmount = ui.app.unmount;
    await until(() => ui.frame().includes('web'), 'the overview');
    expect(ui.frame()).toContain(' STAGING ');
    await ui.press(':');
    await ui.type('dlq ios');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('DLQ tripline-ios-dlq'), 'the DLQ view');
    await ui.press(':');
    await ui.type('frobnicate');
    await ui.press(ENTER);
    await until(() => ui.frame().includes('unknown command ":frobnicate"'), 'the error');
  });
});
