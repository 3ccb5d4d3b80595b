import { describe, expect, it } from 'vitest';
import type { SlackBlock, SlackMessage, StoredMessage } from '../../../src/notify/slack/blocks.js';
import {
  buildResolvedThreadReply,
  buildSlackMessage,
  buildStateThreadReply,
  buildUpdatedOriginal,
  formatDuration,
  type MessageOptions,
} from '../../../src/notify/slack/message.js';
import { blockProblems } from '../../support/slack-server.js';
import { alarm, delivery, LONE_SURROGATE } from './factories.js';
import type { Delivery } from '../../../src/domain/delivery.js';

const CHANNEL = 'C0ALERTS';

interface TextObj {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
}

function textsOf(blocks: readonly SlackBlock[]): TextObj[] {
  const out: TextObj[] = [];
  for (const b of blocks) {
    if (b.type === 'header') out.push(b.text);
    if (b.type === 'section') {
      if (b.text) out.push(b.text);
      out.push(...(b.fields ?? []));
    }
    if (b.type === 'context') out.push(...b.elements);
    if (b.type === 'actions') out.push(...b.elements.map((e) => e.text));
  }
  return out;
}

/** Text of every block, one string, for "does the message say X" checks. */
function allText(message: { blocks: readonly SlackBlock[] }): string {
  return textsOf(message.blocks)
    .map((t) => t.text)
    .join('\n');
}

function header(message: { blocks: readonly SlackBlock[] }): string {
  const h = message.blocks.find((b) => b.type === 'header');
  return h?.type === 'header' ? h.text.text : '';
}

function buttons(message: SlackMessage): { text: string; url: string | undefined }[] {
  return message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => ({ text: e.text.text, url: e.url })) : []));
}

/**
 * mrkdwn is well formed when, after removing tripline's own `<!date^…|…>`
 * tokens, no `<` or `>` is left and every `&` starts one of Slack's escapes.
 */
function expectWellFormedMrkdwn(text: string): void {
  const withoutDates = text.replace(/<!date\^\d+\^[^|>]+\|[^>]+>/g, '');
  expect(withoutDates).not.toMatch(/[<>]/);
  expect(withoutDates).not.toMatch(/&(?!amp;|lt;|gt;)/);
  expect(text).not.toMatch(LONE_SURROGATE);
}

function expectWithinSlackLimits(message: { text: string; blocks: readonly SlackBlock[] }): void {
  expect(blockProblems(message.blocks)).toEqual([]);
  expect(message.text.length).toBeLessThanOrEqual(40_000);
  expectWellFormedMrkdwn(message.text);
  for (const t of textsOf(message.blocks)) {
    if (t.type === 'mrkdwn') expectWellFormedMrkdwn(t.text);
    else expect(t.text).not.toMatch(LONE_SURROGATE);
  }
}

const longName = `${'payments-processor-iterator-age-'.repeat(7)}🚨`.slice(0, 240) + '🚨🚨🚨';
const emojiReason = '🔥'.repeat(2000) + ' tail';
const familyReason = '👩‍👩‍👧‍👦'.repeat(600);

interface Case {
  readonly name: string;
  readonly delivery: Delivery;
  readonly options?: MessageOptions;
  readonly header: string | RegExp;
  readonly says: readonly (string | RegExp)[];
  readonly saysNot?: readonly string[];
}

const cases: Case[] = [
  {
    name: 'single metric alarm',
    delivery: delivery(),
    header: '🔴 ALARM: tripline-web-dlq-depth',
    says: ['`AWS/SQS ApproximateNumberOfMessagesVisible`', 'QueueName=web-dlq', '(Maximum, 60 s)', '&gt; 0 (GreaterThanThreshold)', '1 of 1 datapoints', '123456789012 / eu-west-1', '*Severity*\ncritical', '*Previous state*\nOK', 'via EventBridge'],
  },
  {
    name: 'metric math alarm',
    delivery: delivery(
      alarm({
        alarmName: 'TotalNetworkTrafficTooHigh',
        threshold: 10000,
        metrics: [
          { id: 'e1', expression: 'SUM(METRICS())', label: 'Total Network Traffic', returnData: true, dimensions: {} },
          { id: 'm1', namespace: 'AWS/EC2', metricName: 'NetworkIn', dimensions: { InstanceId: 'i-12345678901234567' }, stat: 'Maximum', period: 300, returnData: false },
          { id: 'm2', namespace: 'AWS/EC2', metricName: 'NetworkOut', dimensions: { InstanceId: 'i-12345678901234567' }, stat: 'Maximum', period: 300, returnData: false },
        ],
      }),
    ),
    header: '🔴 ALARM: TotalNetworkTrafficTooHigh',
    says: ['*Metrics*', '• `e1` = `SUM(METRICS())` Total Network Traffic', '• `m1` `AWS/EC2 NetworkIn` (Maximum, 300 s) InstanceId=i-12345678901234567', '`m2` `AWS/EC2 NetworkOut`', '&gt; 10000'],
  },
  {
    name: 'anomaly detection alarm',
    delivery: delivery(
      alarm({
        alarmName: 'web-events-volume-anomaly',
        threshold: undefined,
        comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
        thresholdMetricId: 'ad1',
        anomalyBand: { lower: 1200.5, upper: 5400 },
        metrics: [
          { id: 'm1', namespace: 'Tripline/Events', metricName: 'Accepted', dimensions: { Platform: 'web' }, stat: 'Sum', period: 300, returnData: true },
          { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m1, 2)', label: 'Accepted (expected)', returnData: true, dimensions: {} },
        ],
      }),
    ),
    header: '🔴 ALARM: web-events-volume-anomaly',
    says: ['*Anomaly band*\noutside the band', '`ANOMALY_DETECTION_BAND(m1, 2)`', 'lower 1200.5 · upper 5400', 'Platform=web'],
    saysNot: ['*Threshold*'],
  },
  {
    name: 'composite alarm',
    delivery: delivery(
      alarm({
        alarmName: 'pipeline-degraded',
        kind: 'composite',
        metrics: [],
        threshold: undefined,
        comparisonOperator: undefined,
        evaluationPeriods: undefined,
        alarmRule: 'ALARM("web-dlq-depth") OR (ALARM(kinesis-iterator-age) AND NOT OK(processor-errors))',
        reason: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-dlq-depth transitioned to ALARM at Sunday 22 November, 2026 00:00:00 UTC',
      }),
    ),
    header: '🔴 ALARM: pipeline-degraded',
    says: ['*Rule*\n`ALARM("web-dlq-depth") OR (ALARM(kinesis-iterator-age) AND NOT OK(processor-errors))`'],
    saysNot: ['*Metric', '*Threshold*'],
  },
  {
    name: 'OK after ALARM, duration known',
    delivery: delivery(alarm({ state: 'OK', previousState: 'ALARM', stateTimestamp: '2026-11-22T00:12:30.000Z', reason: 'Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (0.0).' })),
    options: { alarmSince: '2026-11-22T00:00:00.000Z' },
    header: '✅ RESOLVED: tripline-web-dlq-depth',
    says: ['✅ Resolved: back to *OK* at <!date^1795306350^{date_short_pretty} {time_secs}|2026-11-22 00:12:30 UTC> after 12m 30s in ALARM.', '*Previous state*\nALARM'],
  },
  {
    name: 'OK after INSUFFICIENT_DATA has no duration',
    delivery: delivery(alarm({ state: 'OK', previousState: 'INSUFFICIENT_DATA', stateTimestamp: '2026-11-22T00:12:30.000Z' })),
    options: { alarmSince: '2026-11-22T00:00:00.000Z' },
    header: '✅ RESOLVED: tripline-web-dlq-depth',
    says: ['(was INSUFFICIENT_DATA).'],
    saysNot: ['in ALARM.'],
  },
  {
    name: 'INSUFFICIENT_DATA',
    delivery: delivery(alarm({ state: 'INSUFFICIENT_DATA', previousState: 'ALARM', reason: 'Insufficient Data: 1 datapoint was unknown.' })),
    header: '🟡 INSUFFICIENT_DATA: tripline-web-dlq-depth',
    says: ['Insufficient Data: 1 datapoint was unknown.'],
  },
  {
    name: 'control characters are escaped',
    delivery: delivery(
      alarm({
        alarmName: 'p95<2s & queue>10',
        reason: 'latency <p95> went from 1.2s to 3.4s & rising; see <https://evil.example|click>',
        description: 'Pages when <web> & <ios> lag',
        metrics: [{ namespace: 'Custom/A&B', metricName: 'Lag<ms>', dimensions: { 'Stage&Env': '<prod>' } }],
      }),
    ),
    header: '🔴 ALARM: p95<2s & queue>10',
    says: [
      'latency &lt;p95&gt; went from 1.2s to 3.4s &amp; rising; see &lt;https://evil.example|click&gt;',
      '_Pages when &lt;web&gt; &amp; &lt;ios&gt; lag_',
      '`Custom/A&amp;B Lag&lt;ms&gt;`',
      'Stage&amp;Env=&lt;prod&gt;',
    ],
    saysNot: ['<https://evil.example|click>'],
  },
  {
    name: 'long name and long reason are cut to the limits',
    delivery: delivery(alarm({ alarmName: longName, reason: 'x'.repeat(12_000) })),
    header: /^🔴 ALARM: payments-processor-.*…$/,
    says: [/x{2000,}…/],
  },
  {
    name: 'emoji at the cut are kept whole',
    delivery: delivery(alarm({ reason: emojiReason })),
    header: '🔴 ALARM: tripline-web-dlq-depth',
    says: [/🔥…$/],
  },
  {
    name: 'emoji sequences at the cut are kept whole',
    delivery: delivery(alarm({ reason: familyReason, alarmName: '👩‍👩‍👧‍👦'.repeat(40) })),
    header: /^🔴 ALARM: (👩‍👩‍👧‍👦)+…$/,
    says: [/(👩‍👩‍👧‍👦)+…$/],
  },
  {
    name: 'escapes at the cut are kept whole',
    delivery: delivery(alarm({ reason: '&'.repeat(5000) })),
    header: '🔴 ALARM: tripline-web-dlq-depth',
    says: [/(&amp;)+…$/],
  },
];

describe('buildSlackMessage', () => {
  it.each(cases)('$name', (c) => {
    const message = buildSlackMessage(c.delivery, CHANNEL, c.options);

    expectWithinSlackLimits(message);
    expect(message.channel).toBe(CHANNEL);
    if (typeof c.header === 'string') expect(header(message)).toBe(c.header);
    else expect(header(message)).toMatch(c.header);
    const lines = textsOf(message.blocks).map((t) => t.text);
    for (const s of c.says) {
      if (typeof s === 'string') expect(allText(message)).toContain(s);
      else expect(lines.some((l) => s.test(l))).toBe(true);
    }
    for (const s of c.saysNot ?? []) expect(allText(message)).not.toContain(s);
  });

  it('links the CloudWatch console and the runbook as buttons', () => {
    const d = delivery();

    const message = buildSlackMessage(d, CHANNEL);

    expect(buttons(message)).toEqual([
      { text: 'Open in CloudWatch', url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/tripline-web-dlq-depth' },
      { text: 'Runbook', url: 'https://runbooks.example.com/dlq-depth' },
    ]);
  });

  it('leaves out a runbook button Slack would reject, and one that is absent', () => {
    expect(buttons(buildSlackMessage(delivery(alarm(), { runbookUrl: 'runbooks/dlq.md' }), CHANNEL)).map((b) => b.text)).toEqual(['Open in CloudWatch']);
    expect(buttons(buildSlackMessage(delivery(alarm(), { runbookUrl: undefined }), CHANNEL)).map((b) => b.text)).toEqual(['Open in CloudWatch']);
  });

  it('gives a notification text with state, name, place and reason', () => {
    const message = buildSlackMessage(delivery(), CHANNEL);

    expect(message.text).toBe(
      '🔴 ALARM: tripline-web-dlq-depth (123456789012 eu-west-1): Threshold Crossed: 1 out of the last 1 datapoints [3.0 (22/11/26 00:00:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -&gt; ALARM transition).',
    );
  });

  it('says in the context line how it was delivered, since when, and the dedup key', () => {
    const message = buildSlackMessage(delivery(alarm({ shape: 'sns-cloudwatch' })), CHANNEL);
    const context = message.blocks.find((b) => b.type === 'context');

    expect(context?.type === 'context' ? context.elements.map((e) => e.text) : []).toEqual([
      'via SNS (CloudWatch notification)',
      'ALARM since <!date^1795305600^{date_short_pretty} {time_secs}|2026-11-22 00:00:00 UTC>',
      'dedup key `tripline/123456789012/eu-west-1/tripline-web-dlq-depth`',
      'route `paging.route.routes[0]`',
    ]);
  });

  it('attaches metadata naming the alarm, so another app can find the message', () => {
    expect(buildSlackMessage(delivery(), CHANNEL).metadata).toEqual({
      event_type: 'tripline_alarm_state',
      event_payload: {
        dedup_key: 'tripline/123456789012/eu-west-1/tripline-web-dlq-depth',
        alarm_name: 'tripline-web-dlq-depth',
        state: 'ALARM',
        state_timestamp: '2026-11-22T00:00:00.000Z',
        account_id: '123456789012',
        region: 'eu-west-1',
        severity: 'critical',
        receiver: 'web-oncall',
      },
    });
  });

  it('says why a page was held back when the delivery is muted', () => {
    const message = buildSlackMessage(delivery(alarm(), { muted: { by: 'silence', detail: 'maintenance window <db>' } }), CHANNEL);

    expect(allText(message)).toContain('*Page held back*\nsilence: maintenance window &lt;db&gt;');
  });

  it('cuts many dimensions and metrics without breaking limits', () => {
    const dims = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`Dimension${i}`, `value-${'&'.repeat(50)}-${i}`]));
    const metrics = Array.from({ length: 40 }, (_, i) => ({ id: `m${i}`, namespace: 'Custom/Ns', metricName: `Metric${i}`, dimensions: dims }));

    const message = buildSlackMessage(delivery(alarm({ metrics })), CHANNEL);

    expectWithinSlackLimits(message);
  });

  it('the fake server rejects what Slack would (so the checks above can fail)', () => {
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    const longHeader = [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }];
    const longSection = [{ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } }];
    const longButton = [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, url: 'https://x.example' }] }];

    expect(blockProblems(tooMany)).toEqual(['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
    expect(blockProblems(longHeader)).toEqual(['[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]']);
    expect(blockProblems(longSection)).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
    expect(blockProblems(longButton)).toEqual(['[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]']);
  });
});

describe('thread replies', () => {
  const ok = delivery(alarm({ state: 'OK', previousState: 'ALARM', stateTimestamp: '2026-11-22T02:05:00.000Z', reason: 'Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (0.0).' }));

  it('a resolved reply says when and after how long in ALARM', () => {
    const reply = buildResolvedThreadReply(ok, { alarmSince: '2026-11-22T00:00:00.000Z' });

    expect(reply.text).toBe(
      '✅ Resolved: back to *OK* at <!date^1795313100^{date_short_pretty} {time_secs}|2026-11-22 02:05:00 UTC> after 2h 5m in ALARM.\nThreshold Crossed: 1 datapoint [0.0] was not greater than the threshold (0.0).',
    );
  });

  it('a resolved reply without the start time leaves the duration out', () => {
    expect(buildResolvedThreadReply(ok).text).toMatch(/^✅ Resolved: back to \*OK\* at <!date\^\d+\^[^>]+> \(was ALARM\)\.\n/);
  });

  it('a state reply names the new state, escaped and cut', () => {
    const reply = buildStateThreadReply(delivery(alarm({ state: 'INSUFFICIENT_DATA', previousState: 'ALARM', reason: `no data <${'x'.repeat(5000)}>` })));

    expect(reply.text.startsWith('🟡 *INSUFFICIENT_DATA* since <!date^')).toBe(true);
    expect(reply.text).toContain('(was ALARM).\nno data &lt;xxx');
    expect(reply.text.length).toBeLessThanOrEqual(3000);
    expectWellFormedMrkdwn(reply.text);
  });
});

describe('buildUpdatedOriginal', () => {
  const original: StoredMessage = (() => {
    const m = buildSlackMessage(delivery(), CHANNEL);
    return { text: m.text, blocks: m.blocks };
  })();
  const ok = delivery(alarm({ state: 'OK', previousState: 'ALARM', stateTimestamp: '2026-11-22T00:45:00.000Z' }));

  it('prefixes the header, notes the resolve, keeps every other block', () => {
    const updated = buildUpdatedOriginal(original, ok, { alarmSince: '2026-11-22T00:00:00.000Z' });

    expect(header(updated)).toBe('✅ RESOLVED · 🔴 ALARM: tripline-web-dlq-depth');
    expect(updated.blocks[1]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '✅ Resolved: back to *OK* at <!date^1795308300^{date_short_pretty} {time_secs}|2026-11-22 00:45:00 UTC> after 45m in ALARM.' }],
    });
    expect(updated.blocks.slice(2)).toEqual(original.blocks.slice(1));
    expect(updated.text.startsWith('✅ RESOLVED · 🔴 ALARM: tripline-web-dlq-depth')).toBe(true);
    expectWithinSlackLimits(updated);
  });

  it('applied twice, it does not stack', () => {
    const once = buildUpdatedOriginal(original, ok);

    expect(buildUpdatedOriginal(once, ok)).toEqual(once);
  });

  it('keeps a long header within 150 characters', () => {
    const m = buildSlackMessage(delivery(alarm({ alarmName: longName })), CHANNEL);

    const updated = buildUpdatedOriginal({ text: m.text, blocks: m.blocks }, ok);

    expect(header(updated).startsWith('✅ RESOLVED · 🔴 ALARM: payments')).toBe(true);
    expectWithinSlackLimits(updated);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [60_000, '1m'],
    [750_000, '12m 30s'],
    [7_500_000, '2h 5m'],
    [3 * 3_600_000, '3h'],
    [(3 * 24 + 4) * 3_600_000, '3d 4h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
