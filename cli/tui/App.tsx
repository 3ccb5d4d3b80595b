import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ActionProgress, ConsoleBackend, MoveTaskView, PeekedMessage, RunbookView } from './backend.js';
import { Header } from './components/Header.js';
import { Help } from './components/Help.js';
import { PromptLine } from './components/PromptLine.js';
import { StatusLine } from './components/StatusLine.js';
import { TypedConfirm } from './components/TypedConfirm.js';
import { describeError } from './describe-error.js';
import { useSnapshot } from './hooks/use-snapshot.js';
import { commandFor, type Command, type View } from './keymap.js';
import { Alarms, sortAlarms } from './views/Alarms.js';
import { Dlq } from './views/Dlq.js';
import { Incidents } from './views/Incidents.js';
import { Overview } from './views/Overview.js';
import { Runbook } from './views/Runbook.js';

export interface AppProps {
  readonly backend: ConsoleBackend;
  readonly environment: string;
  readonly readOnly: boolean;
  readonly refreshMs: number;
  /** Pipeline → DLQ queue name (from the config), for the DLQ view when its stats are not read yet. */
  readonly dlqOf: (pipeline: string) => string | undefined;
  readonly incidentsConfigured: boolean;
  /** More keys for every view (the sandbox's fault injection); shown in help. Their result goes to the status line. */
  readonly extraKeys?: readonly ExtraKey[];
  /** A line under the header (the sandbox says what is broken). */
  readonly banner?: () => string | undefined;
}

export interface ExtraKey {
  readonly key: string;
  readonly label: string;
  readonly run: () => Promise<string> | string;
}

type Modal =
  | { readonly kind: 'help' }
  | { readonly kind: 'filter' }
  | { readonly kind: 'command' }
  | { readonly kind: 'input'; readonly label: string; readonly defaultValue: string; readonly hint?: string; readonly then: (value: string) => void }
  | { readonly kind: 'confirm'; readonly prompt: string; readonly expected: string; readonly then: () => void; readonly cancel: () => void };

const DEFAULT_RATE = 10;

export function App({ backend, environment, readOnly, refreshMs, dlqOf, incidentsConfigured, extraKeys = [], banner }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const width = stdout.columns > 0 ? stdout.columns : 100;
  const height = stdout.rows > 0 ? stdout.rows : 40;
  const load = useCallback(() => backend.snapshot(), [backend]);
  const { snapshot, problem, refreshing, nextDelayMs, refresh } = useSnapshot(load, refreshMs);

  const [view, setView] = useState<View>('overview');
  const [selected, setSelected] = useState<Record<View, number>>({ overview: 0, alarms: 0, incidents: 0, dlq: 0, runbook: 0 });
  const [filter, setFilter] = useState('');
  const [modal, setModal] = useState<Modal | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [actionProblem, setActionProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [dlqPipeline, setDlqPipeline] = useState<string | undefined>(undefined);
  const [tasks, setTasks] = useState<readonly MoveTaskView[] | undefined>(undefined);
  const [peeked, setPeeked] = useState<readonly PeekedMessage[] | undefined>(undefined);
  const [progress, setProgress] = useState<ActionProgress | undefined>(undefined);
  const [runbookAlarm, setRunbookAlarm] = useState<string | undefined>(undefined);
  const [runbook, setRunbook] = useState<RunbookView | null | undefined>(undefined);
  const [runOutput, setRunOutput] = useState<readonly string[]>([]);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const matches = useCallback((text: string) => filter === '' || text.toLowerCase().includes(filter.toLowerCase()), [filter]);
  const pipelines = useMemo(() => (snapshot?.pipelines ?? []).filter((p) => matches(p.pipeline)), [snapshot, matches]);
  const alarms = useMemo(() => sortAlarms(snapshot?.alarms ?? []).filter((a) => matches(`${a.name} ${a.state} ${a.reason}`)), [snapshot, matches]);
  const incidents = useMemo(() => (snapshot?.incidents ?? []).filter((i) => matches(`${i.title} ${i.status}`)), [snapshot, matches]);
  const rowCount = view === 'overview' ? pipelines.length : view === 'alarms' ? alarms.length : view === 'incidents' ? incidents.length : 0;
  // Keys can arrive faster than frames: moves read and write a ref, so "j Enter" opens the row j moved to.
  const selectedRef = useRef(selected);
  const clamp = (i: number) => Math.min(Math.max(0, i), Math.max(0, rowCount - 1));
  const index = clamp(selected[view]);
  const select = (next: number) => {
    selectedRef.current = { ...selectedRef.current, [view]: clamp(next) };
    setSelected(selectedRef.current);
  };
  const currentIndex = () => clamp(selectedRef.current[view]);

  const dlqHealth = snapshot?.pipelines.find((p) => p.pipeline === dlqPipeline);
  const dlqQueue = dlqHealth?.dlq.stats?.name ?? (dlqPipeline !== undefined ? dlqOf(dlqPipeline) : undefined);

  // The DLQ view shows move tasks as of each refresh.
  useEffect(() => {
    if (view !== 'dlq' || dlqQueue === undefined) return;
    let live = true;
    backend.moveTasks(dlqQueue).then(
      (t) => live && setTasks(t),
      (error: unknown) => live && setActionProblem(describeError(error, 'sqs:ListMessageMoveTasks')),
    );
    return () => {
      live = false;
    };
  }, [view, dlqQueue, snapshot, backend]);

  const say = (text: string) => {
    setActionProblem(undefined);
    setMessage(text);
  };

  /** Runs one action; its failure becomes the status line, never a crash. */
  const perform = (label: string, act: () => Promise<string>) => {
    setBusy(label);
    setMessage(undefined);
    setActionProblem(undefined);
    act().then(
      (summary) => {
        if (!mounted.current) return;
        setBusy(undefined);
        setProgress(undefined);
        say(summary);
        refresh();
      },
      (error: unknown) => {
        if (!mounted.current) return;
        setBusy(undefined);
        setProgress(undefined);
        setActionProblem(describeError(error));
        refresh();
      },
    );
  };

  const confirmThen = (prompt: string, expected: string, then: () => void) =>
    setModal({
      kind: 'confirm',
      prompt,
      expected,
      then: () => {
        setModal(undefined);
        then();
      },
      cancel: () => {
        setModal(undefined);
        say('Cancelled; nothing was done.');
      },
    });

  const openDlq = (pipeline: string | undefined) => {
    if (pipeline === undefined) {
      say('Select a pipeline in the overview first.');
      return;
    }
    setDlqPipeline(pipeline);
    setPeeked(undefined);
    setTasks(undefined);
    setView('dlq');
  };

  const openRunbook = (alarmName: string) => {
    setRunbookAlarm(alarmName);
    setRunbook(undefined);
    setRunOutput([]);
    setView('runbook');
    backend.runbookFor(alarmName).then(
      (found) => mounted.current && setRunbook(found ?? null),
      (error: unknown) => {
        if (!mounted.current) return;
        setRunbook(null);
        setActionProblem(describeError(error));
      },
    );
  };

  const runCommandLine = (line: string) => {
    setModal(undefined);
    const [word = '', arg] = line.trim().split(/\s+/);
    switch (word) {
      case 'q':
      case 'quit':
        exit();
        return;
      case 'o':
      case 'overview':
        setView('overview');
        return;
      case 'a':
      case 'alarms':
        setView('alarms');
        return;
      case 'i':
      case 'incidents':
        setView('incidents');
        return;
      case 'dlq':
        openDlq(arg ?? pipelines[index]?.pipeline);
        return;
      case 'r':
      case 'refresh':
        refresh();
        return;
      case '':
        return;
      default:
        setActionProblem(`unknown command ":${word}"; try :overview, :alarms, :incidents, :dlq <pipeline>, :refresh or :q`);
    }
  };

  const depthText = () => {
    const stats = dlqHealth?.dlq.stats;
    return stats === undefined ? 'an unknown number of' : String(stats.visible);
  };

  const run = (command: Command) => {
    switch (command) {
      case 'up':
        select(currentIndex() - 1);
        return;
      case 'down':
        select(currentIndex() + 1);
        return;
      case 'open':
        if (view === 'overview') openDlq(pipelines[currentIndex()]?.pipeline);
        else if (view === 'alarms') {
          const alarm = alarms[currentIndex()];
          if (alarm !== undefined) openRunbook(alarm.name);
        }
        return;
      case 'back':
        if (filter !== '') setFilter('');
        else if (view === 'dlq') setView('overview');
        else if (view === 'runbook') setView('alarms');
        return;
      case 'filter':
        setModal({ kind: 'filter' });
        return;
      case 'command':
        setModal({ kind: 'command' });
        return;
      case 'help':
        setModal({ kind: 'help' });
        return;
      case 'refresh':
        refresh();
        return;
      case 'quit':
        exit();
        return;
      case 'view-overview':
        setView('overview');
        return;
      case 'view-alarms':
        setView('alarms');
        return;
      case 'view-incidents':
        setView('incidents');
        return;
      case 'view-dlq':
        openDlq(dlqPipeline ?? pipelines[clamp(selectedRef.current.overview)]?.pipeline);
        return;
      case 'peek':
        if (dlqQueue === undefined) return;
        setBusy(`peeking at ${dlqQueue}`);
        backend.peek(dlqQueue, 10).then(
          (messages) => {
            if (!mounted.current) return;
            setBusy(undefined);
            setPeeked(messages);
            say(`Peeked at ${messages.length} message(s); they are visible again, their receive counts rose by one.`);
          },
          (error: unknown) => {
            if (!mounted.current) return;
            setBusy(undefined);
            setActionProblem(describeError(error, 'sqs:ReceiveMessage and sqs:ChangeMessageVisibility'));
          },
        );
        return;
      case 'redrive-native': {
        const queue = dlqQueue;
        if (queue === undefined) return;
        setModal({
          kind: 'input',
          label: 'Rate (messages per second, 1–500):',
          defaultValue: String(DEFAULT_RATE),
          hint: 'A safe rate lets the processor keep up; Esc cancels.',
          then: (value) => {
            const rate = Number(value);
            if (!Number.isInteger(rate) || rate < 1 || rate > 500) {
              setModal(undefined);
              setActionProblem(`rate "${value}" is not a whole number from 1 to 500; nothing was done`);
              return;
            }
            confirmThen(`Redrive ${depthText()} messages from ${queue} back to their source queues at ${rate}/s.`, queue, () =>
              perform(`starting a move task on ${queue}`, () => backend.redriveNative(queue, { rate })),
            );
          },
        });
        return;
      }
      case 'redrive-selective': {
        const queue = dlqQueue;
        if (queue === undefined) return;
        setModal({
          kind: 'input',
          label: 'Filter (empty = all):',
          defaultValue: '',
          hint: 'e.g. body.eventName=checkout_completed · attr.errorType~Timeout — every message is backed up first',
          then: (value) => {
            const filterExpr = value.trim();
            confirmThen(
              `Selectively redrive ${filterExpr === '' ? 'all' : `matching (${filterExpr})`} of ${depthText()} messages from ${queue} to its source queue.`,
              queue,
              () =>
                perform(`redriving from ${queue}`, () =>
                  backend.redriveSelective(queue, filterExpr === '' ? {} : { filter: filterExpr }, (p) => mounted.current && setProgress(p)),
                ),
            );
          },
        });
        return;
      }
      case 'cancel-move': {
        const queue = dlqQueue;
        if (queue === undefined) return;
        const running = tasks?.find((t) => t.status === 'RUNNING');
        if (running === undefined) {
          say(`No move task is running on ${queue}.`);
          return;
        }
        confirmThen(`Cancel the move task on ${queue} (${running.moved} of ${running.toMove ?? '?'} moved so far; moved messages stay moved).`, queue, () =>
          perform(`cancelling the move task on ${queue}`, () => backend.cancelMoveTask(queue)),
        );
        return;
      }
      case 'export': {
        const queue = dlqQueue;
        if (queue === undefined) return;
        const file = `${queue}-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
        setModal({
          kind: 'input',
          label: 'Export to file:',
          defaultValue: file,
          hint: 'Messages stay in the queue; their receive counts rise by one.',
          then: (value) => {
            const target = value.trim() === '' ? file : value.trim();
            confirmThen(`Export ${depthText()} messages from ${queue} to ${target}.`, queue, () =>
              perform(`exporting ${queue}`, () => backend.exportMessages(queue, target, (p) => mounted.current && setProgress(p))),
            );
          },
        });
        return;
      }
      case 'run-runbook': {
        if (runbook === undefined || runbook === null || runbookAlarm === undefined) return;
        const alarm = snapshot?.alarms.find((a) => a.name === runbookAlarm);
        const pipeline = alarm?.pipeline;
        if (pipeline === undefined) {
          setActionProblem(`cannot tell which pipeline ${runbookAlarm} belongs to (no pipeline alarm prefix matches); run it with tripline runbook run ${runbook.id} --pipeline <name>`);
          return;
        }
        setRunOutput([]);
        const hooks = {
          confirm: (prompt: string, typed: string) =>
            new Promise<boolean>((resolve) =>
              setModal({
                kind: 'confirm',
                prompt,
                expected: typed,
                then: () => {
                  setModal(undefined);
                  resolve(true);
                },
                cancel: () => {
                  setModal(undefined);
                  resolve(false);
                },
              }),
            ),
          onLine: (line: string) => mounted.current && setRunOutput((lines) => [...lines.slice(-12), line]),
        };
        perform(`running runbook ${runbook.id} for ${pipeline}`, async () => (await backend.runRunbook(runbook.id, pipeline, hooks)).summary);
        return;
      }
    }
  };

  // The handler is replaced on every render, before the frame is written, so a
  // key that follows a frame at once is read against that frame's state.
  const onKey = useRef<(input: string, key: Key) => void>(() => undefined);
  onKey.current = (input, key) => {
    if (modal?.kind === 'help') {
      if (key.escape || input === '?' || input === 'q') setModal(undefined);
      return;
    }
    if (modal !== undefined) return; // the prompt or confirmation has the keyboard
    const command = commandFor(input, key, view, readOnly);
    if (command !== undefined) return run(command);
    const extra = extraKeys.find((k) => k.key === input);
    if (extra !== undefined) perform(extra.label, async () => extra.run());
  };
  useInput(useCallback((input: string, key: Key) => onKey.current(input, key), []));

  const now = snapshot?.at ?? new Date();
  const bannerText = banner?.();
  // Header, tabs, banner, filter, status line and a prompt: the rest is for the view.
  const room = Math.max(5, height - 6 - (bannerText !== undefined ? 2 : 0) - (filter !== '' ? 1 : 0) - (modal !== undefined ? 6 : 0));
  return (
    <Box flexDirection="column" width={width}>
      <Header snapshot={snapshot} environment={environment} view={view} readOnly={readOnly} refreshing={refreshing} nextDelayMs={nextDelayMs} />
      {bannerText !== undefined ? <Text color="magenta">{bannerText}</Text> : null}
      {filter !== '' ? <Text color="cyan">filter: {filter} (Esc clears)</Text> : null}
      <Box flexDirection="column" marginTop={1}>
        {view === 'overview' ? <Overview snapshot={snapshot} rows={pipelines} selected={index} width={width} room={room} /> : null}
        {view === 'alarms' ? <Alarms rows={alarms} selected={index} width={width} now={now} loaded={snapshot !== undefined} room={room} /> : null}
        {view === 'incidents' ? (
          <Incidents rows={incidents} selected={index} width={width} now={now} loaded={snapshot !== undefined} configured={incidentsConfigured} room={room} />
        ) : null}
        {view === 'dlq' ? (
          <Dlq
            {...(dlqHealth !== undefined ? { pipeline: dlqHealth } : {})}
            queueName={dlqQueue ?? '?'}
            {...(tasks !== undefined ? { tasks } : {})}
            {...(peeked !== undefined ? { peeked } : {})}
            {...(progress !== undefined ? { progress } : {})}
            width={width}
            readOnly={readOnly}
          />
        ) : null}
        {view === 'runbook' ? <Runbook alarmName={runbookAlarm ?? ''} runbook={runbook} output={runOutput} height={height} readOnly={readOnly} /> : null}
      </Box>
      {modal?.kind === 'help' ? <Help view={view} readOnly={readOnly} extra={extraKeys.map((k) => `${k.key.padEnd(10)} ${k.label}`)} /> : null}
      {modal?.kind === 'filter' ? (
        <PromptLine
          label="/"
          defaultValue={filter}
          onSubmit={(value) => {
            setFilter(value.trim());
            setModal(undefined);
          }}
          onCancel={() => setModal(undefined)}
        />
      ) : null}
      {modal?.kind === 'command' ? <PromptLine label=":" hint="overview · alarms · incidents · dlq <pipeline> · refresh · q" onSubmit={runCommandLine} onCancel={() => setModal(undefined)} /> : null}
      {modal?.kind === 'input' ? (
        <PromptLine
          label={modal.label}
          defaultValue={modal.defaultValue}
          {...(modal.hint !== undefined ? { hint: modal.hint } : {})}
          onSubmit={modal.then}
          onCancel={() => {
            setModal(undefined);
            say('Cancelled; nothing was done.');
          }}
        />
      ) : null}
      {modal?.kind === 'confirm' ? <TypedConfirm prompt={modal.prompt} expected={modal.expected} onConfirm={modal.then} onCancel={modal.cancel} /> : null}
      <StatusLine
        {...(actionProblem !== undefined || problem !== undefined ? { problem: actionProblem ?? problem } : {})}
        {...(message !== undefined ? { message } : {})}
        {...(busy !== undefined ? { busy } : {})}
      />
    </Box>
  );
}
