import { z } from 'zod';
import type { ShopConfig } from '../config.ts';

// Runtime-adjustable faults. Defaults (from FAULT_* env) make a lively demo: mostly successes,
// some compensations, a trickle of retries and dead letters. The admin endpoint changes them
// while the shop runs. Deterministic test hooks by customer id prefix (see `customerHook`) apply
// whatever the rates are, so tests can script each outcome.

const rate = z.number().min(0).max(1);

export const faultSettingsSchema = z.strictObject({
  paymentDeclineRate: rate,
  inventoryShortageRate: rate,
  /** Share of payment authorisations that throw a non-retriable error (dead letter). */
  poisonRate: rate,
  /** Share of payment authorisations that fail with a retriable error (retry topic). */
  transientErrorRate: rate,
  /**
   * Every refund fails with a retriable error (the refund gateway is down): compensating sagas keep
   * re-sending and their orders stay open until it is switched off.
   */
  refundOutage: z.boolean(),
  processingDelayMs: z.number().int().min(0).max(600_000),
  /**
   * Consumers hold their batch: no handling, no commits, but they stay in their groups (they keep
   * heartbeating), as a consumer blocked on a dependency does. Lag grows; Burrow's status is STALL.
   */
  stallConsumer: z.boolean(),
  /**
   * Consumers leave their groups (as a crashed or scaled-to-zero service does) and join again when
   * switched off. Lag grows with no member; Burrow's status is STOP.
   */
  stopConsumer: z.boolean(),
  /** The process exits with status 1 on the next record any consumer takes. */
  crash: z.boolean(),
});
export type FaultSettings = z.infer<typeof faultSettingsSchema>;
export const faultPatchSchema = faultSettingsSchema.partial();
export type FaultPatch = z.infer<typeof faultPatchSchema>;

export interface FaultController {
  get(): FaultSettings;
  /** Applies a validated patch and returns the new settings. */
  update(patch: FaultPatch): FaultSettings;
  /** True with probability `rate` (the controller's random source, seedable in tests). */
  roll(rate: number): boolean;
  /** Calls `listener` after every update; returns the unsubscribe. */
  onChange(listener: (settings: FaultSettings) => void): () => void;
}

export function faultsFromConfig(config: ShopConfig): FaultSettings {
  return {
    paymentDeclineRate: config.FAULT_PAYMENT_DECLINE_RATE,
    inventoryShortageRate: config.FAULT_INVENTORY_SHORTAGE_RATE,
    poisonRate: config.FAULT_POISON_RATE,
    transientErrorRate: config.FAULT_TRANSIENT_ERROR_RATE,
    processingDelayMs: config.FAULT_PROCESSING_DELAY_MS,
    stallConsumer: config.FAULT_STALL_CONSUMER,
    stopConsumer: config.FAULT_STOP_CONSUMER,
    refundOutage: false,
    crash: false,
  };
}

export function createFaultController(
  initial: FaultSettings,
  random: () => number = Math.random,
): FaultController {
  let current: FaultSettings = { ...initial };
  const listeners = new Set<(settings: FaultSettings) => void>();
  return {
    get: () => ({ ...current }),
    update(patch) {
      current = { ...current, ...patch };
      for (const l of listeners) l({ ...current });
      return { ...current };
    },
    roll: (r) => r > 0 && random() < r,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Test hooks: an order whose customer id starts with one of these prefixes always takes that
 * path. `decline-` is declined by payment, `shortage-` fails inventory reservation, `poison-`
 * makes payment throw a non-retriable error (the command lands in `payment.commands-dlt`),
 * `flaky-` fails its first payment attempt with a retriable error (one trip through
 * `payment.commands-retry`), `unavailable-` fails every attempt retriably (retries, then DLT).
 */
export type CustomerHook = 'decline' | 'shortage' | 'poison' | 'flaky' | 'unavailable';
const HOOKS: readonly CustomerHook[] = ['decline', 'shortage', 'poison', 'flaky', 'unavailable'];

export function customerHook(customerId: string | undefined): CustomerHook | undefined {
  if (!customerId) return undefined;
  return HOOKS.find((h) => customerId.startsWith(`${h}-`));
}
