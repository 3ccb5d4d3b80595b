import { describe, expect, it } from 'vitest';
import { route } from '../../src/routing/route.js';
import { compositeAlarm, metricAlarm, paging } from './factories.js';

const receivers = [
  { name: 'oncall', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } }, slack: { channel: '#alerts' } },
  { name: 'chat', slack: { channel: '#pipeline' } },
  { name: 'dq', slack: { channel: '#data-quality' } },
  { name: 'audit', slack: { channel: '#audit' } },
];

const tree = paging({
  defaults: { severity: 'error', insufficientData: 'notify' },
  receivers,
  route: {
    receiver: 'oncall',
    runbookUrl: 'https://runbooks.example.com/{alarmName}',
    routes: [
      { match: { tags: { audit: 'yes' } }, receiver: 'audit', continue: true },
      {
        match: { namespace: 'AWS/SQS' },
        receiver: 'chat',
        severity: 'warning',
        routes: [
          { match: { alarmName: '*-dlq' }, insufficientData: 'page' },
          { match: { alarmName: '*-dlq*' }, receiver: 'oncall' },
        ],
      },
      { match: { namespace: 'AWS/SQS' }, receiver: 'dq' },
      { match: { tags: { team: 'dq' } }, receiver: 'dq', runbookUrl: 'https://dq.example.com/{alarmName}', severity: 'info' },
    ],
  },
});

const summary = (t: Parameters<typeof route>[0]) =>
  route(t, tree).map((m) => ({
    receiver: m.receiver.name,
    path: m.path,
    severity: m.severity,
    runbookUrl: m.runbookUrl,
    insufficientData: m.insufficientData,
  }));

describe('route', () => {
  it('falls back to the root when no child matches, with the defaults policy', () => {
    expect(summary(compositeAlarm('tripline-web-pipeline'))).toEqual([
      {
        receiver: 'oncall',
        path: 'paging.route',
        severity: undefined,
        runbookUrl: 'https://runbooks.example.com/{alarmName}',
        insufficientData: 'notify',
      },
    ]);
  });

  it('descends into a matching child and stops at the first matching grandchild; settings are inherited', () => {
    expect(summary(metricAlarm('tripline-web-dlq', { namespace: 'AWS/SQS' }))).toEqual([
      {
        receiver: 'chat',
        path: 'paging.route.routes[1].routes[0]',
        severity: 'warning',
        runbookUrl: 'https://runbooks.example.com/{alarmName}',
        insufficientData: 'page',
      },
    ]);
  });

  it('ends at the child itself when none of its children match', () => {
    expect(summary(metricAlarm('tripline-web-failed', { namespace: 'AWS/SQS' }))).toEqual([
      {
        receiver: 'chat',
        path: 'paging.route.routes[1]',
        severity: 'warning',
        runbookUrl: 'https://runbooks.example.com/{alarmName}',
        insufficientData: 'notify',
      },
    ]);
  });

  it('stops at the first matching sibling: a later route for the same alarm is not reached', () => {
    const names = route(metricAlarm('tripline-web-dlq-old', { namespace: 'AWS/SQS' }), tree).map((m) => [
      m.receiver.name,
      m.path,
    ]);
    expect(names).toEqual([['oncall', 'paging.route.routes[1].routes[1]']]);
  });

  it('goes on after a matching route with continue: true', () => {
    const t = metricAlarm('tripline-web-dlq', { namespace: 'AWS/SQS', tags: { audit: 'yes' } });
    expect(route(t, tree).map((m) => [m.receiver.name, m.path])).toEqual([
      ['audit', 'paging.route.routes[0]'],
      ['chat', 'paging.route.routes[1].routes[0]'],
    ]);
  });

  it('lets a route override the inherited runbook and severity', () => {
    expect(summary(compositeAlarm('quality', { tags: { team: 'dq' } }))).toEqual([
      {
        receiver: 'dq',
        path: 'paging.route.routes[3]',
        severity: 'info',
        runbookUrl: 'https://dq.example.com/{alarmName}',
        insufficientData: 'notify',
      },
    ]);
  });

  it('treats a child without match as matching everything', () => {
    const catchAll = paging({
      receivers,
      route: { receiver: 'oncall', routes: [{ receiver: 'chat' }, { receiver: 'dq' }] },
    });
    expect(route(compositeAlarm('x'), catchAll).map((m) => m.receiver.name)).toEqual(['chat']);
  });
});
