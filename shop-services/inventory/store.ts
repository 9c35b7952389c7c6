import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { orderItemSchema } from '../../lib/events/shop-events.ts';
import { col, colNum, colOpt, type ServiceDb } from '../runtime/db.ts';

// Stock and reservations, owned by the inventory service. A reservation row per order is the
// idempotency anchor for commands: reserving twice answers with the first outcome, releasing
// twice restocks once, and a release that arrives before its reservation (a re-ordered retry)
// leaves a `released` row so the late reservation is refused instead of holding stock forever.

/** Stock a SKU starts with the first time the shop sees it. */
export const INITIAL_STOCK = 10_000;

export type ReservationStatus = 'reserved' | 'failed' | 'released';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS stock (
    sku TEXT PRIMARY KEY,
    available INTEGER NOT NULL,
    reserved INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS reservations (
    order_id TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL,
    status TEXT NOT NULL,
    items TEXT NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
`;

const itemsSchema = z.array(orderItemSchema);
const statusSchema = z.enum(['reserved', 'failed', 'released']);
type Item = z.infer<typeof orderItemSchema>;

export interface Reservation {
  readonly orderId: string;
  readonly reservationId: string;
  readonly status: ReservationStatus;
  readonly items: Item[];
  readonly reason?: string;
}

export function createInventoryStore(db: ServiceDb) {
  db.db.exec(SCHEMA);
  const getRes = db.db.prepare('SELECT * FROM reservations WHERE order_id = ?');
  const putRes = db.db.prepare(
    `INSERT INTO reservations (order_id, reservation_id, status, items, reason, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at`,
  );
  const seed = db.db.prepare('INSERT OR IGNORE INTO stock (sku, available) VALUES (?, ?)');
  const available = db.db.prepare('SELECT available FROM stock WHERE sku = ?');
  const take = db.db.prepare(
    'UPDATE stock SET available = available - ?, reserved = reserved + ? WHERE sku = ?',
  );
  const giveBack = db.db.prepare(
    'UPDATE stock SET available = available + ?, reserved = reserved - ? WHERE sku = ?',
  );

  /** Same SKU on several lines counts once with the summed quantity. */
  const demand = (items: readonly Item[]) => {
    const m = new Map<string, number>();
    for (const i of items) m.set(i.sku, (m.get(i.sku) ?? 0) + i.qty);
    return m;
  };

  return {
    get(orderId: string): Reservation | undefined {
      const row = getRes.get(orderId);
      if (!row) return undefined;
      const reason = colOpt(row, 'reason');
      return {
        orderId,
        reservationId: col(row, 'reservation_id'),
        status: statusSchema.parse(col(row, 'status')),
        items: itemsSchema.parse(JSON.parse(col(row, 'items'))),
        ...(reason !== undefined && { reason }),
      };
    },
    /** Reserves all lines or none; returns the shortage reason when stock is short. */
    reserve(orderId: string, items: readonly Item[], now: number): Reservation {
      const need = demand(items);
      for (const [sku, qty] of need) {
        seed.run(sku, INITIAL_STOCK);
        const have = colNum(available.get(sku) ?? { available: 0 }, 'available');
        if (have < qty)
          return this.fail(
            orderId,
            items,
            `insufficient stock for ${sku}: ${have} available, ${qty} requested`,
            now,
          );
      }
      for (const [sku, qty] of need) take.run(qty, qty, sku);
      const reservationId = randomUUID();
      putRes.run(orderId, reservationId, 'reserved', JSON.stringify(items), null, now, now);
      return { orderId, reservationId, status: 'reserved', items: [...items] };
    },
    fail(orderId: string, items: readonly Item[], reason: string, now: number): Reservation {
      const reservationId = randomUUID();
      putRes.run(orderId, reservationId, 'failed', JSON.stringify(items), reason, now, now);
      return { orderId, reservationId, status: 'failed', items: [...items], reason };
    },
    /** Restocks a held reservation once; marks unknown or failed ones released (a guard for late reserves). */
    release(orderId: string, now: number): { restocked: boolean; reservationId?: string } {
      const r = this.get(orderId);
      if (r?.status === 'released') return { restocked: false, reservationId: r.reservationId };
      if (r?.status === 'reserved') {
        for (const [sku, qty] of demand(r.items)) giveBack.run(qty, qty, sku);
        putRes.run(orderId, r.reservationId, 'released', JSON.stringify(r.items), r.reason ?? null, now, now);
        return { restocked: true, reservationId: r.reservationId };
      }
      const reservationId = r?.reservationId ?? randomUUID();
      putRes.run(
        orderId,
        reservationId,
        'released',
        JSON.stringify(r?.items ?? []),
        r?.reason ?? 'released before any reservation',
        now,
        now,
      );
      return { restocked: false, reservationId };
    },
  };
}
export type InventoryStore = ReturnType<typeof createInventoryStore>;
