import type { LagStatus } from '../../lib/api/consumers.ts';

// Burrow-style evaluation of one partition of one consumer group, from what the lag poller saw.
// Each poll appends an observation (committed offset, offset lag, time) to a bounded window
// (the last `windowSize` polls). The rules, checked in this order (the first that matches wins);
// `last` is the newest observation and `stuckFor` is how long the committed offset has stayed the
// same while lag was > 0 (any commit change or a poll with lag 0 restarts it):
//
//   1. last.lag = 0                                        → OK      nothing to read, whatever came before
//   2. a step of the window moved the committed offset
//      backwards                                           → REWIND  (steps to or from -1 = "no commit"
//                                                                     are not rewinds: offsets expire)
//   3. the group has no members and
//      stuckFor ≥ max(window span, stopAfterMinMs)         → STOP    the consumer is gone
//   4. stuckFor ≥ stallAfterMs, or the window is full, its
//      committed offset never changed and lag > 0 all along → STALL   commits stopped moving
//   5. lag = 0 at some point of the window                 → OK      it keeps catching up
//   6. the window is full, the committed offset advanced
//      over it and lag never decreased from one poll to
//      the next                                            → WARN    consuming, but falling behind
//   7. otherwise                                           → OK
//
// Where this departs from Burrow, and why: Burrow checks "lag was zero somewhere in the window"
// first; here REWIND, STOP and STALL come before it, so a consumer that was caught up a minute ago
// and then hung shows STALL after `stallAfterMs` instead of a whole window later. A group that has
// never committed on a partition (committed -1, lag = everything retained, high − low) is a
// committed offset that never moves: STALL while it has members, STOP once it has none.
// The window span is the time between its oldest and newest observation; the floor
// `stopAfterMinMs` (3 poll intervals by default) keeps a young window from calling STOP at once.

export interface Observation {
  readonly committed: number;
  readonly lag: number;
  readonly at: number;
}

export interface PartitionHistory {
  readonly window: Observation[];
  /** Start of the current run of polls with an unchanged committed offset and lag > 0. */
  stuckSince: number | null;
}

export interface EvaluationParams {
  readonly windowSize: number;
  readonly stallAfterMs: number;
  readonly stopAfterMinMs: number;
  readonly hasMembers: boolean;
}

/** Status order, best first: the group's status is its worst partition's. */
export const STATUS_SEVERITY: Readonly<Record<LagStatus, number>> = {
  OK: 0,
  WARN: 1,
  REWIND: 2,
  STALL: 3,
  STOP: 4,
};

export const newHistory = (): PartitionHistory => ({ window: [], stuckSince: null });

export function observe(h: PartitionHistory, obs: Observation, windowSize: number): void {
  const prev = h.window[h.window.length - 1];
  if (obs.lag <= 0) h.stuckSince = null;
  else if (!prev || prev.committed !== obs.committed || h.stuckSince === null) h.stuckSince = obs.at;
  h.window.push(obs);
  if (h.window.length > windowSize) h.window.splice(0, h.window.length - windowSize);
}

export function evaluate(h: PartitionHistory, p: EvaluationParams): LagStatus {
  const w = h.window;
  const last = w[w.length - 1];
  if (!last || last.lag <= 0) return 'OK';

  for (let i = 1; i < w.length; i++) {
    const a = w[i - 1]!.committed;
    const b = w[i]!.committed;
    if (a >= 0 && b >= 0 && b < a) return 'REWIND';
  }

  const stuckFor = h.stuckSince === null ? 0 : last.at - h.stuckSince;
  const span = last.at - w[0]!.at;
  if (!p.hasMembers && h.stuckSince !== null && stuckFor >= Math.max(span, p.stopAfterMinMs)) return 'STOP';

  const full = w.length >= p.windowSize;
  const neverMoved = w.every((o) => o.committed === last.committed && o.lag > 0);
  if ((h.stuckSince !== null && stuckFor >= p.stallAfterMs) || (full && neverMoved)) return 'STALL';

  if (w.some((o) => o.lag <= 0)) return 'OK';

  if (full && last.committed > w[0]!.committed) {
    let decreased = false;
    for (let i = 1; i < w.length && !decreased; i++) decreased = w[i]!.lag < w[i - 1]!.lag;
    if (!decreased) return 'WARN';
  }
  return 'OK';
}

export const worstStatus = (statuses: Iterable<LagStatus>): LagStatus => {
  let worst: LagStatus = 'OK';
  for (const s of statuses) if (STATUS_SEVERITY[s] > STATUS_SEVERITY[worst]) worst = s;
  return worst;
};
