import type { Logger } from '../../lib/logger.ts';
import type { SagaCatalog } from '../sagas/definitions.ts';
import { createSagaTracker, type SagaTransition } from '../sagas/tracker.ts';
import { stringColumn, type Sql } from '../store/sqlite/db.ts';
import { createSagaRepo } from '../store/sqlite/sagas.ts';
import type { RoundRecord, RoundSagas } from '../store/sqlite/search-index.ts';
import { asyncRepo } from '../store/sqlite/sync.ts';
import { createDerivationCache } from './cache.ts';

// Saga derivation on the search worker (store/sqlite/sagas-apart.ts says why): the same tracker
// the ingest engine runs on an in-memory or shared store, over the saga tables of the search file,
// through the saga part of the derivation cache (this worker is their one writer, so the cache may
// answer "never seen"). Each round derives the records it indexes, inside its transaction; the
// STUCK sweep and the sagas' retention by age run here too, as they write the same tables.
//
// Transitions (for `causeway_saga_transitions_total`) are handed over only once their
// transaction committed: `take()`.

/** Sagas whose rows and events are kept, as on the ingest engine. */
const CACHE_ENTRIES = 4_000;

export function createSearchSagas(
  sql: Sql,
  deps: {
    catalog: SagaCatalog;
    stuckGraceMs: number;
    now: () => number;
    /** Up to when deadlines may be judged (sagas/tracker.ts); the clock when not given. */
    judgedThrough?: () => number;
    logger: Logger;
  },
) {
  const cache = createDerivationCache({ entries: CACHE_ENTRIES });
  const t0 = performance.now();
  cache.warm({
    ceIds: [],
    keys: [],
    chains: [],
    spanKeys: [],
    sagas: stringColumn(sql, 'SELECT id FROM sagas UNION ALL SELECT DISTINCT saga_id FROM saga_events'),
  });
  deps.logger.debug({ ms: Math.round(performance.now() - t0) }, 'saga cache warmed');
  const { sagas, flush } = cache.wrapSagas(asyncRepo(createSagaRepo(sql)));
  const tx = { sagas };
  const tracker = createSagaTracker({
    catalog: deps.catalog,
    now: deps.now,
    stuckGraceMs: deps.stuckGraceMs,
    judgedThrough: deps.judgedThrough,
  });
  let pending: SagaTransition[] = [];
  const committed: SagaTransition[] = [];

  /**
   * After a failed round the next one derives each record under a savepoint, as the ingest engine
   * does (ingest/derive.ts): a record whose derivation throws is logged and left out of its sagas,
   * the rest of the round commits, and no record can stall the worker. The fast way (no
   * savepoints) is back once such a round committed.
   */
  let safe = false;

  async function deriveSafely(r: RoundRecord) {
    await flush();
    sql.db.exec('SAVEPOINT saga_record');
    try {
      const out = await tracker.onRecord(tx, r, r.payload);
      await flush();
      sql.db.exec('RELEASE saga_record');
      pending.push(...out);
    } catch (err) {
      sql.db.exec('ROLLBACK TO saga_record');
      sql.db.exec('RELEASE saga_record');
      cache.invalidate();
      deps.logger.error(
        { err, record: `${r.topic}:${r.partition}:${r.offset}` },
        'deriving sagas from a record failed; its sagas are left without it',
      );
    }
  }

  const round: RoundSagas = {
    async derive(records: readonly RoundRecord[]) {
      if (safe) {
        for (const r of records) await deriveSafely(r);
        return;
      }
      for (const r of records) pending.push(...(await tracker.onRecord(tx, r, r.payload)));
      await flush();
    },
    forget(ids) {
      if (ids) cache.forgetSagas(ids);
      else {
        cache.invalidate();
        pending = [];
        safe = true;
      }
    },
  };

  /** Runs `fn` in a transaction on the search file; what it derived counts once it committed. */
  async function inTransaction(fn: () => Promise<void>): Promise<void> {
    sql.db.exec('BEGIN');
    try {
      await fn();
      await flush();
      sql.db.exec('COMMIT');
    } catch (err) {
      if (sql.db.isTransaction) sql.db.exec('ROLLBACK');
      round.forget();
      throw err;
    }
    committed.push(...pending.splice(0));
  }

  return {
    round,
    /** After a round committed: its transitions are reported, and the next round goes the fast way. */
    settle() {
      committed.push(...pending.splice(0));
      safe = false;
    },
    /** Transitions committed since the last call. */
    take: () => committed.splice(0),
    /** Sagas whose deadline passed become STUCK. */
    async sweep(): Promise<number> {
      let n = 0;
      await inTransaction(async () => {
        const stuck = await tracker.sweep(tx);
        pending.push(...stuck);
        n = stuck.length;
      });
      return n;
    },
    /** Sagas not updated since `olderThan`, at most `max` (their events go with their records). */
    async retain(olderThan: number, max: number): Promise<number> {
      let n = 0;
      await inTransaction(() => {
        const gone = sql.all(
          `DELETE FROM search.sagas WHERE id IN (SELECT id FROM search.sagas WHERE updated_at < ? ORDER BY updated_at LIMIT ?)
           RETURNING id`,
          [olderThan, max],
        );
        cache.forgetSagas(gone.map((r) => String(r.id)));
        n = gone.length;
        return Promise.resolve();
      });
      return n;
    },
  };
}
