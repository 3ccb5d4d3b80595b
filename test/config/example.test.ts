import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/parse.js';
import type { Config } from '../../src/config/schema.js';
import type { AlarmTransition } from '../../src/domain/alarm.js';
import type { Delivery } from '../../src/domain/delivery.js';
import { labelsOf } from '../../src/routing/labels.js';
import { plan } from '../../src/routing/plan.js';
import { inhibitionSourcesNeeded, tagKeysUsedByInhibition } from '../../src/routing/inhibit.js';
import { compositeAlarm, metricAlarm } from '../routing/factories.js';

const EXAMPLE = fileURLToPath(new URL('../../tripline.config.yaml', import.meta.url));
const NOW = new Date('2026-11-22T03:00:00Z');

let config: Config;
beforeAll(async () => {
  config = await parseConfigText(await readFile(EXAMPLE, 'utf8'), 'tripline.config.yaml');
});

const webComposite = compositeAlarm('tripline-web-pipeline', { tags: { pipeline: 'web' } });
const dlq = (pipeline: string, state: AlarmTransition['state'] = 'ALARM'): AlarmTransition =>
  metricAlarm(`tripline-${pipeline}-dlq-depth`, {
    state,
    namespace: 'AWS/SQS',
    metric: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: `tripline-${pipeline}-dlq` },
    tags: { pipeline },
  });
const freshness = metricAlarm('tripline-android-firehose-freshness', {
  state: 'INSUFFICIENT_DATA',
  namespace: 'AWS/Firehose',
  metric: 'DeliveryToS3.DataFreshness',
  dimensions: { DeliveryStreamName: 'tripline-android' },
  tags: { pipeline: 'android' },
});

function summary(deliveries: Delivery[]): string[] {
  return deliveries.map((d) =>
    [d.receiver, d.pagerduty ?? '-', d.slack ? 'slack' : '-', d.severity, d.muted?.by, d.runbookUrl]
      .filter((part) => part !== undefined)
      .join(' '),
  );
}

describe('the example tripline.config.yaml', () => {
  it('is valid', () => {
    expect(config.version).toBe(1);
    expect(config.paging.receivers.map((r) => r.name)).toEqual(['oncall', 'pipeline-chat']);
  });

  it('pages for a pipeline composite', () => {
    expect(summary(plan(webComposite, config.paging, { now: NOW }))).toEqual([
      'oncall trigger slack critical https://runbooks.example.com/tripline/pipeline-down?pipeline=web&region=eu-west-1',
    ]);
  });

  it('sends a child alarm to Slack only', () => {
    expect(summary(plan(dlq('web'), config.paging, { now: NOW }))).toEqual([
      'pipeline-chat - slack warning https://runbooks.example.com/tripline/dlq-redrive?pipeline=web',
    ]);
  });

  it("keeps a child quiet while its own pipeline's composite is in ALARM, not another pipeline's", () => {
    const sources = [labelsOf(webComposite)];
    expect(summary(plan(dlq('web'), config.paging, { now: NOW, inhibitionSources: sources }))).toEqual([
      'pipeline-chat - - warning inhibition https://runbooks.example.com/tripline/dlq-redrive?pipeline=web',
    ]);
    expect(summary(plan(dlq('ios'), config.paging, { now: NOW, inhibitionSources: sources }))).toEqual([
      'pipeline-chat - slack warning https://runbooks.example.com/tripline/dlq-redrive?pipeline=ios',
    ]);
  });

  it('needs the pipeline tag of alarms in ALARM for inhibition', () => {
    expect(inhibitionSourcesNeeded(config.paging)).toBe(true);
    expect(tagKeysUsedByInhibition(config.paging)).toEqual(['pipeline']);
  });

  it('says so in Slack when Firehose freshness has no data', () => {
    expect(summary(plan(freshness, config.paging, { now: NOW }))).toEqual([
      'pipeline-chat - slack warning https://runbooks.example.com/tripline/tripline-android-firehose-freshness',
    ]);
  });

  it('pages for an alarm nobody routed yet', () => {
    expect(summary(plan(metricAlarm('checkout-latency', { namespace: 'AWS/ApiGateway', metric: 'Latency' }), config.paging, { now: NOW }))).toEqual([
      'oncall trigger slack critical https://runbooks.example.com/tripline/checkout-latency',
    ]);
  });

  it('never pages for the staging account', () => {
    const staging = compositeAlarm('tripline-web-pipeline', { accountId: '210987654321', tags: { pipeline: 'web' } });
    expect(summary(plan(staging, config.paging, { now: NOW }))).toEqual([
      'pipeline-chat - slack info https://runbooks.example.com/tripline/tripline-web-pipeline',
    ]);
  });
});
