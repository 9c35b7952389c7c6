import type { ChainRepo, ChainRow, ChainStatus } from '../types.ts';
import {
  insertStatement,
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
import { conditions, keysetPage } from './paging.ts';
import type { SyncRepo } from './sync.ts';

// A chain's status depends on the clock (`stopped` = quiet for too long) and on its dead letters,
// so it is computed in the query rather than stored.
export const STATUS_SQL = `CASE
  WHEN EXISTS (SELECT 1 FROM dlq_entries d WHERE d.chain_id = c.id AND d.status IN ('unresolved', 'quarantined')) THEN 'failed'
  WHEN c.complete_at IS NOT NULL THEN 'complete'
  WHEN c.last_seen < ? THEN 'stopped'
  ELSE 'in_progress' END`;

const STATUSES = ['complete', 'in_progress', 'stopped', 'failed'] as const;
const CHAIN_COLS = [
  'id',
  'correlation_id',
  'flow',
  'first_ts',
  'last_ts',
  'last_seen',
  'record_count',
  'terminal_at',
  'final_at',
  'complete_at',
  'last_type',
  'last_topic',
] as const;
const UPSERT_CHAIN = insertStatement('chains', CHAIN_COLS, updateAllBut('id', CHAIN_COLS));

export function rowToChain(r: Row): ChainRow {
  return {
    id: reqStr(r, 'id'),
    correlationId: str(r, 'correlation_id'),
    flow: str(r, 'flow'),
    firstTs: reqNum(r, 'first_ts'),
    lastTs: reqNum(r, 'last_ts'),
    lastSeen: reqNum(r, 'last_seen'),
    recordCount: reqNum(r, 'record_count'),
    terminalAt: num(r, 'terminal_at'),
    finalAt: num(r, 'final_at'),
    completeAt: num(r, 'complete_at'),
    lastType: str(r, 'last_type'),
    lastTopic: str(r, 'last_topic'),
  };
}

export function createChainRepo(sql: Sql): SyncRepo<ChainRepo> {
  return {
    get(id) {
      const r = sql.get('SELECT * FROM chains WHERE id = ?', [id]);
      return r ? rowToChain(r) : undefined;
    },
    put(c) {
      sql.run(
        UPSERT_CHAIN.text,
        UPSERT_CHAIN.values({
          id: c.id,
          correlation_id: c.correlationId,
          flow: c.flow,
          first_ts: c.firstTs,
          last_ts: c.lastTs,
          last_seen: c.lastSeen,
          record_count: c.recordCount,
          terminal_at: c.terminalAt,
          final_at: c.finalAt,
          complete_at: c.completeAt,
          last_type: c.lastType,
          last_topic: c.lastTopic,
        }),
      );
    },
    delete(id) {
      sql.run('DELETE FROM chains WHERE id = ?', [id]);
    },
    chainOfTrace(traceId) {
      const r = sql.get('SELECT chain_id FROM chain_traces WHERE trace_id = ?', [traceId]);
      return (r && str(r, 'chain_id')) ?? undefined;
    },
    mapTrace(traceId, chainId) {
      sql.run(
        'INSERT INTO chain_traces (trace_id, chain_id) VALUES (?, ?) ON CONFLICT (trace_id) DO UPDATE SET chain_id = excluded.chain_id',
        [traceId, chainId],
      );
    },
    tracesOf: (chainId) =>
      sql
        .all('SELECT trace_id FROM chain_traces WHERE chain_id = ? LIMIT 500', [chainId])
        .map((r) => reqStr(r, 'trace_id')),
    moveTraces(from, to) {
      sql.run('UPDATE chain_traces SET chain_id = ? WHERE chain_id = ?', [to, from]);
    },
    list(filter, page) {
      const stoppedBefore = filter.now - filter.stoppedAfterMs;
      const where = conditions();
      if (filter.flow !== undefined) where.add('c.flow = ?', filter.flow);
      if (filter.startedAfter !== undefined) where.add('c.first_ts >= ?', filter.startedAfter);
      if (filter.startedBefore !== undefined) where.add('c.first_ts <= ?', filter.startedBefore);
      if (filter.status) where.add(`${STATUS_SQL} = ?`, stoppedBefore, filter.status);
      return keysetPage(sql, {
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
    completedDurations(since, limit) {
      return sql
        .all(
          `SELECT last_ts - first_ts AS d FROM chains WHERE complete_at >= ? ORDER BY complete_at DESC LIMIT ${lim(limit)}`,
          [since],
        )
        .map((r) => reqNum(r, 'd'));
    },
  };
}
