import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamHandler } from 'aws-lambda';
import type { Log } from '../../src/domain/log.js';
import { createQualityMonitorHandler } from '../../src/quality/monitor/lambda.js';

// Powertools reads POWERTOOLS_SERVICE_NAME / POWERTOOLS_LOG_LEVEL; these are the fallbacks.
const logger = new Logger({ serviceName: 'tripline-quality-monitor' });
const log: Log = {
  debug: (message, attributes = {}) => logger.debug(message, attributes),
  info: (message, attributes = {}) => logger.info(message, attributes),
  warn: (message, attributes = {}) => logger.warn(message, attributes),
  error: (message, attributes = {}) => logger.error(message, attributes),
};

/**
 * Checks each Kinesis batch against the tracking plan (bundled beside this
 * file as ./tracking-plan), writes its quality metrics as EMF in the config's
 * namespace, quarantines a sample of invalid events, and answers with a
 * partial batch response.
 */
export const handler: KinesisStreamHandler = createQualityMonitorHandler({
  log,
  metricsFor: (namespace) => new Metrics({ namespace, serviceName: 'tripline-quality-monitor' }),
  handlerDir: fileURLToPath(new URL('.', import.meta.url)),
});
