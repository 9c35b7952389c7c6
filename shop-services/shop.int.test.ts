import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus, createKafkaBus, type Bus, type ConsumedRecord } from '../lib/bus/index.ts';
import { decodeDlqHeaders, headerString } from '../lib/events/index.ts';
import { waitFor } from '../lib/testing/wait-for.ts';
import { NO_RANDOM_FAULTS, orderFor, startTestShop, type TestShop } from './testing/harness.ts';

// The whole shop against both Bus adapters: the embedded bus and the real broker (KAFKA_BROKERS).
// Each adapter gets one shop in its own namespace; scripted orders use the deterministic customer
// hooks (decline-, poison-...) with random faults off, then a batch runs with the default faults.

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (process.env.CI && !brokers.length) throw new Error('CI must run the Kafka half: set KAFKA_BROKERS');

const adapters: [string, () => Bus][] = [['embedded', () => createEmbeddedBus()]];
if (brokers.length) adapters.push(['kafka', () => createKafkaBus({ brokers, clientId: 'shop-int-test' })]);

const header = (r: ConsumedRecord, key: string) => headerString(r.headers, key);

describe.each(adapters)('shop on the %s bus', (kind, make) => {
  let bus: Bus;
  let t: TestShop;

  beforeAll(async () => {
    bus = make();
    // A command round trip through a real broker on a busy two-core CI machine can take longer
    // than the harness's 1.5 s step deadline; a timed-out step is compensated, which would turn
    // healthy orders into cancellations and hide what the 100-order test looks for.
    t = await startTestShop(bus, kind === 'kafka' ? { env: { SHOP_STEP_DEADLINE_MS: '6000' } } : {});
    t.shop.faults.update(NO_RANDOM_FAULTS);
  });
  afterAll(async () => {
    await t?.stop();
    await bus?.close();
  });

  const recordsOf = (orderId: string) => t.records.filter((r) => header(r, 'ce_correlationid') === orderId);
  const payment = (orderId: string) =>
    t.row('payment', 'SELECT status, charges, refunds FROM payments WHERE order_id = ?', orderId);
  const reservation = (orderId: string) =>
    t.row('inventory', 'SELECT status FROM reservations WHERE order_id = ?', orderId);
  const shipment = (orderId: string) =>
    t.row('shipping', 'SELECT shipment_id FROM shipments WHERE order_id = ?', orderId);

  it('confirms a scripted order, and every record of it carries trace and causation headers', async () => {
    const orderId = await t.place(orderFor('alice'));
    const [state] = await t.waitTerminal([orderId]);
    expect(state?.status).toBe('confirmed');
    await waitFor(
      () =>
        recordsOf(orderId).some(
          (r) => header(r, 'ce_type') === 'NotificationSent' && r.value?.includes('order-confirmed'),
        ),
      {
        what: 'the confirmation notification',
      },
    );
    const chain = recordsOf(orderId);
    const types = chain.map((r) => header(r, 'ce_type'));
    for (const type of [
      'OrderPlaced',
      'ReserveInventory',
      'InventoryReserved',
      'AuthorizePayment',
      'PaymentAuthorized',
    ])
      expect(types).toContain(type);
    for (const type of [
      'PrepareShipment',
      'ShipmentPrepared',
      'OrderConfirmed',
      'SagaStateChanged',
      'LoyaltyPointsAwarded',
    ])
      expect(types).toContain(type);
    const ids = new Set(chain.map((r) => header(r, 'ce_id')));
    for (const r of chain) {
      const what = `${r.topic} ${header(r, 'ce_type')}`;
      expect(header(r, 'traceparent'), what).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(header(r, 'ce_id'), what).toBeTruthy();
      expect(header(r, 'ce_causationid'), what).toBeTruthy();
      // Keys are the order id, except on the profile topic (keyed by customer, for compaction).
      expect(r.key?.toString(), what).toBe(r.topic === t.topics.customerProfiles ? 'alice' : orderId);
    }
    // Causation links each reply to the command it answers.
    const reserved = chain.find((r) => header(r, 'ce_type') === 'InventoryReserved')!;
    const command = chain.find((r) => header(r, 'ce_id') === header(reserved, 'ce_causationid'));
    expect(command && header(command, 'ce_type')).toBe('ReserveInventory');
    expect(ids.has(header(reserved, 'ce_causationid'))).toBe(true);
    // Saga records are visible from outside.
    const saga = chain.filter((r) => r.topic === t.topics.sagaOrderFulfilment);
    expect(saga.every((r) => header(r, 'ce_sagatype') === 'order-fulfilment' && header(r, 'ce_sagaid'))).toBe(
      true,
    );
    expect(payment(orderId)).toMatchObject({ status: 'authorized', charges: 1, refunds: 0 });
    expect(reservation(orderId)).toMatchObject({ status: 'reserved' });
    expect(shipment(orderId)).toBeDefined();
  });

  it('cancels a declined order and releases its stock', async () => {
    const orderId = await t.place(orderFor('decline-bob'));
    const [state] = await t.waitTerminal([orderId]);
    expect(state?.status).toBe('cancelled');
    expect(state?.reason).toContain('payment declined');
    expect(payment(orderId)).toMatchObject({ status: 'declined', charges: 0 });
    await waitFor(() => (reservation(orderId) as { status?: string } | undefined)?.status === 'released', {
      what: 'stock released',
    });
    expect(shipment(orderId)).toBeUndefined();
  });

  it('dead-letters a poison command with Spring headers, then compensates the order by deadline', async () => {
    const orderId = await t.place(orderFor('poison-dave'));
    const dlt = `${t.topics.paymentCommands}-dlt`;
    const dead = await waitFor(
      () => t.records.find((r) => r.topic === dlt && header(r, 'ce_correlationid') === orderId),
      {
        what: 'the dead letter',
      },
    );
    expect(decodeDlqHeaders(dead.headers, dead.topic)).toMatchObject({
      convention: 'spring',
      originTopic: t.topics.paymentCommands,
      originGroup: `${t.namespace}payment-service`,
      errorClass: 'AppError.poison_message',
      attempts: 1,
      problems: [],
    });
    expect(header(dead, 'ce_type')).toBe('AuthorizePayment');
    const original = t.records.find(
      (r) => r.topic === t.topics.paymentCommands && header(r, 'ce_id') === header(dead, 'ce_id'),
    )!;
    expect(decodeDlqHeaders(dead.headers)?.originOffset).toBe(original.offset);
    const [state] = await t.waitTerminal([orderId]);
    expect(state?.status).toBe('cancelled');
    expect(state?.reason).toContain('timed out');
    await waitFor(() => (reservation(orderId) as { status?: string } | undefined)?.status === 'released', {
      what: 'stock released',
    });
    expect(payment(orderId)).toMatchObject({ charges: 0 });
  });

  it('answers malformed order bodies with a 400 that names the problem, and publishes nothing', async () => {
    const placed = () => t.records.filter((r) => header(r, 'ce_type') === 'OrderPlaced').length;
    const before = placed();
    const cases: [unknown, boolean, RegExp][] = [
      [{ ...orderFor('x'), items: [{ sku: 's', qty: 'two', price: 1 }] }, false, /items\.0\.qty/],
      [{ ...orderFor('x'), items: [{ sku: 's', qty: -3, price: 1 }] }, false, /qty must be at least 1/],
      ['{"customerId": "x", "items": [', true, /not valid JSON/],
      [
        JSON.stringify({ ...orderFor('x'), pad: 'x'.repeat(1024 * 1024) }),
        true,
        /body larger than 65536 bytes/,
      ],
    ];
    for (const [body, raw, message] of cases) {
      const res = await t.post(body, raw);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe('bad_request');
      expect(json.error.message).toMatch(message);
    }
    // A good order afterwards is the marker: once it is recorded, anything the bad ones wrote would be too.
    const marker = await t.place(orderFor('alice'));
    await waitFor(() => t.records.some((r) => header(r, 'ce_correlationid') === marker), {
      what: 'the marker order',
    });
    expect(placed()).toBe(before + 1);
  });

  it('brings hundreds of orders under the default faults to a terminal state on which the stores agree', async () => {
    // The acceptance runs 500 against the real broker; the embedded half keeps it quick.
    const count = kind === 'kafka' ? 500 : 100;
    t.shop.faults.update({
      paymentDeclineRate: 0.1,
      inventoryShortageRate: 0.05,
      poisonRate: 0.02,
      transientErrorRate: 0.05,
    });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const items = [{ sku: `sku-${i % 7}`, qty: 1 + (i % 3), price: 5 + (i % 11) }];
      ids.push(await t.place(orderFor(`load-${i % 13}`, { items, express: i % 4 === 0 })));
    }
    const states = await t.waitTerminal(ids, 150_000);
    expect(states).toHaveLength(count);
    for (const s of states) {
      const p = payment(s.orderId) as { status: string; charges: number; refunds: number } | undefined;
      const r = reservation(s.orderId) as { status: string } | undefined;
      if (s.status === 'confirmed') {
        expect(p, s.orderId).toMatchObject({ status: 'authorized', charges: 1, refunds: 0 });
        expect(r, s.orderId).toMatchObject({ status: 'reserved' });
        expect(shipment(s.orderId), s.orderId).toBeDefined();
      } else {
        // An order is cancelled only once its compensations are confirmed: by the time it says so,
        // no money and no stock are held for it any more.
        const what = `order ${s.orderId} (${s.reason})`;
        if (p) expect(p.refunds, what).toBe(p.charges);
        expect(r?.status, what).not.toBe('reserved');
      }
    }
    expect(states.filter((s) => s.status === 'confirmed').length).toBeGreaterThan(count / 2);
  });
});
