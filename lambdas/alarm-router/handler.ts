import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Log } from '../../src/domain/log.js';
import { createAlarmRouterHandler } from '../../src/paging/lambda.js';

// Powertools reads POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE; these are the fallbacks.
const logger = new Logger({ serviceName: 'tripline-alarm-router' });
const metrics = new Metrics({ namespace: 'Tripline', serviceName: 'tripline-alarm-router' });
const log: Log = {
  debug: (message, attributes = {}) => logger.debug(message, attributes),
  info: (message, attributes = {}) => logger.info(message, attributes),
  warn: (message, attributes = {}) => logger.warn(message, attributes),
  error: (message, attributes = {}) => logger.error(message, attributes),
};

/** Receives CloudWatch alarm state changes (EventBridge, SNS, SQS, alarm actions) and pages. */
let counted = false;
const emf = {
  // One EMF document per invocation: the reason is part of the metric name
  // (`Sent.pagerduty`, `Skipped.configuration-change`), not a dimension.
  count(metric: string, reason: string): void {
    metrics.addMetric(`${metric}.${reason}`, MetricUnit.Count, 1);
    counted = true;
  },
  flush(): void {
    if (counted) metrics.publishStoredMetrics();
    counted = false;
  },
};

/** The handler with other network seams (the benchmark stubs the network this way). */
export function createHandler(transports?: Parameters<typeof createAlarmRouterHandler>[0]['transports']) {
  return createAlarmRouterHandler({ log, metrics: emf, ...(transports ? { transports } : {}) });
}

/** Receives CloudWatch alarm state changes (EventBridge, SNS, SQS, alarm actions) and pages. */
export const handler = createHandler();
