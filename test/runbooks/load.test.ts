import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelinesSchema } from '../../src/config/pipelines.js';
import { ConfigError, InputError, RunbookError } from '../../src/errors.js';
import { healthConditions } from '../../src/runbooks/conditions.js';
import { findRunbook, loadRunbooks, loadRunbooksCollecting, pipelineForRun, runbookForAlarm } from '../../src/runbooks/load.js';

const runbook = (id: string, alarms: string, body = '```check\ndlq.depth == 0\n```\n') => `---\nid: ${id}\ntitle: ${id} title\nalarms: [${alarms}]\n---\n${body}`;

function dir(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'tripline-runbooks-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  return root;
}

describe('loadRunbooks', () => {
  it('reads every .md but README.md, sorted by file name', async () => {
    const root = dir({
      'b.md': runbook('beta', '"tripline-*-dlq-depth"'),
      'a.md': runbook('alpha', '"tripline-web-*"'),
      'README.md': '# How to write runbooks\n',
      'notes.txt': 'not a runbook',
    });
    mkdirSync(path.join(root, 'drafts.md'));
    const runbooks = await loadRunbooks(root, { conditions: healthConditions });
    expect(runbooks.map((r) => [r.id, r.file])).toEqual([
      ['alpha', path.join(root, 'a.md')],
      ['beta', path.join(root, 'b.md')],
    ]);
  });

  it('keeps the usable runbooks and lists the problems of the others, a taken id included', async () => {
    const root = dir({
      'a.md': runbook('alpha', 'x'),
      'b.md': runbook('broken', 'x', '```check\ndlq.depth = 0\n```\n'),
      'c.md': runbook('alpha', 'y'),
    });
    const loaded = await loadRunbooksCollecting(root, { conditions: healthConditions });
    expect(loaded.runbooks.map((r) => r.id)).toEqual(['alpha']);
    expect(loaded.issues).toEqual([
      `${path.join(root, 'b.md')}:7: check condition "dlq.depth = 0": unexpected "=": use "==" to compare at column 11`,
      `${path.join(root, 'c.md')}:2: id "alpha" is already used by ${path.join(root, 'a.md')}; give each runbook its own id`,
    ]);
    await expect(loadRunbooks(root, { conditions: healthConditions })).rejects.toThrow(RunbookError);
  });

  it('says what to do when the directory is missing', async () => {
    const missing = path.join(tmpdir(), 'no-such-runbooks-dir');
    await expect(loadRunbooks(missing)).rejects.toThrow(
      `runbooks directory ${missing} does not exist; set console.runbooks in tripline.config.yaml, or run from the directory that holds runbooks/`,
    );
  });
});

describe('findRunbook', () => {
  it('names the runbooks there are when the id is unknown', async () => {
    const root = dir({ 'a.md': runbook('alpha', 'x'), 'b.md': 'no front matter' });
    const loaded = await loadRunbooksCollecting(root);
    expect(findRunbook(loaded, 'alpha', root).id).toBe('alpha');
    expect(() => findRunbook(loaded, 'gamma', root)).toThrow(
      `no runbook "gamma" in ${root} (the runbooks there: alpha); \`tripline runbook list\` shows them. Some files cannot be used, one of them may be it:\n  - ${path.join(root, 'b.md')}:1: no front matter`,
    );
  });
});

describe('runbookForAlarm', () => {
  it('picks the first runbook with a matching glob or regex', async () => {
    const root = dir({
      'a.md': runbook('dlq', '"tripline-*-dlq-depth"'),
      'b.md': runbook('any-web', '"/^tripline-web-/"'),
    });
    const runbooks = await loadRunbooks(root);
    expect(runbookForAlarm(runbooks, 'tripline-web-dlq-depth')?.id).toBe('dlq');
    expect(runbookForAlarm(runbooks, 'tripline-web-iterator-age')?.id).toBe('any-web');
    expect(runbookForAlarm(runbooks, 'tripline-ios-iterator-age')).toBeUndefined();
  });
});

describe('pipelineForRun', () => {
  const pipelines = PipelinesSchema.parse({
    web: { stream: 's', processor: 'p', failedQueue: 'f', dlq: 'd' },
    ios: { stream: 's', processor: 'p', failedQueue: 'f', dlq: 'd', alarmPrefix: 'mobile-ios-' },
  });
  const base = { id: 'dlq', title: 'DLQ', alarms: ['*'], file: 'runbooks/dlq.md', blocks: [], steps: [] };
  const fromAlarm = { ...base, pipelineFrom: 'alarm' as const };
  const ask = { ...base, pipelineFrom: 'ask' as const };

  it('takes --pipeline first, then the pipeline whose alarm prefix starts the alarm name', () => {
    expect(pipelineForRun(fromAlarm, { pipeline: 'web', alarm: 'mobile-ios-dlq-depth' }, pipelines).name).toBe('web');
    expect(pipelineForRun(fromAlarm, { alarm: 'mobile-ios-dlq-depth' }, pipelines).name).toBe('ios');
    expect(pipelineForRun(fromAlarm, { alarm: 'tripline-web-dlq-depth' }, pipelines).config.dlq).toBe('d');
  });

  it('refuses an unknown pipeline or an alarm no pipeline owns, naming the choices', () => {
    expect(() => pipelineForRun(fromAlarm, { pipeline: 'android' }, pipelines)).toThrow(new InputError('unknown pipeline "android"; the config defines web, ios'));
    expect(() => pipelineForRun(fromAlarm, { alarm: 'other-dlq' }, pipelines)).toThrow(
      'alarm "other-dlq" belongs to no pipeline (no pipeline\'s alarm prefix starts it: web → tripline-web-, ios → mobile-ios-); pass --pipeline <name>',
    );
  });

  it('needs --pipeline for a runbook that asks, unless there is only one pipeline', () => {
    expect(() => pipelineForRun(ask, { alarm: 'tripline-web-dlq-depth' }, pipelines)).toThrow('runbook dlq needs a pipeline: pass --pipeline <name> (web, ios)');
    const one = PipelinesSchema.parse({ web: { stream: 's', processor: 'p', failedQueue: 'f', dlq: 'd' } });
    expect(pipelineForRun(ask, {}, one).name).toBe('web');
    expect(() => pipelineForRun(ask, {}, {})).toThrow(ConfigError);
  });
});
