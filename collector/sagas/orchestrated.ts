import { sagaStateChangedSchema } from '../../lib/events/shop-events.ts';
import type { SagaEvent, SagaHistoryEntry, SagaRow, SagaStepView } from '../store/types.ts';
import type { SagaDefinition } from './definitions.ts';

// An orchestrated saga reports its own state: each SagaStateChanged record carries the saga's
// state after a transition, the step and its status. The instance is rebuilt from all of them in
// event order every time one arrives, so records ingested out of order (different partitions,
// redeliveries) still give the right answer. Other records with `ce_sagaid` (the commands and
// replies) are kept as saga events too and listed under their step when the saga is read.

const ENDED = new Set(['SUCCEEDED', 'FAILED', 'COMPENSATED']);
const WAITING = new Set(['RUNNING', 'COMPENSATING']);

export function evaluateOrchestrated(
  sagaId: string,
  events: readonly SagaEvent[],
  definitionOf: (sagaType: string) => SagaDefinition | undefined,
): SagaRow | undefined {
  const changes = events
    .map((e) => {
      if (e.data === null) return undefined;
      let raw: unknown;
      try {
        raw = JSON.parse(e.data);
      } catch {
        return undefined;
      }
      const p = sagaStateChangedSchema.safeParse(raw);
      if (!p.success) return undefined;
      const at = Date.parse(p.data.at);
      return { e, p: p.data, at: Number.isFinite(at) ? at : e.at };
    })
    .filter((x) => x !== undefined)
    .sort((a, b) => a.at - b.at || a.e.recordSeq - b.e.recordSeq);
  const first = changes[0];
  const last = changes[changes.length - 1];
  if (!first || !last) return undefined;
  const def = definitionOf(last.p.sagaType);

  const steps = new Map<string, SagaStepView & { recordIds: string[] }>();
  const stepOf = (name: string) => {
    let s = steps.get(name);
    if (!s) {
      s = { name, status: 'PENDING', startedAt: null, endedAt: null, compensation: false, recordIds: [] };
      steps.set(name, s);
    }
    return s;
  };
  const history: SagaHistoryEntry[] = [];
  let reason: string | null = null;
  let prevState: string | null = null;
  for (const { e, p, at } of changes) {
    const s = stepOf(p.step);
    s.status = p.stepStatus;
    if (s.startedAt === null) s.startedAt = at;
    s.endedAt = ENDED.has(p.stepStatus) ? at : null;
    if (p.stepStatus === 'COMPENSATING' || p.stepStatus === 'COMPENSATED') s.compensation = true;
    s.recordIds.push(e.recordId);
    if (p.reason) reason = p.reason;
    history.push({
      at,
      state: p.state,
      step: p.step,
      event: prevState !== p.state ? `${p.stepStatus} (saga ${p.state})` : p.stepStatus,
      reason: p.reason ?? null,
      recordId: e.recordId,
    });
    prevState = p.state;
  }

  const state = last.p.state;
  // Steps the definition knows but the saga has not reached yet, while it still runs forward.
  if (def && state === 'RUNNING')
    for (const d of def.steps) if (!d.compensation && !steps.has(d.name)) stepOf(d.name);

  const waiting = WAITING.has(state);
  const deadlineText = waiting ? last.p.deadline : undefined;
  const parsedDeadline = deadlineText ? Date.parse(deadlineText) : NaN;
  const stepDef = def?.steps.find((d) => d.name === last.p.step);
  const fallbackMs = stepDef?.deadlineMs ?? def?.deadlineMs;
  const deadline = !waiting
    ? null
    : Number.isFinite(parsedDeadline)
      ? parsedDeadline
      : fallbackMs
        ? last.at + fallbackMs
        : null;
  const expected = stepDef ? [...stepDef.completedBy, ...stepDef.failedBy] : [];

  return {
    id: sagaId,
    type: last.p.sagaType,
    source: 'orchestrated',
    state,
    stuck: false,
    stuckAt: null,
    correlationId: last.p.orderId,
    currentStep: last.p.step,
    startedAt: first.at,
    updatedAt: last.at,
    deadline,
    steps: [...steps.values()],
    history,
    nextExpected: waiting ? { events: expected, deadline } : null,
    reason,
  };
}
