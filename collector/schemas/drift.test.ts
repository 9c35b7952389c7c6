import { describe, expect, it } from 'vitest';
import { createDriftTracker, inferShape } from './drift.ts';

describe('schema drift', () => {
  const v1 = { key: 'id:101', label: 'id 101 (payments-value v1)' };
  const v2 = { key: 'id:102', label: 'id 102 (payments-value v2)' };
  const v3 = { key: 'id:103', label: 'id 103 (payments-value v3)' };

  it('flags a new schema id once, and an incompatible one with what changed', () => {
    const d = createDriftTracker();
    expect(d.observe('pay', 'PaymentAuthorized', v1, { orderId: 'o', amount: 1, email: 'e' })).toBeNull();
    expect(d.observe('pay', 'PaymentAuthorized', v1, { orderId: 'o', amount: 2, email: 'e' })).toBeNull();
    expect(
      d.observe('pay', 'PaymentAuthorized', v2, { orderId: 'o', amount: 1, email: 'e', method: 'card' }),
    ).toEqual({
      change: 'schema_changed',
      detail: 'new schema id 102 (payments-value v2) after id 101 (payments-value v1)',
    });
    expect(
      d.observe('pay', 'PaymentAuthorized', v2, { orderId: 'o', amount: 1, email: 'e', method: null }),
    ).toBeNull();
    expect(d.observe('pay', 'PaymentAuthorized', v3, { orderId: 'o', amount: '1.00' })).toEqual({
      change: 'schema_incompatible',
      detail:
        'id 103 (payments-value v3) after id 102 (payments-value v2): amount number → string; email removed; method removed',
    });
    // Going back to a version already seen is not news; another event type has its own history.
    expect(d.observe('pay', 'PaymentAuthorized', v1, { orderId: 'o', amount: 1, email: 'e' })).toBeNull();
    expect(d.observe('pay', 'PaymentRefunded', v3, { orderId: 'o', amount: '1.00' })).toBeNull();
  });

  it('answers the same for a record seen twice (the live tail decodes it too)', () => {
    const d = createDriftTracker();
    expect(d.observe('pay', 'P', v1, { a: 1 }, '0:1')).toBeNull();
    const flag = d.observe('pay', 'P', v2, { a: 1 }, '0:2');
    expect(flag?.change).toBe('schema_changed');
    expect(d.observe('pay', 'P', v2, { a: 1 }, '0:2')).toEqual(flag);
    expect(d.observe('pay', 'P', v2, { a: 1 }, '0:3')).toBeNull();
  });

  it('flags a changed field type in schemaless JSON, not fields that come and go', () => {
    const d = createDriftTracker();
    expect(
      d.observe('orders', 'OrderPlaced', null, { orderId: 'o', total: 10, items: [{ sku: 'a' }] }),
    ).toBeNull();
    expect(d.observe('orders', 'OrderPlaced', null, { orderId: 'o', total: 10, note: 'x' })).toBeNull();
    expect(
      d.observe('orders', 'OrderPlaced', null, { orderId: 'o', total: '10', items: [{ sku: 5 }] }),
    ).toEqual({
      change: 'schema_incompatible',
      detail: 'shape changed: total number → string; items[].sku string → number',
    });
  });

  it('infers a bounded shape', () => {
    expect([...inferShape({ a: { b: [1, { c: null }] }, d: true })]).toEqual([
      ['a', 'object'],
      ['a.b', 'array'],
      ['a.b[]', 'number'],
      ['d', 'boolean'],
    ]);
  });
});
