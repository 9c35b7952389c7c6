import { z } from 'zod';
import { col, colNum, colOpt, type Row, type ServiceDb } from '../runtime/db.ts';
import type { PlaceOrderRequest } from './validation.ts';

// The order service's own tables: orders (with the status the saga's outcome sets) and the
// customer profiles it owns and publishes on the compacted `customer.profiles` topic.

export type OrderStatus = 'placed' | 'confirmed' | 'cancelled';
export type CustomerTier = 'standard' | 'gold' | 'platinum';

export interface OrderView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly reason?: string;
  readonly items: { sku: string; qty: number; price: number }[];
  readonly total: number;
  readonly currency: string;
  readonly paymentMethod: string;
  readonly express: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    items TEXT NOT NULL,
    total REAL NOT NULL,
    currency TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    express INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS orders_created ON orders (created_at DESC);
  CREATE TABLE IF NOT EXISTS customers (
    customer_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    orders INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
`;

const itemsSchema = z.array(z.object({ sku: z.string(), qty: z.number(), price: z.number() }));
const statusSchema = z.enum(['placed', 'confirmed', 'cancelled']);

/** Loyalty tiers by number of orders placed. */
export const tierFor = (orders: number): CustomerTier =>
  orders >= 20 ? 'platinum' : orders >= 5 ? 'gold' : 'standard';

export function createOrderStore(db: ServiceDb) {
  db.db.exec(SCHEMA);
  const insertOrder = db.db.prepare(
    `INSERT INTO orders (order_id, customer_id, items, total, currency, payment_method, express, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'placed', ?, ?)`,
  );
  const getOrder = db.db.prepare('SELECT * FROM orders WHERE order_id = ?');
  const listOrders = db.db.prepare(
    'SELECT * FROM orders ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
  );
  const countOrders = db.db.prepare('SELECT COUNT(*) AS n FROM orders');
  // Terminal states never change again: a late or replayed outcome cannot flip an order.
  const setStatus = db.db.prepare(
    "UPDATE orders SET status = ?, reason = ?, updated_at = ? WHERE order_id = ? AND status = 'placed'",
  );
  const getCustomer = db.db.prepare('SELECT * FROM customers WHERE customer_id = ?');
  const insertCustomer = db.db.prepare(
    "INSERT INTO customers (customer_id, name, tier, orders, updated_at) VALUES (?, ?, 'standard', 1, ?)",
  );
  const updateCustomer = db.db.prepare(
    'UPDATE customers SET tier = ?, orders = ?, updated_at = ? WHERE customer_id = ?',
  );
  const deleteCustomer = db.db.prepare('DELETE FROM customers WHERE customer_id = ?');

  const toView = (row: Row): OrderView => {
    const reason = colOpt(row, 'reason');
    return {
      orderId: col(row, 'order_id'),
      customerId: col(row, 'customer_id'),
      status: statusSchema.parse(col(row, 'status')),
      ...(reason !== undefined && { reason }),
      items: itemsSchema.parse(JSON.parse(col(row, 'items'))),
      total: colNum(row, 'total'),
      currency: col(row, 'currency'),
      paymentMethod: col(row, 'payment_method'),
      express: colNum(row, 'express') === 1,
      createdAt: new Date(colNum(row, 'created_at')).toISOString(),
      updatedAt: new Date(colNum(row, 'updated_at')).toISOString(),
    };
  };

  return {
    insertOrder(orderId: string, req: PlaceOrderRequest, total: number, now: number) {
      insertOrder.run(
        orderId,
        req.customerId,
        JSON.stringify(req.items),
        total,
        req.currency,
        req.paymentMethod,
        req.express ? 1 : 0,
        now,
        now,
      );
    },
    getOrder(orderId: string): OrderView | undefined {
      const row = getOrder.get(orderId);
      return row ? toView(row) : undefined;
    },
    listOrders(limit: number, offset: number): { orders: OrderView[]; total: number } {
      return {
        orders: listOrders.all(limit, offset).map(toView),
        total: colNum(countOrders.get() ?? { n: 0 }, 'n'),
      };
    },
    /** Returns true when the order moved out of `placed`. */
    finish(orderId: string, status: 'confirmed' | 'cancelled', reason: string | null, now: number): boolean {
      return Number(setStatus.run(status, reason, now, orderId).changes) > 0;
    },
    /**
     * Counts an order for the customer; returns the profile when it changed (new customer or new
     * tier), i.e. when a CustomerProfileUpdated should be published.
     */
    countOrder(customerId: string, now: number): { name: string; tier: CustomerTier } | undefined {
      const row = getCustomer.get(customerId);
      if (!row) {
        const name = `Customer ${customerId}`;
        insertCustomer.run(customerId, name, now);
        return { name, tier: 'standard' };
      }
      const orders = colNum(row, 'orders') + 1;
      const tier = tierFor(orders);
      updateCustomer.run(tier, orders, now, customerId);
      return tier !== col(row, 'tier') ? { name: col(row, 'name'), tier } : undefined;
    },
    deleteCustomer(customerId: string): boolean {
      return Number(deleteCustomer.run(customerId).changes) > 0;
    },
  };
}
export type OrderStore = ReturnType<typeof createOrderStore>;
