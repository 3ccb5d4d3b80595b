import * as z from 'zod/mini';
import '../zod-config.js';
import { SecretRefSchema } from './secret-ref.js';

export const SlackSectionSchema = z.strictObject({
  token: z._default(SecretRefSchema, { env: 'SLACK_BOT_TOKEN' }),
  /** Enables replies in a thread and updating the first message when the alarm recovers. */
  threadStore: z.optional(
    z.strictObject({ dynamodbTable: z.string().check(z.minLength(1, 'must name a DynamoDB table')) }),
  ),
});
export type SlackSection = z.infer<typeof SlackSectionSchema>;
