import {
  orderCancelledSchema,
  orderConfirmedSchema,
  shipmentPreparedSchema,
} from '../../lib/events/shop-events.ts';
import { colNum, type ServiceDb } from '../runtime/db.ts';
import { on, type HandlerContext } from '../runtime/handlers.ts';
import type { ServiceContext, ServiceModule } from '../runtime/service.ts';

// Notification: pure choreography. Nobody commands it; it reacts to facts on `orders.events` and
// `shipping.events`, records what it sent to the customer and announces NotificationSent. One
// notification per order and template, whatever the redeliveries.

type Channel = 'email' | 'sms' | 'push';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS notifications (
    order_id TEXT NOT NULL,
    template TEXT NOT NULL,
    channel TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (order_id, template)
  );
`;

export function createNotificationStore(db: ServiceDb) {
  db.db.exec(SCHEMA);
  const insert = db.db.prepare(
    'INSERT OR IGNORE INTO notifications (order_id, template, channel, created_at) VALUES (?, ?, ?, ?)',
  );
  const count = db.db.prepare('SELECT COUNT(*) AS n FROM notifications WHERE order_id = ?');
  return {
    /** False when this notification was already recorded. */
    record: (orderId: string, template: string, channel: Channel, now: number) =>
      Number(insert.run(orderId, template, channel, now).changes) > 0,
    countFor: (orderId: string) => colNum(count.get(orderId) ?? { n: 0 }, 'n'),
  };
}

export function createNotificationService(ctx: ServiceContext): ServiceModule {
  const { db, topics } = ctx;
  const store = createNotificationStore(db);

  const notify = (orderId: string, template: string, channel: Channel, h: HandlerContext) => {
    h.span.setAttribute('app.order.id', orderId);
    if (!store.record(orderId, template, channel, h.now)) return;
    h.emit({
      topic: topics.notificationEvents,
      key: orderId,
      type: 'NotificationSent',
      saga: null,
      payload: { orderId, channel, template },
    });
  };

  const handlers = {
    OrderConfirmed: on(orderConfirmedSchema, (m, h) =>
      notify(m.payload.orderId, 'order-confirmed', 'email', h),
    ),
    OrderCancelled: on(orderCancelledSchema, (m, h) =>
      notify(m.payload.orderId, 'order-cancelled', 'email', h),
    ),
    ShipmentPrepared: on(shipmentPreparedSchema, (m, h) =>
      notify(m.payload.orderId, 'shipment-prepared', m.payload.carrier === 'express-air' ? 'sms' : 'push', h),
    ),
  };
  return { consumes: { topics: [topics.orderEvents, topics.shippingEvents], handlers } };
}
