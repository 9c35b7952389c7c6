// The loyalty award's gating step (a choreographed flow, no orchestrator): points are awarded
// once an order's payment is authorised AND its stock reserved, whichever fact arrives first.
// OrderPlaced supplies the customer and total, and may itself arrive late (topics are read
// independently), so the gate waits for all three. Pure, so each arrival order is unit-tested.

export type GateFact = 'placed' | 'paid' | 'reserved';
export type Tier = 'standard' | 'gold' | 'platinum';

export interface GateState {
  readonly orderId: string;
  readonly customerId?: string;
  readonly total?: number;
  readonly facts: readonly GateFact[];
  readonly awarded: boolean;
}

export interface Award {
  readonly orderId: string;
  readonly customerId: string;
  readonly total: number;
}

export function arrive(
  prev: GateState | undefined,
  orderId: string,
  fact: GateFact,
  order?: { customerId: string; total: number },
): { state: GateState; award?: Award } {
  const base: GateState = prev ?? { orderId, facts: [], awarded: false };
  const state: GateState = {
    ...base,
    facts: base.facts.includes(fact) ? base.facts : [...base.facts, fact],
    ...(order && { customerId: order.customerId, total: order.total }),
  };
  const open = (['placed', 'paid', 'reserved'] as const).every((f) => state.facts.includes(f));
  if (!open || state.awarded || state.customerId === undefined || state.total === undefined) return { state };
  return {
    state: { ...state, awarded: true },
    award: { orderId, customerId: state.customerId, total: state.total },
  };
}

const MULTIPLIER: Record<Tier, number> = { standard: 1, gold: 2, platinum: 3 };

/** One point per whole currency unit, times the customer's tier multiplier. */
export const pointsFor = (total: number, tier: Tier | undefined) =>
  Math.floor(total) * MULTIPLIER[tier ?? 'standard'];
