import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { z } from 'zod';
import { orderCancelledSchema, orderConfirmedSchema } from '../../lib/events/shop-events.ts';
import { badRequest, notFound } from '../../lib/errors.ts';
import { spanTraceHeaders } from '../../lib/telemetry/messaging.ts';
import { CUSTOMER_DELETED_TYPE } from '../contract-extra.ts';
import { zodDetails } from '../runtime/admin.ts';
import { on } from '../runtime/handlers.ts';
import type { Route } from '../runtime/http.ts';
import { createEmitter } from '../runtime/messages.ts';
import type { ServiceContext, ServiceModule } from '../runtime/service.ts';
import { createOrderStore } from './store.ts';
import { orderTotal, validatePlaceOrder, type PlaceOrderRequest } from './validation.ts';

// The order service: the shop's HTTP front door. Placing an order writes the order and its
// OrderPlaced outbox row in one transaction (and, for a new customer or a new loyalty tier, a
// CustomerProfileUpdated on the compacted profile topic); the relay publishes them. The order's
// status follows the saga's outcome, read back from `orders.events`.

const requestIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/);

/** The caller's X-Request-Id when it is a sane token, a fresh one otherwise. */
const requestIdOf = (req: IncomingMessage) => {
  const parsed = requestIdSchema.safeParse(req.headers['x-request-id']);
  return parsed.success ? parsed.data : randomUUID();
};

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export function createOrderService(ctx: ServiceContext): ServiceModule {
  const { db, outbox, topics, metrics, tracer } = ctx;
  const store = createOrderStore(db);

  /** `requestId` identifies the HTTP request: the cause (ce_causationid) of what the order writes. */
  function placeOrder(req: PlaceOrderRequest, requestId: string, span?: Span): string {
    const orderId = randomUUID();
    const now = Date.now();
    const total = orderTotal(req.items);
    span?.setAttributes({ 'app.order.id': orderId, 'app.order.items.count': req.items.length });
    db.tx(() => {
      store.insertOrder(orderId, req, total, now);
      const emitter = createEmitter({
        service: ctx.name,
        outbox,
        correlationId: orderId,
        causationId: requestId,
        ...(span && { parent: spanTraceHeaders(span), span }),
      });
      emitter.emit({
        topic: topics.orderEvents,
        key: orderId,
        type: 'OrderPlaced',
        payload: {
          orderId,
          customerId: req.customerId,
          items: req.items,
          total,
          currency: req.currency,
          paymentMethod: req.paymentMethod,
          express: req.express ?? false,
          placedAt: new Date(now).toISOString(),
        },
      });
      const profile = store.countOrder(req.customerId, now);
      if (profile)
        emitter.emit({
          topic: topics.customerProfiles,
          key: req.customerId,
          type: 'CustomerProfileUpdated',
          payload: { customerId: req.customerId, name: profile.name, tier: profile.tier },
        });
    });
    metrics.orders.inc({ outcome: 'placed' });
    return orderId;
  }

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: '/orders',
      tracer,
      async handle(req, span) {
        const valid = validatePlaceOrder(await req.json());
        if (!valid.ok) throw valid.error;
        return { status: 202, body: { orderId: placeOrder(valid.value, requestIdOf(req.raw), span) } };
      },
    },
    {
      method: 'GET',
      pattern: '/orders/:id',
      tracer,
      handle(req) {
        const order = store.getOrder(req.params.id ?? '');
        if (!order) throw notFound(`no order ${req.params.id}`);
        return { status: 200, body: order };
      },
    },
    {
      method: 'GET',
      pattern: '/orders',
      tracer,
      handle(req) {
        const q = listQuerySchema.safeParse(Object.fromEntries(req.query));
        if (!q.success) throw badRequest('invalid query', zodDetails(q.error));
        const page = store.listOrders(q.data.limit, q.data.offset);
        const next = q.data.offset + page.orders.length;
        return {
          status: 200,
          body: { orders: page.orders, total: page.total, nextOffset: next < page.total ? next : null },
        };
      },
    },
    {
      method: 'DELETE',
      pattern: '/customers/:id',
      tracer,
      handle(req, span) {
        const customerId = req.params.id ?? '';
        const deleted = db.tx(() => {
          if (!store.deleteCustomer(customerId)) return false;
          createEmitter({
            service: ctx.name,
            outbox,
            causationId: requestIdOf(req.raw),
            ...(span && { parent: spanTraceHeaders(span) }),
          }).tombstone({
            topic: topics.customerProfiles,
            key: customerId,
            type: CUSTOMER_DELETED_TYPE,
            correlationId: customerId,
          });
          return true;
        });
        if (!deleted) throw notFound(`no customer ${customerId}`);
        return { status: 202, body: { customerId, deleted: true } };
      },
    },
  ];

  const handlers = {
    OrderConfirmed: on(orderConfirmedSchema, (m) => {
      if (store.finish(m.payload.orderId, 'confirmed', null, Date.now()))
        db.afterCommit(() => metrics.orders.inc({ outcome: 'confirmed' }));
    }),
    OrderCancelled: on(orderCancelledSchema, (m) => {
      if (store.finish(m.payload.orderId, 'cancelled', m.payload.reason, Date.now()))
        db.afterCommit(() => metrics.orders.inc({ outcome: 'cancelled' }));
    }),
  };

  return { routes, consumes: { topics: [topics.orderEvents], handlers } };
}
