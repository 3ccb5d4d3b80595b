import * as z from 'zod';
import { SecretRefSchema } from './secret-ref.js';

export const SlackSectionSchema = z.strictObject({
  token: SecretRefSchema.default({ env: 'SLACK_BOT_TOKEN' }),
  /** Enables replies in a thread and updating the first message when the alarm recovers. */
  threadStore: z
    .strictObject({ dynamodbTable: z.string().min(1, 'must name a DynamoDB table') })
    .optional(),
});
export type SlackSection = z.infer<typeof SlackSectionSchema>;
