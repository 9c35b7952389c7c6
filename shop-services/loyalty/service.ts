import {
  customerProfileUpdatedSchema,
  inventoryReservedSchema,
  orderPlacedSchema,
  paymentAuthorizedSchema,
} from '../../lib/events/shop-events.ts';
import { CUSTOMER_DELETED_TYPE } from '../contract-extra.ts';
import { on, onTombstone, type HandlerContext } from '../runtime/handlers.ts';
import type { ServiceContext, ServiceModule } from '../runtime/service.ts';
import { arrive, pointsFor, type GateFact } from './gate.ts';
import { createLoyaltyStore } from './store.ts';

// Loyalty: the second flow, pure choreography with a gate. It listens to facts other services
// publish anyway (OrderPlaced, PaymentAuthorized, InventoryReserved) and awards points once all
// have arrived for an order, in whatever order they come; the customer's tier comes from its
// replica of the compacted profile topic.

export function createLoyaltyService(ctx: ServiceContext): ServiceModule {
  const { db, topics } = ctx;
  const store = createLoyaltyStore(db);

  const pass = (
    orderId: string,
    fact: GateFact,
    h: HandlerContext,
    order?: { customerId: string; total: number },
  ) => {
    h.span.setAttribute('app.order.id', orderId);
    const { state, award } = arrive(store.gate(orderId), orderId, fact, order);
    store.saveGate(state, h.now);
    if (!award) return;
    const points = pointsFor(award.total, store.tier(award.customerId));
    store.award(orderId, award.customerId, points, h.now);
    h.emit({
      topic: topics.loyaltyEvents,
      key: orderId,
      type: 'LoyaltyPointsAwarded',
      saga: null,
      payload: { orderId, customerId: award.customerId, points },
    });
  };

  const handlers = {
    OrderPlaced: on(orderPlacedSchema, (m, h) =>
      pass(m.payload.orderId, 'placed', h, { customerId: m.payload.customerId, total: m.payload.total }),
    ),
    PaymentAuthorized: on(paymentAuthorizedSchema, (m, h) => pass(m.payload.orderId, 'paid', h)),
    InventoryReserved: on(inventoryReservedSchema, (m, h) => pass(m.payload.orderId, 'reserved', h)),
    CustomerProfileUpdated: on(customerProfileUpdatedSchema, (m, h) =>
      store.putProfile(m.payload.customerId, m.payload.name, m.payload.tier, h.now),
    ),
    [CUSTOMER_DELETED_TYPE]: onTombstone((m) => {
      if (m.key) store.deleteProfile(m.key);
    }),
  };

  return {
    consumes: {
      topics: [topics.orderEvents, topics.paymentEvents, topics.inventoryEvents, topics.customerProfiles],
      handlers,
    },
  };
}
