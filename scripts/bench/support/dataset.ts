import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { encodeSpringDltHeaders } from '../../../lib/events/dlq.ts';
import { createEnvelope, encodeEnvelopeHeaders } from '../../../lib/events/envelope.ts';
import { formatTraceparent } from '../../../lib/events/traceparent.ts';
import type { ProduceRecord } from '../../../lib/bus/types.ts';

// The benchmark data set: ~80% shop-shaped records (CloudEvents binary-mode headers, causation and
// correlation ids, traceparent, orchestrated-saga records, a few Spring-style dead letters) and
// ~20% foreign records a collector must take as they come (JSON without headers, binary, tombstones).
// Values are log-uniform between 200 B and 4 KB (mean ≈ 1.3 KB). A seeded PRNG makes the shape of a
// run repeatable; ids that tests look up (order ids) are derived from the run id and an index.

export interface DatasetTopics {
  readonly orders: string;
  readonly inventory: string;
  readonly payment: string;
  readonly saga: string;
  readonly paymentDlt: string;
  readonly foreign: string;
}

export const datasetTopics = (prefix: string): DatasetTopics => ({
  orders: `${prefix}orders.events`,
  inventory: `${prefix}inventory.events`,
  payment: `${prefix}payment.events`,
  saga: `${prefix}saga.order-fulfilment`,
  paymentDlt: `${prefix}payment.events-dlt`,
  foreign: `${prefix}legacy.clickstream`,
});

/** 17 partitions over six topics. */
export const datasetTopicSpecs = (t: DatasetTopics) => [
  { topic: t.orders, numPartitions: 4 },
  { topic: t.inventory, numPartitions: 2 },
  { topic: t.payment, numPartitions: 3 },
  { topic: t.saga, numPartitions: 3 },
  { topic: t.paymentDlt, numPartitions: 1 },
  { topic: t.foreign, numPartitions: 4 },
];

export const SHOP_SHARE = 0.8;
/** Average records per order flow (the outcome mix below), to size the order count for a record target. */
const RECORDS_PER_FLOW = 0.93 * 8 + 0.05 * 8 + 0.01 * 5 + 0.01 * 4;
const FLOW_LENGTH: Record<Outcome, number> = { ok: 8, decline: 8, poison: 5, stall: 4 };

export type Outcome = 'ok' | 'decline' | 'poison' | 'stall';

export interface DatasetPlan {
  readonly orders: number;
  readonly shop: number;
  readonly foreign: number;
  /** Exactly the records the generator yields. */
  readonly total: number;
}

const outcomeFor = (seed: number, i: number): Outcome => {
  const r = prng(seed * 1_000_003 + i)();
  return r < 0.93 ? 'ok' : r < 0.98 ? 'decline' : r < 0.99 ? 'poison' : 'stall';
};

export function planDataset(records: number, seed = DEFAULT_SEED): DatasetPlan {
  const orders = Math.max(1, Math.round((records * SHOP_SHARE) / RECORDS_PER_FLOW));
  let shop = 0;
  for (let i = 0; i < orders; i++) shop += FLOW_LENGTH[outcomeFor(seed, i)];
  const foreign = Math.max(0, records - shop);
  return { orders, shop, foreign, total: shop + foreign };
}

export const orderIdOf = (runId: string, i: number) => `bench-${runId}-o${String(i).padStart(7, '0')}`;

/** mulberry32: tiny, fast, good enough to vary sizes and kinds repeatably. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEFAULT_SEED = 7;
const MIN_VALUE = 200;
const MAX_VALUE = 4096;

function filler(rand: () => number): string {
  const words = [
    'order',
    'sku',
    'warehouse',
    'parcel',
    'refund',
    'ledger',
    'cart',
    'promo',
    'tax',
    'courier',
    'invoice',
    'stock',
  ];
  let s = '';
  while (s.length < 2 * MAX_VALUE)
    s += `${words[Math.floor(rand() * words.length)]}-${Math.floor(rand() * 1e6)} `;
  return s;
}

export type TopicMessages = { topic: string; messages: Message[] }[];

export interface Dataset {
  /** Outcome of order i (fixed by the seed), so queries know which orders dead-lettered or stalled. */
  outcomeOf(i: number): Outcome;
  /** Chunks of about `chunkRecords` records, grouped per topic, in flow order within each wave. */
  chunks(chunkRecords: number): Generator<TopicMessages, void, undefined>;
}

/** A chunk as Bus produce records (the embedded bus and in-process collectors take these). */
export const produceRecordsOf = (chunk: TopicMessages): ProduceRecord[] =>
  chunk.flatMap(({ topic, messages }) =>
    messages.map((m) => ({
      topic,
      key: m.key ?? null,
      value: m.value ?? null,
      ...(m.headers && { headers: m.headers as Record<string, Buffer | string> }),
      ...(m.timestamp !== undefined && { timestamp: Number(m.timestamp) }),
    })),
  );

export interface DatasetOptions {
  readonly topics: DatasetTopics;
  readonly runId: string;
  readonly plan: DatasetPlan;
  readonly seed?: number;
  /** Broker time of the first record; later ones follow at `spacingMs`. Default: now − the span. */
  readonly startAt?: number;
  readonly spacingMs?: number;
  /** Orders emitted step by step together: records of one flow are this far apart in the log. */
  readonly wave?: number;
}

export function createDataset(o: DatasetOptions): Dataset {
  const seed = o.seed ?? DEFAULT_SEED;
  const spacing = o.spacingMs ?? 0.2;
  const start = o.startAt ?? Date.now() - o.plan.total * spacing - 60_000;
  const wave = o.wave ?? 200;
  const t = o.topics;
  const outcomeOf = (i: number) => outcomeFor(seed, i);

  function* chunks(chunkRecords: number): Generator<TopicMessages, void, undefined> {
    const rand = prng(seed);
    const text = filler(rand);
    const binary = Buffer.alloc(64 * 1024);
    for (let i = 0; i < binary.length; i++) binary[i] = Math.floor(rand() * 256);
    const size = () => Math.round(MIN_VALUE * (MAX_VALUE / MIN_VALUE) ** rand());
    const pad = (base: Record<string, unknown>) => {
      const target = size();
      const json = JSON.stringify(base);
      const need = target - json.length - 10;
      if (need <= 0) return json;
      const from = Math.floor(rand() * (text.length - need));
      return JSON.stringify({ ...base, note: text.slice(from, from + need) });
    };

    let n = 0;
    let pending = new Map<string, Message[]>();
    let pendingCount = 0;
    const push = (topic: string, m: Message) => {
      let list = pending.get(topic);
      if (!list) pending.set(topic, (list = []));
      list.push(m);
      pendingCount++;
      n++;
    };
    const take = () => {
      const out = [...pending].map(([topic, messages]) => ({ topic, messages }));
      pending = new Map();
      pendingCount = 0;
      return out;
    };
    const ts = () => start + n * spacing;

    let foreignDone = 0;
    const foreignPerShopRecord = o.plan.foreign / Math.max(1, o.plan.shop);
    const emitForeign = () => {
      const k = foreignDone++;
      const kind = k % 3;
      const when = ts();
      if (kind === 0) {
        push(t.foreign, {
          key: `u${k % 50_000}`,
          value: pad({ event: 'page_view', user: `u${k % 50_000}`, url: `/p/${k % 9973}`, at: when }),
          timestamp: String(Math.floor(when)),
        });
      } else if (kind === 1) {
        const len = size();
        const from = Math.floor(rand() * (binary.length - len));
        push(t.foreign, {
          key: Buffer.from([k & 0xff, (k >> 8) & 0xff]),
          value: binary.subarray(from, from + len),
          timestamp: String(Math.floor(when)),
        });
      } else {
        push(t.foreign, { key: `cust-${k % 20_000}`, value: null, timestamp: String(Math.floor(when)) });
      }
    };

    type FlowState = {
      i: number;
      orderId: string;
      traceId: string;
      outcome: Outcome;
      cause: string | undefined;
      steps: Step[];
    };
    type Step = (f: FlowState) => void;

    const headersOf = (list: { key: string; value: Buffer }[]) => {
      const h: Record<string, Buffer> = {};
      for (const x of list) h[x.key] = x.value;
      return h;
    };
    const event = (
      f: FlowState,
      topic: string,
      type: string,
      source: string,
      payload: Record<string, unknown>,
      saga?: string,
      extra?: { key: string; value: Buffer }[],
    ) => {
      const when = ts();
      const id = randomUUID();
      const env = createEnvelope({
        id,
        source,
        type,
        time: new Date(when),
        correlationId: f.orderId,
        ...(f.cause && { causationId: f.cause }),
        ...(saga && { saga: { id: `saga-${f.orderId}`, type: 'order-fulfilment', step: saga } }),
        traceparent: formatTraceparent({ traceId: f.traceId, spanId: id.replace(/-/g, '').slice(0, 16) }),
      });
      push(topic, {
        key: f.orderId,
        value: pad(payload),
        headers: headersOf([...encodeEnvelopeHeaders(env), ...(extra ?? [])]),
        timestamp: String(Math.floor(when)),
      });
      if (type !== 'SagaStateChanged') f.cause = id;
      return id;
    };
    const saga = (f: FlowState, state: string, step: string, stepStatus: string, reason?: string) => {
      const when = ts();
      event(
        f,
        t.saga,
        'SagaStateChanged',
        'orchestrator',
        {
          sagaId: `saga-${f.orderId}`,
          sagaType: 'order-fulfilment',
          orderId: f.orderId,
          state,
          step,
          stepStatus,
          ...(reason && { reason }),
          ...(stepStatus === 'STARTED' && { deadline: new Date(when + 10_000).toISOString() }),
          at: new Date(when).toISOString(),
        },
        step,
      );
    };

    const flowSteps = (outcome: Outcome): Step[] => {
      const head: Step[] = [
        (f) =>
          event(f, t.orders, 'OrderPlaced', 'order', {
            orderId: f.orderId,
            customerId: `c${f.i % 5000}`,
            total: 10 + (f.i % 90),
          }),
        (f) => saga(f, 'RUNNING', 'reserve-inventory', 'STARTED'),
        (f) =>
          event(
            f,
            t.inventory,
            'InventoryReserved',
            'inventory',
            { orderId: f.orderId, reservationId: `r-${f.i}` },
            'reserve-inventory',
          ),
        (f) => saga(f, 'RUNNING', 'authorize-payment', 'STARTED'),
      ];
      if (outcome === 'stall') return head;
      if (outcome === 'poison')
        return [
          ...head,
          (f) => {
            const when = ts();
            event(
              f,
              t.paymentDlt,
              'AuthorizePayment',
              'orchestrator',
              { orderId: f.orderId },
              'authorize-payment',
              encodeSpringDltHeaders({
                originTopic: t.payment,
                originPartition: 0,
                originOffset: f.i,
                originTimestamp: Math.floor(when) - 50,
                group: 'payment',
                error: {
                  fqcn: 'com.shop.PoisonPillException',
                  message: `cannot deserialize order ${f.orderId}`,
                  stack: 'at payment.handle',
                },
                attempts: 3,
              }),
            );
          },
        ];
      if (outcome === 'decline')
        return [
          ...head,
          (f) =>
            event(
              f,
              t.payment,
              'PaymentDeclined',
              'payment',
              { orderId: f.orderId, reason: 'insufficient funds' },
              'authorize-payment',
            ),
          (f) => saga(f, 'COMPENSATED', 'release-inventory', 'COMPENSATED', 'payment declined'),
          (f) =>
            event(f, t.orders, 'OrderCancelled', 'orchestrator', {
              orderId: f.orderId,
              reason: 'payment declined',
            }),
          (f) =>
            event(f, t.orders, 'NotificationSent', 'notification', { orderId: f.orderId, channel: 'email' }),
        ];
      return [
        ...head,
        (f) =>
          event(
            f,
            t.payment,
            'PaymentAuthorized',
            'payment',
            { orderId: f.orderId, paymentId: `p-${f.i}` },
            'authorize-payment',
          ),
        (f) => saga(f, 'COMPLETED', 'prepare-shipment', 'SUCCEEDED'),
        (f) => event(f, t.orders, 'OrderConfirmed', 'orchestrator', { orderId: f.orderId }),
        (f) =>
          event(f, t.orders, 'NotificationSent', 'notification', { orderId: f.orderId, channel: 'email' }),
      ];
    };

    let foreignOwed = 0;
    for (let w = 0; w < o.plan.orders; w += wave) {
      const flows: FlowState[] = [];
      for (let i = w; i < Math.min(o.plan.orders, w + wave); i++) {
        const outcome = outcomeOf(i);
        const traceId = randomUUID().replace(/-/g, '');
        flows.push({
          i,
          orderId: orderIdOf(o.runId, i),
          traceId,
          outcome,
          cause: undefined,
          steps: flowSteps(outcome),
        });
      }
      for (let s = 0; s < 8; s++) {
        for (const f of flows) {
          const step = f.steps[s];
          if (!step) continue;
          step(f);
          foreignOwed += foreignPerShopRecord;
          while (foreignOwed >= 1 && foreignDone < o.plan.foreign) {
            foreignOwed--;
            emitForeign();
          }
          if (pendingCount >= chunkRecords) yield take();
        }
      }
    }
    while (foreignDone < o.plan.foreign) emitForeign();
    if (pendingCount) yield take();
  }

  return { outcomeOf, chunks };
}
