import { z } from 'zod';

// Payload schemas of every shop event and command. Producers parse before writing and consumers
// parse after reading (safeParse: a violation is a non-retriable failure that dead-letters).
// No card numbers anywhere: payments carry an opaque payment-method token.

const id = z.string().min(1).max(128);
const money = z.number().finite().nonnegative();
const currency = z.string().regex(/^[A-Z]{3}$/);

export const orderItemSchema = z.object({
  sku: z.string().min(1).max(64),
  qty: z.number().int().positive().max(10_000),
  price: money,
});

export const orderPlacedSchema = z.object({
  orderId: id,
  customerId: id,
  items: z.array(orderItemSchema).min(1).max(100),
  total: money,
  currency,
  paymentMethod: z.enum(['card', 'wallet', 'bank-transfer']),
  express: z.boolean().default(false),
  placedAt: z.string(),
});
export const orderConfirmedSchema = z.object({ orderId: id, confirmedAt: z.string() });
export const orderCancelledSchema = z.object({
  orderId: id,
  reason: z.string().max(500),
  cancelledAt: z.string(),
});

export const reserveInventorySchema = z.object({ orderId: id, items: z.array(orderItemSchema).min(1) });
export const releaseInventorySchema = z.object({ orderId: id, reservationId: id.optional() });
export const inventoryReservedSchema = z.object({
  orderId: id,
  reservationId: id,
  items: z.array(orderItemSchema),
});
export const inventoryReservationFailedSchema = z.object({ orderId: id, reason: z.string().max(500) });
export const inventoryReleasedSchema = z.object({ orderId: id, reservationId: id.optional() });

export const authorizePaymentSchema = z.object({
  orderId: id,
  amount: money,
  currency,
  paymentMethod: z.enum(['card', 'wallet', 'bank-transfer']),
});
export const refundPaymentSchema = z.object({ orderId: id, paymentId: id.optional(), amount: money });
export const paymentAuthorizedSchema = z.object({ orderId: id, paymentId: id, amount: money, currency });
export const paymentDeclinedSchema = z.object({ orderId: id, reason: z.string().max(500) });
export const paymentRefundedSchema = z.object({ orderId: id, paymentId: id.optional(), amount: money });

export const prepareShipmentSchema = z.object({ orderId: id, express: z.boolean().default(false) });
export const shipmentPreparedSchema = z.object({ orderId: id, shipmentId: id, carrier: z.string() });

export const notificationSentSchema = z.object({
  orderId: id,
  channel: z.enum(['email', 'sms', 'push']),
  template: z.string(),
});
export const loyaltyPointsAwardedSchema = z.object({ orderId: id, customerId: id, points: z.number().int() });

export const customerProfileUpdatedSchema = z.object({
  customerId: id,
  name: z.string().max(200),
  tier: z.enum(['standard', 'gold', 'platinum']),
});

/** Saga records: the orchestrator's state machine made visible (`saga.order-fulfilment`). */
export const SAGA_STATES = [
  'RUNNING',
  'COMPENSATING',
  'COMPLETED',
  'COMPENSATED',
  'FAILED',
  'COMPENSATION_FAILED',
] as const;
export const sagaStateSchema = z.enum(SAGA_STATES);
export type SagaState = z.infer<typeof sagaStateSchema>;
/** The states a saga ends in: nothing moves it on from these. */
export const TERMINAL_SAGA_STATES: ReadonlySet<string> = new Set<SagaState>([
  'COMPLETED',
  'COMPENSATED',
  'FAILED',
  'COMPENSATION_FAILED',
]);

export const sagaStateChangedSchema = z.object({
  sagaId: id,
  sagaType: z.string(),
  orderId: id,
  state: sagaStateSchema,
  step: z.string(),
  stepStatus: z.enum(['STARTED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'COMPENSATING', 'COMPENSATED']),
  reason: z.string().max(500).optional(),
  deadline: z.string().optional(),
  at: z.string(),
});

export const SHOP_EVENT_SCHEMAS = {
  OrderPlaced: orderPlacedSchema,
  OrderConfirmed: orderConfirmedSchema,
  OrderCancelled: orderCancelledSchema,
  ReserveInventory: reserveInventorySchema,
  ReleaseInventory: releaseInventorySchema,
  InventoryReserved: inventoryReservedSchema,
  InventoryReservationFailed: inventoryReservationFailedSchema,
  InventoryReleased: inventoryReleasedSchema,
  AuthorizePayment: authorizePaymentSchema,
  RefundPayment: refundPaymentSchema,
  PaymentAuthorized: paymentAuthorizedSchema,
  PaymentDeclined: paymentDeclinedSchema,
  PaymentRefunded: paymentRefundedSchema,
  PrepareShipment: prepareShipmentSchema,
  ShipmentPrepared: shipmentPreparedSchema,
  NotificationSent: notificationSentSchema,
  LoyaltyPointsAwarded: loyaltyPointsAwardedSchema,
  CustomerProfileUpdated: customerProfileUpdatedSchema,
  SagaStateChanged: sagaStateChangedSchema,
} as const;

export type ShopEventType = keyof typeof SHOP_EVENT_SCHEMAS;
export type ShopPayload<T extends ShopEventType> = z.infer<(typeof SHOP_EVENT_SCHEMAS)[T]>;

export const isShopEventType = (t: string): t is ShopEventType => Object.hasOwn(SHOP_EVENT_SCHEMAS, t);

/** A type string for the deletion of an entity: written as a tombstone (null value). */
export const CUSTOMER_DELETED = 'CustomerDeleted';
