import { describe, expect, it } from 'vitest';
import { loadSagaDefinitions } from '../sagas/definitions.ts';
import type { SagaRow } from '../store/types.ts';
import { chainOutcome, type OutcomeConfig } from './outcome.ts';

const cfg: OutcomeConfig = {
  terminalTypes: ['OrderConfirmed', 'OrderCancelled'],
  failureTypes: ['OrderCancelled'],
  sagaDefinitions: loadSagaDefinitions(undefined),
};
let seq = 0;
const rec = (ceType: string, timestamp: number, extra: { isDlq?: boolean } = {}) => ({
  ceType,
  timestamp,
  seq: ++seq,
  topic: 'orders.events',
  partition: 0,
  offset: seq,
  isDlq: extra.isDlq ?? false,
  isRetry: false,
});
const saga = (type: string, reason: string | null = null) => ({ type, reason }) as SagaRow;

describe('chain outcome', () => {
  it('is failed with the payload reason, else the saga reason, for a failure-terminal event', () => {
    const records = [rec('OrderPlaced', 1), rec('OrderCancelled', 5)];
    expect(
      chainOutcome(records, [saga('order-fulfilment', 'payment declined')], cfg, 'card declined'),
    ).toEqual({
      kind: 'failed',
      event: 'OrderCancelled',
      reason: 'card declined',
    });
    expect(chainOutcome(records, [saga('order-fulfilment', 'payment declined')], cfg, null).reason).toBe(
      'payment declined',
    );
  });

  it('is succeeded for another terminal event; a dead-lettered copy is not the end', () => {
    expect(chainOutcome([rec('OrderPlaced', 1), rec('OrderConfirmed', 3)], [], cfg, null).kind).toBe(
      'succeeded',
    );
    expect(
      chainOutcome([rec('OrderPlaced', 1), rec('OrderCancelled', 3, { isDlq: true })], [], cfg, null).kind,
    ).toBe('open');
  });

  it('says an order was not started by the orchestrator while its saga does not exist', () => {
    // A profile update before the order comes first in the chain; the order still counts.
    const placed = [rec('CustomerProfileUpdated', 0), rec('OrderPlaced', 1)];
    expect(chainOutcome(placed, [saga('loyalty-award')], cfg, null)).toEqual({
      kind: 'open',
      event: null,
      reason: 'not started by orchestrator: OrderPlaced on orders.events has no order-fulfilment saga yet',
    });
    expect(chainOutcome(placed, [saga('order-fulfilment')], cfg, null).reason).toBeNull();
  });
});
