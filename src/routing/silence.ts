import type { Silence } from '../config/paging.js';
import type { AlarmTransition } from '../domain/alarm.js';
import { labelsOf } from './labels.js';
import { matches } from './match.js';

export interface ActiveSilence {
  readonly silence: Silence;
  /** Config path, e.g. `paging.silences[0]`. */
  readonly path: string;
}

/**
 * The first silence whose window contains `now` (from `startsAt`
 * inclusive to `endsAt` exclusive) and whose matcher matches the alarm.
 */
export function activeSilence(t: AlarmTransition, silences: readonly Silence[], now: Date): ActiveSilence | undefined {
  if (silences.length === 0) return undefined;
  const labels = labelsOf(t);
  const at = now.getTime();
  for (const [index, silence] of silences.entries()) {
    if (at < Date.parse(silence.startsAt) || at >= Date.parse(silence.endsAt)) continue;
    if (matches(silence.match, labels)) return { silence, path: `paging.silences[${index}]` };
  }
  return undefined;
}
