import type { ChainRepo, ChainRow, ChainStatus, SagaRepo, SpanRepo } from '../types.ts';
import { lim, oneOf, reqNum, reqStr, str } from '../sqlite/db.ts';
import { conditions } from '../sqlite/paging.ts';
import { rowToChain, STATUS_SQL } from '../sqlite/chains.ts';
import { rowToEvent, rowToSaga } from '../sqlite/sagas.ts';
import { rowToSpan } from '../sqlite/spans.ts';
import { inList, txt, type Db, type Param } from './db.ts';
import { keysetPage } from './paging.ts';

// Spans, chains and sagas in the PostgreSQL store. Several collectors write them at once, so:
// - a chain grows by commutative upserts (`add`: counts add, first / last times take min / max,
//   terminal and final times min / max), whatever order the records arrive in through whichever
//   collector; merging a trace-only chain into another `take`s it (DELETE … RETURNING: one taker);
// - a saga's events are read under a per-saga transaction lock (an advisory lock on a hash of its
//   id), so the last of two writers recomputes the state from every event, its own included.

const STATUSES = ['complete', 'in_progress', 'stopped', 'failed'] as const;

export function createSpanRepo(db: Db): SpanRepo {
  return {
    async insert(s) {
      const n = await db.run(
        `INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, service, start_ms, end_ms, status,
           attributes, links, events, resource, msg_topic, msg_partition, msg_offset, msg_id, msg_group, record_id,
           chain_id, stored_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (trace_id, span_id) DO NOTHING`,
        [
          txt(s.traceId),
          txt(s.spanId),
          txt(s.parentSpanId),
          txt(s.name),
          s.kind,
          txt(s.service),
          s.startMs,
          s.endMs,
          s.status,
          JSON.stringify(s.attributes),
          JSON.stringify(s.links),
          JSON.stringify(s.events),
          JSON.stringify(s.resource),
          txt(s.msgTopic),
          s.msgPartition,
          s.msgOffset,
          txt(s.msgId),
          txt(s.msgGroup),
          txt(s.recordId),
          txt(s.chainId),
          s.storedAt,
        ],
      );
      return n > 0;
    },
    async byTraceIds(traceIds, limit) {
      if (!traceIds.length) return [];
      const ids = traceIds.slice(0, 500);
      const rows = await db.all(
        `SELECT * FROM spans WHERE trace_id IN (${inList(ids.length)}) ORDER BY start_ms LIMIT ${lim(limit)}`,
        ids,
      );
      return rows.map(rowToSpan);
    },
    byChain: async (chainId, limit) =>
      (
        await db.all(`SELECT * FROM spans WHERE chain_id = ? ORDER BY start_ms LIMIT ${lim(limit)}`, [
          chainId,
        ])
      ).map(rowToSpan),
    async byRecordIds(recordIds, limit) {
      const out = [];
      for (let i = 0; i < recordIds.length && out.length < limit; i += 500) {
        const ids = recordIds.slice(i, i + 500);
        const rows = await db.all(
          `SELECT * FROM spans WHERE record_id IN (${inList(ids.length)}) LIMIT ${lim(limit - out.length)}`,
          ids,
        );
        out.push(...rows.map(rowToSpan));
      }
      return out;
    },
    async unjoinedFor(r) {
      const rows = await db.all(
        `SELECT * FROM spans WHERE record_id IS NULL AND msg_topic = ? AND msg_partition = ? AND msg_offset = ?
         UNION SELECT * FROM spans WHERE record_id IS NULL AND ?::text IS NOT NULL AND msg_id = ?
         UNION SELECT * FROM spans WHERE record_id IS NULL AND trace_id = ? AND span_id = ?`,
        [r.topic, r.partition, r.offset, r.ceId, r.ceId, r.traceId ?? '', r.spanId ?? ''],
      );
      return rows.map(rowToSpan);
    },
    async setRecord(traceId, spanId, recordId, chainId) {
      await db.run(
        'UPDATE spans SET record_id = ?, chain_id = coalesce(?, chain_id) WHERE trace_id = ? AND span_id = ?',
        [recordId, chainId, traceId, spanId],
      );
    },
    async setChain(from, to) {
      await db.run('UPDATE spans SET chain_id = ? WHERE chain_id = ?', [to, from]);
    },
    async setChainOfTrace(traceId, chainId) {
      await db.run('UPDATE spans SET chain_id = ? WHERE trace_id = ? AND chain_id IS NULL', [
        chainId,
        traceId,
      ]);
    },
  };
}

const CHAIN_VALUES = (c: ChainRow): Param[] => [
  txt(c.id),
  txt(c.correlationId),
  c.flow,
  c.firstTs,
  c.lastTs,
  c.lastSeen,
  c.recordCount,
  c.terminalAt,
  c.finalAt,
  c.completeAt,
  txt(c.lastType),
  txt(c.lastTopic),
];
const CHAIN_INSERT = `INSERT INTO chains AS c (id, correlation_id, flow, first_ts, last_ts, last_seen, record_count,
  terminal_at, final_at, complete_at, last_type, last_topic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

// Parameters of both statements of `add`: $1 id, $2 correlation id, $3 flow, $4 first ts, $5 last
// ts, $6 last seen, $7 record count, $8 terminal at, $9 final at, $10 now, $11 whether a final
// event is required, $12 last type, $13 last topic.
const DONE = (terminal: string, final: string) =>
  `(${terminal} IS NOT NULL AND (NOT $11::boolean OR (${final} IS NOT NULL AND ${final} >= ${terminal})))`;

/** The chain grown by one contribution; `old` locks the row and reads what it was before. */
const CHAIN_ADD = `UPDATE chains c SET
    correlation_id = coalesce(c.correlation_id, $2),
    flow = coalesce(c.flow, $3),
    first_ts = least(c.first_ts, $4),
    last_ts = greatest(c.last_ts, $5),
    last_seen = greatest(c.last_seen, $6),
    record_count = c.record_count + $7,
    terminal_at = least(c.terminal_at, $8::bigint),
    final_at = greatest(c.final_at, $9::bigint),
    complete_at = coalesce(c.complete_at,
      CASE WHEN ${DONE('least(c.terminal_at, $8::bigint)', 'greatest(c.final_at, $9::bigint)')} THEN $10::bigint END),
    last_type = CASE WHEN $5 >= c.last_ts THEN coalesce($12, c.last_type) ELSE c.last_type END,
    last_topic = CASE WHEN $5 >= c.last_ts THEN $13 ELSE c.last_topic END
  FROM (SELECT id, complete_at FROM chains WHERE id = $1 FOR UPDATE) AS old
  WHERE c.id = old.id
  RETURNING c.*, old.complete_at AS before_complete_at`;

/** A chain's first contribution; nothing when another transaction created it first. */
const CHAIN_CREATE = `INSERT INTO chains (id, correlation_id, flow, first_ts, last_ts, last_seen, record_count,
    terminal_at, final_at, complete_at, last_type, last_topic)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9::bigint,
    CASE WHEN ${DONE('$8::bigint', '$9::bigint')} THEN $10::bigint END, $12, $13)
  ON CONFLICT (id) DO NOTHING RETURNING *, NULL::bigint AS before_complete_at`;

export function createChainRepo(db: Db): Required<ChainRepo> {
  return {
    async get(id) {
      const r = await db.get('SELECT * FROM chains WHERE id = ?', [id]);
      return r ? rowToChain(r) : undefined;
    },
    async put(c) {
      await db.run(
        `${CHAIN_INSERT} ON CONFLICT (id) DO UPDATE SET correlation_id = excluded.correlation_id,
          flow = excluded.flow, first_ts = excluded.first_ts, last_ts = excluded.last_ts,
          last_seen = excluded.last_seen, record_count = excluded.record_count, terminal_at = excluded.terminal_at,
          final_at = excluded.final_at, complete_at = excluded.complete_at, last_type = excluded.last_type,
          last_topic = excluded.last_topic`,
        CHAIN_VALUES(c),
      );
    },
    async add(delta, opts) {
      const params: Param[] = [
        txt(delta.id),
        txt(delta.correlationId),
        delta.flow,
        delta.firstTs,
        delta.lastTs,
        delta.lastSeen,
        delta.recordCount,
        delta.terminalAt,
        delta.finalAt,
        opts.now,
        opts.requireFinal,
        txt(delta.lastType),
        txt(delta.lastTopic),
      ];
      // Most contributions are to a chain that exists: one statement. A new chain is inserted,
      // and should another transaction insert it first, the update runs again on its row.
      const r =
        (await db.get(CHAIN_ADD, params)) ??
        (await db.get(CHAIN_CREATE, params)) ??
        (await db.get(CHAIN_ADD, params));
      if (!r) throw new Error(`chain ${delta.id} was not written`);
      const row = rowToChain(r);
      return { row, completed: row.completeAt !== null && r.before_complete_at === null };
    },
    async take(id) {
      const r = await db.get('DELETE FROM chains WHERE id = ? RETURNING *', [id]);
      return r ? rowToChain(r) : undefined;
    },
    async delete(id) {
      await db.run('DELETE FROM chains WHERE id = ?', [id]);
    },
    async chainOfTrace(traceId) {
      const r = await db.get('SELECT chain_id FROM chain_traces WHERE trace_id = ?', [traceId]);
      return (r && str(r, 'chain_id')) ?? undefined;
    },
    async mapTrace(traceId, chainId) {
      await db.run(
        'INSERT INTO chain_traces (trace_id, chain_id) VALUES (?, ?) ON CONFLICT (trace_id) DO UPDATE SET chain_id = excluded.chain_id',
        [txt(traceId), txt(chainId)],
      );
    },
    tracesOf: async (chainId) =>
      (await db.all('SELECT trace_id FROM chain_traces WHERE chain_id = ? LIMIT 500', [chainId])).map((r) =>
        reqStr(r, 'trace_id'),
      ),
    async moveTraces(from, to) {
      await db.run('UPDATE chain_traces SET chain_id = ? WHERE chain_id = ?', [to, from]);
    },
    list(filter, page) {
      const stoppedBefore = filter.now - filter.stoppedAfterMs;
      const where = conditions();
      if (filter.flow !== undefined) where.add('c.flow = ?', filter.flow);
      if (filter.startedAfter !== undefined) where.add('c.first_ts >= ?', filter.startedAfter);
      if (filter.startedBefore !== undefined) where.add('c.first_ts <= ?', filter.startedBefore);
      if (filter.status) where.add(`${STATUS_SQL} = ?`, stoppedBefore, filter.status);
      return keysetPage(db, {
        select: `SELECT c.*, ${STATUS_SQL} AS status FROM chains c`,
        params: [stoppedBefore],
        where,
        order: ['c.first_ts', 'c.id'],
        page,
        row: (r) => ({
          ...rowToChain(r),
          status: oneOf<ChainStatus>(str(r, 'status'), STATUSES, 'in_progress'),
        }),
        cursorOf: (c) => [c.firstTs, c.id],
      });
    },
    completedDurations: async (since, limit) =>
      (
        await db.all(
          `SELECT last_ts - first_ts AS d FROM chains WHERE complete_at >= ? ORDER BY complete_at DESC LIMIT ${lim(limit)}`,
          [since],
        )
      ).map((r) => reqNum(r, 'd')),
  };
}

const VIEW_STATE = `CASE WHEN stuck = 1 THEN 'STUCK' ELSE state END`;

export function createSagaRepo(db: Db, inTransaction: boolean): SagaRepo {
  return {
    async get(id) {
      const r = await db.get('SELECT * FROM sagas WHERE id = ?', [id]);
      return r ? rowToSaga(r) : undefined;
    },
    async put(s) {
      await db.run(
        `INSERT INTO sagas (id, type, source, state, stuck, stuck_at, correlation_id, current_step, started_at,
           updated_at, deadline, steps, history, next_expected, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET type = excluded.type, source = excluded.source, state = excluded.state,
           stuck = excluded.stuck, stuck_at = excluded.stuck_at, correlation_id = excluded.correlation_id,
           current_step = excluded.current_step, started_at = excluded.started_at, updated_at = excluded.updated_at,
           deadline = excluded.deadline, steps = excluded.steps, history = excluded.history,
           next_expected = excluded.next_expected, reason = excluded.reason`,
        [
          txt(s.id),
          txt(s.type),
          s.source,
          s.state,
          s.stuck ? 1 : 0,
          s.stuckAt,
          txt(s.correlationId),
          txt(s.currentStep),
          s.startedAt,
          s.updatedAt,
          s.deadline,
          JSON.stringify(s.steps),
          JSON.stringify(s.history),
          s.nextExpected ? JSON.stringify(s.nextExpected) : null,
          txt(s.reason),
        ],
      );
    },
    async addEvent(e) {
      await db.run(
        `INSERT INTO saga_events (saga_id, record_seq, record_id, type, at, step, data) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        [txt(e.sagaId), e.recordSeq, e.recordId, txt(e.type), e.at, txt(e.step), txt(e.data)],
      );
    },
    async events(sagaId) {
      // The saga is re-evaluated from what this returns: held until COMMIT, the lock makes a
      // second writer wait and then read the first one's events too.
      if (inTransaction)
        await db.get('SELECT pg_advisory_xact_lock(hashtextextended(?, 1)) AS l', [`saga:${sagaId}`]);
      const rows = await db.all(
        'SELECT * FROM saga_events WHERE saga_id = ? ORDER BY at, record_seq LIMIT 5000',
        [sagaId],
      );
      return rows.map(rowToEvent);
    },
    byCorrelation: async (c) =>
      (await db.all('SELECT * FROM sagas WHERE correlation_id = ? LIMIT 100', [c])).map(rowToSaga),
    list(filter, page) {
      const where = conditions();
      const state = filter.state ?? (filter.stuck ? 'STUCK' : undefined);
      if (state !== undefined) where.add(`${VIEW_STATE} = ?`, state);
      if (filter.stuck !== undefined) where.add('stuck = ?', filter.stuck ? 1 : 0);
      if (filter.type !== undefined) where.add('type = ?', filter.type);
      if (filter.correlationId !== undefined) where.add('correlation_id = ?', filter.correlationId);
      if (filter.startedBefore !== undefined) where.add('started_at <= ?', filter.startedBefore);
      if (filter.startedAfter !== undefined) where.add('started_at >= ?', filter.startedAfter);
      return keysetPage(db, {
        select: 'SELECT * FROM sagas',
        where,
        order: ['started_at', 'id'],
        page,
        row: rowToSaga,
        cursorOf: (s) => [s.startedAt, s.id],
      });
    },
    // Kept by triggers on sagas (migration 7): at most one row per (type, state) since the last
    // compaction plus the changes after it.
    counts: async () =>
      (
        await db.all(
          `SELECT type, view_state, sum(n)::bigint AS n FROM saga_count_deltas
           GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2`,
        )
      ).map((r) => ({ type: reqStr(r, 'type'), state: reqStr(r, 'view_state'), count: reqNum(r, 'n') })),
    async markStuck(now) {
      // SKIP LOCKED: a saga another transaction is re-evaluating is left to the next sweep.
      const rows = await db.all(
        `UPDATE sagas SET stuck = 1, stuck_at = deadline WHERE id IN (
           SELECT id FROM sagas WHERE stuck = 0 AND state IN ('RUNNING', 'COMPENSATING')
             AND deadline IS NOT NULL AND deadline < ? LIMIT 1000 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now],
      );
      return rows.map(rowToSaga);
    },
  };
}
