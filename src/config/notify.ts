import * as z from 'zod/mini';
import '../zod-config.js';

/** Lambda's own ceiling; a budget beyond it could never be spent. */
const LAMBDA_MAX_SECONDS = 900;

export const NotifySectionSchema = z.strictObject({
  /** Total time for notifier retries per invocation; keep it below the Lambda timeout. */
  budgetSeconds: z._default(
    z
      .number()
      .check(
        z.positive('must be more than 0'),
        z.lte(LAMBDA_MAX_SECONDS, `must be at most ${LAMBDA_MAX_SECONDS} (the longest a Lambda can run)`),
      ),
    20,
  ),
});
export type NotifySection = z.infer<typeof NotifySectionSchema>;
