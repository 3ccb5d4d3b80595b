/**
 * Keys as data: the help view, the footer and the input handler all read this
 * table. Dangerous bindings are simply not bound under --read-only.
 */
export type View = 'overview' | 'alarms' | 'incidents' | 'dlq' | 'runbook';

export type Command =
  | 'up'
  | 'down'
  | 'open'
  | 'back'
  | 'filter'
  | 'command'
  | 'help'
  | 'refresh'
  | 'quit'
  | 'view-overview'
  | 'view-alarms'
  | 'view-incidents'
  | 'view-dlq'
  | 'peek'
  | 'redrive-native'
  | 'redrive-selective'
  | 'cancel-move'
  | 'export'
  | 'run-runbook';

export interface KeyBinding {
  /** Printable keys, or `up`/`down`/`return`/`escape`/`tab` for special keys. */
  readonly keys: readonly string[];
  readonly command: Command;
  readonly label: string;
  /** Views where the key works; undefined = everywhere. */
  readonly views?: readonly View[];
  /** Moves or changes messages: needs typed confirmation, and --read-only leaves it unbound. */
  readonly dangerous?: boolean;
}

export const KEYMAP: readonly KeyBinding[] = [
  { keys: ['up', 'k'], command: 'up', label: 'move up' },
  { keys: ['down', 'j'], command: 'down', label: 'move down' },
  { keys: ['return'], command: 'open', label: 'open (pipeline → DLQ, alarm → runbook)', views: ['overview', 'alarms'] },
  { keys: ['escape'], command: 'back', label: 'back / close' },
  { keys: ['/'], command: 'filter', label: 'filter rows', views: ['overview', 'alarms', 'incidents'] },
  { keys: [':'], command: 'command', label: 'command (:overview :alarms :incidents :dlq <pipeline> :q)' },
  { keys: ['?'], command: 'help', label: 'help for this view' },
  { keys: ['r'], command: 'refresh', label: 'refresh now' },
  { keys: ['q'], command: 'quit', label: 'quit' },
  { keys: ['1'], command: 'view-overview', label: 'overview' },
  { keys: ['2'], command: 'view-alarms', label: 'alarms' },
  { keys: ['3'], command: 'view-incidents', label: 'incidents' },
  { keys: ['4'], command: 'view-dlq', label: 'DLQ of the selected pipeline' },
  { keys: ['p'], command: 'peek', label: 'peek at 10 messages (not consumed; receive counts rise)', views: ['dlq'] },
  { keys: ['R'], command: 'redrive-native', label: 'redrive all to their source queues (native, with a rate)', views: ['dlq'], dangerous: true },
  { keys: ['S'], command: 'redrive-selective', label: 'selective redrive (filter, backup first)', views: ['dlq'], dangerous: true },
  { keys: ['C'], command: 'cancel-move', label: 'cancel the running move task', views: ['dlq'], dangerous: true },
  { keys: ['E'], command: 'export', label: 'export messages to an NDJSON file (not deleted)', views: ['dlq'], dangerous: true },
  { keys: ['x'], command: 'run-runbook', label: 'run this runbook (asks before each action)', views: ['runbook'], dangerous: true },
];

/** The bindings in force: dangerous ones vanish under --read-only. */
export function activeBindings(readOnly: boolean): readonly KeyBinding[] {
  return readOnly ? KEYMAP.filter((b) => b.dangerous !== true) : KEYMAP;
}

/** Ink's key flags, as far as the keymap needs them. */
export interface KeyFlags {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly tab?: boolean;
  readonly ctrl?: boolean;
}

/** Which command a keypress means in a view, if any. */
export function commandFor(input: string, key: KeyFlags, view: View, readOnly: boolean): Command | undefined {
  const name = key.upArrow ? 'up' : key.downArrow ? 'down' : key.return ? 'return' : key.escape ? 'escape' : key.tab ? 'tab' : input;
  if (key.ctrl && input === 'c') return 'quit';
  for (const binding of activeBindings(readOnly)) {
    if (binding.views !== undefined && !binding.views.includes(view)) continue;
    if (binding.keys.includes(name)) return binding.command;
  }
  return undefined;
}

/** Help lines for a view: `key  label`, only what works there. */
export function helpFor(view: View, readOnly: boolean): readonly string[] {
  return activeBindings(readOnly)
    .filter((b) => b.views === undefined || b.views.includes(view))
    .map((b) => `${b.keys.map(keyName).join('/').padEnd(10)} ${b.label}`);
}

function keyName(key: string): string {
  switch (key) {
    case 'up':
      return '↑';
    case 'down':
      return '↓';
    case 'return':
      return 'Enter';
    case 'escape':
      return 'Esc';
    default:
      return key;
  }
}
