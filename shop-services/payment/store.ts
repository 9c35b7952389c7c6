import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { col, colNum, colOpt, type ServiceDb } from '../runtime/db.ts';

// Payments, owned by the payment service: one row per order, holding only amount, currency and
// the payment-method kind (never card data). The row makes commands idempotent: authorising twice
// charges once, refunding twice refunds once, and a refund that arrives before its authorisation
// voids the order so the late authorisation is declined instead of charging a cancelled order.

export type PaymentStatus = 'authorized' | 'declined' | 'refunded' | 'voided';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS payments (
    order_id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL,
    status TEXT NOT NULL,
    amount REAL NOT NULL,
    currency TEXT NOT NULL,
    method TEXT NOT NULL,
    reason TEXT,
    charges INTEGER NOT NULL DEFAULT 0,
    refunds INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
`;

const statusSchema = z.enum(['authorized', 'declined', 'refunded', 'voided']);

export interface Payment {
  readonly orderId: string;
  readonly paymentId: string;
  readonly status: PaymentStatus;
  readonly amount: number;
  readonly currency: string;
  readonly reason?: string;
  /** How many times money moved: a consistent store has charges ≤ 1 and refunds ≤ charges. */
  readonly charges: number;
  readonly refunds: number;
}

export function createPaymentStore(db: ServiceDb) {
  db.db.exec(SCHEMA);
  const get = db.db.prepare('SELECT * FROM payments WHERE order_id = ?');
  const insert = db.db.prepare(
    `INSERT INTO payments (order_id, payment_id, status, amount, currency, method, reason, charges, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = db.db.prepare(
    'UPDATE payments SET status = ?, refunds = ?, reason = COALESCE(?, reason), updated_at = ? WHERE order_id = ?',
  );

  const read = (orderId: string): Payment | undefined => {
    const row = get.get(orderId);
    if (!row) return undefined;
    const reason = colOpt(row, 'reason');
    return {
      orderId,
      paymentId: col(row, 'payment_id'),
      status: statusSchema.parse(col(row, 'status')),
      amount: colNum(row, 'amount'),
      currency: col(row, 'currency'),
      charges: colNum(row, 'charges'),
      refunds: colNum(row, 'refunds'),
      ...(reason !== undefined && { reason }),
    };
  };

  return {
    get: read,
    record(
      orderId: string,
      outcome: 'authorized' | 'declined',
      p: { amount: number; currency: string; method: string; reason?: string },
      now: number,
    ): Payment {
      const paymentId = randomUUID();
      const charges = outcome === 'authorized' ? 1 : 0;
      insert.run(
        orderId,
        paymentId,
        outcome,
        p.amount,
        p.currency,
        p.method,
        p.reason ?? null,
        charges,
        now,
        now,
      );
      return {
        orderId,
        paymentId,
        status: outcome,
        amount: p.amount,
        currency: p.currency,
        charges,
        refunds: 0,
        ...(p.reason && { reason: p.reason }),
      };
    },
    /** Refunds an authorised payment once; voids an order with no charge. Returns the amount refunded now. */
    refund(orderId: string, amount: number, now: number): { refunded: number; payment: Payment } {
      const p = read(orderId);
      if (!p) {
        // XXX: ISO 4217's "no currency"; the refund command does not carry one and nothing was charged.
        const payment = this.record(
          orderId,
          'declined',
          { amount, currency: 'XXX', method: 'none', reason: 'voided before authorisation' },
          now,
        );
        update.run('voided', 0, null, now, orderId);
        return { refunded: 0, payment: { ...payment, status: 'voided' } };
      }
      if (p.status !== 'authorized') return { refunded: 0, payment: p };
      update.run('refunded', p.refunds + 1, null, now, orderId);
      return { refunded: p.amount, payment: { ...p, status: 'refunded', refunds: p.refunds + 1 } };
    },
  };
}
export type PaymentStore = ReturnType<typeof createPaymentStore>;
