import type { AlarmTransition, RejectedRecord, SkippedRecord } from '../domain/alarm.js';

/**
 * What the caller knows about where it runs, for payloads that do not say
 * which account or region the alarm lives in (AWS's own samples carry
 * placeholders such as `arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE`).
 * The Lambda passes its `AWS_REGION` and the account from its function ARN.
 */
export interface NormalizeOptions {
  readonly fallbackRegion?: string;
  readonly fallbackAccountId?: string;
}

/** The result of parsing one record: exactly one of the three. */
export type RecordOutcome =
  | { readonly transition: AlarmTransition }
  | { readonly skipped: SkippedRecord }
  | { readonly rejected: RejectedRecord };

/** Where a payload came from, as the envelopes around it tell. */
export interface ParseContext {
  /** Id of the record that carried the payload (SNS or SQS message id); wins over the payload's own id. */
  readonly deliveryId?: string;
  /** Used as the id of a rejected record when neither the envelope nor the payload has one. */
  readonly position?: string;
  /** The SNS topic the payload was published to. */
  readonly topicArn?: string;
  /** The payload arrived inside an SNS message (changes `shape` of EventBridge events). */
  readonly viaSns?: boolean;
  /** Envelopes around the payload, outermost first, for rejection reasons (`SQS message m-1`). */
  readonly via?: readonly string[];
  readonly options?: NormalizeOptions;
}
