import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSchemaCheck } from '../../../cli/commands/schema-check.js';
import { InputError } from '../../../src/errors.js';
import { checkCompatibility, formatIncompatibility, loadTrackingPlan } from '../../../src/quality/plan/index.js';
import { planDir, record } from './plan-dir.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

const path_ = { name: 'path', type: 'string' };
const referrer = { name: 'referrer', type: 'string' };
const title = { name: 'title', type: ['null', 'string'], default: null };
const plan = (names: string[]) => ({ type: 'enum', name: 'Plan', symbols: names });

async function incompatibilities(files: Record<string, unknown>): Promise<string[]> {
  return checkCompatibility(await loadTrackingPlan(planDir(files))).map(formatIncompatibility);
}

describe('checkCompatibility (FULL_ALL: backward and forward with every earlier version)', () => {
  it('accepts fields added and removed with defaults, across three versions', async () => {
    const found = await incompatibilities({
      'page_viewed/1.avsc': record('PageViewed', [path_, title]),
      'page_viewed/2.avsc': record('PageViewed', [path_, title, { name: 'search', type: ['null', 'string'], default: null }]),
      'page_viewed/3.avsc': record('PageViewed', [path_, { name: 'search', type: ['null', 'string'], default: null }, { name: 'width', type: 'int', default: 0 }]),
    });
    expect(found).toEqual([]);
  });

  it('catches a removed field without default, in the forward direction, against every earlier version', async () => {
    const files = {
      'page_viewed/1.avsc': record('PageViewed', [path_, referrer]),
      'page_viewed/2.avsc': record('PageViewed', [path_, referrer, title]),
      'page_viewed/3.avsc': record('PageViewed', [path_, title]),
    };
    expect(await incompatibilities(files)).toEqual([
      'page_viewed v1 → v3 forward: field "referrer" was removed in v3 but has no default in v1; v1 cannot read v3 data (keep the field in v3)',
      'page_viewed v2 → v3 forward: field "referrer" was removed in v3 but has no default in v2; v2 cannot read v3 data (keep the field in v3)',
    ]);
    const [first] = checkCompatibility(await loadTrackingPlan(planDir(files)));
    expect(first).toEqual({
      event: 'page_viewed',
      olderVersion: 1,
      newerVersion: 3,
      direction: 'forward',
      field: 'referrer',
      detail: 'field "referrer" was removed in v3 but has no default in v1; v1 cannot read v3 data (keep the field in v3)',
    });
  });

  it('catches a field added without default, in the backward direction', async () => {
    expect(
      await incompatibilities({
        'page_viewed/1.avsc': record('PageViewed', [path_]),
        'page_viewed/2.avsc': record('PageViewed', [path_, { name: 'section', type: 'string' }]),
      }),
    ).toEqual([
      'page_viewed v1 → v2 backward: field "section" was added in v2 without a default; v2 cannot read v1 data, which has no "section" (give it a default)',
    ]);
  });

  it('catches a type change both ways, and a widening (int → long) forward only', async () => {
    expect(
      await incompatibilities({
        'purchase_completed/1.avsc': record('PurchaseCompleted', [{ name: 'price', type: 'int' }, { name: 'count', type: 'int' }]),
        'purchase_completed/2.avsc': record('PurchaseCompleted', [{ name: 'price', type: 'string' }, { name: 'count', type: 'long' }]),
      }),
    ).toEqual([
      'purchase_completed v1 → v2 backward: field "price" changed type from int (v1) to string (v2); v2 cannot read v1 data',
      'purchase_completed v1 → v2 forward: field "price" changed type from int (v1) to string (v2); v1 cannot read v2 data',
      'purchase_completed v1 → v2 forward: field "count" changed type from int (v1) to long (v2); v1 cannot read v2 data',
    ]);
  });

  it('catches a renamed enum symbol, naming both symbols', async () => {
    expect(
      await incompatibilities({
        'signed_up/1.avsc': record('SignedUp', [{ name: 'plan', type: plan(['free', 'pro', 'team']) }]),
        'signed_up/2.avsc': record('SignedUp', [{ name: 'plan', type: plan(['free', 'premium', 'team']) }]),
      }),
    ).toEqual([
      'signed_up v1 → v2 backward: enum "plan" symbol "pro" was renamed to "premium" in v2; v2 cannot read v1 data holding "pro"',
      'signed_up v1 → v2 forward: enum "plan" symbol "pro" was renamed to "premium" in v2; v1 cannot read v2 data holding "premium"',
    ]);
  });

  it('tells a removed symbol from an added one, and lets an enum default absorb new symbols', async () => {
    expect(
      await incompatibilities({
        'signed_up/1.avsc': record('SignedUp', [{ name: 'plan', type: plan(['free', 'pro', 'team']) }]),
        'signed_up/2.avsc': record('SignedUp', [{ name: 'plan', type: plan(['free', 'team']) }]),
        'upgraded/1.avsc': record('Upgraded', [{ name: 'plan', type: plan(['free', 'pro']) }]),
        'upgraded/2.avsc': record('Upgraded', [{ name: 'plan', type: plan(['free', 'pro', 'team']) }]),
        'renewed/1.avsc': record('Renewed', [{ name: 'plan', type: { ...plan(['free', 'pro', 'other']), default: 'other' } }]),
        'renewed/2.avsc': record('Renewed', [{ name: 'plan', type: { ...plan(['free', 'pro', 'team', 'other']), default: 'other' } }]),
      }),
    ).toEqual([
      'signed_up v1 → v2 backward: enum "plan" symbol "pro" was removed in v2; v2 cannot read v1 data holding "pro" (keep the symbol, or give the enum a default)',
      'upgraded v1 → v2 forward: enum "plan" symbol "team" was added in v2 and the enum has no default in v1; v1 cannot read v2 data holding "team"',
    ]);
  });

  it('names the nested field: array items, nullable records, maps', async () => {
    const item = (sku: string) => ({ type: 'array', items: record('Item', [{ name: 'sku', type: sku }]) });
    const address = (city: string) => ['null', record('Address', [{ name: 'city', type: city }])];
    expect(
      await incompatibilities({
        'purchase_completed/1.avsc': record('PurchaseCompleted', [
          { name: 'items', type: item('string') },
          { name: 'shipping', type: address('string'), default: null },
          { name: 'attributes', type: { type: 'map', values: 'string' } },
        ]),
        'purchase_completed/2.avsc': record('PurchaseCompleted', [
          { name: 'items', type: item('int') },
          { name: 'shipping', type: address('boolean'), default: null },
          { name: 'attributes', type: { type: 'map', values: 'double' } },
        ]),
      }),
    ).toEqual([
      'purchase_completed v1 → v2 backward: field "items[].sku" changed type from string (v1) to int (v2); v2 cannot read v1 data',
      'purchase_completed v1 → v2 backward: field "shipping.city" changed type from string (v1) to boolean (v2); v2 cannot read v1 data',
      'purchase_completed v1 → v2 backward: field "attributes{}" changed type from string (v1) to double (v2); v2 cannot read v1 data',
      'purchase_completed v1 → v2 forward: field "items[].sku" changed type from string (v1) to int (v2); v1 cannot read v2 data',
      'purchase_completed v1 → v2 forward: field "shipping.city" changed type from string (v1) to boolean (v2); v1 cannot read v2 data',
      'purchase_completed v1 → v2 forward: field "attributes{}" changed type from string (v1) to double (v2); v1 cannot read v2 data',
    ]);
  });

  it('catches a field that stops accepting null, and a renamed record', async () => {
    expect(
      await incompatibilities({
        'page_viewed/1.avsc': record('PageViewed', [{ name: 'title', type: ['null', 'string'], default: null }]),
        'page_viewed/2.avsc': record('PageViewed', [{ name: 'title', type: 'string', default: '' }]),
        'screen_viewed/1.avsc': record('ScreenViewed', [path_]),
        'screen_viewed/2.avsc': record('ScreenView', [path_]),
      }),
    ).toEqual([
      'page_viewed v1 → v2 backward: field "title" changed type from null | string (v1) to string (v2); v2 cannot read v1 data',
      'screen_viewed v1 → v2 backward: record "ScreenViewed" was renamed to "ScreenView" in v2; v2 cannot read v1 data',
      'screen_viewed v1 → v2 forward: record "ScreenViewed" was renamed to "ScreenView" in v2; v1 cannot read v2 data',
    ]);
  });
});

describe('tripline schema check', () => {
  const broken = {
    'page_viewed/1.avsc': record('PageViewed', [path_, referrer]),
    'page_viewed/2.avsc': record('PageViewed', [path_]),
    'screen_viewed/1.avsc': record('ScreenViewed', [{ name: 'screen_name', type: 'string' }]),
  };

  it('prints each incompatibility and a summary, exit 1', async () => {
    const dir = planDir(broken);
    const result = await runSchemaCheck(dir, {});
    expect(result.exitCode).toBe(1);
    expect(result.stdout?.split('\n')).toEqual([
      'page_viewed v1 → v2 forward: field "referrer" was removed in v2 but has no default in v1; v1 cannot read v2 data (keep the field in v2)',
      '',
      `${dir}: 2 events, 3 versions; 1 incompatibility in 1 version pair (FULL_ALL: add fields only with a default, remove only fields that have one, never change a type or an enum symbol)`,
    ]);
  });

  it('prints one JSON document with --json', async () => {
    const dir = planDir(broken);
    const result = await runSchemaCheck(dir, { json: true });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout ?? '')).toEqual({
      dir,
      events: 2,
      versions: 3,
      incompatibilities: [
        {
          event: 'page_viewed',
          olderVersion: 1,
          newerVersion: 2,
          direction: 'forward',
          field: 'referrer',
          detail: 'field "referrer" was removed in v2 but has no default in v1; v1 cannot read v2 data (keep the field in v2)',
        },
      ],
    });
  });

  it('exits 0 on a compatible plan', async () => {
    const dir = planDir({ 'page_viewed/1.avsc': record('PageViewed', [path_]), 'page_viewed/2.avsc': record('PageViewed', [path_, title]) });
    const result = await runSchemaCheck(dir, {});
    expect(result).toEqual({
      exitCode: 0,
      stdout: `${dir}: 1 event, 2 versions; every version is backward and forward compatible with all earlier versions (FULL_ALL)`,
    });
  });

  it('lets a plan that does not load fail as bad input (exit 2)', async () => {
    const dir = planDir({ 'page_viewed/1.avsc': '{ "type": "record", ' });
    const error: unknown = await runSchemaCheck(dir, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error instanceof InputError ? error.exitCode : 0).toBe(2);
    expect(error instanceof Error ? error.message : '').toContain(`${path.join(dir, 'page_viewed', '1.avsc')}: not valid JSON`);
  });
});

describe('the shipped tracking-plan/', () => {
  it('loads, has several evolved events, and passes schema check', async () => {
    const result = await runSchemaCheck(path.join(ROOT, 'tracking-plan'), { json: true });
    const doc = JSON.parse(result.stdout ?? '') as { events: number; versions: number; incompatibilities: unknown[] };
    expect(doc.incompatibilities).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(doc.events).toBeGreaterThanOrEqual(6);
    expect(doc.versions).toBeGreaterThan(doc.events);
  });

  it('accepts typical events and catches typical mistakes', async () => {
    const shipped = await loadTrackingPlan(path.join(ROOT, 'tracking-plan'));
    expect(shipped.check('signed_up', { method: 'email', plan: 'free', email: 'ann@example.com' })).toEqual({ ok: true });
    expect(shipped.check('page_viewed', { path: '/pricing', referrer: null })).toEqual({ ok: true });
    expect(
      shipped.check('purchase_completed', {
        order_id: 'o-1',
        price: 59.9,
        currency: 'EUR',
        items: [{ sku: 'tee-m', name: 'T-shirt', quantity: 2, price: 29.95 }],
        ordered_at: 1763780400000,
      }),
    ).toEqual({ ok: true });
    expect(shipped.check('page_viewed', { path: '/pricing', title: 'Pricing — ann@example.com' })).toMatchObject({
      reason: 'pii_in_properties',
      field: 'properties.title',
    });
    expect(shipped.check('purchase_completed', { order_id: 'o-1', price: '59.90', currency: 'EUR', items: [], ordered_at: 1 })).toMatchObject({
      reason: 'wrong_type',
      field: 'properties.price',
    });
  });
});
