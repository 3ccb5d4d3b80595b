import * as z from 'zod/mini';
import '../zod-config.js';

const rate = z.number().check(z.gte(0, 'must be between 0 and 1'), z.lte(1, 'must be between 0 and 1'));
const seconds = z.number().check(z.gte(0, 'must be 0 or more seconds'));

/** Breach thresholds: `tripline dq check` exits 1 when one is exceeded (a CI gate), and alarms use them. */
export const QualityThresholdsSchema = z.strictObject({
  invalidRate: z.optional(rate),
  duplicateRate: z.optional(rate),
  lateRate: z.optional(rate),
  freshnessSeconds: z.optional(seconds),
});
export type QualityThresholds = z.infer<typeof QualityThresholdsSchema>;

/**
 * `quality:` — how tracked events are checked. Every field has a default, so
 * the section may be left out.
 */
export const QualitySectionSchema = z.strictObject({
  /** The tracking plan: `<dir>/<eventName>/<version>.avsc`. */
  trackingPlan: z._default(z.string().check(z.minLength(1)), 'tracking-plan'),
  /** Envelope fields that make the de-duplication key, joined. */
  dedupKey: z._default(z.array(z.string().check(z.minLength(1))).check(z.minLength(1, 'name at least one field')), ['eventId']),
  /** An event is late when `receivedAt − timestamp` exceeds this. */
  allowedLatenessSeconds: z._default(seconds, 600),
  /** A `timestamp` more than this after `receivedAt` is `future_timestamp`. */
  clockSkewSeconds: z._default(seconds, 300),
  /** Correct device clock skew with `sentAt`, as Snowplow's derived timestamp does. */
  correctSkewWithSentAt: z._default(z.boolean(), false),
  /** Segments kept per report (the rest fold into `__other__`), so published metrics stay affordable. */
  segmentCap: z._default(z.int().check(z.gte(1, 'must be at least 1'), z.lte(1000, 'must be at most 1000')), 50),
  pii: z.prefault(
    z.strictObject({
      enabled: z._default(z.boolean(), true),
    }),
    {},
  ),
  thresholds: z.prefault(QualityThresholdsSchema, {}),
  /** Where `--publish` writes: CloudWatch namespace and the dimensions every metric carries. */
  publish: z.prefault(
    z.strictObject({
      namespace: z._default(z.string().check(z.minLength(1)), 'Tripline/Quality'),
      dimensions: z._default(z.record(z.string(), z.string()), {}),
    }),
    {},
  ),
});
export type QualitySection = z.infer<typeof QualitySectionSchema>;
