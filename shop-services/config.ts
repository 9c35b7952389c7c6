import { z } from 'zod';
import { busEnvSchema, envBool, parseEnv } from '../lib/config.ts';

const rate = z.coerce.number().min(0).max(1);

export const shopEnvSchema = busEnvSchema.extend({
  /** Which service this process runs in Kafka mode: order, orchestrator, inventory, payment, shipping, notification, loyalty, or all. */
  SHOP_SERVICE: z
    .enum(['all', 'order', 'orchestrator', 'inventory', 'payment', 'shipping', 'notification', 'loyalty'])
    .default('all'),
  SHOP_HOST: z.string().default('127.0.0.1'),
  /** Order API port; the other services take the ports after it (7002, 7003, ...). */
  ORDER_PORT: z.coerce.number().int().min(0).max(65535).default(7001),
  SERVICE_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  /** Prefix for every topic and consumer group, so several shops can share one cluster. */
  SHOP_NAMESPACE: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, underscore and dash only')
    .max(100)
    .default(''),
  FAULT_PAYMENT_DECLINE_RATE: rate.default(0.1),
  FAULT_INVENTORY_SHORTAGE_RATE: rate.default(0.05),
  FAULT_POISON_RATE: rate.default(0.01),
  /** Share of payment authorisations that fail with a retriable gateway timeout (they go to the retry topic). */
  FAULT_TRANSIENT_ERROR_RATE: rate.default(0.02),
  FAULT_PROCESSING_DELAY_MS: z.coerce.number().int().min(0).default(0),
  /** Consumers hold their batches but stay in their groups (lag status STALL). */
  FAULT_STALL_CONSUMER: envBool(false),
  /** Consumers leave their groups (lag status STOP). */
  FAULT_STOP_CONSUMER: envBool(false),
  SHOP_MAX_ATTEMPTS: z.coerce.number().int().positive().default(3),
  /** Backoff before the first redelivery from a retry topic; doubles per attempt. */
  SHOP_RETRY_BACKOFF_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  SHOP_STEP_DEADLINE_MS: z.coerce.number().int().positive().default(10_000),
  /** Consumer session timeout: how soon a crashed service's partitions move to a live member. */
  SHOP_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
  /** How often an idle outbox relay looks for rows written by another process or left over by a crash. */
  SHOP_OUTBOX_POLL_MS: z.coerce.number().int().positive().default(200),
});
export type ShopConfig = z.infer<typeof shopEnvSchema>;

export const loadShopConfig = (env: Record<string, string | undefined> = process.env) =>
  parseEnv(shopEnvSchema, env);
