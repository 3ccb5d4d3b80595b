import { describe, expect, it } from 'vitest';
import type { CurrentAlarmState } from '../../src/domain/alarm.js';
import { converge } from '../../src/paging/converge.js';
import { at, transition } from '../support/transitions.js';

const current = (state: CurrentAlarmState['state'], iso: string, name = 'tripline-web-dlq-depth'): Map<string, CurrentAlarmState> =>
  new Map([[name, { alarmName: name, alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`, state, reason: `now ${state}`, stateTimestamp: iso, kind: 'metric' }]]);

describe('converge', () => {
  it.each([
    // delivered, current (undefined = DescribeAlarms failed), expected state, basis
    ['ALARM delivered, CloudWatch agrees', at('ALARM', '2026-11-22T00:00:00.000Z'), current('ALARM', '2026-11-22T00:00:00.000Z'), 'ALARM', 'delivered'],
    ['late ALARM after the alarm went OK', at('ALARM', '2026-11-22T00:00:00.000Z'), current('OK', '2026-11-22T00:05:00.000Z'), 'OK', 'current'],
    ['early OK before its ALARM is processed', at('OK', '2026-11-22T00:05:00.000Z'), current('OK', '2026-11-22T00:05:00.000Z'), 'OK', 'delivered'],
    ['old OK while the alarm is in ALARM again', at('OK', '2026-11-22T00:05:00.000Z'), current('ALARM', '2026-11-22T00:09:00.000Z'), 'ALARM', 'current'],
    ['CloudWatch lags behind the event', at('OK', '2026-11-22T00:05:00.000Z'), current('ALARM', '2026-11-22T00:00:00.000Z'), 'OK', 'delivered'],
    ['DescribeAlarms failed', at('ALARM', '2026-11-22T00:00:00.000Z'), undefined, 'ALARM', 'delivered-unverified'],
  ])('%s', (_name, delivered, now, state, basis) => {
    const [result] = converge([delivered], now);
    expect(result?.transition.state).toBe(state);
    expect(result?.basis).toBe(basis);
  });

  it('folds duplicates and reorderings of one alarm into one decision on the newest state', () => {
    const deliveries = [
      at('OK', '2026-11-22T00:05:00.000Z'),
      at('ALARM', '2026-11-22T00:00:00.000Z'),
      at('OK', '2026-11-22T00:05:00.000Z'),
      at('ALARM', '2026-11-22T00:00:00.000Z'),
    ];
    const result = converge(deliveries, undefined);
    expect(result).toHaveLength(1);
    expect(result[0]?.transition.state).toBe('OK');
    expect(result[0]?.delivered).toHaveLength(4);
  });

  it('keeps alarms apart by account and region even with the same name', () => {
    const result = converge([at('ALARM', '2026-11-22T00:00:00.000Z'), at('ALARM', '2026-11-22T00:00:00.000Z', { region: 'eu-west-1' })], undefined);
    expect(result).toHaveLength(2);
  });

  it('does not let a same-named alarm in another account speak for this one', () => {
    const delivered = at('ALARM', '2026-11-22T00:00:00.000Z', { accountId: '999999999999' });
    const [result] = converge([delivered], current('OK', '2026-11-22T01:00:00.000Z'));
    expect(result?.transition.state).toBe('ALARM');
    expect(result?.basis).toBe('delivered-unverified');
  });

  it('reports the current state with its reason and marks where it came from', () => {
    const [result] = converge([transition({ state: 'ALARM' })], current('OK', '2026-11-22T02:00:00.000Z'));
    expect(result?.transition).toMatchObject({ state: 'OK', previousState: 'ALARM', reason: 'now OK', shape: 'describe-alarms', stateTimestamp: '2026-11-22T02:00:00.000Z' });
  });
});
