import { beforeAll, describe, expect, it } from 'vitest';
import type { PropertiesVerdict } from '../../../src/domain/quality.js';
import { DEFAULT_PII_PATTERNS, loadTrackingPlan, type TrackingPlan } from '../../../src/quality/plan/index.js';
import { planDir, record } from './plan-dir.js';

const item = record('Item', [
  { name: 'sku', type: 'string' },
  { name: 'qty', type: 'int' },
  { name: 'note', type: ['null', 'string'], default: null },
]);

const v1Fields = [
  { name: 'order_id', type: 'string' },
  { name: 'price', type: 'double' },
  { name: 'quantity', type: 'int' },
  { name: 'total_cents', type: 'long' },
  { name: 'ratio', type: 'float' },
  { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['USD', 'EUR'] } },
  { name: 'coupon', type: ['null', 'string'], default: null },
  { name: 'items', type: { type: 'array', items: item } },
  { name: 'ordered_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  { name: 'channel', type: 'string', aliases: ['source'] },
];
const v2Fields = [
  ...v1Fields,
  { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['basic', 'gold'], default: 'basic' }, default: 'basic' },
  { name: 'discount', type: 'double', default: 0 },
  { name: 'gift', type: 'boolean', default: false },
  { name: 'attributes', type: { type: 'map', values: 'string' }, default: {} },
  {
    name: 'shipping',
    type: ['null', record('Address', [{ name: 'city', type: 'string' }, { name: 'country', type: 'string' }])],
    default: null,
  },
  { name: 'billing', type: ['null', 'Address'], default: null },
  { name: 'code', type: { type: 'fixed', name: 'Code', size: 3 }, default: 'abc' },
  { name: 'ext_id', type: ['null', 'long', 'string'], default: null },
  { name: 'email', type: ['null', 'string'], default: null, pii: true },
  {
    name: 'contact',
    type: ['null', record('Contact', [{ name: 'phone', type: 'string' }, { name: 'name', type: 'string' }])],
    default: null,
    pii: true,
  },
];

/** A late event from an app still on v1: none of v2's fields. */
const v1Event = {
  order_id: 'o-1',
  price: 12.99,
  quantity: 2,
  total_cents: 2598,
  ratio: 0.5,
  currency: 'EUR',
  items: [
    { sku: 'sku-1', qty: 1 },
    { sku: 'sku-2', qty: 1, note: 'gift wrap' },
  ],
  ordered_at: 1763780400000,
  channel: 'web',
};
const base = { ...v1Event, tier: 'gold', discount: 1.5, gift: true, attributes: { color: 'red' }, shipping: { city: 'Lyon', country: 'FR' } };

function dir(): string {
  return planDir({
    'purchase_completed/1.avsc': record('PurchaseCompleted', v1Fields),
    'purchase_completed/2.avsc': record('PurchaseCompleted', v2Fields),
    'tree_node/1.avsc': record('TreeNode', [
      { name: 'name', type: 'string' },
      { name: 'children', type: { type: 'array', items: 'TreeNode' }, default: [] },
    ]),
    'prototype_names/1.avsc': record('PrototypeNames', [{ name: 'constructor', type: 'string' }]),
  });
}

let plan: TrackingPlan;
beforeAll(async () => {
  plan = await loadTrackingPlan(dir());
});

const ok: PropertiesVerdict = { ok: true };

function bad(reason: string, field: string, detail?: string): unknown {
  return { ok: false, reason, field, detail: detail ?? expect.stringContaining(`${field} `) };
}

describe('TrackingPlan.check: Avro rules on plain JSON properties (latest version)', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    ['a complete event', base, ok],
    ['a late v1 event: fields added in v2 have defaults, so they may be missing', v1Event, ok],
    ['null in a ["null","string"] union', { ...base, coupon: null }, ok],
    ['a string in a ["null","string"] union (plain JSON, not {"string": …})', { ...base, coupon: 'WELCOME10' }, ok],
    ['an integer where a double is declared', { ...base, price: 12 }, ok],
    ['a long beyond 2^32', { ...base, total_cents: 2 ** 40 }, ok],
    ['timestamp-millis as epoch milliseconds', { ...base, ordered_at: 0 }, ok],
    ['an enum symbol', { ...base, currency: 'USD' }, ok],
    ['an unknown symbol of an enum with a default (Avro reads it as the default)', { ...base, tier: 'platinum' }, ok],
    ['a field under its alias', { ...v1Event, channel: undefined, source: 'ios' }, ok],
    ['properties the schema does not declare', { ...base, experiment: 'checkout-b', items: [{ sku: 'a', qty: 1, extra: { x: 1 } }] }, ok],
    ['a map of strings', { ...base, attributes: { color: 'red', 'dark mode': 'on' } }, ok],
    ['an empty array', { ...base, items: [] }, ok],
    ['a record referenced by name', { ...base, billing: { city: 'Paris', country: 'FR' } }, ok],
    ['either branch of ["null","long","string"]', { ...base, ext_id: 'A-1' }, ok],
    ['a fixed of the right size', { ...base, code: 'xyz' }, ok],
    ['an e-mail in a field declared "pii": true', { ...base, email: 'ann@example.com' }, ok],
    ['a phone number inside a record declared "pii": true', { ...base, contact: { phone: '+33 6 12 34 56 78', name: 'Ann' } }, ok],
  ])('valid: %s', (_, properties, expected) => {
    expect(plan.check('purchase_completed', properties)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, unknown]>([
    [
      'a missing field without default',
      { ...base, order_id: undefined },
      bad('missing_field', 'properties.order_id', 'properties.order_id is missing and has no default (purchase_completed v2)'),
    ],
    ['a missing field inside an array item', { ...base, items: [{ sku: 'a', qty: 1 }, { qty: 1 }] }, bad('missing_field', 'properties.items[1].sku')],
    [
      'a string where a double is declared',
      { ...base, price: '12.99' },
      bad('wrong_type', 'properties.price', 'properties.price should be double, got a string (purchase_completed v2)'),
    ],
    ['1.5 for an int', { ...base, quantity: 1.5 }, bad('wrong_type', 'properties.quantity', 'properties.quantity should be int, got 1.5 (purchase_completed v2)')],
    ['2^31 for an int (out of range)', { ...base, quantity: 2 ** 31 }, bad('wrong_type', 'properties.quantity')],
    ['1.5 for a long', { ...base, total_cents: 1.5 }, bad('wrong_type', 'properties.total_cents', 'properties.total_cents should be long, got 1.5 (purchase_completed v2)')],
    ['a string for a float', { ...base, ratio: '0.5' }, bad('wrong_type', 'properties.ratio', 'properties.ratio should be float, got a string (purchase_completed v2)')],
    ['null for a field that is not a union with null', { ...base, price: null }, bad('wrong_type', 'properties.price', 'properties.price should be double, got null (purchase_completed v2)')],
    ['a number in a ["null","string"] union', { ...base, coupon: 5 }, bad('wrong_type', 'properties.coupon', 'properties.coupon should be null | string, got 5 (purchase_completed v2)')],
    [
      'an unknown symbol of an enum without default',
      { ...base, currency: 'BTC' },
      bad('wrong_type', 'properties.currency', 'properties.currency should be one of enum Currency (USD, EUR), got "BTC" (purchase_completed v2)'),
    ],
    ['a number for an enum', { ...base, currency: 1 }, bad('wrong_type', 'properties.currency', 'properties.currency should be enum Currency, got 1 (purchase_completed v2)')],
    ['a wrong type inside a nested record', { ...base, shipping: { city: 5, country: 'FR' } }, bad('wrong_type', 'properties.shipping.city', 'properties.shipping.city should be string, got 5 (purchase_completed v2)')],
    ['a wrong type in a record referenced by name', { ...base, billing: { city: 'Lyon', country: 33 } }, bad('wrong_type', 'properties.billing.country')],
    ['a string for a nullable record', { ...base, shipping: 'Lyon' }, bad('wrong_type', 'properties.shipping', 'properties.shipping should be null | record Address, got a string (purchase_completed v2)')],
    ['an object for an array', { ...base, items: { sku: 'a' } }, bad('wrong_type', 'properties.items', 'properties.items should be array<record Item>, got an object (purchase_completed v2)')],
    ['a string for an int inside an array item', { ...base, items: [{ sku: 'a', qty: '2' }] }, bad('wrong_type', 'properties.items[0].qty')],
    ['a number in a map of strings', { ...base, attributes: { color: 5 } }, bad('wrong_type', 'properties.attributes.color')],
    ['a number in a map, under an odd key', { ...base, attributes: { 'dark mode': true } }, bad('wrong_type', 'properties.attributes["dark mode"]')],
    [
      'an ISO string for timestamp-millis',
      { ...base, ordered_at: '2026-11-22T03:00:00Z' },
      bad('wrong_type', 'properties.ordered_at', 'properties.ordered_at should be long (timestamp-millis), got a string (purchase_completed v2)'),
    ],
    ['a fixed of the wrong size', { ...base, code: 'abcd' }, bad('wrong_type', 'properties.code', 'properties.code should be fixed Code(3), got a string (purchase_completed v2)')],
    ['"true" for a boolean', { ...base, gift: 'true' }, bad('wrong_type', 'properties.gift', 'properties.gift should be boolean, got a string (purchase_completed v2)')],
    ['a boolean for ["null","long","string"]', { ...base, ext_id: true }, bad('wrong_type', 'properties.ext_id', 'properties.ext_id should be null | long | string, got true (purchase_completed v2)')],
  ])('invalid: %s', (_, properties, expected) => {
    expect(plan.check('purchase_completed', properties)).toEqual(expected);
  });

  it('names an unknown event', () => {
    expect(plan.check('purchase_complete', base)).toEqual({
      ok: false,
      reason: 'unknown_event',
      detail: 'event "purchase_complete" is not in the tracking plan (3 events); add <plan>/purchase_complete/1.avsc or fix the name',
    });
  });

  it('needs properties to be an object', () => {
    expect(plan.check('purchase_completed', undefined)).toEqual(bad('missing_field', 'properties', 'properties is missing (purchase_completed v2)'));
    expect(plan.check('purchase_completed', [base])).toEqual(
      bad('wrong_type', 'properties', 'properties should be record PurchaseCompleted, got an array (purchase_completed v2)'),
    );
  });

  it('is not fooled by names every object inherits', () => {
    expect(plan.check('prototype_names', {})).toEqual(bad('missing_field', 'properties.constructor'));
    expect(plan.check('prototype_names', { constructor: 'x' })).toEqual(ok);
  });

  it('follows recursive schemas and stops, without throwing, at absurd depth', () => {
    const tree = (depth: number): Record<string, unknown> => (depth === 0 ? { name: 'leaf' } : { name: `n${depth}`, children: [tree(depth - 1)] });
    expect(plan.check('tree_node', tree(20))).toEqual(ok);
    const deep = tree(5);
    let leaf: unknown = deep;
    for (let i = 0; i < 5; i++) leaf = (leaf as { children: unknown[] }).children[0];
    (leaf as Record<string, unknown>)['name'] = 7;
    expect(plan.check('tree_node', deep)).toEqual(bad('wrong_type', 'properties.children[0].children[0].children[0].children[0].children[0].name'));
    const verdict = plan.check('tree_node', tree(2000));
    expect(verdict).toMatchObject({ ok: false, reason: 'wrong_type', detail: expect.stringContaining('nested deeper than 128 levels') });
    let extra: unknown = 'x';
    for (let i = 0; i < 100_000; i++) extra = [extra];
    expect(plan.check('tree_node', { name: 'root', debug: extra })).toEqual(ok);
  });
});

describe('TrackingPlan.check: personal data in properties', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['an e-mail in a declared string field', { ...base, coupon: 'bob@example.com' }, 'properties.coupon', 'an e-mail address'],
    ['an e-mail inside free text', { ...base, coupon: 'send it to bob.smith+shop@mail.example.co.uk thanks' }, 'properties.coupon', 'an e-mail address'],
    ['a phone number in a nested record field', { ...base, items: [{ sku: 'a', qty: 1, note: 'call (415) 555-0100' }, { sku: '+1 415 555 0100', qty: 1 }] }, 'properties.items[1].sku', 'a phone number'],
    ['an e-mail in a property the schema does not declare', { ...base, user_email: 'bob@example.com' }, 'properties.user_email', 'an e-mail address'],
    ['a phone number deep in an undeclared property', { ...base, debug: { contacts: ['+44 20 7946 0958'] } }, 'properties.debug.contacts[0]', 'a phone number'],
    ['an undeclared property inside a nested record', { ...base, shipping: { city: 'Lyon', country: 'FR', phone: '06 12 34 56 78' } }, 'properties.shipping.phone', 'a phone number'],
    ['an e-mail as a map value', { ...base, attributes: { owner: 'ann@example.com' } }, 'properties.attributes.owner', 'an e-mail address'],
  ])('flags %s', (_, properties, field, looksLike) => {
    expect(plan.check('purchase_completed', properties)).toEqual({
      ok: false,
      reason: 'pii_in_properties',
      field,
      detail: `${field} looks like ${looksLike} and the field is not declared "pii": true (purchase_completed v2)`,
    });
  });

  it.each([
    '2026-11-22',
    '2026-11-22T03:00:00.123+01:00',
    '22-11-2026',
    '10.15.7',
    '10.0.19041.1234',
    '5.7.9-beta.1',
    '1299.99',
    '$1,234,567.89',
    '550e8400-e29b-41d4-a716-446655440000',
    '12345678-1234-1234-1234-123456789012',
    '1763780400000',
    '0612345678',
    '192.168.100.200',
    '@scope/pkg@1.2.3',
    'ORD-2026-000123',
  ])('does not flag %s', (value) => {
    expect(plan.check('purchase_completed', { ...base, coupon: value, extra_note: value })).toEqual(ok);
  });

  it('is off with pii.enabled: false', async () => {
    const quiet = await loadTrackingPlan(dir(), { pii: { enabled: false } });
    expect(quiet.check('purchase_completed', { ...base, coupon: 'bob@example.com', phone: '+14155550100' })).toEqual(ok);
    expect(quiet.check('purchase_completed', { ...base, price: 'x' })).toMatchObject({ ok: false, reason: 'wrong_type' });
  });

  it('uses the configured patterns, with or without the defaults', async () => {
    const ssn = /\b\d{3}-\d{2}-\d{4}\b/g;
    const only = await loadTrackingPlan(dir(), { pii: { patterns: [ssn] } });
    expect(only.check('purchase_completed', { ...base, coupon: 'bob@example.com' })).toEqual(ok);
    // The g flag would make every other test() miss: both must be flagged.
    for (let i = 0; i < 2; i++) {
      expect(only.check('purchase_completed', { ...base, coupon: 'ssn 123-45-6789' })).toEqual({
        ok: false,
        reason: 'pii_in_properties',
        field: 'properties.coupon',
        detail: `properties.coupon looks like a value matching ${String(ssn)} and the field is not declared "pii": true (purchase_completed v2)`,
      });
    }
    const both = await loadTrackingPlan(dir(), { pii: { patterns: [...DEFAULT_PII_PATTERNS, ssn] } });
    expect(both.check('purchase_completed', { ...base, coupon: 'bob@example.com' })).toMatchObject({ reason: 'pii_in_properties' });
    expect(both.check('purchase_completed', { ...base, coupon: '123-45-6789' })).toMatchObject({ reason: 'pii_in_properties' });
  });
});
