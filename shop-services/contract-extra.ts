import { z } from 'zod';
import {
  CONSUMED_TOPICS,
  CUSTOMER_DELETED,
  SHOP_EVENT_SCHEMAS,
  SHOP_TOPICS,
  authorizePaymentSchema,
  dltTopic,
  reserveInventorySchema,
  retryTopic,
  type ShopTopic,
} from '../lib/events/index.ts';

// Additions to the shared contract in lib/events that only the shop needs. Everything here is a
// superset of the shared schemas: a reader using lib/events (the collector) still parses these
// payloads, it just does not see the extra optional fields.

/**
 * Commands carry the customer id as an optional extra, so the participants can apply the
 * deterministic test hooks (`decline-`, `shortage-`, `poison-` customers) without a lookup.
 */
export const reserveInventoryCommandSchema = reserveInventorySchema.extend({
  customerId: z.string().max(128).optional(),
});
export const authorizePaymentCommandSchema = authorizePaymentSchema.extend({
  customerId: z.string().max(128).optional(),
});

/** Every payload type the shop writes, with the shop's own (wider) schemas where it has them. */
export const SHOP_WRITE_SCHEMAS = {
  ...SHOP_EVENT_SCHEMAS,
  ReserveInventory: reserveInventoryCommandSchema,
  AuthorizePayment: authorizePaymentCommandSchema,
} as const;
export type ShopWriteType = keyof typeof SHOP_WRITE_SCHEMAS;
export type ShopWritePayload<T extends ShopWriteType> = z.infer<(typeof SHOP_WRITE_SCHEMAS)[T]>;

/** `ce_type` of a customer deletion; the record is a tombstone (null value) on the compacted topic. */
export const CUSTOMER_DELETED_TYPE = CUSTOMER_DELETED;

/** The compacted profile topic is consumed too (loyalty keeps a replica), so it gets companions. */
export const SHOP_CONSUMED_TOPICS: readonly ShopTopic[] = [...CONSUMED_TOPICS, SHOP_TOPICS.customerProfiles];

export type ShopTopicKey = keyof typeof SHOP_TOPICS;
export type ShopTopicNames = { readonly [K in ShopTopicKey]: string };

/** The shop's topic names under a namespace (`''` in production, unique per test). */
export function shopTopicNames(namespace: string): ShopTopicNames {
  const out = {} as Record<ShopTopicKey, string>;
  for (const [k, v] of Object.entries(SHOP_TOPICS) as [ShopTopicKey, string][]) out[k] = `${namespace}${v}`;
  return out;
}

/** Every topic the shop needs, with partitions and configs: the companions of consumed topics included. */
export function shopTopicSpecs(namespace: string, partitions: number) {
  const specs: { topic: string; numPartitions: number; configs?: Record<string, string> }[] = [];
  for (const t of Object.values(SHOP_TOPICS)) {
    const topic = `${namespace}${t}`;
    specs.push({
      topic,
      numPartitions: partitions,
      // Profiles are entity state keyed by customer: only the latest value (or a tombstone) matters.
      ...(t === SHOP_TOPICS.customerProfiles && { configs: { 'cleanup.policy': 'compact' } }),
    });
    if (SHOP_CONSUMED_TOPICS.includes(t)) {
      specs.push({ topic: retryTopic(topic), numPartitions: partitions });
      specs.push({ topic: dltTopic(topic), numPartitions: partitions });
    }
  }
  return specs;
}
