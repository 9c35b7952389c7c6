import { z } from 'zod';
import { col, colNum, colOpt, colNumOpt, type ServiceDb } from '../runtime/db.ts';
import type { GateFact, GateState, Tier } from './gate.ts';

// Loyalty's own data: the gate per order, the points ledger, and a local replica of customer
// profiles built from the compacted `customer.profiles` topic (event-carried state transfer; a
// tombstone deletes the replica row, as compaction eventually deletes the key).

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS gates (
    order_id TEXT PRIMARY KEY,
    customer_id TEXT,
    total REAL,
    facts TEXT NOT NULL,
    awarded INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS points (
    order_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    points INTEGER NOT NULL,
    awarded_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS profiles (
    customer_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
`;

const factsSchema = z.array(z.enum(['placed', 'paid', 'reserved']));
const tierSchema = z.enum(['standard', 'gold', 'platinum']);

export function createLoyaltyStore(db: ServiceDb) {
  db.db.exec(SCHEMA);
  const getGate = db.db.prepare('SELECT * FROM gates WHERE order_id = ?');
  const putGate = db.db.prepare(
    `INSERT INTO gates (order_id, customer_id, total, facts, awarded, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (order_id) DO UPDATE SET customer_id = excluded.customer_id, total = excluded.total,
       facts = excluded.facts, awarded = excluded.awarded, updated_at = excluded.updated_at`,
  );
  const addPoints = db.db.prepare(
    'INSERT OR IGNORE INTO points (order_id, customer_id, points, awarded_at) VALUES (?, ?, ?, ?)',
  );
  const getTier = db.db.prepare('SELECT tier FROM profiles WHERE customer_id = ?');
  const putProfile = db.db.prepare(
    `INSERT INTO profiles (customer_id, name, tier, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, tier = excluded.tier, updated_at = excluded.updated_at`,
  );
  const deleteProfile = db.db.prepare('DELETE FROM profiles WHERE customer_id = ?');

  return {
    gate(orderId: string): GateState | undefined {
      const row = getGate.get(orderId);
      if (!row) return undefined;
      const customerId = colOpt(row, 'customer_id');
      const total = colNumOpt(row, 'total');
      return {
        orderId,
        facts: factsSchema.parse(JSON.parse(col(row, 'facts'))) satisfies GateFact[],
        awarded: colNum(row, 'awarded') === 1,
        ...(customerId !== undefined && { customerId }),
        ...(total !== undefined && { total }),
      };
    },
    saveGate(g: GateState, now: number) {
      putGate.run(
        g.orderId,
        g.customerId ?? null,
        g.total ?? null,
        JSON.stringify(g.facts),
        g.awarded ? 1 : 0,
        now,
      );
    },
    award(orderId: string, customerId: string, points: number, now: number) {
      addPoints.run(orderId, customerId, points, now);
    },
    tier(customerId: string): Tier | undefined {
      const row = getTier.get(customerId);
      return row ? tierSchema.parse(col(row, 'tier')) : undefined;
    },
    putProfile(customerId: string, name: string, tier: Tier, now: number) {
      putProfile.run(customerId, name, tier, now);
    },
    deleteProfile(customerId: string) {
      deleteProfile.run(customerId);
    },
  };
}
