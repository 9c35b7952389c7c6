import { SAGA_STATES } from '../../../lib/events/shop-events.ts';
import type { SagaEvent, SagaHistoryEntry, SagaRepo, SagaRow, SagaStepView } from '../types.ts';
import {
  bool,
  insertStatement,
  json,
  num,
  updateAllBut,
  oneOf,
  reqNum,
  reqStr,
  str,
  type Row,
  type Sql,
} from './db.ts';
import { conditions, keysetPage } from './paging.ts';
import type { SyncRepo } from './sync.ts';

const SAGA_COLS = [
  'id',
  'type',
  'source',
  'state',
  'stuck',
  'stuck_at',
  'correlation_id',
  'current_step',
  'started_at',
  'updated_at',
  'deadline',
  'steps',
  'history',
  'next_expected',
  'reason',
] as const;
const UPSERT_SAGA = insertStatement('sagas', SAGA_COLS, updateAllBut('id', SAGA_COLS));

/**
 * The state lists and counts show: STUCK while stuck, the recorded state otherwise. Written exactly
 * as in the `sagas_view` index and the `saga_counts` triggers (migration 3), or SQLite will not
 * use the index.
 */
const VIEW_STATE = `CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END`;

export function rowToSaga(r: Row): SagaRow {
  return {
    id: reqStr(r, 'id'),
    type: reqStr(r, 'type'),
    source: oneOf(str(r, 'source'), ['orchestrated', 'choreographed'], 'choreographed'),
    state: oneOf(str(r, 'state'), SAGA_STATES, 'RUNNING'),
    stuck: bool(r, 'stuck'),
    stuckAt: num(r, 'stuck_at'),
    correlationId: str(r, 'correlation_id'),
    currentStep: str(r, 'current_step'),
    startedAt: reqNum(r, 'started_at'),
    updatedAt: reqNum(r, 'updated_at'),
    deadline: num(r, 'deadline'),
    steps: json<SagaStepView[]>(r, 'steps', []),
    history: json<SagaHistoryEntry[]>(r, 'history', []),
    nextExpected: json<SagaRow['nextExpected']>(r, 'next_expected', null),
    reason: str(r, 'reason'),
  };
}

export const rowToEvent = (r: Row): SagaEvent => ({
  sagaId: reqStr(r, 'saga_id'),
  recordSeq: reqNum(r, 'record_seq'),
  recordId: reqStr(r, 'record_id'),
  type: str(r, 'type'),
  at: reqNum(r, 'at'),
  step: str(r, 'step'),
  data: str(r, 'data'),
});

export function createSagaRepo(sql: Sql): SyncRepo<SagaRepo> {
  return {
    get(id) {
      const r = sql.get('SELECT * FROM sagas WHERE id = ?', [id]);
      return r ? rowToSaga(r) : undefined;
    },
    put(s) {
      sql.run(
        UPSERT_SAGA.text,
        UPSERT_SAGA.values({
          id: s.id,
          type: s.type,
          source: s.source,
          state: s.state,
          stuck: s.stuck ? 1 : 0,
          stuck_at: s.stuckAt,
          correlation_id: s.correlationId,
          current_step: s.currentStep,
          started_at: s.startedAt,
          updated_at: s.updatedAt,
          deadline: s.deadline,
          steps: JSON.stringify(s.steps),
          history: JSON.stringify(s.history),
          next_expected: s.nextExpected ? JSON.stringify(s.nextExpected) : null,
          reason: s.reason,
        }),
      );
    },
    addEvent(e) {
      sql.run(
        `INSERT INTO saga_events (saga_id, record_seq, record_id, type, at, step, data) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        [e.sagaId, e.recordSeq, e.recordId, e.type, e.at, e.step, e.data],
      );
    },
    events: (sagaId) =>
      sql
        .all('SELECT * FROM saga_events WHERE saga_id = ? ORDER BY at, record_seq LIMIT 5000', [sagaId])
        .map(rowToEvent),
    byCorrelation: (c) =>
      sql.all('SELECT * FROM sagas WHERE correlation_id = ? LIMIT 100', [c]).map(rowToSaga),
    list(filter, page) {
      const where = conditions();
      // `stuck` alone is a view state too, and then the view index serves it.
      const state = filter.state ?? (filter.stuck ? 'STUCK' : undefined);
      if (state !== undefined) where.add(`${VIEW_STATE} = ?`, state);
      if (filter.stuck !== undefined) where.add('stuck = ?', filter.stuck ? 1 : 0);
      if (filter.type !== undefined) where.add('type = ?', filter.type);
      if (filter.correlationId !== undefined) where.add('correlation_id = ?', filter.correlationId);
      if (filter.startedBefore !== undefined) where.add('started_at <= ?', filter.startedBefore);
      if (filter.startedAfter !== undefined) where.add('started_at >= ?', filter.startedAfter);
      return keysetPage(sql, {
        select: 'SELECT * FROM sagas',
        where,
        order: ['started_at', 'id'],
        page,
        row: rowToSaga,
        cursorOf: (s) => [s.startedAt, s.id],
      });
    },
    // Kept exact by triggers on sagas (migration 3); a (type, state) that emptied stays as n = 0.
    counts: () =>
      sql
        .all('SELECT type, view_state, n FROM saga_counts WHERE n > 0 ORDER BY type, view_state')
        .map((r) => ({ type: reqStr(r, 'type'), state: reqStr(r, 'view_state'), count: reqNum(r, 'n') })),
    markStuck(now) {
      const rows = sql
        .all(
          `SELECT * FROM sagas WHERE stuck = 0 AND state IN ('RUNNING', 'COMPENSATING') AND deadline IS NOT NULL AND deadline < ?
           LIMIT 1000`,
          [now],
        )
        .map(rowToSaga);
      for (const s of rows) sql.run('UPDATE sagas SET stuck = 1, stuck_at = deadline WHERE id = ?', [s.id]);
      return rows.map((s) => ({ ...s, stuck: true, stuckAt: s.deadline }));
    },
  };
}
