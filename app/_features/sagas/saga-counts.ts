import type { SagaViewState } from '../../../lib/api/sagas.ts';

export const SAGA_STATE_ORDER: readonly SagaViewState[] = [
  'RUNNING',
  'STUCK',
  'COMPENSATING',
  'COMPLETED',
  'COMPENSATED',
  'FAILED',
  'COMPENSATION_FAILED',
];

/** The collector's flat (type, state, count) list as a type × state matrix, types sorted. */
export function countMatrix(counts: readonly { type: string; state: SagaViewState; count: number }[]) {
  const types = [...new Set(counts.map((c) => c.type))].sort();
  const cell = new Map(counts.map((c) => [`${c.type}\u0000${c.state}`, c.count]));
  return types.map((type) => ({
    type,
    total: SAGA_STATE_ORDER.reduce((a, s) => a + (cell.get(`${type}\u0000${s}`) ?? 0), 0),
    byState: SAGA_STATE_ORDER.map((state) => ({ state, count: cell.get(`${type}\u0000${state}`) ?? 0 })),
  }));
}

/** "due in 12 s" / "overdue by 3m 2s" for a deadline. */
export function deadlineText(deadline: number | null, now: number): { text: string; overdue: boolean } {
  if (deadline === null) return { text: 'no deadline', overdue: false };
  const diff = deadline - now;
  const secs = Math.abs(Math.round(diff / 1000));
  const human =
    secs < 60
      ? `${secs} s`
      : secs < 3600
        ? `${Math.floor(secs / 60)}m ${secs % 60}s`
        : `${Math.floor(secs / 3600)}h ${Math.floor((secs % 3600) / 60)}m`;
  return diff >= 0
    ? { text: `due in ${human}`, overdue: false }
    : { text: `overdue by ${human}`, overdue: true };
}
