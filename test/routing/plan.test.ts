import { describe, expect, it } from 'vitest';
import type { InsufficientDataPolicy } from '../../src/config/paging.js';
import type { AlarmState, AlarmTransition } from '../../src/domain/alarm.js';
import type { Delivery } from '../../src/domain/delivery.js';
import { plan } from '../../src/routing/plan.js';
import { labels, metricAlarm, paging } from './factories.js';

const NOW = new Date('2026-11-22T03:00:00Z');
const receivers = [
  { name: 'oncall', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } }, slack: { channel: '#alerts' } },
  { name: 'chat', slack: { channel: '#pipeline' } },
  { name: 'pager', pagerduty: { routingKey: { ssm: '/tripline/pd' } } },
];
const silences = [
  {
    match: { tags: { maintenance: 'yes' } },
    startsAt: '2026-11-22T00:00:00Z',
    endsAt: '2026-11-22T06:00:00Z',
    comment: 'planned maintenance',
    createdBy: 'alice',
  },
];
const inhibitRules = [
  { source: { alarmName: 'tripline-*-pipeline' }, target: { tags: { pipeline: '*' } }, equal: ['pipeline'] },
];
const webComposite = labels('tripline-web-pipeline', { tags: { pipeline: 'web' } });

type Receiver = 'oncall' | 'chat' | 'pager';
type Mute = 'silenced' | 'inhibited' | 'suppressed';

function planFor(
  state: AlarmState,
  options: { previous?: AlarmState; receiver?: Receiver; policy?: InsufficientDataPolicy; mutes?: Mute[] } = {},
): Delivery[] {
  const mutes = options.mutes ?? [];
  const tags: Record<string, string> = { pipeline: 'web' };
  if (mutes.includes('silenced')) tags['maintenance'] = 'yes';
  const t = metricAlarm('tripline-web-dlq-depth', {
    state,
    previousState: options.previous ?? (state === 'OK' ? 'ALARM' : 'OK'),
    tags,
    ...(mutes.includes('suppressed')
      ? { actionsSuppressedBy: 'WaitPeriod' as const, actionsSuppressedReason: 'Actions suppressed by WaitPeriod' }
      : {}),
  });
  const config = paging({
    defaults: { insufficientData: options.policy ?? 'ignore' },
    receivers,
    route: { receiver: options.receiver ?? 'oncall' },
    silences,
    inhibitRules,
  });
  return plan(t, config, { now: NOW, ...(mutes.includes('inhibited') ? { inhibitionSources: [webComposite] } : {}) });
}

function what(d: Delivery | undefined): string {
  if (d === undefined) return 'no delivery';
  const parts = [d.pagerduty ?? 'no-pd', d.slack ? 'slack' : 'no-slack'];
  if (d.muted !== undefined) parts.push(`muted:${d.muted.by}`);
  parts.push(d.severity);
  return parts.join(' ');
}

describe('plan: what is sent for each state and policy', () => {
  it.each<[string, AlarmState, Parameters<typeof planFor>[1], string]>([
    // ALARM
    ['ALARM pages and posts', 'ALARM', {}, 'trigger slack critical'],
    ['ALARM to a Slack-only receiver posts', 'ALARM', { receiver: 'chat' }, 'no-pd slack critical'],
    ['ALARM to a PagerDuty-only receiver pages', 'ALARM', { receiver: 'pager' }, 'trigger no-slack critical'],
    ['ALARM with actions suppressed is held back', 'ALARM', { mutes: ['suppressed'] }, 'no-pd no-slack muted:suppressed critical'],
    ['ALARM under an active silence is held back', 'ALARM', { mutes: ['silenced'] }, 'no-pd no-slack muted:silence critical'],
    ['ALARM inhibited by its composite is held back', 'ALARM', { mutes: ['inhibited'] }, 'no-pd no-slack muted:inhibition critical'],
    ['suppression is reported before a silence', 'ALARM', { mutes: ['silenced', 'suppressed'] }, 'no-pd no-slack muted:suppressed critical'],
    ['a silence is reported before an inhibition', 'ALARM', { mutes: ['inhibited', 'silenced'] }, 'no-pd no-slack muted:silence critical'],
    ['Slack-only ALARM under a silence posts nothing', 'ALARM', { receiver: 'chat', mutes: ['silenced'] }, 'no-pd no-slack muted:silence critical'],
    // OK
    ['OK resolves and posts', 'OK', {}, 'resolve slack critical'],
    ['OK under a silence still resolves, without a post', 'OK', { mutes: ['silenced'] }, 'resolve no-slack muted:silence critical'],
    ['OK is not inhibited', 'OK', { mutes: ['inhibited'] }, 'resolve slack critical'],
    ['OK with actions suppressed still resolves and posts', 'OK', { mutes: ['suppressed'] }, 'resolve slack critical'],
    ['OK after INSUFFICIENT_DATA under ignore resolves quietly', 'OK', { previous: 'INSUFFICIENT_DATA' }, 'resolve no-slack critical'],
    ['OK after INSUFFICIENT_DATA under notify posts', 'OK', { previous: 'INSUFFICIENT_DATA', policy: 'notify' }, 'resolve slack critical'],
    ['OK after INSUFFICIENT_DATA under page posts', 'OK', { previous: 'INSUFFICIENT_DATA', policy: 'page' }, 'resolve slack critical'],
    ['OK to a Slack-only receiver posts', 'OK', { receiver: 'chat' }, 'no-pd slack critical'],
    ['OK to a PagerDuty-only receiver under a silence resolves, nothing held back', 'OK', { receiver: 'pager', mutes: ['silenced'] }, 'resolve no-slack critical'],
    // INSUFFICIENT_DATA
    ['INSUFFICIENT_DATA under ignore resolves quietly', 'INSUFFICIENT_DATA', { policy: 'ignore' }, 'resolve no-slack critical'],
    ['INSUFFICIENT_DATA under ignore to Slack-only sends nothing', 'INSUFFICIENT_DATA', { policy: 'ignore', receiver: 'chat' }, 'no-pd no-slack critical'],
    ['INSUFFICIENT_DATA under notify resolves and posts', 'INSUFFICIENT_DATA', { policy: 'notify' }, 'resolve slack critical'],
    ['INSUFFICIENT_DATA under notify and a silence resolves only', 'INSUFFICIENT_DATA', { policy: 'notify', mutes: ['silenced'] }, 'resolve no-slack muted:silence critical'],
    ['INSUFFICIENT_DATA under page pages at warning', 'INSUFFICIENT_DATA', { policy: 'page' }, 'trigger slack warning'],
    ['INSUFFICIENT_DATA under page and a silence is held back', 'INSUFFICIENT_DATA', { policy: 'page', mutes: ['silenced'] }, 'no-pd no-slack muted:silence warning'],
    ['INSUFFICIENT_DATA under page, inhibited', 'INSUFFICIENT_DATA', { policy: 'page', mutes: ['inhibited'] }, 'no-pd no-slack muted:inhibition warning'],
    ['INSUFFICIENT_DATA under page, suppressed', 'INSUFFICIENT_DATA', { policy: 'page', mutes: ['suppressed'] }, 'no-pd no-slack muted:suppressed warning'],
  ])('%s', (_name, state, options, expected) => {
    const deliveries = planFor(state, options);
    expect(deliveries).toHaveLength(1);
    expect(what(deliveries[0])).toBe(expected);
  });
});

describe('plan: delivery details', () => {
  it('fills receiver, keys, links and the route path', () => {
    const t = metricAlarm('tripline-web-dlq-depth', { tags: { pipeline: 'web' } });
    const config = paging({ receivers, route: { receiver: 'oncall', routes: [{ match: { tags: { pipeline: 'web' } }, receiver: 'chat' }] } });
    expect(plan(t, config, { now: NOW })).toEqual([
      {
        receiver: 'chat',
        transition: t,
        severity: 'critical',
        dedupKey: 'tripline/123456789012/eu-west-1/tripline-web-dlq-depth',
        consoleUrl:
          'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/tripline-web-dlq-depth',
        slack: true,
        routePath: 'paging.route.routes[0]',
      },
    ]);
  });

  it('explains why a page was held back', () => {
    expect(planFor('ALARM', { mutes: ['silenced'] })[0]?.muted).toEqual({
      by: 'silence',
      detail: 'silenced until 2026-11-22T06:00:00Z by alice: planned maintenance (paging.silences[0])',
    });
    expect(planFor('ALARM', { mutes: ['inhibited'] })[0]?.muted).toEqual({
      by: 'inhibition',
      detail: 'inhibited by alarm tripline-web-pipeline in ALARM (paging.inhibitRules[0], equal: pipeline)',
    });
    expect(planFor('ALARM', { mutes: ['suppressed'] })[0]?.muted).toEqual({
      by: 'suppressed',
      detail: 'Actions suppressed by WaitPeriod',
    });
  });

  describe('CloudWatch alarm mute rules (muteDetail)', () => {
    const config = paging({ receivers, route: { receiver: 'oncall' } });
    const mute = {
      ruleArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:nightly-deploy',
      windowStart: '2026-11-22T02:00:00.000Z',
      windowEnd: '2026-11-22T04:00:00.000Z',
    };

    it.each([
      ['ALARM inside the window is held back', 'ALARM', '2026-11-22T03:00:00.000Z', 'no-pd no-slack muted:mute-rule critical'],
      ['ALARM before the window pages', 'ALARM', '2026-11-22T01:59:59.000Z', 'trigger slack critical'],
      ['ALARM after the window pages', 'ALARM', '2026-11-22T04:00:01.000Z', 'trigger slack critical'],
      ['OK inside the window still resolves', 'OK', '2026-11-22T03:00:00.000Z', 'resolve slack critical'],
    ] as const)('%s', (_name, state, at, expected) => {
      const t = metricAlarm('tripline-web-dlq-depth', { state, previousState: state === 'OK' ? 'ALARM' : 'OK', stateTimestamp: at, mute });
      expect(what(plan(t, config, { now: NOW })[0])).toBe(expected);
    });

    it('names the rule and its window', () => {
      const t = metricAlarm('x', { stateTimestamp: '2026-11-22T03:00:00.000Z', mute });
      expect(plan(t, config, { now: NOW })[0]?.muted).toEqual({
        by: 'mute-rule',
        detail: `muted by CloudWatch alarm mute rule ${mute.ruleArn} (2026-11-22T02:00:00.000Z – 2026-11-22T04:00:00.000Z)`,
      });
    });
  });

  it('applies a silence only inside its window', () => {
    const t = metricAlarm('x', { tags: { maintenance: 'yes' } });
    const config = paging({ receivers, route: { receiver: 'oncall' }, silences });
    expect(what(plan(t, config, { now: new Date('2026-11-22T06:00:00Z') })[0])).toBe('trigger slack critical');
  });

  it('makes one delivery per matching receiver, and one only when continue reaches the same receiver twice', () => {
    const t = metricAlarm('tripline-web-dlq-depth', { namespace: 'AWS/SQS', tags: { pipeline: 'web' } });
    const config = paging({
      receivers,
      route: {
        receiver: 'oncall',
        routes: [
          { match: { namespace: 'AWS/SQS' }, receiver: 'chat', continue: true },
          { match: { tags: { pipeline: 'web' } }, receiver: 'pager', continue: true },
          { match: { alarmName: '*-dlq-*' }, receiver: 'chat' },
        ],
      },
    });
    expect(plan(t, config, { now: NOW }).map((d) => `${d.receiver} ${d.routePath} ${what(d)}`)).toEqual([
      'chat paging.route.routes[0] no-pd slack critical',
      'pager paging.route.routes[1] trigger no-slack critical',
    ]);
  });
});

describe('plan: severity', () => {
  const withTags = (tags: Record<string, string>, state: AlarmState = 'ALARM'): AlarmTransition =>
    metricAlarm('tripline-web-dlq-depth', { state, tags });
  const config = (routeSeverity?: string) =>
    paging({
      defaults: { severity: 'error', insufficientData: 'page' },
      receivers,
      route: { receiver: 'oncall', ...(routeSeverity ? { severity: routeSeverity } : {}) },
    });

  it.each<[string, AlarmTransition, string | undefined, string]>([
    ['the route chain wins over the tag', withTags({ severity: 'info' }), 'warning', 'warning'],
    ['then the alarm tag', withTags({ severity: 'info' }), undefined, 'info'],
    ['a tag in other case still counts', withTags({ severity: ' Critical ' }), undefined, 'critical'],
    ['an invalid tag is ignored', withTags({ severity: 'sev1' }), undefined, 'error'],
    ['then the default', withTags({}), undefined, 'error'],
    ['INSUFFICIENT_DATA paged is warning, whatever the route says', withTags({ severity: 'critical' }, 'INSUFFICIENT_DATA'), 'critical', 'warning'],
  ])('%s', (_name, t, routeSeverity, expected) => {
    expect(plan(t, config(routeSeverity), { now: NOW })[0]?.severity).toBe(expected);
  });
});

describe('plan: runbook', () => {
  const t = (tags: Record<string, string>) => metricAlarm('tripline-web/dlq', { tags });
  const config = (routeTemplate?: string, defaultTemplate?: string) =>
    paging({
      defaults: defaultTemplate ? { runbookUrl: defaultTemplate } : {},
      receivers,
      route: { receiver: 'oncall', ...(routeTemplate ? { runbookUrl: routeTemplate } : {}) },
    });

  it.each<[string, Record<string, string>, string | undefined, string | undefined, string | undefined]>([
    [
      'the route template, rendered',
      { runbook: 'https://wiki.example.com/dlq' },
      'https://rb.example.com/{alarmName}?p={tags.pipeline}',
      'https://default.example.com/{alarmName}',
      'https://rb.example.com/tripline-web/dlq?p=web',
    ],
    [
      'then the runbook tag, as is',
      { runbook: 'https://wiki.example.com/{alarmName}' },
      undefined,
      'https://default.example.com/{alarmName}',
      'https://wiki.example.com/{alarmName}',
    ],
    [
      'a runbook tag that is not an http(s) URL is ignored',
      { runbook: 'javascript:alert(1)' },
      undefined,
      'https://default.example.com/{alarmNameEncoded}',
      'https://default.example.com/tripline-web%2Fdlq',
    ],
    ['then the default template', {}, undefined, 'https://default.example.com/{alarmName}', 'https://default.example.com/tripline-web/dlq'],
    ['none at all', {}, undefined, undefined, undefined],
  ])('%s', (_name, tags, routeTemplate, defaultTemplate, expected) => {
    expect(plan(t({ pipeline: 'web', ...tags }), config(routeTemplate, defaultTemplate), { now: NOW })[0]?.runbookUrl).toBe(
      expected,
    );
  });
});
