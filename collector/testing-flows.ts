import { randomBytes, randomUUID } from 'node:crypto';
import type { ProduceRecord } from '../lib/bus/types.ts';
import type { RecordHeader } from '../lib/events/headers.ts';
import { createEnvelope, encodeEnvelopeHeaders } from '../lib/events/envelope.ts';
import { formatTraceparent } from '../lib/events/traceparent.ts';
import { encodeSpringDltHeaders } from '../lib/events/dlq.ts';

// Scripted business flows shaped like the shop's (CloudEvents headers, causation and correlation
// ids, traceparent, saga records), for tests that must not depend on the shop itself.

export interface FlowTopics {
  readonly orders: string;
  readonly inventoryCommands: string;
  readonly inventory: string;
  readonly paymentCommands: string;
  readonly payment: string;
  readonly shippingCommands: string;
  readonly shipping: string;
  readonly notification: string;
  readonly loyalty: string;
  readonly saga: string;
  readonly paymentCommandsDlt: string;
}

export const flowTopics = (ns: string): FlowTopics => ({
  orders: `${ns}orders.events`,
  inventoryCommands: `${ns}inventory.commands`,
  inventory: `${ns}inventory.events`,
  paymentCommands: `${ns}payment.commands`,
  payment: `${ns}payment.events`,
  shippingCommands: `${ns}shipping.commands`,
  shipping: `${ns}shipping.events`,
  notification: `${ns}notification.events`,
  loyalty: `${ns}loyalty.events`,
  saga: `${ns}saga.order-fulfilment`,
  paymentCommandsDlt: `${ns}payment.commands-dlt`,
});

export const allFlowTopics = (t: FlowTopics) =>
  (Object.keys(t) as (keyof FlowTopics)[]).map((k) => ({ topic: t[k], numPartitions: 2 }));

/** A produce record whose headers are an ordered list (what the flows below write). */
export type FlowRecord = ProduceRecord & { readonly headers: RecordHeader[] };

export const headerOf = (r: FlowRecord, key: string) =>
  r.headers.find((h) => h.key === key)?.value.toString();

type Step = { topic: string; type: string; source: string; payload: unknown; saga?: { step: string } };

export interface FlowOptions {
  readonly topics: FlowTopics;
  readonly orderId?: string;
  /** 'ok' completes; 'decline' compensates; 'poison' dead-letters AuthorizePayment and stops there. */
  readonly outcome?: 'ok' | 'decline' | 'poison' | 'stall';
  readonly start?: number;
  readonly stepMs?: number;
  /** Deadline carried by waiting saga records, relative to their time. */
  readonly deadlineMs?: number;
}

export interface Flow {
  readonly orderId: string;
  readonly sagaId: string;
  readonly traceId: string;
  readonly records: FlowRecord[];
  /** ce_id per event type (the first of each). */
  readonly ids: Record<string, string>;
}

export function orderFlow(opts: FlowOptions): Flow {
  const t = opts.topics;
  const orderId = opts.orderId ?? `order-${randomUUID().slice(0, 8)}`;
  const sagaId = `saga-${orderId}`;
  const traceId = randomBytes(16).toString('hex');
  const outcome = opts.outcome ?? 'ok';
  const stepMs = opts.stepMs ?? 10;
  let time = opts.start ?? Date.now() - 60_000;
  const records: FlowRecord[] = [];
  const ids: Record<string, string> = {};
  let cause: string | undefined;

  const emit = (s: Step, opt: { causedBy?: string } = {}) => {
    time += stepMs;
    const id = randomUUID();
    ids[s.type] ??= id;
    const spanId = randomBytes(8).toString('hex');
    const env = createEnvelope({
      id,
      source: s.source,
      type: s.type,
      time: new Date(time),
      correlationId: orderId,
      ...((opt.causedBy ?? cause) && { causationId: opt.causedBy ?? cause }),
      ...(s.saga && { saga: { id: sagaId, type: 'order-fulfilment', step: s.saga.step } }),
      traceparent: formatTraceparent({ traceId, spanId }),
    });
    const rec: FlowRecord = {
      topic: s.topic,
      key: orderId,
      value: JSON.stringify(s.payload),
      headers: encodeEnvelopeHeaders(env),
      timestamp: time,
    };
    records.push(rec);
    return { id, rec };
  };
  const sagaState = (state: string, step: string, stepStatus: string, reason?: string) =>
    emit(
      {
        topic: t.saga,
        type: 'SagaStateChanged',
        source: 'orchestrator',
        saga: { step },
        payload: {
          sagaId,
          sagaType: 'order-fulfilment',
          orderId,
          state,
          step,
          stepStatus,
          ...(reason && { reason }),
          ...((stepStatus === 'STARTED' || stepStatus === 'COMPENSATING') && {
            deadline: new Date(time + (opts.deadlineMs ?? 10_000)).toISOString(),
          }),
          at: new Date(time + stepMs).toISOString(),
        },
      },
      { causedBy: cause },
    );
  const step = (s: Step) => {
    const r = emit(s);
    cause = r.id;
    return r;
  };

  step({ topic: t.orders, type: 'OrderPlaced', source: 'order', payload: { orderId, total: 10 } });
  sagaState('RUNNING', 'reserve-inventory', 'STARTED');
  step({
    topic: t.inventoryCommands,
    type: 'ReserveInventory',
    source: 'orchestrator',
    payload: { orderId },
    saga: { step: 'reserve-inventory' },
  });
  const reserved = step({
    topic: t.inventory,
    type: 'InventoryReserved',
    source: 'inventory',
    payload: { orderId, reservationId: 'r1' },
  });
  sagaState('RUNNING', 'reserve-inventory', 'SUCCEEDED');
  sagaState('RUNNING', 'authorize-payment', 'STARTED');
  const authorize = step({
    topic: t.paymentCommands,
    type: 'AuthorizePayment',
    source: 'orchestrator',
    payload: { orderId },
    saga: { step: 'authorize-payment' },
  });
  if (outcome === 'stall') return { orderId, sagaId, traceId, records, ids };
  if (outcome === 'poison') {
    const dead: FlowRecord = {
      ...authorize.rec,
      topic: t.paymentCommandsDlt,
      timestamp: time + stepMs,
      headers: [
        ...authorize.rec.headers,
        ...encodeSpringDltHeaders({
          originTopic: t.paymentCommands,
          originPartition: 0,
          originOffset: 0,
          originTimestamp: time,
          group: 'payment',
          error: { fqcn: 'AppError.poison', message: 'poison message', stack: 'at payment' },
          attempts: 1,
        }),
      ],
    };
    records.push(dead);
    return { orderId, sagaId, traceId, records, ids };
  }
  if (outcome === 'decline') {
    step({
      topic: t.payment,
      type: 'PaymentDeclined',
      source: 'payment',
      payload: { orderId, reason: 'no funds' },
    });
    sagaState('COMPENSATING', 'authorize-payment', 'FAILED', 'payment declined: no funds');
    sagaState('COMPENSATING', 'release-inventory', 'COMPENSATING');
    step({
      topic: t.inventoryCommands,
      type: 'ReleaseInventory',
      source: 'orchestrator',
      payload: { orderId },
      saga: { step: 'release-inventory' },
    });
    step({ topic: t.inventory, type: 'InventoryReleased', source: 'inventory', payload: { orderId } });
    sagaState('COMPENSATED', 'release-inventory', 'COMPENSATED', 'payment declined: no funds');
    const cancelled = step({
      topic: t.orders,
      type: 'OrderCancelled',
      source: 'orchestrator',
      payload: { orderId, reason: 'declined' },
    });
    step({ topic: t.notification, type: 'NotificationSent', source: 'notification', payload: { orderId } });
    void cancelled;
    return { orderId, sagaId, traceId, records, ids };
  }
  const paid = step({
    topic: t.payment,
    type: 'PaymentAuthorized',
    source: 'payment',
    payload: { orderId, paymentId: 'p1' },
  });
  emit(
    { topic: t.loyalty, type: 'LoyaltyPointsAwarded', source: 'loyalty', payload: { orderId, points: 10 } },
    { causedBy: paid.id },
  );
  void reserved;
  sagaState('RUNNING', 'authorize-payment', 'SUCCEEDED');
  sagaState('RUNNING', 'prepare-shipment', 'STARTED');
  step({
    topic: t.shippingCommands,
    type: 'PrepareShipment',
    source: 'orchestrator',
    payload: { orderId },
    saga: { step: 'prepare-shipment' },
  });
  step({
    topic: t.shipping,
    type: 'ShipmentPrepared',
    source: 'shipping',
    payload: { orderId, shipmentId: 's1' },
  });
  sagaState('COMPLETED', 'prepare-shipment', 'SUCCEEDED');
  step({ topic: t.orders, type: 'OrderConfirmed', source: 'orchestrator', payload: { orderId } });
  step({ topic: t.notification, type: 'NotificationSent', source: 'notification', payload: { orderId } });
  return { orderId, sagaId, traceId, records, ids };
}
