import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LandingRepo, Store, StoreTx } from '../types.ts';
import { createAuditRepo } from './audit.ts';
import { createChainRepo } from './chains.ts';
import { openSql, stringColumn, type Sql } from './db.ts';
import { createAlertActionRepo, createDlqRepo } from './dlq.ts';
import { createLandingRepo, landingSegmentDir } from './landing.ts';
import { migrate } from './migrations.ts';
import { createRecordRepo } from './records.ts';
import { createReplayRepo } from './replays.ts';
import { enforceRetention } from './retention.ts';
import { createSagaRepo } from './sagas.ts';
import { createSpanRepo } from './spans.ts';
import { attachSearchIndex, ensureSearchTables, searchPending } from './search-index.ts';
import { asyncRepo } from './sync.ts';
import { spanJoinKeys } from '../../engine/cache.ts';

// The embedded store: one SQLite file (WAL). One connection, and an async mutex around
// transactions: a transaction's body only awaits this store, whose calls complete synchronously,
// so no other request's write can slip into it.

/** Hooks for profiling the store (scripts/bench/diagnose-store.ts); the collector uses none. */
export interface StoreInstrumentation {
  /** Wraps the connection every repository and retention run their statements on. */
  readonly sql?: (sql: Sql) => Sql;
  /** Wraps the statements the store runs itself: BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE. */
  readonly exec?: (text: string, run: () => void) => void;
}

/**
 * `attachSearch` (a store file; default true): attach its search index file (search-index.ts) so
 * text search and `searchBacklog` work on this connection. The ingest worker's connection, which
 * searches nothing and writes all the time, does not.
 */
export function createSqliteStore(options: {
  path: string;
  cacheMb?: number;
  instrument?: StoreInstrumentation;
  attachSearch?: boolean;
}): Store {
  const inMemory = options.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
  const base = openSql(options.path, { cacheMb: options.cacheMb });
  migrate(base);
  if (inMemory) ensureSearchTables(base, 'main');
  const searchAttached = !inMemory && options.attachSearch !== false;
  if (searchAttached) attachSearchIndex(base, options.path);
  const sql = options.instrument?.sql?.(base) ?? base;
  const hook = options.instrument?.exec;
  const exec = (text: string) => (hook ? hook(text, () => base.db.exec(text)) : base.db.exec(text));
  const landing = createLandingRepo(
    sql,
    options.path === ':memory:' ? {} : { segmentDir: landingSegmentDir(options.path) },
  );
  let queue: Promise<unknown> = Promise.resolve();
  let inTx = false;
  let savepoints = 0;
  let closed = false;

  const tx: StoreTx = {
    landing: asyncRepo<LandingRepo>(landing),
    records: asyncRepo(createRecordRepo(sql, { inlineSearch: inMemory })),
    spans: asyncRepo(createSpanRepo(sql)),
    chains: asyncRepo(createChainRepo(sql)),
    sagas: asyncRepo(createSagaRepo(sql)),
    dlq: asyncRepo(createDlqRepo(sql)),
    replays: asyncRepo(createReplayRepo(sql)),
    audit: asyncRepo(createAuditRepo(sql)),
    alertActions: asyncRepo(createAlertActionRepo(sql)),
    async savepoint<T>(fn: () => Promise<T>): Promise<T> {
      const name = `sp${++savepoints}`;
      exec(`SAVEPOINT ${name}`);
      try {
        const out = await fn();
        exec(`RELEASE ${name}`);
        return out;
      } catch (err) {
        exec(`ROLLBACK TO ${name}`);
        exec(`RELEASE ${name}`);
        throw err;
      }
    },
  };

  function transaction<T>(fn: (t: StoreTx) => Promise<T>): Promise<T> {
    const run = async () => {
      if (closed) throw new Error('store is closed');
      exec('BEGIN IMMEDIATE');
      inTx = true;
      try {
        const out = await fn(tx);
        exec('COMMIT');
        return out;
      } catch (err) {
        if (base.db.isTransaction) exec('ROLLBACK');
        throw err;
      } finally {
        inTx = false;
      }
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  }

  return {
    kind: 'sqlite',
    ...tx,
    transaction,
    async enforceRetention(opts) {
      return transaction(() => Promise.resolve(enforceRetention(sql, { ...opts, inline: inMemory })));
    },
    ...(inMemory ? {} : { searchIndexPath: options.path, sagasDerivedApart: true }),
    ...(searchAttached ? { searchBacklog: () => Promise.resolve(searchPending(sql)) } : {}),
    warmKeys() {
      const column = (text: string) => stringColumn(sql, text);
      return {
        ceIds: column('SELECT ce_id FROM records WHERE ce_id IS NOT NULL'),
        keys: column(
          'SELECT topic || char(0) || partition || char(0) || key_text FROM records WHERE key_text IS NOT NULL',
        ),
        chains: column('SELECT id FROM chains'),
        // On a store file the search worker derives sagas (sagas-apart.ts): none to warm here.
        sagas: inMemory
          ? column('SELECT id FROM sagas UNION ALL SELECT DISTINCT saga_id FROM saga_events')
          : [],
        spanKeys: (function* () {
          for (const r of sql.db
            .prepare(
              'SELECT trace_id, span_id, msg_topic, msg_partition, msg_offset, msg_id FROM spans WHERE record_id IS NULL',
            )
            .iterate())
            yield* spanJoinKeys({
              traceId: String(r.trace_id),
              spanId: String(r.span_id),
              msgTopic: typeof r.msg_topic === 'string' ? r.msg_topic : null,
              msgPartition: typeof r.msg_partition === 'number' ? r.msg_partition : null,
              msgOffset: typeof r.msg_offset === 'number' ? r.msg_offset : null,
              msgId: typeof r.msg_id === 'string' ? r.msg_id : null,
            });
        })(),
      };
    },
    async close() {
      await queue;
      if (closed) return;
      closed = true;
      if (inTx && base.db.isTransaction) base.db.exec('ROLLBACK');
      base.db.close();
      landing.close();
    },
  };
}
