import * as z from 'zod';
import { NotifySectionSchema } from './notify.js';
import { PagingSchema } from './paging.js';
import { SlackSectionSchema } from './slack.js';

/**
 * `tripline.config.yaml`: one section per capability. Unknown keys are
 * errors because they are usually typos.
 */
export const ConfigSchema = z.strictObject({
  version: z.literal(1),
  paging: PagingSchema,
  slack: SlackSectionSchema.prefault({}),
  notify: NotifySectionSchema.prefault({}),
});
export type Config = z.infer<typeof ConfigSchema>;
