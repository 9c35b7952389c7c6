// The shop's topics. One stream, one role: facts on `*.events`, imperative commands on
// `*.commands`, saga state records on `saga.*`, a compacted entity topic for profiles.
// Retry and dead-letter topics follow Spring Kafka's naming (`<topic>-retry`, `<topic>-dlt`).

export const SHOP_TOPICS = {
  orderEvents: 'orders.events',
  inventoryCommands: 'inventory.commands',
  inventoryEvents: 'inventory.events',
  paymentCommands: 'payment.commands',
  paymentEvents: 'payment.events',
  shippingCommands: 'shipping.commands',
  shippingEvents: 'shipping.events',
  notificationEvents: 'notification.events',
  loyaltyEvents: 'loyalty.events',
  sagaOrderFulfilment: 'saga.order-fulfilment',
  customerProfiles: 'customer.profiles',
} as const;

export type ShopTopic = (typeof SHOP_TOPICS)[keyof typeof SHOP_TOPICS];

export const retryTopic = (topic: string) => `${topic}-retry`;
export const dltTopic = (topic: string) => `${topic}-dlt`;

/** Topics that consumers read and that therefore get retry and dead-letter companions. */
export const CONSUMED_TOPICS: readonly ShopTopic[] = [
  SHOP_TOPICS.orderEvents,
  SHOP_TOPICS.inventoryCommands,
  SHOP_TOPICS.inventoryEvents,
  SHOP_TOPICS.paymentCommands,
  SHOP_TOPICS.paymentEvents,
  SHOP_TOPICS.shippingCommands,
  SHOP_TOPICS.shippingEvents,
];

export const SHOP_PARTITIONS = 6;

export const ORDER_SAGA_TYPE = 'order-fulfilment';
export const LOYALTY_FLOW_TYPE = 'loyalty-award';
