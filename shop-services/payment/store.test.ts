import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openServiceDb, type ServiceDb } from '../runtime/db.ts';
import { createPaymentStore, type PaymentStore } from './store.ts';

describe('payment store', () => {
  let dir: string;
  let db: ServiceDb;
  let store: PaymentStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payment-store-'));
    db = openServiceDb(dir, 'payment');
    store = createPaymentStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const card = { amount: 25, currency: 'EUR', method: 'card' };

  it('refunds twice = one refund', () => {
    store.record('o-1', 'authorized', card, 1);
    expect(store.refund('o-1', 25, 2).refunded).toBe(25);
    expect(store.refund('o-1', 25, 3).refunded).toBe(0);
    expect(store.get('o-1')).toMatchObject({ status: 'refunded', charges: 1, refunds: 1 });
  });

  it('a refund before any authorisation voids the order and moves no money', () => {
    const { refunded, payment } = store.refund('o-2', 25, 1);
    expect(refunded).toBe(0);
    expect(payment.status).toBe('voided');
    expect(store.get('o-2')).toMatchObject({ status: 'voided', charges: 0, refunds: 0 });
  });

  it('refunding a declined payment moves no money', () => {
    store.record('o-3', 'declined', { ...card, reason: 'no funds' }, 1);
    expect(store.refund('o-3', 25, 2).refunded).toBe(0);
    expect(store.get('o-3')).toMatchObject({
      status: 'declined',
      charges: 0,
      refunds: 0,
      reason: 'no funds',
    });
  });
});
