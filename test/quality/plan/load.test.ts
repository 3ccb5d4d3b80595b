import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { loadTrackingPlan } from '../../../src/quality/plan/index.js';
import { planDir, record } from './plan-dir.js';

/** The InputError message a plan directory produces. */
async function loadError(dir: string): Promise<string> {
  const error: unknown = await loadTrackingPlan(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error instanceof Error ? error.message : '';
}

const pageViewed = record('PageViewed', [{ name: 'path', type: 'string' }]);

describe('loadTrackingPlan', () => {
  it('loads <dir>/<event>/<version>.avsc, versions in numeric order, the highest as latest', async () => {
    const dir = planDir({
      'page_viewed/1.avsc': pageViewed,
      'page_viewed/2.avsc': pageViewed,
      'page_viewed/10.avsc': pageViewed,
      'screen_viewed/1.avsc': record('ScreenViewed', [{ name: 'screen_name', type: 'string' }]),
      'README.md': '# plan',
      'page_viewed/NOTES.md': 'not a schema',
      '.git/config/1.avsc': 'ignored: dot-directories are not events',
    });
    const plan = await loadTrackingPlan(dir);
    expect([...plan.events.keys()]).toEqual(['page_viewed', 'screen_viewed']);
    const page = plan.events.get('page_viewed');
    expect(page?.versions.map((v) => v.version)).toEqual([1, 2, 10]);
    expect(page?.latest.version).toBe(10);
    expect(page?.latest.file).toBe(path.join(dir, 'page_viewed', '10.avsc'));
    expect(page?.latest.type.typeName).toBe('record');
  });

  it.each([
    ['v1.avsc', 'rename "v1.avsc"'],
    ['01.avsc', 'rename "01.avsc"'],
    ['latest.avsc', 'rename "latest.avsc"'],
    ['0.avsc', 'rename "0.avsc"'],
  ])('rejects the version file name %s', async (name, hint) => {
    const dir = planDir({ [`page_viewed/${name}`]: pageViewed });
    const message = await loadError(dir);
    expect(message).toBe(
      `${path.join(dir, 'page_viewed', name)}: version files are named by a positive integer without leading zeros (1.avsc, 2.avsc, …); ${hint}`,
    );
  });

  it('says when the directory does not exist', async () => {
    const dir = path.join(planDir({}), 'nope');
    expect(await loadError(dir)).toBe(
      `${dir}: cannot read the tracking plan (no such directory or file); pass a directory laid out as <dir>/<eventName>/<version>.avsc, e.g. tracking-plan/page_viewed/1.avsc`,
    );
  });

  it('says when the path is a file, not a directory', async () => {
    const dir = planDir({});
    const file = path.join(dir, 'plan.avsc');
    writeFileSync(file, JSON.stringify(pageViewed));
    expect(await loadError(file)).toContain(`${file}: cannot read the tracking plan (not a directory)`);
  });

  it('says when the plan has no events', async () => {
    const dir = planDir({ 'README.md': 'only a readme' });
    expect(await loadError(dir)).toBe(
      `${dir}: the tracking plan has no events; lay it out as <dir>/<eventName>/<version>.avsc, e.g. tracking-plan/page_viewed/1.avsc`,
    );
  });

  it('says when an event directory holds no schema', async () => {
    const dir = planDir({ 'page_viewed/1.json': pageViewed });
    expect(await loadError(dir)).toBe(
      `${path.join(dir, 'page_viewed')}: no <version>.avsc files; add 1.avsc (an Avro record of the event's properties) or remove the directory`,
    );
  });

  it('points at the line and column of broken JSON', async () => {
    const dir = planDir({ 'page_viewed/1.avsc': '{\n  "type": "record",\n  "name": "X"\n  "fields": []\n}\n' });
    const message = await loadError(dir);
    expect(message).toMatch(new RegExp(`^${escape(path.join(dir, 'page_viewed', '1.avsc'))}: not valid JSON \\(.*line 4 column 3.*\\); an \\.avsc file holds one Avro schema as JSON$`));
  });

  it.each([
    ['"string"', 'not the type "string"'],
    [JSON.stringify({ type: 'enum', name: 'Plan', symbols: ['free'] }), 'not a schema of type "enum"'],
    [JSON.stringify(['null', 'string']), 'not a union'],
    [JSON.stringify({ name: 'X', fields: [] }), 'not an object without "type": "record"'],
  ])('rejects a schema that is not a record: %s', async (text, tail) => {
    const dir = planDir({ 'page_viewed/1.avsc': text });
    expect(await loadError(dir)).toBe(
      `${path.join(dir, 'page_viewed', '1.avsc')}: the schema must be an Avro record describing the event's properties ({"type": "record", "name": …, "fields": […]}), ${tail}`,
    );
  });

  it.each([
    [[{ name: 'price', type: 'dobule' }], 'undefined type name: dobule'],
    [[{ name: 'price', type: 'int', default: 'free' }], 'incompatible field default "free"'],
    [[{ name: 'title', type: ['null', 'string'], default: 'home' }], "union defaults must match the first branch's type"],
    [[{ name: 'path', type: 'string' }, { name: 'path', type: 'string' }], 'duplicate field name'],
  ])('passes on avsc\'s reason for an invalid Avro record %#', async (fields, reason) => {
    const dir = planDir({ 'page_viewed/1.avsc': record('PageViewed', fields) });
    const message = await loadError(dir);
    expect(message.startsWith(`${path.join(dir, 'page_viewed', '1.avsc')}: not a valid Avro schema: `)).toBe(true);
    expect(message).toContain(reason);
  });

  it('rejects a "pii" attribute that is not a boolean, naming the field', async () => {
    const dir = planDir({
      'signed_up/1.avsc': record('SignedUp', [
        { name: 'contact', type: record('Contact', [{ name: 'email', type: 'string', pii: 'yes' }]) },
      ]),
    });
    expect(await loadError(dir)).toBe(`${path.join(dir, 'signed_up', '1.avsc')}: field "contact.email": "pii" must be true or false, not "yes"`);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
