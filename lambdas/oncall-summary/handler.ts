import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../../src/domain/log.js';
import { createOncallSummaryHandler } from '../../src/summary/lambda.js';

// Powertools reads POWERTOOLS_SERVICE_NAME / POWERTOOLS_LOG_LEVEL; these are the fallbacks.
const logger = new Logger({ serviceName: 'tripline-oncall-summary' });
const log: Log = {
  debug: (message, attributes = {}) => logger.debug(message, attributes),
  info: (message, attributes = {}) => logger.info(message, attributes),
  warn: (message, attributes = {}) => logger.warn(message, attributes),
  error: (message, attributes = {}) => logger.error(message, attributes),
};

/**
 * Runs on an EventBridge schedule (summary.schedule): summarizes the shift
 * ending at the event's time — alarms fired and resolved, MTTR, flapping
 * alarms, open incidents, DLQ depths, quality rates, freshness — and posts it
 * to Slack (summary.channel, else SLACK_CHANNEL).
 */
export const handler = createOncallSummaryHandler({ log });
