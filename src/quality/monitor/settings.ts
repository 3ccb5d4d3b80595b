import path from 'node:path';
import { QualitySectionSchema, type QualitySection } from '../../config/quality.js';
import { formatIssue, fromZodIssues } from '../../config/issues.js';
import { ConfigError } from '../../errors.js';
import { DEFAULT_DEDUP_WINDOW_KEYS, MAX_DEDUP_WINDOW_KEYS } from './dedup-window.js';
import { DEFAULT_QUARANTINE_SAMPLE } from './process-batch.js';

/** What the quality monitor reads from its environment (besides the config). */
export interface MonitorSettings {
  /** Tracking plan directory: `TRIPLINE_TRACKING_PLAN`, relative to the handler; default `./tracking-plan` beside it. */
  readonly planDir: string;
  /** `TRIPLINE_DEDUP_WINDOW_KEYS`: keys per dedup window generation (default 1,000,000). */
  readonly dedupWindowKeys: number;
  /** `TRIPLINE_QUARANTINE_QUEUE_URL`: where invalid samples go; unset sends none. */
  readonly quarantineQueueUrl: string | undefined;
  /** `TRIPLINE_QUARANTINE_SAMPLE`: invalid events sent per batch (default 10; 0 sends none). */
  readonly quarantineSample: number;
}

/** At most this many samples a batch: each is a message, and the batch waits for them. */
const MAX_QUARANTINE_SAMPLE = 100;

/**
 * Reads the monitor's environment. Every problem is reported at once.
 *
 * @param handlerDir where the handler's bundle is; relative plan paths start there.
 * @throws ConfigError with one `VARIABLE: message` line per problem.
 */
export function readMonitorSettings(env: NodeJS.ProcessEnv, handlerDir: string): MonitorSettings {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw.replaceAll('_', ''));
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name}: "${raw}" is not a whole number from ${min} to ${max.toLocaleString('en-US')}`);
      return fallback;
    }
    return value;
  };
  const dedupWindowKeys = integer('TRIPLINE_DEDUP_WINDOW_KEYS', DEFAULT_DEDUP_WINDOW_KEYS, 1, MAX_DEDUP_WINDOW_KEYS);
  const quarantineSample = integer('TRIPLINE_QUARANTINE_SAMPLE', DEFAULT_QUARANTINE_SAMPLE, 0, MAX_QUARANTINE_SAMPLE);
  const url = env['TRIPLINE_QUARANTINE_QUEUE_URL']?.trim();
  if (url !== undefined && url !== '' && !/^https?:\/\/[^/\s]+\/\S*$/.test(url)) {
    problems.push(`TRIPLINE_QUARANTINE_QUEUE_URL: "${url}" is not a queue URL; use https://sqs.<region>.amazonaws.com/<account>/<queue>`);
  }
  const plan = env['TRIPLINE_TRACKING_PLAN']?.trim();
  if (problems.length > 0) {
    throw new ConfigError(`the quality monitor's environment is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):`, problems);
  }
  return {
    planDir: path.resolve(handlerDir, plan === undefined || plan === '' ? 'tracking-plan' : plan),
    dedupWindowKeys,
    quarantineQueueUrl: url === undefined || url === '' ? undefined : url,
    quarantineSample,
  };
}

/**
 * The `quality:` section the monitor runs with, first found wins:
 * `TRIPLINE_QUALITY_CONFIG` (the section alone, JSON or YAML: what the CDK
 * stack sets, so the paging config and its secrets stay out of this
 * function), the `quality` section of `TRIPLINE_CONFIG` / `TRIPLINE_CONFIG_FILE`
 * (a whole tripline config), or the section's defaults.
 *
 * @throws ConfigError naming every problem.
 */
export async function loadQualitySection(env: NodeJS.ProcessEnv): Promise<{ quality: QualitySection; source: string }> {
  const inline = env['TRIPLINE_QUALITY_CONFIG'];
  if (inline !== undefined && inline.trim() !== '') {
    return { quality: await parseQualitySection(inline, 'TRIPLINE_QUALITY_CONFIG'), source: 'TRIPLINE_QUALITY_CONFIG' };
  }
  const whole = env['TRIPLINE_CONFIG']?.trim() || env['TRIPLINE_CONFIG_FILE']?.trim();
  if (whole !== undefined && whole !== '') {
    const { loadConfig } = await import('../../config/load.js');
    const { config, source } = await loadConfig({ env });
    return { quality: config.quality, source };
  }
  return { quality: QualitySectionSchema.parse({}), source: 'defaults' };
}

/** Validates a `quality:` section given as JSON or YAML text. */
export async function parseQualitySection(text: string, source: string): Promise<QualitySection> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const [{ parseDocument }, { parseYaml }] = await Promise.all([import('yaml'), import('../../config/parse.js')]);
    data = parseYaml(parseDocument, text, source);
  }
  const result = QualitySectionSchema.safeParse(data ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const issues = fromZodIssues(result.error.issues, QualitySectionSchema).map((i) => formatIssue({ ...i, path: ['quality', ...i.path] }));
  throw new ConfigError(`${source} is not a valid quality section (${issues.length} problem${issues.length === 1 ? '' : 's'}):`, issues);
}
