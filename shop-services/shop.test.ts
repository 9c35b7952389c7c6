import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type Bus } from '../lib/bus/index.ts';
import { headerString } from '../lib/events/index.ts';
import { waitFor } from '../lib/testing/wait-for.ts';
import { NO_RANDOM_FAULTS, orderFor, startTestShop, type TestShop } from './testing/harness.ts';

// The shop's HTTP surface on the embedded bus: fault switches, order listing, customer deletion
// as a tombstone on the compacted profile topic.

describe('shop HTTP API', () => {
  let bus: Bus;
  let t: TestShop;
  beforeAll(async () => {
    bus = createEmbeddedBus();
    t = await startTestShop(bus);
    t.shop.faults.update(NO_RANDOM_FAULTS);
  });
  afterAll(async () => {
    await t?.stop();
    await bus?.close();
  });

  const faults = (init?: RequestInit) => fetch(`${t.shop.orderUrl}/admin/faults`, init);

  it('reads and changes faults at runtime, rejecting bad settings with field errors', async () => {
    expect(await (await faults()).json()).toMatchObject({ paymentDeclineRate: 0, stallConsumer: false });
    const bad = await faults({ method: 'PUT', body: JSON.stringify({ paymentDeclineRate: 2, bogus: true }) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/paymentDeclineRate/);
    const ok = await faults({ method: 'PUT', body: JSON.stringify({ paymentDeclineRate: 1 }) });
    expect(await ok.json()).toMatchObject({ paymentDeclineRate: 1 });
    // Every payment is now declined, whoever the customer.
    const orderId = await t.place(orderFor('carol'));
    expect((await t.waitTerminal([orderId]))[0]).toMatchObject({ status: 'cancelled' });
    await faults({ method: 'PUT', body: JSON.stringify({ paymentDeclineRate: 0 }) });
  });

  it('lists recent orders in pages and 404s an unknown one', async () => {
    const ids = [await t.place(orderFor('dora')), await t.place(orderFor('dora'))];
    const page = (await (await fetch(`${t.shop.orderUrl}/orders?limit=1`)).json()) as {
      orders: { orderId: string }[];
      nextOffset: number | null;
    };
    expect(page.orders).toHaveLength(1);
    expect(page.orders[0]?.orderId).toBe(ids[1]);
    expect(page.nextOffset).toBe(1);
    expect((await fetch(`${t.shop.orderUrl}/orders/nope`)).status).toBe(404);
    expect((await fetch(`${t.shop.orderUrl}/orders?limit=0`)).status).toBe(400);
    expect((await fetch(`${t.shop.orderUrl}/orders/${ids[0]}`, { method: 'PUT' })).status).toBe(405);
  });

  it('deletes a customer as a tombstone on the compacted profile topic, and loyalty forgets the profile', async () => {
    const orderId = await t.place(orderFor('erin'));
    await t.waitTerminal([orderId]);
    await waitFor(() => t.row('loyalty', 'SELECT tier FROM profiles WHERE customer_id = ?', 'erin'), {
      what: 'loyalty replica',
    });
    const res = await fetch(`${t.shop.orderUrl}/customers/erin`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    const tombstone = await waitFor(() =>
      t.records.find(
        (r) => r.topic === t.topics.customerProfiles && r.key?.toString() === 'erin' && r.value === null,
      ),
    );
    expect(headerString(tombstone.headers, 'ce_type')).toBe('CustomerDeleted');
    await waitFor(() => !t.row('loyalty', 'SELECT tier FROM profiles WHERE customer_id = ?', 'erin'), {
      what: 'replica row deleted',
    });
    expect((await fetch(`${t.shop.orderUrl}/customers/erin`, { method: 'DELETE' })).status).toBe(404);
    const topics = await bus.admin.listTopics();
    expect(topics).toContain(`${t.topics.customerProfiles}-dlt`);
  });
});
