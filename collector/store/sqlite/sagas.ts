import type { SQLInputValue } from 'node:sqlite';
import { SAGA_STATES } from '../../../lib/events/shop-events.ts';
import type { SagaEvent, SagaHistoryEntry, SagaRepo, SagaRow, SagaStepView } from '../types.ts';
import {
  bool,
  insertStatement,
  json,
  keysetBefore,
  lim,
  num,
  updateAllBut,
  oneOf,
  reqNum,
  reqStr,
  str,
  type Row,
  type Sql,
} from './db.ts';
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

function rowToSaga(r: Row): SagaRow {
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

const rowToEvent = (r: Row): SagaEvent => ({
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
      const where: string[] = [];
      const params: SQLInputValue[] = [];
      const add = (cond: string, ...p: SQLInputValue[]) => {
        where.push(cond);
        params.push(...p);
      };
      if (filter.state === 'STUCK') add('stuck = 1');
      else if (filter.state !== undefined) add('state = ? AND stuck = 0', filter.state);
      if (filter.stuck !== undefined) add('stuck = ?', filter.stuck ? 1 : 0);
      if (filter.type !== undefined) add('type = ?', filter.type);
      if (filter.correlationId !== undefined) add('correlation_id = ?', filter.correlationId);
      if (filter.startedBefore !== undefined) add('started_at <= ?', filter.startedBefore);
      const ks = keysetBefore(['started_at', 'id'], page.cursor);
      if (ks.sql) add(ks.sql, ...ks.params);
      const rows = sql.all(
        `SELECT * FROM sagas ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ${lim(page.limit + 1)}`,
        params,
      );
      const items = rows.slice(0, page.limit).map(rowToSaga);
      const last = items[items.length - 1];
      return { items, next: rows.length > page.limit && last ? [last.startedAt, last.id] : null };
    },
    counts: () =>
      sql
        .all(
          `SELECT type, CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END AS vs, count(*) AS n FROM sagas GROUP BY type, vs ORDER BY type, vs`,
        )
        .map((r) => ({ type: reqStr(r, 'type'), state: reqStr(r, 'vs'), count: reqNum(r, 'n') })),
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
