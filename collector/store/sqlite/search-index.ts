import { mayTouchSagas, SAGA_STATE_CHANGED, type SagaSource } from '../../sagas/tracker.ts';
import type { StoredHeader } from '../types.ts';
import { bool, buf, json, MIN_MAX_SEQ, num, reqNum, reqStr, str, type Row, type Sql } from './db.ts';
import { rowToRecord } from './records.ts';
import { ensureSagaTablesApart, moveSagasApart } from './sagas-apart.ts';
import { searchText } from './text-search.ts';

// Where the text-search index (`records_fts`, text-search.ts) lives and who fills it; on a store
// file the saga tables live there too and are derived in the same rounds (sagas-apart.ts).
//
// - An in-memory store (tests) keeps it in the main database, filled as each record is inserted.
// - A store file keeps it in a file of its own beside it, `<db>-search`, filled by a **search
//   worker** (collector/engine/search-worker.ts) from the stored records, in transactions of its
//   own. Tokenizing and writing the full-text index was a third of what indexing a record cost in
//   SQLite (FTS insert ~33 µs, plus the pages it dirtied at COMMIT); in a second file it is written
//   on the second core while the indexer goes on, and the two never wait on one write lock.
//   A record is searchable, and its sagas current, once the worker has caught up (`searchPending`,
//   part of `recordsIndexing` in /api/health); everything else about it is visible at the
//   indexer's COMMIT.
//
// Which records the worker has indexed: `search_state.indexed_to`, the highest seq, committed with
// the index rows. The one record writer assigns seqs in commit order, so everything up to it is
// in. It reads the records and their bodies (a value's schema-decoded text is kept there,
// `record_bodies.search_text`), so a crash of either worker loses nothing: the next round goes on
// from `indexed_to`. Retention deletes records oldest first; the worker then drops their index
// rows below the oldest seq left (`purged_to`), and starts over when every record went and seqs
// are used again (`indexed_key` tells: the record it indexed last).

export const searchIndexPath = (dbPath: string) => `${dbPath}-search`;

const FTS_COLUMNS = `text, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2'`;

/**
 * Segments FTS5 lets pile up on a level before it merges them (its default is 4). Fewer merges
 * rewrite each posting fewer times: in the search worker's own rounds (`diagnose-store --search`,
 * 200k records, two runs each) an insert cost 25 – 26 µs against 33 – 34, the whole round ~6 %
 * less CPU. A match reads more segments; text search at 1M records kept its p95 of 25 – 32 ms
 * (docs/benchmarks.md).
 */
export const FTS_AUTOMERGE = 16;

/** Creates the index (and, in its own file, the worker's progress row) in `schema` if missing. */
export function ensureSearchTables(sql: Sql, schema: 'main' | 'search'): void {
  sql.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${schema}.records_fts USING fts5(${FTS_COLUMNS})`);
  // A persistent setting of the index (its `_config` table): written once, also into older files.
  const merge = sql.get(`SELECT v FROM ${schema}.records_fts_config WHERE k = 'automerge'`);
  if (Number(merge?.v) !== FTS_AUTOMERGE)
    sql.run(`INSERT INTO ${schema}.records_fts (records_fts, rank) VALUES ('automerge', ${FTS_AUTOMERGE})`);
  if (schema === 'search')
    sql.db.exec(`
      CREATE TABLE IF NOT EXISTS search.search_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_to INTEGER NOT NULL, indexed_key TEXT, purged_to INTEGER NOT NULL
      );
      INSERT OR IGNORE INTO search.search_state (id, indexed_to, purged_to) VALUES (1, 0, 0);`);
}

/**
 * Attaches `<db>-search` as schema `search` (WAL, like the main file) and creates its tables, the
 * saga tables included (moved there from the main file of an older store). A connection that
 * attaches it takes its write lock in every `BEGIN IMMEDIATE`, so the ingest worker's connection,
 * which writes all the time, does not attach it (and never reads or writes sagas).
 */
export function attachSearchIndex(sql: Sql, dbPath: string, cacheMb = 16): void {
  sql.db.prepare('ATTACH DATABASE ? AS search').run(searchIndexPath(dbPath));
  sql.db.exec('PRAGMA search.journal_mode = WAL; PRAGMA search.synchronous = NORMAL');
  sql.db.exec(`PRAGMA search.cache_size = -${Math.max(1, Math.round(cacheMb)) * 1024}`);
  ensureSearchTables(sql, 'search');
  ensureSagaTablesApart(sql);
  moveSagasApart(sql);
}

/**
 * Stored records not yet in the search index, on a connection that attached it. From the seq range
 * rather than a count (which would read every pending row): the one writer assigns seqs densely
 * and retention deletes oldest first, so the records past `indexed_to` are exactly its tail.
 */
export function searchPending(sql: Sql): number {
  const range = sql.get(MIN_MAX_SEQ);
  const state = sql.get('SELECT indexed_to FROM search.search_state WHERE id = 1');
  const lo = range ? num(range, 'lo') : null;
  const hi = range ? num(range, 'hi') : null;
  if (lo === null || hi === null) return 0;
  const done = Math.max(state ? reqNum(state, 'indexed_to') : 0, lo - 1);
  return Math.max(0, hi - done);
}

/**
 * Per partition with stored records not yet in the search index: the oldest record's time and the
 * highest offset among them. How far back they hold deadlines (engine/frontier.ts) when the
 * search worker starts behind (after a crash, a stop during a catch-up).
 */
export function searchPendingPartitions(
  sql: Sql,
): { topic: string; partition: number; lastOffset: number; oldest: number }[] {
  const range = sql.get(MIN_MAX_SEQ);
  const state = sql.get('SELECT indexed_to FROM search.search_state WHERE id = 1');
  const lo = range ? num(range, 'lo') : null;
  if (lo === null) return [];
  const done = Math.max(state ? reqNum(state, 'indexed_to') : 0, lo - 1);
  return sql
    .all(
      `SELECT topic, partition, min(ts) AS oldest, max(offset) AS last FROM records WHERE seq > ?
       GROUP BY topic, partition`,
      [done],
    )
    .map((r) => ({
      topic: reqStr(r, 'topic'),
      partition: reqNum(r, 'partition'),
      lastOffset: reqNum(r, 'last'),
      oldest: reqNum(r, 'oldest'),
    }));
}

/** Index rows of deleted records dropped per round at most. */
const PURGE_ROWS = 5000;

const identity = (r: Row) => `${str(r, 'topic')}/${num(r, 'partition')}/${num(r, 'offset')}`;

/**
 * Whether the seqs the index holds now name other records. Retention deletes oldest first, so the
 * oldest seq only grows and the newest record stays, until every record is gone: then seqs start
 * again from 1. So: no record is left, or the record at `indexedTo` is another one, or it is gone
 * while an older seq is still there.
 */
function seqsUsedAgain(sql: Sql, indexedTo: number, key: string | null, lo: number | null): boolean {
  if (lo === null) return true;
  const at = sql.get('SELECT topic, partition, offset FROM records WHERE seq = ?', [indexedTo]);
  return at ? identity(at) !== key : lo <= indexedTo;
}

// Every column of the records row: the saga derivation reads it as the store does (rowToRecord).
const BATCH = `SELECT r.*, b.value, b.headers, b.search_text
  FROM records r JOIN record_bodies b ON b.seq = r.seq WHERE r.seq > ? ORDER BY r.seq LIMIT ?`;

/** A record as the saga derivation of a round sees it (sagas/tracker.ts). */
export type RoundRecord = SagaSource & { readonly payload: unknown };

/**
 * The parsed value, as ingest's decoding gave it to the saga tracker, for the one event type whose
 * payload it reads (a saga's state change): a schema-decoded value's text (the last part of
 * `search_text`: each part is one line of JSON), else a JSON value kept whole.
 */
function payloadOf(r: Row): unknown {
  if (str(r, 'ce_type') !== SAGA_STATE_CHANGED) return undefined;
  try {
    const kind = str(r, 'value_kind');
    const decoded = str(r, 'search_text');
    const value = buf(r, 'value');
    if (kind === 'json' && !bool(r, 'value_truncated') && value) return JSON.parse(value.toString('utf8'));
    if (decoded !== null) return JSON.parse(decoded.slice(decoded.lastIndexOf('\n') + 1));
  } catch {
    // Not JSON after all: no payload, as at decoding.
  }
  return undefined;
}

const roundRecord = (r: Row): RoundRecord => ({ ...rowToRecord(r), payload: payloadOf(r) });

/**
 * Derives the sagas of a round's records inside its transaction (the search worker's saga
 * tracker, over the saga tables in the search file: sagas-apart.ts). `forget` is called when rows
 * it may have cached were deleted (these sagas' events) or rolled back (all).
 */
export interface RoundSagas {
  derive(records: readonly RoundRecord[]): Promise<void>;
  forget(sagaIds?: Iterable<string>): void;
}

/**
 * Records per round of the search worker (one transaction on the search file): ~85 – 230 ms of
 * its work (42 – 116 µs a record by `diagnose-store --search`, fast VM to slow), so a record is
 * searchable well within a second of its COMMIT while the worker keeps up.
 */
export const SEARCH_ROUND_RECORDS = 2000;

/**
 * One round of the search worker, on `sql` (main attached to the search file): indexes the text
 * of up to `max` records past `indexed_to` (and, with `sagas`, derives their sagas), and drops the
 * rows of records retention deleted, in one transaction on the search file. Returns how many
 * records it indexed. The main file is read before that transaction, one statement at a time: a
 * reader holding a snapshot of the main file keeps its WAL from being checkpointed, and the
 * indexer's COMMITs grew slower while this worker held one for a whole round.
 */
export async function catchUpSearchIndex(
  sql: Sql,
  max: number,
  sagas?: RoundSagas,
  /** After the COMMIT: per partition, the highest offset the round indexed. */
  passed?: (topic: string, partition: number, offset: number) => void,
): Promise<number> {
  const state = sql.get('SELECT indexed_to, indexed_key, purged_to FROM search.search_state WHERE id = 1');
  let indexedTo = state ? reqNum(state, 'indexed_to') : 0;
  let indexedKey = state ? str(state, 'indexed_key') : null;
  let purgedTo = state ? reqNum(state, 'purged_to') : 0;
  const range = sql.get(MIN_MAX_SEQ);
  const lo = range ? num(range, 'lo') : null;
  const hi = (range ? num(range, 'hi') : null) ?? 0;
  const reset = indexedTo > 0 && seqsUsedAgain(sql, indexedTo, indexedKey, lo);
  if (reset) {
    indexedTo = 0;
    indexedKey = null;
    purgedTo = 0;
  }
  const raw = sql.all(BATCH, [indexedTo, max]);
  // Per partition, the highest offset this round reads (for `passed`, after the COMMIT).
  const reached = new Map<string, [string, number, number]>();
  const rows = raw.map((r) => {
    if (passed) {
      const topic = reqStr(r, 'topic');
      const partition = reqNum(r, 'partition');
      const offset = reqNum(r, 'offset');
      const k = `${topic}\u0000${partition}`;
      const seen = reached.get(k);
      if (!seen || seen[2] < offset) reached.set(k, [topic, partition, offset]);
    }
    const enc = str(r, 'key_encoding');
    const kind = str(r, 'value_kind');
    const text = searchText({
      keyText: str(r, 'key_text'),
      keyEncoding: enc === 'utf8' || enc === 'hex' ? enc : null,
      headers: json<StoredHeader[]>(r, 'headers', []),
      value: buf(r, 'value'),
      valueKind: kind === 'json' || kind === 'text' ? kind : 'binary',
      decodedText: str(r, 'search_text'),
    });
    return { seq: reqNum(r, 'seq'), key: identity(r), text };
  });

  // Only what can touch a saga is read for it (a record with no saga id, no correlation id and no
  // saga state change cannot, nor can a dead-letter or retry copy).
  const forSagas = sagas
    ? raw
        .filter((r) =>
          mayTouchSagas({
            isDlq: bool(r, 'is_dlq'),
            isRetry: bool(r, 'is_retry'),
            ceType: str(r, 'ce_type'),
            sagaId: str(r, 'saga_id'),
            correlationId: str(r, 'correlation_id'),
          }),
        )
        .map(roundRecord)
    : [];
  const below = lo ?? hi + 1;
  sql.db.exec('BEGIN');
  try {
    if (reset) {
      sql.run(`INSERT INTO search.records_fts (records_fts) VALUES ('delete-all')`);
      // Their records are gone; the sagas stay until retention takes them by age.
      if (sagas) {
        sql.run('DELETE FROM search.saga_events');
        sagas.forget();
      }
    }
    if (below - 1 > purgedTo && purge(sql, below, sagas)) purgedTo = below - 1;
    for (const r of rows) {
      if (r.text) sql.run('INSERT INTO search.records_fts (rowid, text) VALUES (?, ?)', [r.seq, r.text]);
      indexedTo = r.seq;
      indexedKey = r.key;
    }
    if (forSagas.length) await sagas!.derive(forSagas);
    sql.run('UPDATE search.search_state SET indexed_to = ?, indexed_key = ?, purged_to = ? WHERE id = 1', [
      indexedTo,
      indexedKey,
      purgedTo,
    ]);
    sql.db.exec('COMMIT');
    for (const [topic, partition, offset] of reached.values()) passed!(topic, partition, offset);
    return rows.length;
  } catch (err) {
    if (sql.db.isTransaction) sql.db.exec('ROLLBACK');
    sagas?.forget();
    throw err;
  }
}

/**
 * Drops up to PURGE_ROWS index rows (and saga events) of records below seq `below`, which
 * retention deleted; true when none are left.
 */
function purge(sql: Sql, below: number, sagas: RoundSagas | undefined): boolean {
  sql.run(
    `DELETE FROM search.records_fts WHERE rowid IN (SELECT rowid FROM search.records_fts WHERE rowid < ? LIMIT ${PURGE_ROWS})`,
    [below],
  );
  let left = !!sql.get('SELECT rowid FROM search.records_fts WHERE rowid < ? LIMIT 1', [below]);
  if (sagas) {
    const gone = sql.all(
      `DELETE FROM search.saga_events WHERE (saga_id, record_seq) IN
         (SELECT saga_id, record_seq FROM search.saga_events WHERE record_seq < ? LIMIT ${PURGE_ROWS})
       RETURNING saga_id`,
      [below],
    );
    if (gone.length) sagas.forget(new Set(gone.map((r) => reqStr(r, 'saga_id'))));
    left ||= !!sql.get('SELECT 1 AS x FROM search.saga_events WHERE record_seq < ? LIMIT 1', [below]);
  }
  return !left;
}
