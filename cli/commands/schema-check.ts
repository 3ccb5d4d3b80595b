import * as z from 'zod/mini';
import '../../src/zod-config.js';
import { InputError } from '../../src/errors.js';
import { checkCompatibility, formatIncompatibility, loadTrackingPlan } from '../../src/quality/plan/index.js';
import type { CommandResult } from './result.js';

const OptionsSchema = z.object({ json: z._default(z.boolean(), false) });

/**
 * `tripline schema check <dir>`: loads the tracking plan and checks that every
 * version of every event is FULL_ALL compatible with all its earlier versions.
 * Exit 1 when any pair is incompatible; a plan that does not load is an
 * InputError (exit 2, from cli/main.ts).
 */
export async function runSchemaCheck(dir: string, rawOptions: { json?: boolean }): Promise<CommandResult> {
  const parsed = OptionsSchema.safeParse(rawOptions);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  const options = parsed.data;
  const plan = await loadTrackingPlan(dir);
  const incompatibilities = checkCompatibility(plan);
  const events = plan.events.size;
  const versions = [...plan.events.values()].reduce((n, e) => n + e.versions.length, 0);
  const exitCode = incompatibilities.length > 0 ? 1 : 0;

  if (options.json) {
    return { exitCode, stdout: JSON.stringify({ dir, events, versions, incompatibilities }, null, 2) };
  }

  const lines: string[] = [];
  for (const i of incompatibilities) lines.push(formatIncompatibility(i));
  if (incompatibilities.length > 0) lines.push('');
  const scope = `${dir}: ${events} event${events === 1 ? '' : 's'}, ${versions} version${versions === 1 ? '' : 's'}`;
  if (incompatibilities.length === 0) {
    lines.push(`${scope}; every version is backward and forward compatible with all earlier versions (FULL_ALL)`);
  } else {
    const pairs = new Set(incompatibilities.map((i) => `${i.event}\u0000${i.olderVersion}\u0000${i.newerVersion}`)).size;
    lines.push(
      `${scope}; ${incompatibilities.length} incompatibilit${incompatibilities.length === 1 ? 'y' : 'ies'} in ${pairs} version pair${pairs === 1 ? '' : 's'} (FULL_ALL: ` +
        'add fields only with a default, remove only fields that have one, never change a type or an enum symbol)',
    );
  }
  return { exitCode, stdout: lines.join('\n') };
}
