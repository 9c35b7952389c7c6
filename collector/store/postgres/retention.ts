import type { RetentionResult } from '../types.ts';
import { reqNum } from '../sqlite/db.ts';
import type { Db } from './db.ts';
import type { Partitions } from './partitions.ts';

// Retention in the PostgreSQL store. Records go a day partition at a time: every partition whose
// whole day lies before the cut-off is detached and dropped (partitions.ts), no row deleted one by
// one. A partition's day is its records' timestamps (the partition key); it goes once that day
// and the last time anything was stored in it are both older than the cut-off (the SQLite store
// goes by stored time alone, record by record). By size: whole oldest partitions while what is left still exceeds `maxRecords`, then
// the oldest rows of the next one, at most `maxDeletes`. Rows derived from the dropped records
// (anomalies, saga events, dead-letter entries) go with them; spans, chains, sagas and replays
// are deleted in bounded steps as in the SQLite store.

async function dropDerived(db: Db, partition: string): Promise<number> {
  let other = 0;
  for (const table of ['anomalies', 'saga_events', 'dlq_entries'])
    other += await db.run(`DELETE FROM ${table} WHERE record_seq IN (SELECT seq FROM ${partition})`);
  return other;
}

/** Held for the one statement of a compaction: one collector folds the counts at a time. */
const ADVISORY_SAGA_COUNTS = 7_411_007;

/**
 * Folds the saga count changes (migration 7) into one row per (type, view state). One statement:
 * the rows it deletes are those its snapshot sees, so a change committed meanwhile by another
 * collector stays as a row of its own and every sum is kept. Folds nothing while another
 * collector holds the lock.
 */
export async function compactSagaCounts(db: Db): Promise<void> {
  await db.run(
    `WITH lock AS (SELECT pg_try_advisory_xact_lock(${ADVISORY_SAGA_COUNTS}) AS got),
     gone AS (DELETE FROM saga_count_deltas WHERE (SELECT got FROM lock) RETURNING type, view_state, n)
     INSERT INTO saga_count_deltas SELECT type, view_state, sum(n) FROM gone GROUP BY 1, 2 HAVING sum(n) <> 0`,
  );
}

export async function enforceRetention(
  db: Db,
  partitions: Partitions,
  opts: { olderThan: number; maxRecords: number; maxDeletes: number },
): Promise<RetentionResult> {
  const { olderThan, maxRecords, maxDeletes } = opts;
  let records = 0;
  let other = 0;
  const count = async (table: string) =>
    reqNum((await db.get(`SELECT count(*) AS n FROM ${table}`)) ?? {}, 'n');
  for (const p of await partitions.olderThan(olderThan)) {
    const n = await count(p.name);
    other += await dropDerived(db, p.name);
    await partitions.drop(p.name);
    records += n;
  }
  let total = await count('records');
  if (total > maxRecords) {
    for (const p of await partitions.all()) {
      const n = await count(p.name);
      if (total - n < maxRecords) break;
      other += await dropDerived(db, p.name);
      await partitions.drop(p.name);
      records += n;
      total -= n;
    }
  }
  if (total > maxRecords) {
    const seqs = `SELECT seq FROM records ORDER BY ts, seq LIMIT ${Math.min(maxDeletes, total - maxRecords)}`;
    for (const table of ['anomalies', 'saga_events', 'dlq_entries'])
      other += await db.run(`DELETE FROM ${table} WHERE record_seq IN (${seqs})`);
    records += await db.run(`DELETE FROM records WHERE seq IN (${seqs})`);
  }
  const spans = await db.run(
    'DELETE FROM spans WHERE (trace_id, span_id) IN (SELECT trace_id, span_id FROM spans WHERE stored_at < ? ORDER BY stored_at LIMIT ?)',
    [olderThan, maxDeletes],
  );
  const oldChains = `SELECT id FROM chains WHERE last_seen < ? ORDER BY last_seen LIMIT ?`;
  other += await db.run(`DELETE FROM chain_traces WHERE chain_id IN (${oldChains})`, [olderThan, maxDeletes]);
  other += await db.run(`DELETE FROM chains WHERE id IN (${oldChains})`, [olderThan, maxDeletes]);
  other += await db.run(
    'DELETE FROM sagas WHERE id IN (SELECT id FROM sagas WHERE updated_at < ? ORDER BY updated_at LIMIT ?)',
    [olderThan, maxDeletes],
  );
  other += await db.run(
    'DELETE FROM replays WHERE id IN (SELECT id FROM replays WHERE requested_at < ? ORDER BY requested_at LIMIT ?)',
    [olderThan, maxDeletes],
  );
  other += await db.run(`DELETE FROM bulk_jobs WHERE state <> 'running' AND created_at < ?`, [olderThan]);
  // After the sagas' deletes, whose count changes it folds too.
  await compactSagaCounts(db);
  return { records, spans, other };
}
