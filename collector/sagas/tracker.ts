import { sagaStateChangedSchema, type SagaState } from '../../lib/events/shop-events.ts';
import { recordId } from '../../lib/api/common.ts';
import type { SagaRow, StoredRecord, StoreTx } from '../store/types.ts';
import { evaluateChoreographed } from './choreographed.ts';
import type { SagaCatalog } from './definitions.ts';
import { evaluateOrchestrated } from './orchestrated.ts';

// Keeps saga instances current as records are stored (inside the ingest transaction, or on a store
// file in the search worker's round: store/sqlite/sagas-apart.ts), and marks
// instances STUCK when a deadline passes with no transition (the periodic sweep). A small grace
// keeps a saga whose orchestrator is about to act on its own deadline from flickering STUCK, and
// a deadline is judged only up to where ingest is complete (`judgedThrough`): while the records
// that could answer it still wait to be derived, it has not passed as far as anyone can tell.

/** The orchestrator's event: its payload is the saga's new state. */
export const SAGA_STATE_CHANGED = 'SagaStateChanged';

/** What saga derivation reads of a record. */
export type SagaSource = Pick<
  StoredRecord,
  | 'seq'
  | 'topic'
  | 'partition'
  | 'offset'
  | 'timestamp'
  | 'ceType'
  | 'ceTimeMs'
  | 'correlationId'
  | 'sagaId'
  | 'sagaStep'
  | 'isDlq'
  | 'isRetry'
>;
/** Where saga derivation reads and writes: a store transaction, or the search worker's saga tables. */
export type SagaTx = Pick<StoreTx, 'sagas'>;

/**
 * Whether a record can touch any saga: a state change, a command or reply of a saga, or an event
 * with a correlation id (a choreographed saga's). The tracker ignores every other record, and the
 * search worker does not read them for it.
 */
export const mayTouchSagas = (
  rec: Pick<SagaSource, 'isDlq' | 'isRetry' | 'ceType' | 'sagaId' | 'correlationId'>,
): boolean =>
  !rec.isDlq &&
  !rec.isRetry &&
  (rec.ceType === SAGA_STATE_CHANGED ||
    rec.sagaId !== null ||
    (rec.correlationId !== null && rec.ceType !== null));

export type SagaViewState = SagaState | 'STUCK';
export interface SagaTransition {
  readonly type: string;
  readonly state: SagaViewState;
}

export const viewState = (s: Pick<SagaRow, 'state' | 'stuck'>): SagaViewState =>
  s.stuck ? 'STUCK' : s.state;

export interface SagaTracker {
  onRecord(tx: SagaTx, rec: SagaSource, payload: unknown): Promise<SagaTransition[]>;
  sweep(tx: SagaTx): Promise<SagaTransition[]>;
}

export function createSagaTracker(deps: {
  catalog: SagaCatalog;
  now: () => number;
  stuckGraceMs: number;
  /**
   * The time up to which a deadline may be judged: the clock, held back while records that could
   * answer it have not been derived yet (engine/frontier.ts). The clock when not given.
   */
  judgedThrough?: () => number;
}): SagaTracker {
  const { catalog, stuckGraceMs } = deps;
  const judged = deps.judgedThrough ?? deps.now;

  const withStuck = (row: SagaRow): SagaRow => {
    const waiting = row.state === 'RUNNING' || row.state === 'COMPENSATING';
    const stuck = waiting && row.deadline !== null && row.deadline + stuckGraceMs < judged();
    return { ...row, stuck, stuckAt: stuck ? row.deadline : null };
  };

  async function reevaluate(
    tx: SagaTx,
    id: string,
    evaluate: () => Promise<SagaRow | undefined>,
  ): Promise<SagaTransition | undefined> {
    const row = await evaluate();
    if (!row) return undefined;
    const prev = await tx.sagas.get(id);
    const next = withStuck(row);
    await tx.sagas.put(next);
    return !prev || viewState(prev) !== viewState(next)
      ? { type: next.type, state: viewState(next) }
      : undefined;
  }

  return {
    async onRecord(tx, rec, payload) {
      // Dead-letter and retry copies repeat an event that already counted once.
      if (!mayTouchSagas(rec)) return [];
      const rid = recordId(rec.topic, rec.partition, rec.offset);
      const at = rec.ceTimeMs ?? rec.timestamp;
      const out: (SagaTransition | undefined)[] = [];
      const orchestrated = new Set<string>();
      const change =
        rec.ceType === SAGA_STATE_CHANGED ? sagaStateChangedSchema.safeParse(payload) : undefined;
      if (change?.success) {
        const p = change.data;
        const pAt = Date.parse(p.at);
        await tx.sagas.addEvent({
          sagaId: p.sagaId,
          recordSeq: rec.seq,
          recordId: rid,
          type: rec.ceType,
          at: Number.isFinite(pAt) ? pAt : at,
          step: p.step,
          data: JSON.stringify(p),
        });
        orchestrated.add(p.sagaId);
      } else if (rec.sagaId) {
        // A command or reply of the saga: it changes no state, it is only listed under its step.
        await tx.sagas.addEvent({
          sagaId: rec.sagaId,
          recordSeq: rec.seq,
          recordId: rid,
          type: rec.ceType,
          at,
          step: rec.sagaStep,
          data: null,
        });
      }
      for (const id of orchestrated)
        out.push(
          await reevaluate(tx, id, async () =>
            evaluateOrchestrated(id, await tx.sagas.events(id), (t) => catalog.byType(t)),
          ),
        );

      if (rec.correlationId && rec.ceType) {
        for (const def of catalog.choreographedFor(rec.ceType)) {
          const id = `${def.type}:${rec.correlationId}`;
          await tx.sagas.addEvent({
            sagaId: id,
            recordSeq: rec.seq,
            recordId: rid,
            type: rec.ceType,
            at,
            step: null,
            data: null,
          });
          const corr = rec.correlationId;
          out.push(
            await reevaluate(tx, id, async () =>
              evaluateChoreographed(id, def, corr, await tx.sagas.events(id)),
            ),
          );
        }
      }
      return out.filter((t): t is SagaTransition => t !== undefined);
    },
    async sweep(tx) {
      const through = judged();
      // Nothing can be judged while records of unknown time wait (an earlier run's backlog).
      if (through === -Infinity) return [];
      const stuck = await tx.sagas.markStuck(through - stuckGraceMs);
      return stuck.map((s) => ({ type: s.type, state: 'STUCK' as const }));
    },
  };
}
