import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.ts';
import type { SagaEvent } from '../store/types.ts';
import { evaluateChoreographed } from './choreographed.ts';
import { loadSagaDefinitions, parseSagaDefinitions, type SagaDefinition } from './definitions.ts';
import { evaluateOrchestrated } from './orchestrated.ts';

const shop = loadSagaDefinitions(undefined);
const loyalty = shop.find((d) => d.type === 'loyalty-award')!;
let seq = 0;
const ev = (type: string, at: number, data: object | null = null, step: string | null = null): SagaEvent => ({
  sagaId: 's',
  recordSeq: ++seq,
  recordId: `t:0:${seq}`,
  type,
  at,
  step,
  data: data && JSON.stringify(data),
});

describe('saga definitions', () => {
  it('ships valid definitions for the shop flows', () => {
    expect(shop.map((d) => [d.type, d.mode])).toEqual([
      ['order-fulfilment', 'orchestrated'],
      ['loyalty-award', 'choreographed'],
    ]);
  });

  it('rejects a broken file with a message naming each problem', () => {
    const bad = {
      version: 1,
      sagas: [
        { type: 'x', startedBy: ['A'], steps: [{ name: 'a', completedBy: ['B'], after: ['later'] }] },
        { type: 'x', startedBy: [], steps: [] },
      ],
    };
    expect(() => parseSagaDefinitions(bad)).toThrow(ConfigError);
    try {
      parseSagaDefinitions(bad);
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toMatch(/sagas\.0\.steps\.0\.after: "later" is not an earlier step/);
      expect(msg).toMatch(/sagas\.1\.type: duplicate saga type "x"/);
      expect(msg).toMatch(/sagas\.1\.startedBy/);
      expect(msg).toMatch(/sagas\.1\.steps: a choreographed saga needs at least one step/);
    }
  });
});

describe('choreographed sagas', () => {
  it('waits at the gate until both events arrived, in either order, then completes', () => {
    const running = evaluateChoreographed('l', loyalty, 'o1', [
      ev('OrderPlaced', 100),
      ev('InventoryReserved', 120),
    ])!;
    expect(running.state).toBe('RUNNING');
    expect(running.steps.map((s) => s.status)).toEqual(['STARTED', 'SUCCEEDED', 'PENDING']);
    expect(running.nextExpected?.events).toEqual(['PaymentAuthorized', 'PaymentDeclined']);
    expect(running.deadline).toBe(100 + 30_000);

    const gated = evaluateChoreographed('l', loyalty, 'o1', [
      ev('PaymentAuthorized', 130),
      ev('OrderPlaced', 100),
      ev('InventoryReserved', 120),
    ])!;
    expect(gated.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'STARTED']);
    expect(gated.currentStep).toBe('award-points');
    expect(gated.nextExpected?.events).toEqual(['LoyaltyPointsAwarded']);

    const done = evaluateChoreographed('l', loyalty, 'o1', [
      ev('LoyaltyPointsAwarded', 140),
      ev('PaymentAuthorized', 130),
      ev('InventoryReserved', 120),
      ev('OrderPlaced', 100),
    ])!;
    expect(done.state).toBe('COMPLETED');
    expect(done.nextExpected).toBeNull();
    expect(done.deadline).toBeNull();
    expect(done.history.map((h) => h.state)).toEqual([
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'COMPLETED',
    ]);
  });

  it('fails when a step fails and nothing declares a compensation', () => {
    const s = evaluateChoreographed('l', loyalty, 'o2', [
      ev('OrderPlaced', 1),
      ev('InventoryReserved', 2),
      ev('PaymentDeclined', 3),
    ])!;
    expect(s.state).toBe('FAILED');
    expect(s.reason).toMatch(/PaymentDeclined failed step payment-authorized/);
    expect(s.steps.map((x) => x.status)).toEqual(['FAILED', 'SUCCEEDED', 'SKIPPED']);
  });

  it('fails when the flow is cancelled before the gate opened', () => {
    const s = evaluateChoreographed('l', loyalty, 'o3', [
      ev('OrderPlaced', 1),
      ev('InventoryReserved', 2),
      ev('OrderCancelled', 9),
    ])!;
    expect(s.state).toBe('FAILED');
    expect(s.reason).toBe('OrderCancelled ended the saga');
    expect(s.steps.map((x) => x.status)).toEqual(['SKIPPED', 'SUCCEEDED', 'SKIPPED']);
    expect(s.nextExpected).toBeNull();
  });

  it('compensates succeeded steps in a failure, then reports COMPENSATED', () => {
    const def: SagaDefinition = parseSagaDefinitions({
      version: 1,
      sagas: [
        {
          type: 'trip',
          startedBy: ['TripRequested'],
          deadlineMs: 1000,
          steps: [
            {
              name: 'hotel',
              completedBy: ['HotelBooked'],
              failedBy: ['HotelFull'],
              compensatedBy: ['HotelCancelled'],
            },
            {
              name: 'flight',
              completedBy: ['FlightBooked'],
              failedBy: ['FlightFull'],
              compensatedBy: ['FlightCancelled'],
            },
          ],
        },
      ],
    })[0]!;
    const events = [ev('TripRequested', 0), ev('HotelBooked', 10), ev('FlightFull', 20)];
    const comp = evaluateChoreographed('trip:1', def, '1', events)!;
    expect(comp.state).toBe('COMPENSATING');
    expect(comp.steps.map((s) => s.status)).toEqual(['COMPENSATING', 'FAILED']);
    expect(comp.nextExpected).toEqual({ events: ['HotelCancelled'], deadline: 20 + 1000 });
    const done = evaluateChoreographed('trip:1', def, '1', [...events, ev('HotelCancelled', 30)])!;
    expect(done.state).toBe('COMPENSATED');
    expect(done.steps[0]).toMatchObject({ status: 'COMPENSATED', compensation: true });
  });
});

describe('orchestrated sagas', () => {
  const change = (state: string, step: string, stepStatus: string, at: number, extra: object = {}) =>
    ev('SagaStateChanged', at, {
      sagaId: 's1',
      sagaType: 'order-fulfilment',
      orderId: 'o1',
      state,
      step,
      stepStatus,
      at: new Date(at).toISOString(),
      ...extra,
    });
  const def = (t: string) => shop.find((d) => d.type === t);

  it('replays the saga records in event order whatever order they arrived in', () => {
    const events = [
      change('RUNNING', 'authorize-payment', 'STARTED', 3000, { deadline: new Date(13_000).toISOString() }),
      change('RUNNING', 'reserve-inventory', 'STARTED', 1000),
      change('RUNNING', 'reserve-inventory', 'SUCCEEDED', 2000),
    ];
    const s = evaluateOrchestrated('s1', events, def)!;
    expect(s.state).toBe('RUNNING');
    expect(s.currentStep).toBe('authorize-payment');
    expect(s.deadline).toBe(13_000);
    expect(s.steps.map((x) => [x.name, x.status])).toEqual([
      ['reserve-inventory', 'SUCCEEDED'],
      ['authorize-payment', 'STARTED'],
      ['prepare-shipment', 'PENDING'],
    ]);
    expect(s.nextExpected).toEqual({ events: ['PaymentAuthorized', 'PaymentDeclined'], deadline: 13_000 });
  });

  it('ignores records that are not valid saga state changes', () => {
    expect(evaluateOrchestrated('s1', [ev('SagaStateChanged', 1, { nope: true })], def)).toBeUndefined();
  });
});
