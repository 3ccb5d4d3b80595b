/**
 * The sandbox: tripline's real code wired to a local pipeline on loopback
 * (`tripline sandbox`, `npm start`, the end-to-end scenarios).
 *
 * For `tripline summary`-style wiring a running {@link Sandbox} exposes
 * `readers.history` (AlarmHistoryReader: every state change the evaluator
 * made), `readers.incidents` (IncidentReader over the PagerDuty inbox),
 * `readers.metrics`, `readers.queues`, `readers.alarms`, and `audit.file`
 * (the JSONL audit trail its runbooks and redrives write).
 */
export { Sandbox, type Accounting, type SandboxOptions, type TimelineEvent } from './sandbox.js';
export { runScenario, SCENARIOS, type Expectation, type ScenarioName, type ScenarioOptions, type ScenarioResult } from './scenarios.js';
export { runSandboxRunbook, type SandboxRunbookOptions } from './runbooks.js';
export { AlarmEvaluator, approximateBand, decide, type AlarmChange, type Band, type DatapointSource, type Decision, type EvaluatedAlarm } from './alarm-evaluator.js';
export { compileMath, compileRule, type CompositeRule, type MathExpression } from './expressions.js';
export { MetricStore, aggregate, metricKey, type MetricName } from './metric-store.js';
export { SandboxClock } from './clock.js';
export { inboxIncidentReader } from './incidents.js';
export { alarmStateChangeEvent } from './alarm-events.js';
export { startCloudWatchEndpoint, type CloudWatchEndpoint } from './cloudwatch-endpoint.js';
export { startPagerDutyServer, type PagerDutyServer } from './pagerduty-inbox.js';
export { startSlackServer, type SlackServer } from './slack-inbox.js';
export { HEALTHY, type PipelineCounts, type PipelineFaults } from './pipeline.js';
export { DEFAULT_TRAFFIC, type TrafficSettings } from './producer.js';
