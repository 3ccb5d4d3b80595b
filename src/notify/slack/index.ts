export { SLACK_LIMITS, type SlackBlock, type SlackMessage, type StoredMessage } from './blocks.js';
export {
  buildResolvedThreadReply,
  buildSlackMessage,
  buildStateThreadReply,
  buildUpdatedOriginal,
  formatDuration,
  type MessageOptions,
} from './message.js';
export { DEFAULT_SLACK_API_URL, SlackNotifier, planTrigger, type SlackNotifierOptions, type TriggerPlan } from './notifier.js';
export { DynamoDbThreadStore, MemoryThreadStore, threadKeyOf, type DynamoDbThreadStoreOptions, type ThreadRef, type ThreadStore } from './thread-store.js';
