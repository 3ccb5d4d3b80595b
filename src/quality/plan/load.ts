import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import avro from 'avsc';
import type { PropertiesVerdict } from '../../domain/quality.js';
import { InputError } from '../../errors.js';
import { createPiiDetector, createPiiGate, DEFAULT_PII_PATTERNS } from './pii.js';
import { buildSchemaNode, SchemaAttributeError } from './schema-node.js';
import type { EventDefinition, EventVersion, SchemaSource, TrackingPlan, TrackingPlanOptions } from './types.js';
import { ValidatorCompiler, type Validator } from './validate.js';
import { createTextChecker, registerTextChecker, TextValidatorCompiler, type TextValidator } from './validate-text.js';

const VERSION_FILE = /^([1-9][0-9]*)\.avsc$/;
const LAYOUT = '<dir>/<eventName>/<version>.avsc, e.g. tracking-plan/page_viewed/1.avsc';
const VALID: PropertiesVerdict = Object.freeze({ ok: true });

/**
 * Loads a tracking plan: `<dir>/<eventName>/<version>.avsc`, each an Avro
 * record describing that event's `properties`. Versions are positive
 * integers (`1.avsc`, `2.avsc`, …) ordered numerically; events are checked
 * against their highest version. Other files (a README) and dot-directories
 * are ignored.
 *
 * Every problem is an {@link InputError} naming the file and what to do.
 *
 * @example
 * const plan = await loadTrackingPlan('tracking-plan');
 * plan.check('page_viewed', { path: '/pricing' }); // { ok: true }
 */
export async function loadTrackingPlan(dir: string, options: TrackingPlanOptions = {}): Promise<TrackingPlan> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new InputError(`${dir}: cannot read the tracking plan (${fsReason(error)}); pass a directory laid out as ${LAYOUT}`, {
      cause: error,
    });
  }
  const sources: SchemaSource[] = [];
  const eventDirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  for (const event of eventDirs) {
    const eventDir = path.join(dir, event);
    let files;
    try {
      files = await readdir(eventDir, { withFileTypes: true });
    } catch (error) {
      throw new InputError(`${eventDir}: cannot read the event's directory (${fsReason(error)})`, { cause: error });
    }
    const schemaFiles = files.filter((f) => f.isFile() && f.name.endsWith('.avsc')).map((f) => f.name);
    if (schemaFiles.length === 0) {
      throw new InputError(`${eventDir}: no <version>.avsc files; add 1.avsc (an Avro record of the event's properties) or remove the directory`);
    }
    for (const name of schemaFiles) {
      const file = path.join(eventDir, name);
      const match = VERSION_FILE.exec(name);
      if (!match?.[1]) {
        throw new InputError(
          `${file}: version files are named by a positive integer without leading zeros (1.avsc, 2.avsc, …); rename "${name}"`,
        );
      }
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new InputError(`${file}: cannot read the schema (${fsReason(error)})`, { cause: error });
      }
      sources.push({ event, version: Number(match[1]), file, text });
    }
  }
  if (sources.length === 0) {
    throw new InputError(`${dir}: the tracking plan has no events; lay it out as ${LAYOUT}`);
  }
  return buildTrackingPlan(sources, { ...options, source: dir });
}

/**
 * Builds a tracking plan from schema texts already in memory (a bundled plan,
 * tests). Same rules and messages as {@link loadTrackingPlan}.
 */
export function buildTrackingPlan(
  sources: readonly SchemaSource[],
  options: TrackingPlanOptions & { readonly source?: string } = {},
): TrackingPlan {
  const byEvent = new Map<string, EventVersion[]>();
  for (const source of sources) {
    const version = parseVersion(source);
    const list = byEvent.get(source.event) ?? [];
    if (list.some((v) => v.version === source.version)) {
      throw new InputError(`${source.file}: ${source.event} has version ${source.version} twice; each version once`);
    }
    list.push(version);
    byEvent.set(source.event, list);
  }
  if (byEvent.size === 0) throw new InputError(`${options.source ?? 'tracking plan'}: the tracking plan has no events; lay it out as ${LAYOUT}`);

  const events = new Map<string, EventDefinition>();
  for (const [name, list] of [...byEvent].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const versions = list.sort((a, b) => a.version - b.version);
    const latest = versions[versions.length - 1];
    if (latest === undefined) continue;
    events.set(name, { name, versions, latest });
  }

  const pii = options.pii ?? {};
  const patterns = pii.patterns ?? DEFAULT_PII_PATTERNS;
  const detect = pii.enabled === false ? undefined : createPiiDetector(patterns);
  const compiler = new ValidatorCompiler(detect);
  // The same checks on JSON text in place, for the checker's fast path (validate-text.ts).
  const textCompiler = new TextValidatorCompiler(detect === undefined ? undefined : { detect, gate: createPiiGate(patterns) });
  const validators = new Map<string, { readonly validate: Validator; readonly label: string }>();
  const textValidators = new Map<string, TextValidator>();
  for (const [name, def] of events) {
    validators.set(name, { validate: compiler.compile(def.latest.root), label: `${name} v${def.latest.version}` });
    textValidators.set(name, textCompiler.compile(def.latest.root));
  }
  const known = events.size;

  const plan: TrackingPlan = {
    source: options.source ?? 'tracking plan',
    events,
    check(eventName: string, properties: unknown): PropertiesVerdict {
      const entry = validators.get(eventName);
      if (entry === undefined) {
        return {
          ok: false,
          reason: 'unknown_event',
          detail: `event ${JSON.stringify(eventName)} is not in the tracking plan (${known} events); add <plan>/${eventName}/1.avsc or fix the name`,
        };
      }
      if (properties === undefined) {
        return { ok: false, reason: 'missing_field', field: 'properties', detail: `properties is missing (${entry.label})` };
      }
      const failure = entry.validate(properties, 0);
      if (failure === undefined) return VALID;
      const field = `properties${failure.path.reverse().join('')}`;
      return { ok: false, reason: failure.reason, field, detail: `${field} ${failure.detail} (${entry.label})` };
    },
  };
  registerTextChecker(plan, createTextChecker(textValidators));
  return plan;
}

function parseVersion(source: SchemaSource): EventVersion {
  const { file, text } = source;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${jsonProblem(text, error)}); an .avsc file holds one Avro schema as JSON`, {
      cause: error,
    });
  }
  if (!isAvroSchemaObject(raw) || raw['type'] !== 'record') {
    throw new InputError(
      `${file}: the schema must be an Avro record describing the event's properties ({"type": "record", "name": …, "fields": […]}), not ${describeSchema(raw)}`,
    );
  }
  let type;
  try {
    type = avro.Type.forSchema(raw);
  } catch (error) {
    throw new InputError(`${file}: not a valid Avro schema: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    const root = buildSchemaNode(raw, type);
    if (root.kind !== 'record') throw new SchemaAttributeError('the top-level schema is not a record');
    return { version: source.version, file, type, root };
  } catch (error) {
    if (error instanceof SchemaAttributeError) throw new InputError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

type AvroSchema = Parameters<typeof avro.Type.forSchema>[0];

/** An object schema; avsc validates everything else about it. */
function isAvroSchemaObject(raw: unknown): raw is AvroSchema & Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

function describeSchema(raw: unknown): string {
  if (typeof raw === 'string') return `the type ${JSON.stringify(raw)}`;
  if (Array.isArray(raw)) return 'a union';
  if (isAvroSchemaObject(raw)) {
    const t = raw['type'];
    return typeof t === 'string' ? `a schema of type ${JSON.stringify(t)}` : 'an object without "type": "record"';
  }
  return JSON.stringify(raw);
}

/** V8's message plus the line and column of its position, when it gives one. */
function jsonProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined || /\(line \d+ column \d+\)/.test(message)) return message;
  const offset = Number(position);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${message}, line ${line} column ${column}`;
}

function fsReason(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such directory or file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
