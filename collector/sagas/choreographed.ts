import type { SagaState } from '../../lib/events/shop-events.ts';
import type { SagaEvent, SagaHistoryEntry, SagaRow, SagaStepView } from '../store/types.ts';
import type { SagaDefinition } from './definitions.ts';

// A choreographed saga has no orchestrator telling us its state, so the instance is derived from
// the definition and every event of the flow for one correlation id, replayed in event-time order
// (ingest order across topics is arbitrary). Steps start when the steps they come `after`
// succeeded; a failure compensates the succeeded steps that declare a compensation, or fails the
// saga when there is nothing to undo.

type StepState = SagaStepView & { recordIds: string[] };

export function evaluateChoreographed(
  sagaId: string,
  def: SagaDefinition,
  correlationId: string,
  events: readonly SagaEvent[],
): SagaRow | undefined {
  const sorted = [...events].sort((a, b) => a.at - b.at || a.recordSeq - b.recordSeq);
  const first = sorted[0];
  const lastEvent = sorted[sorted.length - 1];
  if (!first || !lastEvent) return undefined;
  const forward = def.steps.filter((s) => !s.compensation);
  const steps: StepState[] = forward.map((s) => ({
    name: s.name,
    status: 'PENDING',
    startedAt: null,
    endedAt: null,
    compensation: false,
    recordIds: [],
  }));
  const after = forward.map((s, i) => s.after ?? (i > 0 ? [forward[i - 1]!.name] : []));
  const history: SagaHistoryEntry[] = [];
  let state: SagaState = 'RUNNING';
  let reason: string | null = null;
  let failedAt: number | null = null;
  let updatedAt = first.at;
  const push = (at: number, step: string | null, e: SagaEvent, why: string | null = null) =>
    history.push({ at, state, step, event: e.type, reason: why, recordId: e.recordId });

  /** Skips what has not run yet and compensates what succeeded; FAILED when nothing is to undo. */
  const fail = (e: SagaEvent, why: string, step: string | null): SagaState => {
    reason = why;
    failedAt = e.at;
    for (const other of steps)
      if (other.status === 'PENDING' || other.status === 'STARTED') other.status = 'SKIPPED';
    const undo = forward
      .map((x, j) => ({ x, st: steps[j]! }))
      .filter(({ x, st }) => st.status === 'SUCCEEDED' && x.compensatedBy.length);
    for (const { st } of undo) {
      st.status = 'COMPENSATING';
      st.compensation = true;
    }
    const next: SagaState = undo.length ? 'COMPENSATING' : 'FAILED';
    history.push({ at: e.at, state: next, step, event: e.type, reason: why, recordId: e.recordId });
    return next;
  };
  const startReady = (at: number) => {
    steps.forEach((s, i) => {
      if (s.status !== 'PENDING') return;
      if (after[i]!.every((name) => steps.find((x) => x.name === name)?.status === 'SUCCEEDED')) {
        s.status = 'STARTED';
        s.startedAt = at;
      }
    });
  };
  push(first.at, null, first);
  startReady(first.at);

  for (const e of sorted) {
    const t = e.type ?? '';
    let touched = false;
    for (let i = 0; i < forward.length; i++) {
      const d = forward[i]!;
      const s = steps[i]!;
      if (d.completedBy.includes(t) && (s.status === 'PENDING' || s.status === 'STARTED')) {
        s.status = 'SUCCEEDED';
        s.startedAt ??= e.at;
        s.endedAt = e.at;
        s.recordIds.push(e.recordId);
        touched = true;
        if (state === 'RUNNING') startReady(e.at);
        push(e.at, s.name, e);
      } else if (
        d.failedBy.includes(t) &&
        state === 'RUNNING' &&
        (s.status === 'PENDING' || s.status === 'STARTED')
      ) {
        s.status = 'FAILED';
        s.startedAt ??= e.at;
        s.endedAt = e.at;
        s.recordIds.push(e.recordId);
        touched = true;
        state = fail(e, `${t} failed step ${s.name}`, s.name);
      } else if (
        d.compensatedBy.includes(t) &&
        (s.status === 'COMPENSATING' || s.status === 'SUCCEEDED') &&
        state !== 'RUNNING'
      ) {
        s.status = 'COMPENSATED';
        s.compensation = true;
        s.endedAt = e.at;
        s.recordIds.push(e.recordId);
        touched = true;
        if (state === 'COMPENSATING' && !steps.some((x) => x.status === 'COMPENSATING'))
          state = 'COMPENSATED';
        push(e.at, s.name, e);
      } else if (d.compensationFailedBy.includes(t) && state === 'COMPENSATING') {
        s.recordIds.push(e.recordId);
        touched = true;
        state = 'COMPENSATION_FAILED';
        reason = `${t}: compensation of ${s.name} failed`;
        push(e.at, s.name, e, reason);
      }
    }
    if (state === 'RUNNING' && def.failedBy.includes(t)) {
      touched = true;
      state = fail(e, `${t} ended the saga`, null);
    }
    if (
      state === 'RUNNING' &&
      (def.completedBy.includes(t) || (touched && steps.every((s) => s.status === 'SUCCEEDED')))
    ) {
      state = 'COMPLETED';
      push(e.at, null, e);
    }
    if (touched || e === first) updatedAt = Math.max(updatedAt, e.at);
  }

  const active = steps.filter((s) => s.status === (state === 'COMPENSATING' ? 'COMPENSATING' : 'STARTED'));
  const waiting = state === 'RUNNING' || state === 'COMPENSATING';
  const deadlines = active
    .map((s) => {
      const d = forward.find((x) => x.name === s.name);
      const ms = d?.deadlineMs ?? def.deadlineMs;
      const from = state === 'COMPENSATING' ? failedAt : s.startedAt;
      return ms !== undefined && from !== null ? from + ms : undefined;
    })
    .filter((x): x is number => x !== undefined);
  const deadline = waiting && deadlines.length ? Math.min(...deadlines) : null;
  const expected = active.flatMap((s) => {
    const d = forward.find((x) => x.name === s.name);
    if (!d) return [];
    return state === 'COMPENSATING' ? d.compensatedBy : [...d.completedBy, ...d.failedBy];
  });

  return {
    id: sagaId,
    type: def.type,
    source: 'choreographed',
    state,
    stuck: false,
    stuckAt: null,
    correlationId,
    currentStep: active[0]?.name ?? [...history].reverse().find((h) => h.step)?.step ?? null,
    startedAt: first.at,
    updatedAt,
    deadline,
    steps,
    history,
    nextExpected: waiting ? { events: [...new Set(expected)], deadline } : null,
    reason,
  };
}
