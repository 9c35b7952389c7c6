import { describe, expect, it } from 'vitest';
import {
  COMPENSATION_MAX_INTERVAL_MS,
  advance,
  compensationInterval,
  startSaga,
  type SagaData,
  type SagaEffect,
  type SagaInput,
  type Transition,
} from './saga.ts';

const DEADLINE = 1000;
const order = {
  orderId: 'o-1',
  customerId: 'c-1',
  items: [{ sku: 'sku-1', qty: 1, price: 10 }],
  total: 10,
  currency: 'EUR',
  paymentMethod: 'card' as const,
  express: false,
};

const commands = (effects: readonly SagaEffect[]) =>
  effects.flatMap((e) => (e.kind === 'command' ? [e.type] : []));
const outcome = (effects: readonly SagaEffect[]) => effects.find((e) => e.kind === 'outcome');

/** Feeds inputs in order; every one must apply. */
function run(inputs: SagaInput[], now = 0): { saga: SagaData; log: Transition[] } {
  let t = startSaga('s-1', order, now, DEADLINE);
  const log = [t];
  for (const input of inputs) {
    const next = advance(t.saga, input, now, DEADLINE);
    if (!next) throw new Error(`${input.kind} did not apply in ${t.saga.state}/${t.saga.step}`);
    t = next;
    log.push(t);
  }
  return { saga: t.saga, log };
}

describe('order-fulfilment saga', () => {
  it('runs reserve → authorize → ship and confirms the order', () => {
    const { saga, log } = run([
      { kind: 'InventoryReserved', reservationId: 'r-1' },
      { kind: 'PaymentAuthorized', paymentId: 'p-1' },
      { kind: 'ShipmentPrepared' },
    ]);
    expect(log.flatMap((t) => commands(t.effects))).toEqual([
      'ReserveInventory',
      'AuthorizePayment',
      'PrepareShipment',
    ]);
    expect(saga.state).toBe('COMPLETED');
    expect(saga.deadlineAt).toBeNull();
    expect(outcome(log.at(-1)!.effects)).toEqual({ kind: 'outcome', type: 'OrderConfirmed' });
  });

  it('releases the reservation when the payment is declined, then cancels with the reason', () => {
    const { saga, log } = run([
      { kind: 'InventoryReserved', reservationId: 'r-1' },
      { kind: 'PaymentDeclined', reason: 'insufficient funds' },
      { kind: 'InventoryReleased' },
    ]);
    expect(commands(log[2]!.effects)).toEqual(['ReleaseInventory']);
    expect(log[2]!.saga).toMatchObject({
      state: 'COMPENSATING',
      step: 'release-inventory',
      reservationId: 'r-1',
    });
    expect(saga.state).toBe('COMPENSATED');
    expect(outcome(log.at(-1)!.effects)).toMatchObject({
      type: 'OrderCancelled',
      reason: 'payment declined: insufficient funds',
    });
  });

  it('fails without compensation when the first step fails', () => {
    const { saga, log } = run([{ kind: 'InventoryReservationFailed', reason: 'out of stock' }]);
    expect(saga.state).toBe('FAILED');
    expect(commands(log[1]!.effects)).toEqual([]);
    expect(outcome(log[1]!.effects)).toMatchObject({ type: 'OrderCancelled' });
  });

  it('re-sends a step once after its deadline and carries on when the reply comes', () => {
    let t = startSaga('s-1', order, 0, DEADLINE);
    expect(advance(t.saga, { kind: 'DeadlinePassed' }, DEADLINE - 1, DEADLINE)).toBeUndefined();
    t = advance(t.saga, { kind: 'DeadlinePassed' }, DEADLINE, DEADLINE)!;
    expect(commands(t.effects)).toEqual(['ReserveInventory']);
    expect(t.effects[0]).toMatchObject({ kind: 'state', stepStatus: 'TIMED_OUT' });
    expect(t.saga).toMatchObject({ state: 'RUNNING', stepAttempt: 2, deadlineAt: 2 * DEADLINE });
    t = advance(t.saga, { kind: 'InventoryReserved', reservationId: 'r-1' }, 1500, DEADLINE)!;
    expect(t.saga).toMatchObject({ step: 'authorize-payment', stepAttempt: 1 });
  });

  it('compensates a step that never answered, in reverse order, after its second deadline', () => {
    let t = run([{ kind: 'InventoryReserved', reservationId: 'r-1' }]).log.at(-1)!;
    t = advance(t.saga, { kind: 'DeadlinePassed' }, DEADLINE, DEADLINE)!;
    t = advance(t.saga, { kind: 'DeadlinePassed' }, 2 * DEADLINE, DEADLINE)!;
    // The payment may have happened: refund it (a no-op if not), then release the stock.
    expect(t.saga).toMatchObject({
      state: 'COMPENSATING',
      step: 'refund-payment',
      pending: ['refund-payment', 'release-inventory'],
    });
    expect(commands(t.effects)).toEqual(['RefundPayment']);
    // A payment reply after the saga gave up on the step changes nothing.
    expect(
      advance(t.saga, { kind: 'PaymentAuthorized', paymentId: 'p-late' }, 2500, DEADLINE),
    ).toBeUndefined();
    t = advance(t.saga, { kind: 'PaymentRefunded' }, 2500, DEADLINE)!;
    expect(commands(t.effects)).toEqual(['ReleaseInventory']);
    t = advance(t.saga, { kind: 'InventoryReleased' }, 2600, DEADLINE)!;
    expect(t.saga.state).toBe('COMPENSATED');
    const cancelled = outcome(t.effects);
    expect(cancelled?.kind === 'outcome' && cancelled.type).toBe('OrderCancelled');
    expect(cancelled?.kind === 'outcome' && cancelled.reason).toContain('authorize-payment timed out');
  });

  it('keeps re-sending an unconfirmed refund with backoff, and cancels the order only once it is confirmed', () => {
    // Paid, then the shipment never answers: the charge must be refunded and the stock released.
    let t = run([
      { kind: 'InventoryReserved', reservationId: 'r-1' },
      { kind: 'PaymentAuthorized', paymentId: 'p-1' },
    ]).log.at(-1)!;
    t = advance(t.saga, { kind: 'DeadlinePassed' }, t.saga.deadlineAt!, DEADLINE)!;
    t = advance(t.saga, { kind: 'DeadlinePassed' }, t.saga.deadlineAt!, DEADLINE)!;
    expect(t.saga).toMatchObject({ state: 'COMPENSATING', step: 'refund-payment' });
    expect(commands(t.effects)).toEqual(['RefundPayment']);

    // The refund gateway is down for a long time: far past the five sends after which the saga
    // used to give up and cancel the order with its money still held.
    const sentAt = [t.saga.deadlineAt! - DEADLINE];
    const timedOut: string[] = [];
    for (let i = 0; i < 20; i++) {
      const at = t.saga.deadlineAt!;
      t = advance(t.saga, { kind: 'DeadlinePassed' }, at, DEADLINE)!;
      expect(t.saga).toMatchObject({
        state: 'COMPENSATING',
        step: 'refund-payment',
        reason: expect.stringContaining('prepare-shipment timed out') as unknown,
      });
      expect(commands(t.effects)).toEqual(['RefundPayment']);
      expect(outcome(t.effects)).toBeUndefined();
      sentAt.push(at);
      for (const e of t.effects) if (e.kind === 'state') timedOut.push(`${e.stepStatus}: ${e.reason ?? ''}`);
    }
    const gaps = sentAt.slice(1).map((at, i) => (at - sentAt[i]!) / DEADLINE);
    // Five sends a deadline apart, then doubling up to five minutes.
    expect(gaps.slice(0, 10)).toEqual([1, 1, 1, 1, 1, 2, 4, 8, 16, 32]);
    expect(gaps.at(-1)).toBe(COMPENSATION_MAX_INTERVAL_MS / DEADLINE);
    expect(Math.max(...gaps)).toBe(COMPENSATION_MAX_INTERVAL_MS / DEADLINE);
    // One state record per fast re-send and one for the move to backoff; then none, so the saga's
    // last deadline passes with no transition and the collector shows it STUCK.
    expect(timedOut).toHaveLength(5);
    expect(timedOut.at(-1)).toMatch(/refund-payment unconfirmed after 5 attempts.*order stays open/);

    // Late, the refund is confirmed: the compensation goes on, and only now is the order cancelled.
    const late = t.saga.deadlineAt! - 1;
    t = advance(t.saga, { kind: 'PaymentRefunded' }, late, DEADLINE)!;
    expect(t.saga).toMatchObject({ state: 'COMPENSATING', step: 'release-inventory', stepAttempt: 1 });
    expect(commands(t.effects)).toEqual(['ReleaseInventory']);
    expect(outcome(t.effects)).toBeUndefined();
    t = advance(t.saga, { kind: 'InventoryReleased' }, late + 1, DEADLINE)!;
    expect(t.saga.state).toBe('COMPENSATED');
    expect(outcome(t.effects)).toMatchObject({
      type: 'OrderCancelled',
      reason: expect.stringContaining('prepare-shipment timed out') as unknown,
    });
  });

  it('backs off an unconfirmed compensation from the step deadline up to the cap', () => {
    expect([1, 5, 6, 7, 8].map((a) => compensationInterval(a, DEADLINE))).toEqual([
      1000, 1000, 2000, 4000, 8000,
    ]);
    expect(compensationInterval(60, DEADLINE)).toBe(COMPENSATION_MAX_INTERVAL_MS);
    // A deadline longer than the cap is never shortened.
    expect(compensationInterval(9, 10 * COMPENSATION_MAX_INTERVAL_MS)).toBe(
      10 * COMPENSATION_MAX_INTERVAL_MS,
    );
  });

  it('ignores duplicate, out-of-step and post-terminal replies', () => {
    const { saga, log } = run([{ kind: 'InventoryReserved', reservationId: 'r-1' }]);
    expect(advance(saga, { kind: 'InventoryReserved', reservationId: 'r-1' }, 0, DEADLINE)).toBeUndefined();
    expect(advance(saga, { kind: 'ShipmentPrepared' }, 0, DEADLINE)).toBeUndefined();
    expect(advance(saga, { kind: 'PaymentRefunded' }, 0, DEADLINE)).toBeUndefined();
    expect(log).toHaveLength(2);
    const done = run([
      { kind: 'InventoryReserved', reservationId: 'r-1' },
      { kind: 'PaymentAuthorized', paymentId: 'p-1' },
      { kind: 'ShipmentPrepared' },
    ]).saga;
    expect(advance(done, { kind: 'DeadlinePassed' }, 1e9, DEADLINE)).toBeUndefined();
    expect(advance(done, { kind: 'PaymentDeclined', reason: 'late' }, 0, DEADLINE)).toBeUndefined();
  });

  it('reports every transition as a state record with the step and its status', () => {
    const { log } = run([
      { kind: 'InventoryReserved', reservationId: 'r-1' },
      { kind: 'PaymentDeclined', reason: 'no' },
      { kind: 'InventoryReleased' },
    ]);
    const states = log.flatMap((t) =>
      t.effects.flatMap((e) => (e.kind === 'state' ? [`${e.step}:${e.stepStatus}`] : [])),
    );
    expect(states).toEqual([
      'reserve-inventory:STARTED',
      'reserve-inventory:SUCCEEDED',
      'authorize-payment:STARTED',
      'authorize-payment:FAILED',
      'release-inventory:COMPENSATING',
      'release-inventory:COMPENSATED',
    ]);
  });
});
