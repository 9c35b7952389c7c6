import { prepareShipmentSchema } from '../../lib/events/shop-events.ts';
import { on } from '../runtime/handlers.ts';
import type { ServiceContext, ServiceModule } from '../runtime/service.ts';
import { createShippingStore } from './store.ts';

// Shipping: prepares a shipment on PrepareShipment and announces ShipmentPrepared (which the
// orchestrator waits for and the notification service reacts to).

export function createShippingService(ctx: ServiceContext): ServiceModule {
  const { db, topics } = ctx;
  const store = createShippingStore(db);
  const handlers = {
    PrepareShipment: on(prepareShipmentSchema, (m, h) => {
      const { orderId, express } = m.payload;
      h.span.setAttribute('app.order.id', orderId);
      const s = store.prepare(orderId, express, h.now);
      h.emit({
        topic: topics.shippingEvents,
        key: orderId,
        type: 'ShipmentPrepared',
        payload: { orderId, shipmentId: s.shipmentId, carrier: s.carrier },
      });
    }),
  };
  return { consumes: { topics: [topics.shippingCommands], handlers } };
}
