import { describe, expect, it } from 'vitest';
import { orderTotal, validatePlaceOrder } from './validation.ts';

const good = {
  customerId: 'cust-1',
  items: [{ sku: 'sku-1', qty: 2, price: 9.99 }],
  currency: 'EUR',
  paymentMethod: 'card',
};

describe('order validation', () => {
  it('accepts a well-formed order', () => {
    expect(validatePlaceOrder(good)).toMatchObject({ ok: true, value: good });
    expect(validatePlaceOrder({ ...good, express: true })).toMatchObject({ ok: true });
  });

  it.each([
    [
      'a negative quantity',
      { ...good, items: [{ sku: 's', qty: -1, price: 1 }] },
      'items.0.qty',
      'qty must be at least 1',
    ],
    [
      'a quantity of the wrong type',
      { ...good, items: [{ sku: 's', qty: '2', price: 1 }] },
      'items.0.qty',
      'qty must be a number',
    ],
    [
      'a customer id of the wrong type',
      { ...good, customerId: 42 },
      'customerId',
      'customerId must be a string',
    ],
    ['no items', { ...good, items: [] }, 'items', 'items must contain at least one item'],
    ['a lowercase currency', { ...good, currency: 'eur' }, 'currency', 'three-letter code'],
    [
      'an unknown payment method',
      { ...good, paymentMethod: 'cash' },
      'paymentMethod',
      'card, wallet or bank-transfer',
    ],
    ['card data', { ...good, cardNumber: '4111111111111111' }, '(body)', 'cardNumber'],
    ['an array body', [good], '(body)', 'object'],
  ])('rejects %s with a 400 naming the field', (_what, body, path, message) => {
    const r = validatePlaceOrder(body);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.statusCode).toBe(400);
    expect(r.error.message).toContain(path);
    expect(r.error.details?.[0]?.path).toBe(path);
    expect(r.error.message).toContain(message);
  });

  it('adds money in minor units', () => {
    expect(
      orderTotal([
        { qty: 1, price: 0.1 },
        { qty: 1, price: 0.2 },
      ]),
    ).toBe(0.3);
    expect(orderTotal([{ qty: 3, price: 19.99 }])).toBe(59.97);
  });
});
