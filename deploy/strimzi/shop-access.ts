import { SHOP_TOPICS } from '../../lib/events/shop-topics.ts';
import type { ShopTopicKey } from '../../shop-services/contract-extra.ts';
import type { ShopServiceName } from '../../shop-services/types.ts';

// Which of the shop's topics each service reads and writes: the source of the KafkaUser ACLs in
// deploy/strimzi/users.yaml. Reads are a service module's `consumes.topics`, writes the topics
// its handlers and outbox produce to (`topic: topics.x`); deploy.test.ts reads both out of
// shop-services/<service>/service.ts, so a service that starts using a topic fails the test
// instead of failing authorisation in production.

export interface TopicAccess {
  readonly reads: readonly ShopTopicKey[];
  readonly writes: readonly ShopTopicKey[];
}

export const SHOP_ACCESS: Readonly<Record<ShopServiceName, TopicAccess>> = {
  order: { reads: ['orderEvents'], writes: ['orderEvents', 'customerProfiles'] },
  orchestrator: {
    reads: ['orderEvents', 'inventoryEvents', 'paymentEvents', 'shippingEvents'],
    writes: [
      'inventoryCommands',
      'paymentCommands',
      'shippingCommands',
      'sagaOrderFulfilment',
      'orderEvents',
    ],
  },
  inventory: { reads: ['inventoryCommands'], writes: ['inventoryEvents'] },
  payment: { reads: ['paymentCommands'], writes: ['paymentEvents'] },
  shipping: { reads: ['shippingCommands'], writes: ['shippingEvents'] },
  notification: { reads: ['orderEvents', 'shippingEvents'], writes: ['notificationEvents'] },
  loyalty: {
    reads: ['orderEvents', 'paymentEvents', 'inventoryEvents', 'customerProfiles'],
    writes: ['loyaltyEvents'],
  },
};

export const topicName = (key: ShopTopicKey): string => SHOP_TOPICS[key];
