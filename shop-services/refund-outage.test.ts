import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type Bus, type ConsumedRecord } from '../lib/bus/index.ts';
import { headerString } from '../lib/events/index.ts';
import { sagaStateChangedSchema } from '../lib/events/shop-events.ts';
import { waitFor } from '../lib/testing/wait-for.ts';
import { COMPENSATION_ATTEMPTS } from './orchestrator/saga.ts';
import { NO_RANDOM_FAULTS, orderFor, startTestShop, type TestShop } from './testing/harness.ts';

// A refund that times out, on the embedded bus with short deadlines: the order was charged, the
// saga compensates, and the refund gateway is down for longer than the saga's five quick re-sends.
// The order must not be reported cancelled while the money is still held: it stays open, the saga
// COMPENSATING, and the refund keeps being sent; once the gateway is back the refund and the stock
// release are confirmed, and only then is the order cancelled.
//
// The charge comes late on purpose (a `flaky-` customer's payment succeeds on its retry, after the
// retry topic's backoff, by which time the saga has given up on the step): money moved that only
// the refund can give back.

const DEADLINE_MS = 200;

describe('an order whose refund times out', () => {
  let bus: Bus;
  let t: TestShop;
  beforeAll(async () => {
    bus = createEmbeddedBus();
    t = await startTestShop(bus, {
      env: { SHOP_STEP_DEADLINE_MS: String(DEADLINE_MS), SHOP_RETRY_BACKOFF_MS: '1000' },
    });
    t.shop.faults.update(NO_RANDOM_FAULTS);
  });
  afterAll(async () => {
    await t?.stop();
    await bus?.close();
  });

  const type = (r: ConsumedRecord) => headerString(r.headers, 'ce_type');
  const recordsOf = (orderId: string, topic: string, ceType: string) =>
    t.records.filter(
      (r) =>
        r.topic === topic && headerString(r.headers, 'ce_correlationid') === orderId && type(r) === ceType,
    );
  const sagaStates = (orderId: string) =>
    recordsOf(orderId, t.topics.sagaOrderFulfilment, 'SagaStateChanged').map((r) =>
      sagaStateChangedSchema.parse(JSON.parse(r.value!.toString())),
    );

  it('stays open while the refund is unconfirmed, and is cancelled once the money is back', async () => {
    t.shop.faults.update({ refundOutage: true });
    const orderId = await t.place(orderFor('flaky-frank'));

    // Charged after the saga gave up on the payment step; the refund has been sent more often than
    // the saga used to try before cancelling the order anyway.
    await waitFor(() => t.payment(orderId)?.charges === 1, { what: 'the late charge', timeoutMs: 10_000 });
    await waitFor(
      () => recordsOf(orderId, t.topics.paymentCommands, 'RefundPayment').length > COMPENSATION_ATTEMPTS + 1,
      { what: 'the refund re-sent past the quick attempts', timeoutMs: 10_000 },
    );

    expect((await t.order(orderId)).status).toBe('placed');
    expect(recordsOf(orderId, t.topics.orderEvents, 'OrderCancelled')).toEqual([]);
    expect(t.payment(orderId)).toMatchObject({ status: 'authorized', charges: 1, refunds: 0 });
    // Stock is released after the refund (reverse order), not before.
    expect(t.reservation(orderId)).toBe('reserved');
    const open = sagaStates(orderId);
    expect(open.map((s) => s.state)).not.toContain('COMPENSATION_FAILED');
    expect(open.at(-1)).toMatchObject({
      state: 'COMPENSATING',
      step: 'refund-payment',
      stepStatus: 'TIMED_OUT',
    });
    expect(open.at(-1)?.reason).toMatch(/unconfirmed after 5 attempts/);
    expect(open.at(-1)?.deadline).toBeDefined();

    t.shop.faults.update({ refundOutage: false });
    const [state] = await t.waitTerminal([orderId], 30_000);
    expect(state).toMatchObject({
      status: 'cancelled',
      reason: expect.stringContaining('timed out') as unknown,
    });
    // By the time the order says cancelled, the money is back and the stock released.
    expect(t.payment(orderId)).toMatchObject({ status: 'refunded', charges: 1, refunds: 1 });
    expect(t.reservation(orderId)).toBe('released');
    const states = sagaStates(orderId);
    expect(states.at(-1)).toMatchObject({ state: 'COMPENSATED', step: 'release-inventory' });
    expect(recordsOf(orderId, t.topics.orderEvents, 'OrderCancelled')).toHaveLength(1);
  });
});
