import { randomUUID } from 'node:crypto';
import { col, colNum, type ServiceDb } from '../runtime/db.ts';

// Shipments, owned by the shipping service: one per order, so a re-sent PrepareShipment answers
// with the shipment already prepared.

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS shipments (
    order_id TEXT PRIMARY KEY,
    shipment_id TEXT NOT NULL,
    carrier TEXT NOT NULL,
    express INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
`;

export interface Shipment {
  readonly orderId: string;
  readonly shipmentId: string;
  readonly carrier: string;
  readonly express: boolean;
}

export function createShippingStore(db: ServiceDb) {
  db.db.exec(SCHEMA);
  const get = db.db.prepare('SELECT * FROM shipments WHERE order_id = ?');
  const insert = db.db.prepare(
    'INSERT INTO shipments (order_id, shipment_id, carrier, express, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  return {
    prepare(orderId: string, express: boolean, now: number): Shipment {
      const row = get.get(orderId);
      if (row)
        return {
          orderId,
          shipmentId: col(row, 'shipment_id'),
          carrier: col(row, 'carrier'),
          express: colNum(row, 'express') === 1,
        };
      const shipment = {
        orderId,
        shipmentId: randomUUID(),
        carrier: express ? 'express-air' : 'ground',
        express,
      };
      insert.run(orderId, shipment.shipmentId, shipment.carrier, express ? 1 : 0, now);
      return shipment;
    },
  };
}
