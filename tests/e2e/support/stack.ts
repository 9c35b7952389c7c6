import { expect, type APIRequestContext } from '@playwright/test';
import type { z } from 'zod';
import { E2E_OPERATOR_TOKEN } from './env.ts';

// The parts of the running stack the specs drive directly: the shop's order and fault APIs, and
// the collector's REST API for looking up ids (the UI is what is under test; lookups are not).

export const SHOP_URL = process.env.E2E_SHOP_URL ?? 'http://127.0.0.1:7001';
export const COLLECTOR_URL = process.env.E2E_COLLECTOR_URL ?? 'http://127.0.0.1:4000';
export const OPERATOR_TOKEN = E2E_OPERATOR_TOKEN;

export const uniqueId = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export interface OrderOptions {
  readonly customerId: string;
  readonly sku?: string;
}

export async function placeOrder(request: APIRequestContext, opts: OrderOptions): Promise<string> {
  const res = await request.post(`${SHOP_URL}/orders`, {
    data: {
      customerId: opts.customerId,
      items: [{ sku: opts.sku ?? 'SKU-E2E-1', qty: 1, price: 12.5 }],
      currency: 'EUR',
      paymentMethod: 'card',
    },
  });
  expect(res.status(), await res.text()).toBe(202);
  const body = (await res.json()) as { orderId?: unknown };
  expect(typeof body.orderId).toBe('string');
  return body.orderId as string;
}

export interface FaultPatch {
  paymentDeclineRate?: number;
  inventoryShortageRate?: number;
  poisonRate?: number;
  transientErrorRate?: number;
  processingDelayMs?: number;
  /** Consumers stay in their groups and stop committing: lag status STALL. */
  stallConsumer?: boolean;
  /** Consumers leave their groups: lag status STOP. */
  stopConsumer?: boolean;
}

export async function setFaults(request: APIRequestContext, patch: FaultPatch): Promise<void> {
  const res = await request.put(`${SHOP_URL}/admin/faults`, { data: patch });
  expect(res.status(), await res.text()).toBe(200);
}

export const QUIET_FAULTS: FaultPatch = {
  paymentDeclineRate: 0,
  inventoryShortageRate: 0,
  poisonRate: 0,
  transientErrorRate: 0,
  processingDelayMs: 0,
  stallConsumer: false,
  stopConsumer: false,
};

/** GET from the collector, parsed with the shared schema. */
export async function collectorGet<S extends z.ZodType>(
  request: APIRequestContext,
  path: string,
  schema: S,
): Promise<z.infer<S>> {
  const res = await request.get(`${COLLECTOR_URL}${path}`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
  return schema.parse(await res.json());
}
