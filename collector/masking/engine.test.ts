import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.ts';
import { createMasker, MASKED } from './engine.ts';
import { DEFAULT_RULES, parseMaskingPolicy, type MaskRule } from './policy.ts';

const VISA = '4111111111111111'; // Luhn-valid test number
const rule = (r: Partial<MaskRule>): MaskRule => ({
  fields: [],
  headers: [],
  detect: [],
  action: 'mask',
  ...r,
});

describe('masking policy engine', () => {
  it('masks the default card and e-mail fields at any depth, and nothing else', () => {
    const m = createMasker({ rules: DEFAULT_RULES });
    const out = m.json('shop.orders', {
      orderId: 'ord-1',
      paymentMethod: 'card',
      card: { cardNumber: VISA, cvv: '123', holder: 'A. Person' },
      customer: { email: 'a.person@example.com', name: 'A. Person' },
      items: [{ sku: 'sku-1', note: `call me at a.person@example.com` }],
    });
    expect(out.value).toEqual({
      orderId: 'ord-1',
      paymentMethod: 'card',
      card: { cardNumber: MASKED, cvv: MASKED, holder: 'A. Person' },
      customer: { email: MASKED, name: 'A. Person' },
      items: [{ sku: 'sku-1', note: `call me at ${MASKED}` }],
    });
    expect(out.masked).toEqual(['card.cardNumber', 'card.cvv', 'customer.email', 'items[].note']);
  });

  it('finds Luhn-valid card numbers in text, grouped or not, but not order numbers or hex ids', () => {
    const m = createMasker({ rules: DEFAULT_RULES });
    expect(m.text('t', `paid with 4111 1111 1111 1111 today`)).toBe(`paid with ${MASKED} today`);
    expect(m.text('t', `pan=4111-1111-1111-1111`)).toBe(`pan=${MASKED}`);
    // Not Luhn-valid, and a 16-digit run inside a hex trace id.
    expect(m.text('t', 'order 4111111111111112')).toBe('order 4111111111111112');
    expect(m.text('t', 'trace 0af7651916cd43dd8448eb211c80319c')).toBe(
      'trace 0af7651916cd43dd8448eb211c80319c',
    );
  });

  it('hashes with a keyed HMAC: stable for one key, different for another, never the value', () => {
    const rules = [rule({ fields: ['email'], action: 'hash' })];
    const a = createMasker({ rules, hashKey: 'k'.repeat(16) });
    const b = createMasker({ rules, hashKey: 'j'.repeat(16) });
    const ha = a.json('t', { email: 'x@y.io' }).value as { email: string };
    expect(ha.email).toMatch(/^hash:[0-9a-f]{16}$/);
    expect((a.json('t', { email: 'x@y.io' }).value as { email: string }).email).toBe(ha.email);
    expect((b.json('t', { email: 'x@y.io' }).value as { email: string }).email).not.toBe(ha.email);
  });

  it('drops fields, matches dotted paths with * and **, and regexes on names', () => {
    const m = createMasker({
      rules: [
        rule({ fields: ['customer.address'], action: 'drop' }),
        rule({ fields: ['**.secret'] }),
        rule({ fields: ['payload.*.token'] }),
        rule({ fields: ['/^ssn$/i'] }),
      ],
    });
    const out = m.json('t', {
      customer: { address: { street: 'x' }, name: 'n' },
      address: 'kept: the path is from the root',
      deep: { er: { secret: 's' } },
      payload: { a: { token: 't', other: 1 }, token: 'kept: one level under payload only' },
      SSN: '123',
    });
    expect(out.value).toEqual({
      customer: { name: 'n' },
      address: 'kept: the path is from the root',
      deep: { er: { secret: MASKED } },
      payload: { a: { token: MASKED, other: 1 }, token: 'kept: one level under payload only' },
      SSN: MASKED,
    });
  });

  it('applies topic-scoped rules only on their topics', () => {
    const m = createMasker({ rules: [rule({ topics: ['crm.*'], fields: ['name'] })] });
    expect(m.json('crm.customers', { name: 'n' }).value).toEqual({ name: MASKED });
    expect(m.json('shop.orders', { name: 'n' }).value).toEqual({ name: 'n' });
    expect(m.applies('shop.orders')).toBe(false);
  });

  it('masks name-matched pairs in JSON cut short by truncation, including a value cut mid-string', () => {
    const m = createMasker({ rules: DEFAULT_RULES });
    const cut = `{"orderId":"o-1","email":"a@b.co","cardNumber":"41111111`;
    const out = m.jsonText('t', cut);
    expect(out.text).toBe(`{"orderId":"o-1","email":"${MASKED}","cardNumber":"${MASKED}"`);
    expect(out.masked).toBe(true);
  });

  it('masks or drops named headers and leaves trace context alone', () => {
    const m = createMasker({
      rules: [...DEFAULT_RULES, rule({ headers: ['x-customer-email'], action: 'drop' })],
    });
    expect(m.header('t', 'X-Customer-Email', 'a@b.co')).toBeNull();
    expect(m.header('t', 'note', 'to a@b.co')).toBe(`to ${MASKED}`);
    const tp = '00-0af7651916cd43dd8448eb211c80319c-4111111111111111-01';
    expect(m.header('t', 'traceparent', tp)).toBe(tp);
  });

  it('stays linear on hostile text (one 256 KB word, runs of digits, thousands of pairs)', () => {
    const m = createMasker({ rules: DEFAULT_RULES });
    const started = Date.now();
    for (const text of [
      'x'.repeat(262_144),
      '1'.repeat(262_144),
      'a@'.repeat(131_072),
      '{"k":1,'.repeat(40_000),
    ]) {
      m.text('t', text);
      m.jsonText('t', text);
    }
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects a policy file with a clear message naming each problem', () => {
    expect(() => parseMaskingPolicy({ rules: [{ fields: ['/[/'] }, { action: 'mask' }] })).toThrow(
      ConfigError,
    );
    try {
      parseMaskingPolicy({ rules: [{ fields: ['/[/'], action: 'blur' }] });
    } catch (err) {
      expect((err as Error).message).toMatch(/rules\.0\.fields\.0: not a valid regex/);
      expect((err as Error).message).toMatch(/rules\.0\.action/);
    }
    expect(parseMaskingPolicy({}).defaults).toBe(true);
  });
});
