import { z } from 'zod';
import { orderItemSchema, TERMINAL_SAGA_STATES } from '../../lib/events/shop-events.ts';

// The order-fulfilment saga as a pure state machine: (saga, input, now) -> (saga', effects).
// No I/O here, so every path (success, failure, deadline retry, compensation, late replies) is
// unit-tested directly; the service persists the saga and turns effects into outbox records.
//
//   RUNNING: reserve-inventory -> authorize-payment -> prepare-shipment -> COMPLETED (OrderConfirmed)
//   a failure reply, or a second missed deadline, compensates in reverse:
//   COMPENSATING: refund-payment (if paid) -> release-inventory (if reserved) -> COMPENSATED (OrderCancelled)
//   nothing to compensate -> FAILED (OrderCancelled).
// A step whose reply is missing is compensated too (it may have happened), which is safe because
// compensations are idempotent and a no-op for work that was never done.
//
// A compensation is never given up on: the order is cancelled only once every compensation has been
// confirmed, so "cancelled" always means the money is back and the stock released. One without a
// reply is re-sent at each deadline COMPENSATION_ATTEMPTS times, then with a doubling interval (at
// most COMPENSATION_MAX_INTERVAL_MS) for as long as it takes; the saga stays COMPENSATING and the
// order open meanwhile. The move to backing off is the last state record until the reply: its
// deadline passes with no transition, so the collector shows the saga STUCK, which is what an
// operator should look at. (COMPENSATION_FAILED stays a terminal state for sagas stored by earlier
// versions, which gave up and cancelled the order with its refund still queued.)

export const FORWARD_STEPS = ['reserve-inventory', 'authorize-payment', 'prepare-shipment'] as const;
export const COMPENSATION_STEPS = ['refund-payment', 'release-inventory'] as const;
export type ForwardStep = (typeof FORWARD_STEPS)[number];
export type CompensationStep = (typeof COMPENSATION_STEPS)[number];
export type SagaStep = ForwardStep | CompensationStep;
export type StepStatus = 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'COMPENSATING' | 'COMPENSATED';

/** A forward step is sent at most twice (one retry after a missed deadline). */
export const FORWARD_ATTEMPTS = 2;
/** Compensations must happen: sent this many times at the step deadline, then with backoff until confirmed. */
export const COMPENSATION_ATTEMPTS = 5;
/** The longest wait between two sends of an unconfirmed compensation (never shorter than the deadline). */
export const COMPENSATION_MAX_INTERVAL_MS = 5 * 60_000;

const forwardStep = z.enum(FORWARD_STEPS);
const compensationStep = z.enum(COMPENSATION_STEPS);

export const sagaOrderSchema = z.object({
  orderId: z.string(),
  customerId: z.string(),
  items: z.array(orderItemSchema),
  total: z.number(),
  currency: z.string(),
  paymentMethod: z.enum(['card', 'wallet', 'bank-transfer']),
  express: z.boolean(),
});
export type SagaOrder = z.infer<typeof sagaOrderSchema>;

export const sagaDataSchema = z.object({
  sagaId: z.string(),
  order: sagaOrderSchema,
  state: z.enum(['RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'FAILED', 'COMPENSATION_FAILED']),
  step: z.union([forwardStep, compensationStep]),
  stepAttempt: z.number().int(),
  deadlineAt: z.number().nullable(),
  completed: z.array(forwardStep),
  pending: z.array(compensationStep),
  reservationId: z.string().optional(),
  paymentId: z.string().optional(),
  reason: z.string().optional(),
});
export type SagaData = z.infer<typeof sagaDataSchema>;

export type SagaCommand =
  | {
      kind: 'command';
      step: SagaStep;
      type:
        'ReserveInventory' | 'AuthorizePayment' | 'PrepareShipment' | 'RefundPayment' | 'ReleaseInventory';
    }
  | { kind: 'state'; step: SagaStep; stepStatus: StepStatus; reason?: string }
  | { kind: 'outcome'; type: 'OrderConfirmed' | 'OrderCancelled'; reason?: string };
export type SagaEffect = SagaCommand;

export type SagaInput =
  | { kind: 'InventoryReserved'; reservationId: string }
  | { kind: 'InventoryReservationFailed'; reason: string }
  | { kind: 'PaymentAuthorized'; paymentId: string }
  | { kind: 'PaymentDeclined'; reason: string }
  | { kind: 'ShipmentPrepared' }
  | { kind: 'PaymentRefunded' }
  | { kind: 'InventoryReleased' }
  | { kind: 'DeadlinePassed' };

export interface Transition {
  readonly saga: SagaData;
  readonly effects: readonly SagaEffect[];
}

const COMMAND_OF: Record<SagaStep, Extract<SagaEffect, { kind: 'command' }>['type']> = {
  'reserve-inventory': 'ReserveInventory',
  'authorize-payment': 'AuthorizePayment',
  'prepare-shipment': 'PrepareShipment',
  'refund-payment': 'RefundPayment',
  'release-inventory': 'ReleaseInventory',
};

const SUCCESS_OF: Partial<Record<SagaInput['kind'], SagaStep>> = {
  InventoryReserved: 'reserve-inventory',
  PaymentAuthorized: 'authorize-payment',
  ShipmentPrepared: 'prepare-shipment',
  PaymentRefunded: 'refund-payment',
  InventoryReleased: 'release-inventory',
};
const FAILURE_OF: Partial<Record<SagaInput['kind'], ForwardStep>> = {
  InventoryReservationFailed: 'reserve-inventory',
  PaymentDeclined: 'authorize-payment',
};

const command = (step: SagaStep): SagaEffect => ({ kind: 'command', step, type: COMMAND_OF[step] });

export function startSaga(sagaId: string, order: SagaOrder, now: number, deadlineMs: number): Transition {
  const saga: SagaData = {
    sagaId,
    order,
    state: 'RUNNING',
    step: 'reserve-inventory',
    stepAttempt: 1,
    deadlineAt: now + deadlineMs,
    completed: [],
    pending: [],
  };
  return { saga, effects: [{ kind: 'state', step: saga.step, stepStatus: 'STARTED' }, command(saga.step)] };
}

/** The next transition, or undefined when the input does not apply (late, duplicate, or after the end). */
export function advance(
  saga: SagaData,
  input: SagaInput,
  now: number,
  deadlineMs: number,
): Transition | undefined {
  if (TERMINAL_SAGA_STATES.has(saga.state)) return undefined;
  if (input.kind === 'DeadlinePassed') return onDeadline(saga, now, deadlineMs);
  if (SUCCESS_OF[input.kind] === saga.step) return onSuccess(saga, input, now, deadlineMs);
  if (saga.state === 'RUNNING' && FAILURE_OF[input.kind] === saga.step) {
    const reason = 'reason' in input ? input.reason : 'failed';
    const why =
      saga.step === 'reserve-inventory'
        ? `inventory reservation failed: ${reason}`
        : `payment declined: ${reason}`;
    return compensate(
      saga,
      [{ kind: 'state', step: saga.step, stepStatus: 'FAILED', reason: why }],
      why,
      undefined,
      now,
      deadlineMs,
    );
  }
  return undefined;
}

function onSuccess(saga: SagaData, input: SagaInput, now: number, deadlineMs: number): Transition {
  const ids = {
    ...(input.kind === 'InventoryReserved' && { reservationId: input.reservationId }),
    ...(input.kind === 'PaymentAuthorized' && { paymentId: input.paymentId }),
  };
  if (saga.state === 'COMPENSATING') {
    const [, ...rest] = saga.pending;
    const done: SagaEffect = { kind: 'state', step: saga.step, stepStatus: 'COMPENSATED' };
    if (rest.length) return nextCompensation({ ...saga, pending: rest }, [done], now, deadlineMs);
    const finished: SagaData = { ...saga, state: 'COMPENSATED', pending: [], deadlineAt: null };
    return {
      saga: finished,
      effects: [
        { ...done, ...(saga.reason && { reason: saga.reason }) },
        { kind: 'outcome', type: 'OrderCancelled', reason: saga.reason ?? 'cancelled' },
      ],
    };
  }
  const step = forwardStep.parse(saga.step);
  const completed = [...saga.completed, step];
  const done: SagaEffect = { kind: 'state', step, stepStatus: 'SUCCEEDED' };
  const next = FORWARD_STEPS[FORWARD_STEPS.indexOf(step) + 1];
  if (!next) {
    return {
      saga: { ...saga, ...ids, completed, state: 'COMPLETED', deadlineAt: null },
      effects: [done, { kind: 'outcome', type: 'OrderConfirmed' }],
    };
  }
  return {
    saga: { ...saga, ...ids, completed, step: next, stepAttempt: 1, deadlineAt: now + deadlineMs },
    effects: [done, { kind: 'state', step: next, stepStatus: 'STARTED' }, command(next)],
  };
}

/** How long after its `attempt`-th send a compensation is sent again. */
export function compensationInterval(attempt: number, deadlineMs: number): number {
  if (attempt <= COMPENSATION_ATTEMPTS) return deadlineMs;
  const cap = Math.max(deadlineMs, COMPENSATION_MAX_INTERVAL_MS);
  return Math.min(cap, deadlineMs * 2 ** Math.min(30, attempt - COMPENSATION_ATTEMPTS));
}

function onDeadline(saga: SagaData, now: number, deadlineMs: number): Transition | undefined {
  if (saga.deadlineAt === null || now < saga.deadlineAt) return undefined;
  if (saga.state === 'COMPENSATING') return resendCompensation(saga, now, deadlineMs);
  const waited = `no reply to ${COMMAND_OF[saga.step]} within ${deadlineMs} ms`;
  if (saga.stepAttempt < FORWARD_ATTEMPTS) {
    const attempt = saga.stepAttempt + 1;
    return {
      saga: { ...saga, stepAttempt: attempt, deadlineAt: now + deadlineMs },
      effects: [
        {
          kind: 'state',
          step: saga.step,
          stepStatus: 'TIMED_OUT',
          reason: `${waited}; re-sent (attempt ${attempt})`,
        },
        command(saga.step),
      ],
    };
  }
  const step = forwardStep.parse(saga.step);
  const reason = `${step} timed out: ${waited} after ${FORWARD_ATTEMPTS} attempts`;
  return compensate(
    saga,
    [{ kind: 'state', step, stepStatus: 'TIMED_OUT', reason }],
    reason,
    step,
    now,
    deadlineMs,
  );
}

/**
 * Sends an unanswered compensation again (the participant applies it once however often it comes).
 * The saga and the order stay open: only the compensation's reply moves them on.
 */
function resendCompensation(saga: SagaData, now: number, deadlineMs: number): Transition {
  const attempt = saga.stepAttempt + 1;
  const next: SagaData = {
    ...saga,
    stepAttempt: attempt,
    deadlineAt: now + compensationInterval(attempt, deadlineMs),
  };
  const waited = `no reply to ${COMMAND_OF[saga.step]} within ${deadlineMs} ms`;
  if (saga.stepAttempt > COMPENSATION_ATTEMPTS) return { saga: next, effects: [command(saga.step)] };
  const reason =
    saga.stepAttempt < COMPENSATION_ATTEMPTS
      ? `${waited}; re-sent (attempt ${attempt})`
      : `compensation ${saga.step} unconfirmed after ${saga.stepAttempt} attempts (${waited}); re-sending with backoff until it is, the order stays open`;
  return {
    saga: next,
    effects: [{ kind: 'state', step: saga.step, stepStatus: 'TIMED_OUT', reason }, command(saga.step)],
  };
}

/** Starts compensation in reverse order; `unknownStep` timed out, so it may have happened and is undone too. */
function compensate(
  saga: SagaData,
  effects: SagaEffect[],
  reason: string,
  unknownStep: ForwardStep | undefined,
  now: number,
  deadlineMs: number,
): Transition {
  const touched = (s: ForwardStep) => saga.completed.includes(s) || unknownStep === s;
  const pending: CompensationStep[] = [];
  if (touched('authorize-payment')) pending.push('refund-payment');
  if (touched('reserve-inventory')) pending.push('release-inventory');
  if (!pending.length) {
    return {
      saga: { ...saga, state: 'FAILED', deadlineAt: null, reason },
      effects: [...effects, { kind: 'outcome', type: 'OrderCancelled', reason }],
    };
  }
  return nextCompensation({ ...saga, state: 'COMPENSATING', reason, pending }, effects, now, deadlineMs);
}

function nextCompensation(
  saga: SagaData,
  effects: SagaEffect[],
  now: number,
  deadlineMs: number,
): Transition {
  const step = saga.pending[0]!;
  return {
    saga: { ...saga, step, stepAttempt: 1, deadlineAt: now + deadlineMs },
    effects: [...effects, { kind: 'state', step, stepStatus: 'COMPENSATING' }, command(step)],
  };
}
