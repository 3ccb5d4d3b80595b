import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchAlarmReader } from '../../src/aws/alarms.js';
import { defaultConfig } from '../../src/config/index.js';
import type { AlarmState, CurrentAlarmState } from '../../src/domain/alarm.js';
import type { Delivery, Notifier, NotifyOutcome } from '../../src/domain/delivery.js';
import { silentLog } from '../../src/domain/log.js';
import { buildPagerDutyEvent } from '../../src/notify/pagerduty/event.js';
import { PagerDutyNotifier } from '../../src/notify/pagerduty/notifier.js';
import { routeAlarmEvent, type AlarmStateSource } from '../../src/paging/router.js';
import { DELIVERY_SHAPES, deliver, sqsBatch, type AlarmEventSpec, type DeliveryShapeName } from '../support/alarm-events.js';
import { startCloudWatchServer, type CloudWatchServer } from '../support/cloudwatch-server.js';
import { startPagerDutyServer, validateEvent, type PagerDutyServer } from '../support/pagerduty-server.js';

/**
 * Deliveries are at-least-once and unordered. Whatever order and however
 * many copies arrive, once everything is delivered the PagerDuty incident of
 * each alarm must be open exactly when the alarm is in ALARM, and duplicates
 * must never open a second incident for one ALARM episode.
 */

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const RUNS = Number(process.env['TRIPLINE_CONVERGENCE_RUNS'] ?? 600);
const HTTP_RUNS = Number(process.env['TRIPLINE_CONVERGENCE_HTTP_RUNS'] ?? 30);

/** mulberry32: small, seedable, good enough to shuffle. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Truth {
  state: AlarmState;
  changedAt: number;
  /** How many times the alarm entered ALARM. */
  alarmEpisodes: number;
}

interface PendingDelivery {
  readonly spec: AlarmEventSpec;
  readonly shape: DeliveryShapeName;
}

interface Scenario {
  readonly names: string[];
  readonly truth: Map<string, Truth>;
  /** Deliveries made (each a Lambda invocation). */
  invocations: number;
}

/** The world the router talks to in one run: CloudWatch's truth and PagerDuty's incidents. */
interface World {
  readonly alarms: AlarmStateSource;
  readonly notifier: Notifier;
  setTruth(name: string, truth: Truth): void;
  openIncidents(): Set<string>;
  opened(name: string): number;
}

const BASE = Date.parse('2026-11-22T00:00:00.000Z');
const dedupKey = (name: string): string => `tripline/123456789012/us-east-1/${name}`;

async function runScenario(seed: number, world: World): Promise<Scenario> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const names = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => `tripline-alarm-${seed}-${i}`);
  const truth = new Map<string, Truth>();
  for (const name of names) {
    const initial: Truth = { state: 'OK', changedAt: BASE - 3_600_000, alarmEpisodes: 0 };
    truth.set(name, initial);
    world.setTruth(name, initial);
  }

  // Each alarm's own sequence of state changes, merged into one timeline.
  const timeline: { name: string; state: AlarmState; at: number }[] = [];
  for (const name of names) {
    let state: AlarmState = 'OK';
    let at = BASE;
    const steps = 1 + Math.floor(random() * 6);
    for (let s = 0; s < steps; s++) {
      const next = pick((['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const).filter((x) => x !== state));
      at += 1_000 + Math.floor(random() * 120_000);
      timeline.push({ name, state: next, at });
      state = next;
    }
  }
  timeline.sort((a, b) => a.at - b.at);

  const pending: PendingDelivery[] = [];
  const scenario: Scenario = { names, truth, invocations: 0 };
  let next = 0;
  while (next < timeline.length || pending.length > 0) {
    if (next < timeline.length && (pending.length === 0 || random() < 0.45)) {
      const change = timeline[next++];
      if (!change) break;
      const before = truth.get(change.name);
      if (!before) throw new Error('unknown alarm');
      const after: Truth = {
        state: change.state,
        changedAt: change.at,
        alarmEpisodes: before.alarmEpisodes + (change.state === 'ALARM' ? 1 : 0),
      };
      truth.set(change.name, after);
      world.setTruth(change.name, after);
      const spec: AlarmEventSpec = {
        name: change.name,
        state: change.state,
        previousState: before.state,
        timestamp: new Date(change.at).toISOString(),
      };
      const copies = 1 + Math.floor(random() * 3);
      for (let c = 0; c < copies; c++) pending.push({ spec, shape: pick(DELIVERY_SHAPES) });
      continue;
    }
    // Deliver one pending item, or a small SQS batch of several.
    const take = (): PendingDelivery => {
      const index = Math.floor(random() * pending.length);
      const [item] = pending.splice(index, 1);
      if (!item) throw new Error('nothing pending');
      return item;
    };
    const first = take();
    let event: unknown;
    if (first.shape.startsWith('sqs-') && pending.length > 0 && random() < 0.5) {
      const batch = [first, ...Array.from({ length: Math.min(pending.length, Math.floor(random() * 4)) }, take)];
      event = sqsBatch(
        batch.map((b) => b.spec),
        first.shape as 'sqs-eventbridge' | 'sqs-sns-eventbridge' | 'sqs-sns-cloudwatch',
        batch.map((_, i) => `m-${scenario.invocations}-${i}`),
      );
    } else {
      event = deliver({ ...first.spec, id: `d-${scenario.invocations}` }, first.shape);
    }
    scenario.invocations++;
    const report = await routeAlarmEvent(event, {
      config: defaultConfig({ PAGERDUTY_ROUTING_KEY: ROUTING_KEY }),
      alarms: world.alarms,
      notifiers: [world.notifier],
      log: silentLog,
      ownAccount: '123456789012',
      ownRegion: 'us-east-1',
    });
    if (report.failures.length > 0 || report.rejected.length > 0) {
      throw new Error(`seed ${seed}: ${JSON.stringify({ failures: report.failures.map((f) => f.error.message), rejected: report.rejected })}`);
    }
  }
  return scenario;
}

function assertConverged(seed: number, scenario: Scenario, world: World): void {
  const open = world.openIncidents();
  for (const name of scenario.names) {
    const truth = scenario.truth.get(name);
    const expectedOpen = truth?.state === 'ALARM';
    expect(open.has(dedupKey(name)), `seed ${seed}: ${name} is ${truth?.state}`).toBe(expectedOpen);
    // Duplicates never open a second incident within one ALARM episode.
    expect(world.opened(name), `seed ${seed}: incidents opened for ${name}`).toBeLessThanOrEqual(truth?.alarmEpisodes ?? 0);
  }
}

/** CloudWatch and PagerDuty modelled in memory, PagerDuty validating every event strictly. */
function inMemoryWorld(): World {
  const states = new Map<string, CurrentAlarmState>();
  const incidents = new Map<string, { open: boolean; opened: number }>();
  const notifier: Notifier = {
    channel: 'pagerduty',
    async notify(delivery: Delivery): Promise<NotifyOutcome> {
      if (!delivery.pagerduty) return { channel: 'pagerduty', receiver: delivery.receiver, dedupKey: delivery.dedupKey, status: 'skipped', attempts: 0 };
      const event = buildPagerDutyEvent(delivery, ROUTING_KEY);
      const problems = validateEvent(event);
      if (problems.length > 0) throw new Error(`PagerDuty would answer 400: ${problems.join('; ')}`);
      const incident = incidents.get(event.dedup_key) ?? { open: false, opened: 0 };
      if (event.event_action === 'trigger' && !incident.open) {
        incident.open = true;
        incident.opened++;
      } else if (event.event_action === 'resolve') {
        incident.open = false;
      }
      incidents.set(event.dedup_key, incident);
      return { channel: 'pagerduty', receiver: delivery.receiver, dedupKey: delivery.dedupKey, status: 'sent', attempts: 1 };
    },
  };
  return {
    alarms: {
      currentStates: async (names) => new Map(names.flatMap((n) => (states.has(n) ? [[n, states.get(n) as CurrentAlarmState]] : []))),
      alarmsInAlarm: async () => [],
      tagsOf: async () => ({}),
    },
    notifier,
    setTruth(name, truth) {
      states.set(name, {
        alarmName: name,
        alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
        state: truth.state,
        reason: `now ${truth.state}`,
        stateTimestamp: new Date(truth.changedAt).toISOString(),
        kind: 'metric',
      });
    },
    openIncidents: () => new Set([...incidents].filter(([, i]) => i.open).map(([k]) => k)),
    opened: (name) => incidents.get(dedupKey(name))?.opened ?? 0,
  };
}

describe('convergence under duplicated, reordered deliveries', () => {
  it(`${RUNS} randomized runs: the final incident state equals the final alarm state`, async () => {
    let invocations = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const world = inMemoryWorld();
      const scenario = await runScenario(seed, world);
      assertConverged(seed, scenario, world);
      invocations += scenario.invocations;
    }
    expect(invocations).toBeGreaterThan(RUNS * 2);
  }, 120_000);

  describe('over HTTP: the real CloudWatch client and PagerDuty notifier against loopback stand-ins', () => {
    let cw: CloudWatchServer;
    let pd: PagerDutyServer;
    beforeAll(async () => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
      [cw, pd] = await Promise.all([startCloudWatchServer(), startPagerDutyServer()]);
    });
    afterAll(async () => {
      await Promise.all([cw.close(), pd.close()]);
      nock.enableNetConnect();
    });

    it(`${HTTP_RUNS} randomized runs end with PagerDuty's incidents matching CloudWatch`, async () => {
      const reader = new CloudWatchAlarmReader(cw.client());
      const notifier = new PagerDutyNotifier({
        eventsUrl: pd.url,
        routingKeyFor: async () => ROUTING_KEY,
        retry: { budgetMs: 5_000 },
        log: silentLog,
      });
      for (let seed = 10_001; seed < 10_001 + HTTP_RUNS; seed++) {
        const world: World = {
          alarms: reader,
          notifier,
          setTruth(name, truth) {
            cw.alarms.set(name, { name, kind: 'metric', state: truth.state, reason: `now ${truth.state}`, changedAt: truth.changedAt });
          },
          openIncidents: () => new Set(pd.openIncidents()),
          opened: (name) => pd.incidents.get(dedupKey(name))?.opened ?? 0,
        };
        const scenario = await runScenario(seed, world);
        assertConverged(seed, scenario, world);
      }
      const rejected = pd.requests.filter((r) => r.errors !== undefined && r.errors.length > 0);
      expect(rejected).toEqual([]);
    }, 120_000);
  });
});
