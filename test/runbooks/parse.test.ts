import { describe, expect, it } from 'vitest';
import { RunbookError } from '../../src/errors.js';
import { formatDuration, parseDuration, parseRunbook } from '../../src/runbooks/parse.js';
import type { ConditionCompiler } from '../../src/runbooks/types.js';

/** Accepts `<path> <op> <path|number>` joined by and/or; anything else is refused the way a real compiler would. */
const conditions: ConditionCompiler = (text) => {
  const term = String.raw`[a-z][A-Za-z.]*\s*(<|<=|>|>=|==|!=)\s*([a-z][A-Za-z.]*|\d+(\.\d+)?)`;
  if (!new RegExp(`^${term}(\\s+(and|or)\\s+${term})*$`).test(text)) throw new Error('expected <path> <operator> <value>, e.g. dlq.depth == 0');
  return { evaluate: () => ({ ok: true, text }) };
};

const FILE = 'runbooks/test.md';

/** Builds a runbook file; `body` lines follow the front matter. */
function doc(front: string, body: string): string {
  return `---\n${front}\n---\n${body}`;
}

const GOOD = doc(
  ['id: dlq-redrive', 'title: DLQ not empty', 'summary: Move failed events back.', 'alarms:', '  - tripline-*-dlq-depth'].join('\n'),
  [
    '',
    '# DLQ not empty',
    '',
    'Check first. See [the guide](https://example.com/guide).',
    '',
    '```check Errors fell',
    '# a comment line is ignored',
    'processor.errorRate < threshold.processorErrorRate',
    '```',
    '',
    '```sh',
    'tripline dlq peek --pipeline web',
    '```',
    '',
    '```act',
    'export file=.tripline/backups/{pipeline}-{timestamp}.jsonl',
    '```',
    '',
    '~~~act Redrive',
    'redrive mode=selective rate=5 max=100 filter=\'body.eventName="page viewed" and attr.errorType=Timeout\' backup=b-{dlq}.jsonl',
    '~~~',
    '',
    '```wait',
    'until dlq.depth == 0',
    '  timeout=1h30m every=45s',
    '```',
    '',
    '```verify',
    'processor.errorRate < threshold.processorErrorRate for=10m',
    '```',
    '',
    '```act',
    'cancel queue={failedQueue}',
    '```',
    '',
    'Done.',
  ].join('\n'),
);

function issuesOf(text: string): readonly string[] {
  try {
    parseRunbook(text, FILE, { conditions });
  } catch (error) {
    expect(error).toBeInstanceOf(RunbookError);
    return (error as RunbookError).issues;
  }
  throw new Error('expected the runbook to be refused');
}

describe('parseRunbook', () => {
  it('reads front matter, prose and every kind of step in document order', () => {
    const runbook = parseRunbook(GOOD, FILE, { conditions });

    expect(runbook).toMatchObject({ id: 'dlq-redrive', title: 'DLQ not empty', summary: 'Move failed events back.', alarms: ['tripline-*-dlq-depth'], pipelineFrom: 'alarm', file: FILE });
    expect(runbook.steps.map((s) => [s.index, s.kind, s.line])).toEqual([
      [1, 'check', 15],
      [2, 'act', 23],
      [3, 'act', 27],
      [4, 'wait', 31],
      [5, 'verify', 36],
      [6, 'act', 40],
    ]);
    expect(runbook.steps[0]).toMatchObject({ label: 'Errors fell', condition: 'processor.errorRate < threshold.processorErrorRate' });
    expect(runbook.steps[1]).toMatchObject({ action: { verb: 'export', queue: '{dlq}', file: '.tripline/backups/{pipeline}-{timestamp}.jsonl' } });
    expect(runbook.steps[2]).toMatchObject({
      label: 'Redrive',
      action: { verb: 'redrive', queue: '{dlq}', mode: 'selective', rate: 5, max: 100, filter: 'body.eventName="page viewed" and attr.errorType=Timeout', backup: 'b-{dlq}.jsonl' },
    });
    expect(runbook.steps[3]).toMatchObject({ condition: 'dlq.depth == 0', timeoutSeconds: 5400, everySeconds: 45 });
    expect(runbook.steps[4]).toMatchObject({ condition: 'processor.errorRate < threshold.processorErrorRate', forSeconds: 600, everySeconds: 30 });
    expect(runbook.steps[5]).toMatchObject({ action: { verb: 'cancel', queue: '{failedQueue}' } });

    // Prose between steps is kept for people, a non-step code block included.
    const prose = runbook.blocks.filter((b) => b.kind === 'markdown').map((b) => b.text);
    expect(prose[0]).toContain('# DLQ not empty');
    expect(prose[1]).toBe('```sh\ntripline dlq peek --pipeline web\n```');
    expect(prose.at(-1)).toBe('Done.');
  });

  it('defaults a native redrive and accepts CRLF line endings', () => {
    const runbook = parseRunbook(doc('id: a\ntitle: A\nalarms: ["x-*"]', '```act\nredrive\n```\n').replace(/\n/g, '\r\n'), FILE);
    expect(runbook.steps[0]).toMatchObject({ kind: 'act', action: { verb: 'redrive', mode: 'native', queue: '{dlq}' } });
  });

  it('refuses a file without front matter, or with unclosed front matter', () => {
    expect(issuesOf('# Just markdown\n')).toEqual([`${FILE}:1: no front matter: start the file with a "---" line, then id, title and alarms, then "---"`]);
    expect(issuesOf('---\nid: a\n')).toEqual([`${FILE}:1: the front matter is never closed: end it with a "---" line before the Markdown`]);
  });

  it('reports a YAML syntax error at its line', () => {
    const issues = issuesOf(doc('id: a\ntitle: A\nalarms: [unclosed', '```check\ndlq.depth == 0\n```'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^runbooks\/test\.md:[45]: front matter is not valid YAML: /);
  });

  it('reports every front-matter problem with the line of the key', () => {
    const issues = issuesOf(doc('id: Bad_Id\ntitel: typo\nalarms: []\npipelineFrom: tag', '```check\ndlq.depth == 0\n```'));
    expect(issues).toEqual([
      `${FILE}:2: id: must be lower-case letters, digits and "-" (at most 64), e.g. dlq-redrive`,
      expect.stringMatching(/^runbooks\/test\.md:\d: title: is required: one line saying what the runbook fixes$/),
      `${FILE}:4: alarms: must list at least one alarm-name glob, e.g. "tripline-*-dlq-depth"`,
      `${FILE}:5: pipelineFrom: must be "alarm" (the default: --pipeline, else the alarm's pipeline) or "ask" (--pipeline is required)`,
      `${FILE}:3: unknown front-matter key "titel"; the keys are id, title, summary, alarms, pipelineFrom`,
    ]);
  });

  it('refuses a bad alarm pattern, naming the entry', () => {
    expect(issuesOf(doc('id: a\ntitle: A\nalarms:\n  - ok-*\n  - "/([/"', '```check\ndlq.depth == 0\n```'))).toEqual([
      expect.stringMatching(/^runbooks\/test\.md:6: alarms\[1\]: not a valid regular expression/),
    ]);
  });

  it('refuses a runbook without steps', () => {
    expect(issuesOf(doc('id: a\ntitle: A\nalarms: [x]', '\nOnly prose.\n'))).toEqual([
      `${FILE}:6: no steps: add at least one \`\`\`check, \`\`\`act, \`\`\`wait or \`\`\`verify block`,
    ]);
  });

  const FRONT = 'id: a\ntitle: A\nalarms: [x]';
  // The body starts on line 6 of the file (front matter lines 1-5).
  const stepCases: Array<[string, string, string]> = [
    ['an unclosed step block', 'text\n```wait\nuntil dlq.depth == 0 timeout=1m\n', '7: the ```wait block opened here is never closed; end it with ```'],
    ['an unclosed code block hiding the steps', '~~~sh\nls\n\n```check\ndlq.depth == 0\n```', '6: the code block opened here is never closed (it would hide every step after it); end it with ~~~'],
    ['a step swallowed by a code block', '```sh\nls\n\n```check\ndlq.depth == 0\n```', '9: this ```check line is inside the code block opened on line 6; close that block with ``` first'],
    ['an empty step', '```check\n# only a comment\n```', '6: empty check step: write the condition between the fences, e.g. processor.errorRate < threshold.processorErrorRate'],
    ['a bad condition', '\n```check\ndlq.depth ==\n```', '8: check condition "dlq.depth ==": expected <path> <operator> <value>, e.g. dlq.depth == 0'],
    ['options on a check', '```check\ndlq.depth == 0 for=10m\n```', '7: a check takes no options (found for=); to require a condition over time use ```verify <condition> for=10m'],
    ['a wait without until', '```wait\ndlq.depth == 0 timeout=10m\n```', '7: a wait step reads "until <condition> timeout=<duration> [every=<duration>]", got "dlq.depth == 0 timeout=10m"'],
    ['a wait without timeout', '```wait\nuntil dlq.depth == 0\n```', '7: a wait step needs timeout=<duration> (e.g. timeout=30m), so it cannot wait forever'],
    ['a duration with a space', '```wait\nuntil dlq.depth == 0 timeout=10 minutes\n```', '7: timeout=10: options come after the condition, each a key=value without spaces (e.g. timeout=10m)'],
    ['an option in the middle', '```wait\nuntil dlq.depth == 0 timeout=10 minutes every=1m\n```', '7: timeout=10: options come after the condition, each a key=value without spaces (e.g. timeout=10m)'],
    ['a malformed duration', '```wait\nuntil dlq.depth == 0 timeout=10x\n```', '7: timeout=10x is not a duration; write e.g. 30s, 10m, 1h or 1h30m'],
    ['every longer than the timeout', '```wait\nuntil dlq.depth == 0 timeout=1m every=5m\n```', '7: every=300s is longer than timeout=60s; poll more often than the timeout'],
    ['an unknown wait option', '```wait\nuntil dlq.depth == 0 timeout=1m for=5m\n```', '7: unknown option for= for wait; wait takes timeout= and every='],
    ['every without for on verify', '```verify\ndlq.depth == 0 every=1m\n```', '7: every= needs for=: a verify without for= is evaluated once'],
    ['an unknown verb', '```act\npurge\n```', '7: unknown action "purge"; an act step is redrive, cancel or export'],
    ['an unknown act option', '```act\nredrive speed=10\n```', '7: unknown option speed= for redrive; redrive takes queue= to= mode= rate= filter= max= backup='],
    ['a bad mode', '```act\nredrive mode=fast\n```', '7: mode=fast is not a redrive mode; use mode=native or mode=selective'],
    ['a native rate above the SQS limit', '```act\nredrive rate=1000\n```', "7: rate=1000 must be a whole number of messages per second from 1 to 500 (SQS's limit for a native redrive)"],
    ['a filter on a native redrive', '```act\nredrive filter=x\n```', '7: filter= needs mode=selective: a native redrive moves every message'],
    ['a backup on a native redrive', '```act\nredrive backup=b.jsonl\n```', '7: backup= needs mode=selective; before a native redrive, back up with its own step: ```act then export file=<path>'],
    ['backup=yes', '```act\nredrive mode=selective backup=yes\n```', '7: backup=yes: name the backup file, e.g. backup=.tripline/backups/{pipeline}-dlq-{timestamp}.jsonl'],
    ['an export without a file', '```act\nexport max=10\n```', '7: export needs file=<path>, e.g. file=.tripline/backups/{pipeline}-dlq-{timestamp}.jsonl'],
    ['a bad max', '```act\nexport file=f max=-1\n```', '7: max=-1 must be a whole number of messages above 0'],
    ['an unknown placeholder', '```act\nexport file={queue}.jsonl\n```', '7: file={queue}.jsonl: unknown placeholder {queue}; use {pipeline} {dlq} {failedQueue} {stream} {processor} {timestamp}'],
    ['a filter the redrive cannot read', '```act\nredrive mode=selective filter="eventName == x"\n```', '7: filter=eventName == x: cannot read "eventName == x": expected body, body.<path>, attr.<Name> or sys.<Name>, then =, != or ~; write clauses such as body.error.code=TIMEOUT, body.platform~^ios, attr.errorType=Timeout, joined with " and "'],
    ['an unclosed quote', '```act\nredrive mode=selective filter="a == b\n```', '7: a " quote is never closed'],
    ['two actions in one block', '```act\nexport file=a\ncancel\n```', '7: an act step holds one action; put each action in its own ```act block'],
  ];

  it.each(stepCases)('reports %s at its line', (_name, body, expected) => {
    expect(issuesOf(doc(FRONT, body))).toEqual([`${FILE}:${expected}`]);
  });

  it('collects problems from several steps and the front matter at once', () => {
    const issues = issuesOf(doc('id: a\nalarms: [x]', '```check\nbad\n```\n\n```act\npurge\n```'));
    expect(issues).toEqual([
      expect.stringContaining('title: is required'),
      `${FILE}:6: check condition "bad": expected <path> <operator> <value>, e.g. dlq.depth == 0`,
      `${FILE}:10: unknown action "purge"; an act step is redrive, cancel or export`,
    ]);
  });

  it('says which file and what to fix in the error message', () => {
    expect(() => parseRunbook('nope', FILE)).toThrow(/^runbooks\/test\.md: the runbook cannot be used; fix:\n {2}- runbooks\/test\.md:1: no front matter/);
  });
});

describe('durations', () => {
  it.each([
    ['30s', 30],
    ['10m', 600],
    ['2h', 7200],
    ['1h30m', 5400],
    ['1m30s', 90],
  ])('parses %s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each(['', '0s', '10', '5 m', 'm', '1d', '30m1h'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
