import { expect, type APIRequestContext } from '@playwright/test';
import type { z } from 'zod';
import { recordsPageSchema } from '../../../lib/api/records.ts';
import { healthSchema } from '../../../lib/api/topology.ts';
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

/**
 * What a failed wait on an order needs to tell which part stalled: the shop's view of the order and
 * its faults, the records the collector holds for the order (oldest first) and the collector's
 * health (indexing backlog, bus). Never throws: a part that does not answer says so.
 */
export async function whereOrderStands(request: APIRequestContext, orderId: string): Promise<string> {
  const text = async (url: string) => {
    try {
      const res = await request.get(url, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
      return { status: res.status(), body: await res.text() };
    } catch (err) {
      return { status: 0, body: `unreachable: ${String(err)}` };
    }
  };
  const parsed = <S extends z.ZodType>(r: { status: number; body: string }, schema: S) => {
    if (r.status !== 200) return undefined;
    try {
      const p = schema.safeParse(JSON.parse(r.body));
      return p.success ? p.data : undefined;
    } catch {
      return undefined; // not JSON: shown as text below
    }
  };
  const order = await text(`${SHOP_URL}/orders/${encodeURIComponent(orderId)}`);
  const faults = await text(`${SHOP_URL}/admin/faults`);
  const recordsAnswer = await text(
    `${COLLECTOR_URL}/api/records?correlationId=${encodeURIComponent(orderId)}&limit=100`,
  );
  const records = parsed(recordsAnswer, recordsPageSchema);
  const healthAnswer = await text(`${COLLECTOR_URL}/api/health`);
  const health = parsed(healthAnswer, healthSchema);
  return [
    `order ${orderId} in the shop: ${order.status} ${order.body.slice(0, 500)}`,
    `shop faults: ${faults.body.slice(0, 500)}`,
    records
      ? `records stored for it: ${
          [...records.items]
            .reverse()
            .map((r) => `${r.topic}/${r.partition}@${r.offset} ${r.ceType ?? '-'}`)
            .join(', ') || 'none'
        }`
      : `records stored for it: ${recordsAnswer.status} ${recordsAnswer.body.slice(0, 300)}`,
    health
      ? `collector: ${health.status}, bus connected ${health.busConnected}, records indexing ${health.recordsIndexing}`
      : `collector health: ${healthAnswer.status} ${healthAnswer.body.slice(0, 300)}`,
  ].join('\n');
}

/** Rethrows a failed wait on an order with `whereOrderStands` appended. */
export async function explainOrder(request: APIRequestContext, orderId: string, wait: Promise<unknown>) {
  try {
    await wait;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n${await whereOrderStands(request, orderId)}`, { cause: err });
  }
}
