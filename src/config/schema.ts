import * as z from 'zod/mini';
import '../zod-config.js';
import { NotifySectionSchema } from './notify.js';
import { PagingSchema } from './paging.js';
import { QualitySectionSchema } from './quality.js';
import { SlackSectionSchema } from './slack.js';

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
});
export type Config = z.infer<typeof ConfigSchema>;
