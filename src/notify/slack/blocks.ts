import * as z from 'zod/mini';
import '../../zod-config.js';

/**
 * The slice of Block Kit tripline sends, as zod schemas so a message read
 * back from the thread store is validated before it is sent again.
 * Limits: https://docs.slack.dev/reference/block-kit/blocks
 */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  /** Any mrkdwn / plain_text object in a section or context. */
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  /** Slack truncates `text` beyond this; tripline keeps notifications far shorter. */
  messageText: 40_000,
} as const;

export const PlainTextSchema = z.object({
  type: z.literal('plain_text'),
  text: z.string(),
  emoji: z.optional(z.boolean()),
});
export type PlainText = z.infer<typeof PlainTextSchema>;

export const MrkdwnTextSchema = z.object({
  type: z.literal('mrkdwn'),
  text: z.string(),
  verbatim: z.optional(z.boolean()),
});
export type MrkdwnText = z.infer<typeof MrkdwnTextSchema>;

export const TextObjectSchema = z.discriminatedUnion('type', [PlainTextSchema, MrkdwnTextSchema]);
export type TextObject = z.infer<typeof TextObjectSchema>;

export const ButtonElementSchema = z.object({
  type: z.literal('button'),
  text: PlainTextSchema,
  action_id: z.string(),
  url: z.optional(z.string()),
  style: z.optional(z.enum(['primary', 'danger'])),
});
export type ButtonElement = z.infer<typeof ButtonElementSchema>;

export const HeaderBlockSchema = z.object({ type: z.literal('header'), text: PlainTextSchema });
export type HeaderBlock = z.infer<typeof HeaderBlockSchema>;

export const SectionBlockSchema = z.object({
  type: z.literal('section'),
  text: z.optional(TextObjectSchema),
  fields: z.optional(z.array(TextObjectSchema)),
});
export type SectionBlock = z.infer<typeof SectionBlockSchema>;

export const ContextBlockSchema = z.object({ type: z.literal('context'), elements: z.array(TextObjectSchema) });
export type ContextBlock = z.infer<typeof ContextBlockSchema>;

export const ActionsBlockSchema = z.object({ type: z.literal('actions'), elements: z.array(ButtonElementSchema) });
export type ActionsBlock = z.infer<typeof ActionsBlockSchema>;

export const DividerBlockSchema = z.object({ type: z.literal('divider') });
export type DividerBlock = z.infer<typeof DividerBlockSchema>;

export const SlackBlockSchema = z.discriminatedUnion('type', [
  HeaderBlockSchema,
  SectionBlockSchema,
  ContextBlockSchema,
  ActionsBlockSchema,
  DividerBlockSchema,
]);
export type SlackBlock = z.infer<typeof SlackBlockSchema>;

/** Message metadata (https://docs.slack.dev/messaging/message-metadata); tripline only sends strings. */
export const SlackMetadataSchema = z.object({
  event_type: z.string(),
  event_payload: z.record(z.string(), z.string()),
});
export type SlackMetadata = z.infer<typeof SlackMetadataSchema>;

/** What tripline keeps of a posted message, so it can mark it resolved later. */
export const StoredMessageSchema = z.object({
  text: z.string(),
  blocks: z.array(SlackBlockSchema),
});
export type StoredMessage = z.infer<typeof StoredMessageSchema>;

/** A chat.postMessage / chat.update body (without thread fields). */
export interface SlackMessage extends StoredMessage {
  readonly channel: string;
  readonly metadata?: SlackMetadata;
}
