import type { RetentionResult } from '../types.ts';
import { lim, MIN_MAX_SEQ, num, reqNum, type Sql } from './db.ts';

// Retention by age (stored time, not broker time: a producer's clock cannot make a record vanish
// on arrival) and by size, in bounded steps so a large backlog never blocks ingest for long.
// The rows derived from a record (its body, search text, anomalies, saga events, dead-letter entry)
// go with it.

const inList = (n: number) => Array.from({ length: n }, () => '?').join(',');

/**
 * `inline`: the text index and the saga tables are in this database (an in-memory store); else they
 * are in the search file, and the search worker drops the rows of deleted records and old sagas.
 */
function deleteRecords(
  sql: Sql,
  seqs: readonly number[],
  inline: boolean,
): { records: number; other: number } {
  let records = 0;
  let other = 0;
  for (let i = 0; i < seqs.length; i += 500) {
    const chunk = seqs.slice(i, i + 500);
    const list = inList(chunk.length);
    records += sql.run(`DELETE FROM records WHERE seq IN (${list})`, chunk).changes;
    sql.run(`DELETE FROM record_bodies WHERE seq IN (${list})`, chunk);
    if (inline) sql.run(`DELETE FROM records_fts WHERE rowid IN (${list})`, chunk);
    other += sql.run(`DELETE FROM anomalies WHERE record_seq IN (${list})`, chunk).changes;
    if (inline) other += sql.run(`DELETE FROM saga_events WHERE record_seq IN (${list})`, chunk).changes;
    other += sql.run(`DELETE FROM dlq_entries WHERE record_seq IN (${list})`, chunk).changes;
  }
  return { records, other };
}

export function enforceRetention(
  sql: Sql,
  opts: { olderThan: number; maxRecords: number; maxDeletes: number; inline: boolean },
): RetentionResult {
  const { olderThan, maxRecords, maxDeletes } = opts;
  // Oldest first by seq: one writer stores records in seq order, so stored_at grows with seq and
  // the walk stops at the first record young enough to keep (no stored_at index to maintain).
  const seqs: number[] = [];
  for (const r of sql.all(`SELECT seq, stored_at FROM records ORDER BY seq LIMIT ${lim(maxDeletes)}`)) {
    if (reqNum(r, 'stored_at') >= olderThan) break;
    seqs.push(reqNum(r, 'seq'));
  }
  const range = sql.get(MIN_MAX_SEQ);
  const lo = range ? num(range, 'lo') : null;
  const hi = range ? num(range, 'hi') : null;
  const over = lo !== null && hi !== null ? hi - lo + 1 - maxRecords : 0;
  if (over > 0 && seqs.length < maxDeletes) {
    const cut = hi! - maxRecords + 1;
    const left = maxDeletes - seqs.length;
    seqs.push(
      ...sql
        .all(`SELECT seq FROM records WHERE seq < ? ORDER BY seq LIMIT ${lim(left)}`, [cut])
        .map((r) => reqNum(r, 'seq')),
    );
  }
  const removed = deleteRecords(sql, [...new Set(seqs)], opts.inline);
  let other = removed.other;
  const spans = sql.run(
    'DELETE FROM spans WHERE rowid IN (SELECT rowid FROM spans WHERE stored_at < ? ORDER BY stored_at LIMIT ?)',
    [olderThan, maxDeletes],
  ).changes;
  const oldChains = `SELECT id FROM chains WHERE last_seen < ? ORDER BY last_seen LIMIT ?`;
  other += sql.run(`DELETE FROM chain_traces WHERE chain_id IN (${oldChains})`, [
    olderThan,
    maxDeletes,
  ]).changes;
  other += sql.run(`DELETE FROM chains WHERE id IN (${oldChains})`, [olderThan, maxDeletes]).changes;
  if (opts.inline)
    other += sql.run(
      'DELETE FROM sagas WHERE id IN (SELECT id FROM sagas WHERE updated_at < ? ORDER BY updated_at LIMIT ?)',
      [olderThan, maxDeletes],
    ).changes;
  other += sql.run(
    'DELETE FROM replays WHERE id IN (SELECT id FROM replays WHERE requested_at < ? ORDER BY requested_at LIMIT ?)',
    [olderThan, maxDeletes],
  ).changes;
  other += sql.run(`DELETE FROM bulk_jobs WHERE state != 'running' AND created_at < ?`, [olderThan]).changes;
  return { records: removed.records, spans, other };
}
