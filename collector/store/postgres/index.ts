import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Store, StoreTx } from '../types.ts';
import { reqNum, reqStr } from '../sqlite/db.ts';
import { createPool, dbOf, isRetryable, txt, type Db } from './db.ts';
import { createChainRepo, createSagaRepo, createSpanRepo } from './derived.ts';
import { createAuditRepo } from './audit.ts';
import { createAlertActionRepo, createDlqRepo, createReplayRepo } from './dlq.ts';
import { createLandingRepo, MEMBER_STALE_MS } from './landing.ts';
import { migrate } from './migrations.ts';
import { createPartitions, type Partitions } from './partitions.ts';
import { createRecordRepo } from './records.ts';
import { enforceRetention } from './retention.ts';

// The shared store: PostgreSQL, for several collectors at once (COLLECTOR_STORE_URL). Reads run on
// a pool; a transaction checks out one client for BEGIN … COMMIT, savepoints are SAVEPOINTs on it.
// Transactions of one process run concurrently (row locks, not a process-wide mutex, keep them
// apart). One that loses a deadlock or a serialization conflict is rolled back and run again
// (its function must only write through the transaction, which the engine and the API do); a
// savepoint cannot hide such a failure: the transaction is marked and retried whole.

const MAX_ATTEMPTS = 5;
const HEARTBEAT_MS = 5_000;
/** How often a collector shares its frontier and reads the others' (Store.frontiers). */
const FRONTIER_MS = 1_000;
/**
 * How long after it was last seen a collector's frontier still counts: past MEMBER_STALE_MS (when
 * its chunks are taken over) by Kafka's default session timeout and a rebalance, until the group
 * has given its partitions to another that reports how far behind they are.
 */
const MEMBER_LAPSE_MS = MEMBER_STALE_MS + 40_000;

export interface PostgresStoreOptions {
  readonly url: string;
  /** This collector's id among those sharing the store (landing ownership); random by default. */
  readonly member?: string;
  readonly poolSize?: number;
  readonly now?: () => number;
}

function repos(db: Db, inTx: boolean, partitions: Partitions, member: string, now: () => number) {
  return {
    landing: createLandingRepo(db, member, now),
    records: createRecordRepo(db, partitions),
    spans: createSpanRepo(db),
    chains: createChainRepo(db),
    sagas: createSagaRepo(db, inTx),
    dlq: createDlqRepo(db),
    replays: createReplayRepo(db, inTx),
    audit: createAuditRepo(db),
    alertActions: createAlertActionRepo(db),
  };
}

export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const now = options.now ?? Date.now;
  const member = options.member ?? randomUUID();
  const pool = createPool(options.url, options.poolSize ?? 6);
  // An idle client's connection error must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const setup = await pool.connect();
  try {
    await migrate(setup);
  } finally {
    setup.release();
  }
  const ddl = createPool(options.url, 1);
  ddl.on('error', () => undefined);
  const partitions = createPartitions(ddl);
  await partitions.ensureAhead(now());
  const shared = dbOf(pool);
  const beat = async () => {
    await shared.run(
      'INSERT INTO store_members (id, seen_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at',
      [member, now()],
    );
    // Collectors gone for good: nothing of theirs waits, and their frontier has lapsed.
    await shared.run(
      'DELETE FROM store_members AS m WHERE seen_at < ? AND NOT EXISTS (SELECT 1 FROM landing AS l WHERE l.owner = m.id)',
      [now() - MEMBER_LAPSE_MS],
    );
  };
  await beat();
  const heartbeat = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_MS);
  heartbeat.unref();
  const ahead = setInterval(() => void partitions.ensureAhead(now()).catch(() => undefined), 3_600_000);
  ahead.unref();
  // Until this collector's engine says, it holds nothing back; until the first read, nor do the others.
  let ownFrontier: () => number = () => Infinity;
  let sharedFrontier = Infinity;
  const shareFrontier = async () => {
    await shared.run('UPDATE store_members SET derived_through = ? WHERE id = ?', [ownFrontier(), member]);
    const at = now();
    // Every collector's own frontier, and what is waiting for nobody's engine: a collector gone
    // quiet still counts while it owns landed chunks (its last frontier, and the chunks' landing
    // times, for what it landed after it last said), and for MEMBER_LAPSE_MS after it was last
    // seen (its partitions' records wait on the broker until the group gives them to another);
    // one that took chunks over counts what it took over until those are indexed.
    const r = await shared.get(
      `SELECT min(least(
         m.derived_through,
         CASE WHEN EXISTS (SELECT 1 FROM landing AS l WHERE l.owner = m.id AND l.seq <= m.held_seq)
              THEN m.held_through END,
         CASE WHEN m.seen_at < ?
              THEN (SELECT l.landed_at::float8 FROM landing AS l WHERE l.owner = m.id ORDER BY l.seq LIMIT 1) END
       )) AS t
       FROM store_members AS m
       WHERE m.seen_at >= ? OR EXISTS (SELECT 1 FROM landing AS l WHERE l.owner = m.id)`,
      [at - MEMBER_STALE_MS, at - MEMBER_LAPSE_MS],
    );
    const t = r ? Number(r.t ?? Infinity) : Infinity;
    sharedFrontier = Number.isNaN(t) ? Infinity : t;
  };
  const frontierTimer = setInterval(() => void shareFrontier().catch(() => undefined), FRONTIER_MS);
  frontierTimer.unref();
  let closed = false;

  async function attempt<T>(client: pg.PoolClient, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    let doomed: Error | undefined;
    const db = dbOf(
      client,
      (err) => {
        if (isRetryable(err) && err instanceof Error) doomed ??= err;
      },
      true,
    );
    let savepoints = 0;
    const tx: StoreTx = {
      ...repos(db, true, partitions, member, now),
      async savepoint<S>(body: () => Promise<S>): Promise<S> {
        const name = `sp${++savepoints}`;
        await client.query(`SAVEPOINT ${name}`);
        try {
          const out = await body();
          await client.query(`RELEASE SAVEPOINT ${name}`);
          return out;
        } catch (err) {
          await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
          await client.query(`RELEASE SAVEPOINT ${name}`);
          throw err;
        }
      },
    };
    await client.query('BEGIN');
    try {
      const out = await fn(tx);
      if (doomed) throw doomed;
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw doomed ?? err;
    }
  }

  async function transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      if (closed) throw new Error('store is closed');
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        return await attempt(client, fn);
      } catch (err) {
        if (!isRetryable(err) || n >= MAX_ATTEMPTS) {
          broken = err instanceof Error && !('code' in err) ? err : undefined;
          throw err;
        }
      } finally {
        // A client whose error was not PostgreSQL's (a lost connection) is not reused.
        client.release(broken);
      }
      await new Promise((r) => setTimeout(r, 20 * n + Math.random() * 50 * n));
    }
  }

  return {
    kind: 'postgres',
    shared: true,
    ...repos(shared, false, partitions, member, now),
    savepoint: (fn) => fn(),
    transaction,
    enforceRetention: (opts) => enforceRetention(shared, partitions, opts),
    async publish(name, at, json) {
      await shared.run(
        `INSERT INTO shared_views (name, at, body) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET at = excluded.at, body = excluded.body WHERE shared_views.at <= excluded.at`,
        [name, at, txt(json)],
      );
    },
    frontiers: {
      report(through) {
        ownFrontier = through;
      },
      through: () => sharedFrontier,
    },
    async published(name) {
      const r = await shared.get('SELECT at, body FROM shared_views WHERE name = ?', [name]);
      return r ? { at: reqNum(r, 'at'), json: reqStr(r, 'body') } : undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearInterval(ahead);
      clearInterval(frontierTimer);
      // What this collector landed and did not index is taken over by the next to look (it is no
      // longer seen); its row stays, holding deadlines back, until what it left is indexed.
      await shared
        .run('UPDATE store_members SET seen_at = 0 WHERE id = ?', [member])
        .then(() =>
          shared.run(
            'DELETE FROM store_members AS m WHERE id = ? AND NOT EXISTS (SELECT 1 FROM landing AS l WHERE l.owner = m.id)',
            [member],
          ),
        )
        .catch(() => undefined);
      await Promise.all([pool.end(), ddl.end()]);
    },
  };
}
