import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { z } from 'zod';
import type { Bus, BusConsumer, ConsumedRecord } from '../../lib/bus/types.ts';
import { silentLogger, type Logger } from '../../lib/logger.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { loadShopConfig } from '../config.ts';
import { shopTopicNames, shopTopicSpecs, type ShopTopicNames } from '../contract-extra.ts';
import { createShop } from '../index.ts';
import type { FaultPatch } from '../runtime/faults.ts';
import type { Shop, ShopServiceName, ShopTracing } from '../types.ts';

// Test harness: a shop in its own namespace and temp data dir, a recorder of every record on its
// topics, HTTP helpers, and read-only views of each service's own database, so tests assert what a
// user would check: order status, money moved, stock held, notifications sent.

export const NO_RANDOM_FAULTS: FaultPatch = {
  paymentDeclineRate: 0,
  inventoryShortageRate: 0,
  poisonRate: 0,
  transientErrorRate: 0,
};

export interface OrderBody {
  customerId: string;
  items: { sku: string; qty: number; price: number }[];
  currency: string;
  paymentMethod: 'card' | 'wallet' | 'bank-transfer';
  express?: boolean;
}

export const orderFor = (customerId: string, over: Partial<OrderBody> = {}): OrderBody => ({
  customerId,
  items: [{ sku: 'sku-red-mug', qty: 2, price: 12.5 }],
  currency: 'EUR',
  paymentMethod: 'card',
  ...over,
});

const orderStateSchema = z.object({
  orderId: z.string(),
  status: z.enum(['placed', 'confirmed', 'cancelled']),
  reason: z.string().optional(),
});
export type OrderState = z.infer<typeof orderStateSchema>;
const placedSchema = z.object({ orderId: z.string() });
const paymentRowSchema = z.object({ status: z.string(), charges: z.number(), refunds: z.number() });
const reservationRowSchema = z.object({ status: z.string() });
const shipmentRowSchema = z.object({ shipment_id: z.string() });
export type PaymentRow = z.infer<typeof paymentRowSchema>;

export interface TestShop {
  readonly shop: Shop;
  readonly namespace: string;
  readonly topics: ShopTopicNames;
  readonly dir: string;
  /** DATA_DIR for a shop process (main.ts) that should share this shop's stores. */
  readonly root: string;
  /** Every record produced on the shop's topics since start. */
  readonly records: ConsumedRecord[];
  post(body: unknown, raw?: boolean): Promise<Response>;
  place(body: OrderBody): Promise<string>;
  order(orderId: string): Promise<OrderState>;
  waitTerminal(orderIds: readonly string[], timeoutMs?: number): Promise<OrderState[]>;
  db(service: ShopServiceName): DatabaseSync;
  row(service: ShopServiceName, sql: string, ...params: string[]): Record<string, unknown> | undefined;
  /** The payment service's row for an order (money moved: charges and refunds). */
  payment(orderId: string): PaymentRow | undefined;
  /** The inventory reservation's status for an order. */
  reservation(orderId: string): string | undefined;
  shipment(orderId: string): string | undefined;
  stop(): Promise<void>;
}

export async function startTestShop(
  bus: Bus,
  opts: {
    tracing?: ShopTracing;
    env?: Record<string, string>;
    services?: ShopServiceName[];
    /** Where the shop logs (silent by default). */
    logger?: Logger;
  } = {},
): Promise<TestShop> {
  const namespace = `${uniqueName('t')}.`;
  // `${root}/shop` is where a shop process started with DATA_DIR=root keeps its files.
  const root = mkdtempSync(join(tmpdir(), 'shop-test-'));
  const dir = join(root, 'shop');
  const config = loadShopConfig({
    ORDER_PORT: '0',
    SHOP_STEP_DEADLINE_MS: '1500',
    SHOP_RETRY_BACKOFF_MS: '100',
    SHOP_OUTBOX_POLL_MS: '50',
    ...opts.env,
  });
  const shop = createShop({
    bus,
    config,
    logger: opts.logger ?? silentLogger(),
    namespace,
    dataDir: dir,
    ...(opts.tracing && { tracing: opts.tracing }),
    ...(opts.services && { services: opts.services }),
    exit: (code) => {
      throw new Error(`shop asked to exit(${code}) in a test`);
    },
  });
  await shop.start();

  const records: ConsumedRecord[] = [];
  const recorder: BusConsumer = bus.consumer({
    groupId: `${namespace}recorder`,
    topics: shopTopicSpecs(namespace, 1).map((s) => s.topic),
  });
  await recorder.run((batch) => {
    records.push(...batch.records);
    return Promise.resolve();
  });
  const dbs = new Map<ShopServiceName, DatabaseSync>();
  const db = (service: ShopServiceName) => {
    let d = dbs.get(service);
    if (!d) {
      d = new DatabaseSync(join(dir, `${service}.db`), { readOnly: true });
      dbs.set(service, d);
    }
    return d;
  };
  const post = (body: unknown, raw = false) =>
    fetch(`${shop.orderUrl}/orders`, { method: 'POST', body: raw ? String(body) : JSON.stringify(body) });
  const order = async (orderId: string): Promise<OrderState> => {
    const res = await fetch(`${shop.orderUrl}/orders/${orderId}`);
    if (!res.ok) throw new Error(`GET /orders/${orderId}: ${res.status}`);
    return orderStateSchema.parse(await res.json());
  };
  return {
    shop,
    namespace,
    topics: shopTopicNames(namespace),
    dir,
    root,
    records,
    post,
    async place(body) {
      const res = await post(body);
      if (res.status !== 202) throw new Error(`POST /orders: ${res.status} ${await res.text()}`);
      return placedSchema.parse(await res.json()).orderId;
    },
    order,
    async waitTerminal(orderIds, timeoutMs = 60_000) {
      let last: OrderState[] = [];
      await waitFor(
        async () => {
          last = await Promise.all(orderIds.map(order));
          return last.every((o) => o.status !== 'placed');
        },
        { timeoutMs, intervalMs: 200, what: `${orderIds.length} orders to reach a terminal state` },
      ).catch((err: unknown) => {
        const open = last.filter((o) => o.status === 'placed').map((o) => o.orderId);
        throw new Error(
          `${err instanceof Error ? err.message : String(err)}; still placed: ${open.slice(0, 5).join(', ')}`,
        );
      });
      return last;
    },
    db,
    row: (service, sql, ...params) =>
      db(service)
        .prepare(sql)
        .get(...params),
    payment(orderId) {
      const r = db('payment')
        .prepare('SELECT status, charges, refunds FROM payments WHERE order_id = ?')
        .get(orderId);
      return r && paymentRowSchema.parse(r);
    },
    reservation(orderId) {
      const r = db('inventory').prepare('SELECT status FROM reservations WHERE order_id = ?').get(orderId);
      return r && reservationRowSchema.parse(r).status;
    },
    shipment(orderId) {
      const r = db('shipping').prepare('SELECT shipment_id FROM shipments WHERE order_id = ?').get(orderId);
      return r && shipmentRowSchema.parse(r).shipment_id;
    },
    async stop() {
      await recorder.stop();
      await shop.stop();
      // Shared brokers outlive tests: leave no namespace topics behind.
      await bus.admin.deleteTopics(shopTopicSpecs(namespace, 1).map((s) => s.topic)).catch(() => undefined);
      for (const d of dbs.values()) d.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
