import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import {
  inventoryReleasedSchema,
  inventoryReservationFailedSchema,
  inventoryReservedSchema,
  orderPlacedSchema,
  paymentAuthorizedSchema,
  paymentDeclinedSchema,
  paymentRefundedSchema,
  shipmentPreparedSchema,
} from '../../lib/events/shop-events.ts';
import { ORDER_SAGA_TYPE } from '../../lib/events/shop-topics.ts';
import { contextFromTraceparent, spanTraceHeaders } from '../../lib/telemetry/messaging.ts';
import { on, type HandlerContext } from '../runtime/handlers.ts';
import { createEmitter, type Emitter } from '../runtime/messages.ts';
import type { ServiceContext, ServiceModule } from '../runtime/service.ts';
import {
  COMPENSATION_ATTEMPTS,
  advance,
  startSaga,
  type SagaData,
  type SagaEffect,
  type SagaInput,
  type SagaStep,
  type Transition,
} from './saga.ts';
import { createSagaStore } from './store.ts';

// The orchestrator: runs the order-fulfilment saga (saga.ts) against the participants. Each
// reply is one transaction: load the saga, advance it, save it, and write its commands, its
// SagaStateChanged records (so the saga is visible from outside) and the order's outcome to the
// outbox. A timer drives step deadlines. It assumes one orchestrator instance per namespace.

export function createOrchestratorService(ctx: ServiceContext): ServiceModule {
  const { db, outbox, topics, tracer, config } = ctx;
  const log = ctx.logger.child({ component: 'saga' });
  const store = createSagaStore(db);
  const deadlineMs = config.SHOP_STEP_DEADLINE_MS;
  let timer: NodeJS.Timeout | undefined;

  function emitCommand(
    emitter: Emitter,
    saga: SagaData,
    type: Extract<SagaEffect, { kind: 'command' }>['type'],
    step: SagaStep,
  ) {
    const { orderId } = saga.order;
    const base = { key: orderId, saga: { id: saga.sagaId, type: ORDER_SAGA_TYPE, step } };
    const o = saga.order;
    switch (type) {
      case 'ReserveInventory':
        return emitter.emit({
          ...base,
          topic: topics.inventoryCommands,
          type,
          payload: { orderId, items: o.items, customerId: o.customerId },
        });
      case 'ReleaseInventory':
        return emitter.emit({
          ...base,
          topic: topics.inventoryCommands,
          type,
          payload: { orderId, ...(saga.reservationId && { reservationId: saga.reservationId }) },
        });
      case 'AuthorizePayment':
        return emitter.emit({
          ...base,
          topic: topics.paymentCommands,
          type,
          payload: {
            orderId,
            amount: o.total,
            currency: o.currency,
            paymentMethod: o.paymentMethod,
            customerId: o.customerId,
          },
        });
      case 'RefundPayment':
        return emitter.emit({
          ...base,
          topic: topics.paymentCommands,
          type,
          payload: { orderId, amount: o.total, ...(saga.paymentId && { paymentId: saga.paymentId }) },
        });
      case 'PrepareShipment':
        return emitter.emit({
          ...base,
          topic: topics.shippingCommands,
          type,
          payload: { orderId, express: o.express },
        });
    }
  }

  /** Writes a transition's effects and the saga itself; runs inside the caller's transaction. */
  function apply(t: Transition, emitter: Emitter, now: number, traceparent: string | undefined) {
    const { saga } = t;
    const { orderId } = saga.order;
    const at = new Date(now).toISOString();
    let lastCommandId: string | undefined;
    for (const e of t.effects) {
      if (e.kind === 'command') lastCommandId = emitCommand(emitter, saga, e.type, e.step);
      else if (e.kind === 'state') {
        const waiting =
          e.stepStatus === 'STARTED' || e.stepStatus === 'COMPENSATING' || e.stepStatus === 'TIMED_OUT';
        emitter.emit({
          topic: topics.sagaOrderFulfilment,
          key: orderId,
          type: 'SagaStateChanged',
          saga: { id: saga.sagaId, type: ORDER_SAGA_TYPE, step: e.step },
          payload: {
            sagaId: saga.sagaId,
            sagaType: ORDER_SAGA_TYPE,
            orderId,
            state: saga.state,
            step: e.step,
            stepStatus: e.stepStatus,
            ...(e.reason && { reason: e.reason.slice(0, 500) }),
            ...(waiting && saga.deadlineAt !== null && { deadline: new Date(saga.deadlineAt).toISOString() }),
            at,
          },
        });
      } else {
        const sagaRef = { id: saga.sagaId, type: ORDER_SAGA_TYPE, step: saga.step };
        if (e.type === 'OrderConfirmed')
          emitter.emit({
            topic: topics.orderEvents,
            key: orderId,
            type: e.type,
            saga: sagaRef,
            payload: { orderId, confirmedAt: at },
          });
        else
          emitter.emit({
            topic: topics.orderEvents,
            key: orderId,
            type: e.type,
            saga: sagaRef,
            payload: { orderId, reason: (e.reason ?? 'cancelled').slice(0, 500), cancelledAt: at },
          });
      }
    }
    store.save(saga, now, lastCommandId, traceparent);
  }

  const reply = (orderId: string, input: SagaInput, h: HandlerContext) => {
    const stored = store.get(orderId);
    if (!stored) {
      log.warn({ orderId, reply: input.kind }, 'reply for an order without a saga; ignored');
      return;
    }
    const t = advance(stored.saga, input, h.now, deadlineMs);
    if (!t) {
      log.debug(
        { orderId, reply: input.kind, state: stored.saga.state, step: stored.saga.step },
        'late or duplicate reply; ignored',
      );
      return;
    }
    h.span.setAttributes({
      'app.order.id': orderId,
      'app.saga.state': t.saga.state,
      'app.saga.step': t.saga.step,
    });
    apply(t, h, h.now, spanTraceHeaders(h.span).traceparent);
  };

  const handlers = {
    OrderPlaced: on(orderPlacedSchema, (m, h) => {
      const p = m.payload;
      if (store.get(p.orderId)) return;
      const order = {
        orderId: p.orderId,
        customerId: p.customerId,
        items: p.items,
        total: p.total,
        currency: p.currency,
        paymentMethod: p.paymentMethod,
        express: p.express,
      };
      const t = startSaga(randomUUID(), order, h.now, deadlineMs);
      h.span.setAttributes({ 'app.order.id': p.orderId, 'app.saga.id': t.saga.sagaId });
      apply(t, h, h.now, spanTraceHeaders(h.span).traceparent);
    }),
    InventoryReserved: on(inventoryReservedSchema, (m, h) =>
      reply(m.payload.orderId, { kind: 'InventoryReserved', reservationId: m.payload.reservationId }, h),
    ),
    InventoryReservationFailed: on(inventoryReservationFailedSchema, (m, h) =>
      reply(m.payload.orderId, { kind: 'InventoryReservationFailed', reason: m.payload.reason }, h),
    ),
    InventoryReleased: on(inventoryReleasedSchema, (m, h) =>
      reply(m.payload.orderId, { kind: 'InventoryReleased' }, h),
    ),
    PaymentAuthorized: on(paymentAuthorizedSchema, (m, h) =>
      reply(m.payload.orderId, { kind: 'PaymentAuthorized', paymentId: m.payload.paymentId }, h),
    ),
    PaymentDeclined: on(paymentDeclinedSchema, (m, h) =>
      reply(m.payload.orderId, { kind: 'PaymentDeclined', reason: m.payload.reason }, h),
    ),
    PaymentRefunded: on(paymentRefundedSchema, (m, h) =>
      reply(m.payload.orderId, { kind: 'PaymentRefunded' }, h),
    ),
    ShipmentPrepared: on(shipmentPreparedSchema, (m, h) =>
      reply(m.payload.orderId, { kind: 'ShipmentPrepared' }, h),
    ),
  };

  /** Step deadlines: each due saga advances in its own transaction, in its order's trace. */
  function checkDeadlines() {
    const now = Date.now();
    for (const orderId of store.due(now)) {
      const before = store.get(orderId);
      if (!before) continue;
      const span = tracer.startSpan(
        `${ORDER_SAGA_TYPE} deadline`,
        {
          kind: SpanKind.INTERNAL,
          attributes: { 'app.order.id': orderId, 'app.saga.step': before.saga.step },
        },
        contextFromTraceparent(before.traceparent),
      );
      try {
        db.tx(() => {
          const stored = store.get(orderId);
          if (!stored) return;
          const t = advance(stored.saga, { kind: 'DeadlinePassed' }, now, deadlineMs);
          if (!t) return;
          const parent = spanTraceHeaders(span);
          const emitter = createEmitter({
            service: ctx.name,
            outbox,
            parent,
            correlationId: orderId,
            ...(stored.lastCommandId && { causationId: stored.lastCommandId }),
          });
          apply(t, emitter, now, parent.traceparent);
          if (t.saga.state === 'COMPENSATING' && t.saga.stepAttempt > COMPENSATION_ATTEMPTS)
            log.warn(
              { orderId, step: t.saga.step, attempt: t.saga.stepAttempt, nextAt: t.saga.deadlineAt },
              'compensation still unconfirmed; sent again, the order stays open',
            );
          else
            log.info({ orderId, step: stored.saga.step, state: t.saga.state }, 'saga step deadline passed');
        });
      } catch (err) {
        log.error({ err, orderId }, 'deadline handling failed; will retry on the next tick');
      } finally {
        span.end();
      }
    }
  }

  return {
    consumes: {
      topics: [topics.orderEvents, topics.inventoryEvents, topics.paymentEvents, topics.shippingEvents],
      handlers,
    },
    start() {
      timer = setInterval(checkDeadlines, Math.min(1000, Math.max(50, Math.floor(deadlineMs / 5))));
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
