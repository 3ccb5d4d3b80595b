import * as z from 'zod/mini';
import '../zod-config.js';
import { NotifySectionSchema } from './notify.js';
import { PagingSchema } from './paging.js';
import { ConsoleSectionSchema, PipelinesSchema } from './pipelines.js';
import { QualitySectionSchema } from './quality.js';
import { SlackSectionSchema } from './slack.js';
import { SummarySectionSchema } from './summary.js';

/**
 * `tripline.config.yaml`: one section per capability. Unknown keys are
 * errors because they are usually typos.
 */
export const ConfigSchema = z.strictObject({
  version: z.literal(1),
  paging: PagingSchema,
  slack: z.prefault(SlackSectionSchema, {}),
  notify: z.prefault(NotifySectionSchema, {}),
  quality: z.prefault(QualitySectionSchema, {}),
  /** The pipelines the console, `dlq` and runbooks watch and act on (name → resources). */
  pipelines: z._default(PipelinesSchema, {}),
  console: z.prefault(ConsoleSectionSchema, {}),
  /** Shift summaries (`tripline summary`; the oncall-summary Lambda is deployed only when present). */
  summary: z.optional(SummarySectionSchema),
});
export type Config = z.infer<typeof ConfigSchema>;
