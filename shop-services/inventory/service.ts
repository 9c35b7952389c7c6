import { releaseInventorySchema } from '../../lib/events/shop-events.ts';
import { reserveInventoryCommandSchema } from '../contract-extra.ts';
import { customerHook } from '../runtime/faults.ts';
import { on } from '../runtime/handlers.ts';
import type { ServiceContext, ServiceModule } from '../runtime/service.ts';
import { createInventoryStore } from './store.ts';

// Inventory: handles ReserveInventory / ReleaseInventory from the orchestrator and answers on
// `inventory.events`. A repeated command (a deadline re-send) gets the same answer again without a
// second effect. Shortages come from real stock, the shortage-rate fault, or `shortage-` customers.

export function createInventoryService(ctx: ServiceContext): ServiceModule {
  const { db, topics, faults } = ctx;
  const store = createInventoryStore(db);

  const handlers = {
    ReserveInventory: on(reserveInventoryCommandSchema, (m, h) => {
      const { orderId, items, customerId } = m.payload;
      h.span.setAttribute('app.order.id', orderId);
      let r = store.get(orderId);
      if (!r) {
        const forced =
          customerHook(customerId) === 'shortage' || faults.roll(faults.get().inventoryShortageRate);
        r = forced
          ? store.fail(orderId, items, `insufficient stock for ${items[0]?.sku ?? 'item'}`, h.now)
          : store.reserve(orderId, items, h.now);
      }
      if (r.status === 'reserved')
        h.emit({
          topic: topics.inventoryEvents,
          key: orderId,
          type: 'InventoryReserved',
          payload: { orderId, reservationId: r.reservationId, items: r.items },
        });
      else
        h.emit({
          topic: topics.inventoryEvents,
          key: orderId,
          type: 'InventoryReservationFailed',
          payload: {
            orderId,
            reason:
              r.status === 'released' ? 'order was already released' : (r.reason ?? 'insufficient stock'),
          },
        });
    }),
    ReleaseInventory: on(releaseInventorySchema, (m, h) => {
      const { orderId } = m.payload;
      h.span.setAttribute('app.order.id', orderId);
      const released = store.release(orderId, h.now);
      h.emit({
        topic: topics.inventoryEvents,
        key: orderId,
        type: 'InventoryReleased',
        payload: { orderId, ...(released.reservationId && { reservationId: released.reservationId }) },
      });
    }),
  };

  return { consumes: { topics: [topics.inventoryCommands], handlers } };
}
